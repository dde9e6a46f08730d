"""Server side of a card sign-in: issue one-time challenges and check what the agent returns.

Pure functions and a small in-memory challenge book, usable from the portal:

    challenges = Challenges()
    nonce = challenges.issue()                   # send to the page
    ...                                          # page: agent.signIn(nonce) -> result
    certificate = verify_sign_in(result, expected_origin="https://portal.example",
                                 nonce=nonce, challenges=challenges, trusted_cas=[ca])

The card signed SHA-256(origin) || SHA-256(nonce), so a challenge that a foreign site relayed
to the agent carries that site's origin and fails here; a challenge is taken once, so a
replayed answer fails too. The portal can keep challenges in its session or Redis instead of
`Challenges`, as long as it takes each one once.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import secrets
import threading
import time

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

NONCE_BYTES = 32


def sign_in_payload(origin: str, nonce: str) -> bytes:
    """What the card signs at sign-in (with SHA-256): SHA-256(origin) || SHA-256(nonce)."""
    return hashlib.sha256(origin.encode()).digest() + hashlib.sha256(nonce.encode()).digest()


class SignInInvalid(Exception):
    """The sign-in answer does not prove possession of a trusted card for this challenge."""


class Challenges:
    """One-time challenges that expire; thread-safe, in memory."""

    def __init__(self, lifetime_seconds: float = 120, clock=time.monotonic):
        self.lifetime = lifetime_seconds
        self.clock = clock
        self._issued: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self) -> str:
        nonce = base64.urlsafe_b64encode(secrets.token_bytes(NONCE_BYTES)).decode().rstrip("=")
        with self._lock:
            self._forget_expired()
            self._issued[nonce] = self.clock() + self.lifetime
        return nonce

    def take(self, nonce: str) -> bool:
        """True once for a nonce we issued that has not expired."""
        with self._lock:
            self._forget_expired()
            return self._issued.pop(nonce, None) is not None

    def _forget_expired(self):
        now = self.clock()
        for nonce in [n for n, expires in self._issued.items() if expires < now]:
            del self._issued[nonce]


def _decode(value, what: str) -> bytes:
    if not isinstance(value, str):
        raise SignInInvalid(f"{what} missing")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SignInInvalid(f"{what} is not base64") from None


def check_certificate(certificate: x509.Certificate, trusted_cas, now=None) -> None:
    """The certificate is within its validity and directly issued by one of trusted_cas."""
    now = now or datetime.datetime.now(datetime.UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise SignInInvalid("certificate expired or not yet valid")
    for ca in trusted_cas:
        if ca.subject != certificate.issuer:
            continue
        try:
            certificate.verify_directly_issued_by(ca)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return
    raise SignInInvalid("certificate not issued by a trusted CA")


def verify_signature(certificate: x509.Certificate, signature: bytes, message: bytes) -> None:
    public_key = certificate.public_key()
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        elif isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        else:
            raise SignInInvalid("unsupported key type")
    except InvalidSignature:
        raise SignInInvalid("signature does not match") from None


def verify_sign_in(
    result: dict, *, expected_origin: str, nonce: str, challenges=None, trusted_cas=(), now=None
) -> x509.Certificate:
    """Check an agent's sign_in result for the nonce this server issued to expected_origin.

    Returns the verified certificate; raises SignInInvalid otherwise. With `challenges`, the
    nonce is also taken from it (so it works once). With no trusted_cas, the certificate chain
    is not checked: only do that when the certificate is pinned to an account already."""
    if not isinstance(result, dict):
        raise SignInInvalid("malformed answer")
    if challenges is not None and not challenges.take(nonce):
        raise SignInInvalid("unknown, used or expired challenge")
    try:
        certificate = x509.load_der_x509_certificate(_decode(result.get("certificate"), "certificate"))
    except ValueError:
        raise SignInInvalid("certificate is not DER") from None
    signature = _decode(result.get("signature"), "signature")
    # Always the origin the server expects: never trust the origin named in the answer.
    verify_signature(certificate, signature, sign_in_payload(expected_origin, nonce))
    if trusted_cas:
        check_certificate(certificate, trusted_cas, now)
    return certificate
