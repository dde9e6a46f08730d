"""Signing in with a card through the card agent: a one-time challenge per session and purpose, and the
server's check of the agent's answer (origin-bound signature, chain to a trusted CA, validity dates)."""

import json
import secrets
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from flask import current_app, jsonify

from cardagent.verify import NONCE_BYTES, SignInInvalid, verify_sign_in
from webapp.core.errors import DomainError

MAX_ANSWER_BYTES = 64 * 1024  # a certificate and a signature take a few kilobytes
UNREADABLE = "De kaart kon niet worden gecontroleerd: het antwoord van de Kaartlezer-app is onleesbaar of te groot."
# cardagent.verify's reasons (SignInInvalid's message) as the user reads them; any other: the answer is incomplete.
REASONS = {
    "unknown, used or expired challenge": "deze aanmelding is al gebruikt of verlopen. Probeer het opnieuw.",
    "signature does not match": "de handtekening van de kaart hoort niet bij deze aanmelding op dit portaal.",
    "certificate expired or not yet valid": "de kaart is verlopen of nog niet geldig.",
    "certificate not issued by a trusted CA": "de kaart is niet uitgegeven door een instantie die Loket vertrouwt.",
    "unsupported key type": "de sleutel op deze kaart wordt niet ondersteund.",
}
INCOMPLETE = "het antwoord van de Kaartlezer-app is onvolledig."


def check_limits() -> str:
    """The rate limits of a page's card check: those of the password login (LOGIN_LIMITS), per address."""
    return current_app.config["LOGIN_LIMITS"]


class OneChallenge:
    """verify_sign_in's challenge book, kept in the user's session: one challenge per purpose (a page's card
    step), taken once; a challenge issued for one purpose is no good for another."""

    def __init__(self, session, purpose: str = "cardcheck"):
        self.session = session
        self.key = f"card_challenge:{purpose}"

    def issue(self) -> str:
        nonce = secrets.token_urlsafe(NONCE_BYTES)
        self.session[self.key] = nonce
        return nonce

    def take(self, nonce: str) -> bool:
        issued = self.session.pop(self.key, None)
        return issued is not None and secrets.compare_digest(issued, nonce)


def read_answer(body: bytes) -> dict:
    """The page's post (the agent's answer and the challenge): a JSON object of modest size. Anything else, a
    document nested too deep for the parser among it, is refused before it is looked at."""
    if len(body) > MAX_ANSWER_BYTES:
        raise DomainError(UNREADABLE)
    try:
        answer = json.loads(body)
    except (ValueError, RecursionError):
        raise DomainError(UNREADABLE) from None
    if not isinstance(answer, dict):
        raise DomainError(UNREADABLE)
    return answer


def origin_of(public_url: str) -> str:
    parts = urlsplit(public_url)
    return f"{parts.scheme}://{parts.netloc}"


def refused(error: DomainError):
    """A card page's post refused: the Dutch message its script (static/js/cardpage.js) shows, as a 400."""
    return jsonify(ok=False, message=error.message), 400


def ca_file(setting: str) -> str:
    """The PEM file of the CAs a page trusts: the configured `setting`, or without one (development) the virtual
    card's test CA in the instance folder, made on first use. Never trust that one in production."""
    configured = current_app.config.get(setting)
    if configured:
        return configured
    from cardagent.testca import ensure_test_ca

    directory = Path(current_app.instance_path) / "cardagent-test-ca"
    ensure_test_ca(directory)
    return str(directory / "ca.pem")


@lru_cache(maxsize=4)
def trusted_cas(ca_file: str) -> tuple[x509.Certificate, ...]:
    return tuple(x509.load_pem_x509_certificates(Path(ca_file).read_bytes()))


def verified_certificate(
    body: bytes, *, challenges: OneChallenge, public_url: str, trusted: tuple[x509.Certificate, ...]
) -> x509.Certificate:
    """The certificate of the card whose answer (the page's post: `{"nonce": …, "result": <the agent's
    sign_in result>}`) proves it signed this session's challenge for this portal's origin and chains to a
    trusted CA; a Dutch refusal otherwise."""
    payload = read_answer(body)
    try:
        return verify_sign_in(
            payload.get("result"),
            expected_origin=origin_of(public_url),
            nonce=str(payload.get("nonce", "")),
            challenges=challenges,
            trusted_cas=trusted,
        )
    except SignInInvalid as error:
        raise DomainError(f"De kaart kon niet worden gecontroleerd: {REASONS.get(str(error), INCOMPLETE)}") from error


def check_sign_in(body: bytes, *, challenges: OneChallenge, public_url: str, ca_file: str) -> dict:
    """The card holder's name and certificate subject when the answer proves a trusted card."""
    certificate = verified_certificate(body, challenges=challenges, public_url=public_url, trusted=trusted_cas(ca_file))
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return {
        "common_name": names[0].value if names else "",
        "subject": certificate.subject.rfc4514_string(),
        "issuer": certificate.issuer.rfc4514_string(),
    }
