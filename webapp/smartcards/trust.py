"""Whom the smartcards module trusts: the outside CA of credential cards, and the portal's own issuing CA."""

from functools import lru_cache
from pathlib import Path

from cryptography import x509
from flask import current_app

from webapp.core.cardsignin import trusted_cas
from webapp.core.timeutil import utcnow
from webapp.smartcards import ca

CRL_PATH = "/smartcards/crl"  # where the revocation list is published; every certificate names it


def crl_url() -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + CRL_PATH


def credential_cas() -> tuple[x509.Certificate, ...]:
    """The CAs whose credential cards (UZI-passen) may sign in: CREDENTIAL_CA_FILE, or in development the
    virtual card's test CA in the instance folder (never trust that one in production)."""
    configured = current_app.config.get("CREDENTIAL_CA_FILE")
    if configured:
        return trusted_cas(configured)
    from cardagent.testca import ensure_test_ca

    directory = Path(current_app.instance_path) / "cardagent-test-ca"
    ensure_test_ca(directory)
    return trusted_cas(str(directory / "ca.pem"))


def issuing_ca() -> ca.IssuingCA:
    """The portal's issuing CA, made on first use in the configured files."""
    config = current_app.config
    return _issuing_ca(config["SMARTCARD_CA_KEY_FILE"], config["SMARTCARD_CA_CERT_FILE"], config["SMARTCARD_CA_NAME"])


@lru_cache(maxsize=4)
def _issuing_ca(key_file: str, certificate_file: str, name: str) -> ca.IssuingCA:
    return ca.load_or_create(Path(key_file), Path(certificate_file), name, utcnow())
