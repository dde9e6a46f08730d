"""Encrypting small secrets at rest (BSNs, authenticator secrets) and keyed hashes of them; small records kept
sealed in the session."""

import base64
import dataclasses
import hashlib
import hmac
import json

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


def derived_key(purpose: str) -> bytes:
    return hmac.new(current_app.config["DATA_KEY"].encode(), purpose.encode(), hashlib.sha256).digest()


def keyed_hash(purpose: str, value: str) -> str:
    return hmac.new(derived_key(f"hash:{purpose}"), value.encode(), hashlib.sha256).hexdigest()


def seal(purpose: str, value: str) -> str:
    return _fernet(purpose).encrypt(value.encode()).decode()


def unseal(purpose: str, token: str) -> str:
    try:
        return _fernet(purpose).decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ValueError(f"cannot unseal {purpose} with this DATA_KEY") from error


def _fernet(purpose: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derived_key(f"seal:{purpose}")))


def keep_sealed(store, key: str, record) -> None:
    """A dataclass `record`, sealed under `key` in `store` (the session): the user holds it but cannot read it or
    change it."""
    store[key] = seal(key, json.dumps(dataclasses.asdict(record)))


def read_sealed(store, key: str, kind):
    """The `kind` dataclass sealed under `key` in `store`; None (and forgotten) when absent or unreadable."""
    sealed = store.get(key)
    if not sealed:
        return None
    try:
        return kind(**json.loads(unseal(key, sealed)))
    except (ValueError, TypeError):
        store.pop(key, None)
        return None
