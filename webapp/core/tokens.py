"""Signed, expiring links that work once.

A token carries a fingerprint of what it is meant to change (for a password link: the current
password hash). Using the link changes that, so the same link no longer verifies.
"""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"loket.{purpose}")


def fingerprint(value: str | None) -> str:
    return hashlib.sha256((value or "").encode()).hexdigest()[:20]


def make_token(purpose: str, subject_id: int, state: str | None) -> str:
    return _serializer(purpose).dumps({"id": subject_id, "fp": fingerprint(state)})


def read_token(purpose: str, token: str, max_age: int) -> tuple[int, str] | None:
    """(subject id, fingerprint) when the token is genuine and fresh; None otherwise."""
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int) or not isinstance(data.get("fp"), str):
        return None
    return data["id"], data["fp"]
