"""Card sign-in for the test page: a one-time challenge per session, checked on return."""

import json
import secrets
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509

from cardagent.verify import NONCE_BYTES, SignInInvalid, verify_sign_in
from webapp.core.errors import DomainError

MAX_ANSWER_BYTES = 64 * 1024  # a certificate and a signature take a few kilobytes
UNREADABLE = "De kaart kon niet worden gecontroleerd: het antwoord van de Kaartlezer-app is onleesbaar of te groot."


class OneChallenge:
    """verify_sign_in's challenge book, kept in the user's session: one challenge, taken once."""

    KEY = "card_challenge"

    def __init__(self, session):
        self.session = session

    def issue(self) -> str:
        nonce = secrets.token_urlsafe(NONCE_BYTES)
        self.session[self.KEY] = nonce
        return nonce

    def take(self, nonce: str) -> bool:
        issued = self.session.pop(self.KEY, None)
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


@lru_cache(maxsize=4)
def trusted_cas(ca_file: str) -> tuple[x509.Certificate, ...]:
    return tuple(x509.load_pem_x509_certificates(Path(ca_file).read_bytes()))


def check_sign_in(result: dict, *, nonce: str, challenges: OneChallenge, public_url: str, ca_file: str) -> dict:
    """The card holder's name and certificate subject when the answer proves a trusted card."""
    try:
        certificate = verify_sign_in(
            result,
            expected_origin=origin_of(public_url),
            nonce=nonce,
            challenges=challenges,
            trusted_cas=trusted_cas(ca_file),
        )
    except SignInInvalid as error:
        raise DomainError(f"De kaart kon niet worden gecontroleerd: {error}.") from error
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return {
        "common_name": names[0].value if names else "",
        "subject": certificate.subject.rfc4514_string(),
        "issuer": certificate.issuer.rfc4514_string(),
    }
