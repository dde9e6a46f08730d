"""Whom the smartcards module trusts: the outside CA of credential cards, and the portal's own issuing CA."""

from functools import lru_cache
from pathlib import Path

from cryptography import x509
from flask import current_app

from webapp.core.cardsignin import ca_file, trusted_cas
from webapp.core.timeutil import utcnow
from webapp.smartcards import ca

CRL_PATH = "/smartcards/crl"  # where the revocation list is published; every certificate names it


def crl_url() -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + CRL_PATH


def credential_cas() -> tuple[x509.Certificate, ...]:
    """The CAs whose credential cards (UZI-passen) may sign in: CREDENTIAL_CA_FILE, or in development the
    virtual card's test CA in the instance folder (never trust that one in production)."""
    return trusted_cas(ca_file("CREDENTIAL_CA_FILE"))


def issuing_ca() -> ca.IssuingCA:
    """The portal's issuing CA, made on first use in the configured files."""
    config = current_app.config
    return _issuing_ca(config["SMARTCARD_CA_KEY_FILE"], config["SMARTCARD_CA_CERT_FILE"], config["SMARTCARD_CA_NAME"])


@lru_cache(maxsize=4)
def _issuing_ca(key_file: str, certificate_file: str, name: str) -> ca.IssuingCA:
    return ca.load_or_create(Path(key_file), Path(certificate_file), name, utcnow())
