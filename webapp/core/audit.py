"""Who did what, for which organisation. Never passwords, PINs, tokens or BSNs."""
import json
import re

from flask import has_request_context
from flask_login import current_user

from webapp.core.models import AuditEvent
from webapp.extensions import db

# Whole words of a detail's key: "pin" and "activation_code" are refused, "passes" and "postcode" are not.
_FORBIDDEN_WORDS = {"password", "passwd", "pin", "puk", "token", "secret", "bsn", "code", "otp", "totp"}


def _carries_secret(key: str) -> bool:
    return any(word in _FORBIDDEN_WORDS for word in re.split(r"[^a-z0-9]+", key.lower()))


def audit(action: str, *, organisation_id: int | None = None, subject: str = "", actor_id: int | None = None, **detail) -> None:
    """Add an audit event to the current transaction (it is stored with the change it describes)."""
    bad = [key for key in detail if _carries_secret(key)]
    if bad:
        raise ValueError(f"audit detail may not carry secrets: {bad}")
    if actor_id is None and has_request_context() and current_user.is_authenticated:
        actor_id = current_user.id
    db.session.add(
        AuditEvent(
            action=action,
            organisation_id=organisation_id,
            subject=subject,
            actor_id=actor_id,
            detail=json.dumps(detail, default=str, ensure_ascii=False) if detail else "",
        )
    )
