"""Who did what, for which organisation, at which assurance level; for a state change, from what to what.

Never passwords, PINs, tokens, codes or BSNs: a detail whose key names such a secret, and any BSN in
the detail, the subject or the states, is refused with a ValueError (a programming error, so it shows
in the tests rather than in the trail).
"""

import json
import re

from flask import has_request_context
from sqlalchemy import insert

from webapp.core.auth import acting
from webapp.core.bsn import looks_like_bsn
from webapp.core.models import AuditEvent
from webapp.extensions import db

# Whole words of a detail's key: "pin" and "activation_code" are refused, "passes" and "postcode" are not.
_FORBIDDEN_WORDS = {"password", "passwd", "pin", "puk", "token", "secret", "bsn", "code", "otp", "totp"}


class _FromContext:
    def __repr__(self) -> str:
        return "FROM_CONTEXT"


FROM_CONTEXT = _FromContext()  # the acting organisation; pass organisation_id=None for "no organisation"


def audit(
    action: str,
    *,
    subject: str = "",
    organisation_id=FROM_CONTEXT,
    old_state: str | None = None,
    new_state: str | None = None,
    actor_id: int | None = None,
    level: str | None = None,
    **detail,
) -> None:
    """Add an audit event to the current transaction (it is stored with the change it describes).

    Inside a request the actor, the session's level and (unless given) the organisation come from the
    acting context; a job passes actor_id (and the organisation) itself and records no level. `level` is for a
    session that is not a portal login (the register's eHerkenning session)."""
    context = acting() if has_request_context() else None
    db.session.add(
        AuditEvent(**_row(context, action, subject, organisation_id, old_state, new_state, actor_id, level, detail))
    )


def audit_many(events) -> None:
    """Add many audit events at once, in one multi-row INSERT (a job or an upload that audits each of thousands of
    rows): each event is a dict of `audit`'s arguments (`action` and the keywords), refused the same way."""
    context = acting() if has_request_context() else None
    rows = []
    for event in events:
        event = dict(event)
        action = event.pop("action")
        subject = event.pop("subject", "")
        organisation_id = event.pop("organisation_id", FROM_CONTEXT)
        old_state, new_state = event.pop("old_state", None), event.pop("new_state", None)
        actor_id, level = event.pop("actor_id", None), event.pop("level", None)
        rows.append(_row(context, action, subject, organisation_id, old_state, new_state, actor_id, level, event))
    if rows:
        db.session.execute(insert(AuditEvent), rows)


def _row(context, action, subject, organisation_id, old_state, new_state, actor_id, level, detail) -> dict:
    _refuse_secrets(subject, old_state, new_state, detail)
    if actor_id is None and context is not None:
        actor_id = context.user_id
    session_is_actors = context is not None and context.user_id == actor_id
    if organisation_id is FROM_CONTEXT:
        organisation_id = context.organisation_id if session_is_actors else None
    return dict(
        action=action,
        subject=subject,
        actor_id=actor_id,
        organisation_id=organisation_id,
        level=level if level is not None else context.level if session_is_actors else "",
        old_state="" if old_state is None else str(old_state),
        new_state="" if new_state is None else str(new_state),
        detail=json.dumps(detail, default=str, ensure_ascii=False) if detail else "",
    )


def _refuse_secrets(subject, old_state, new_state, detail: dict) -> None:
    secret_keys = [key for key in detail if _names_secret(key)]
    if secret_keys:
        raise ValueError(f"audit detail may not carry secrets: {secret_keys}")
    bsn_places = [
        name
        for name, value in [("subject", subject), ("old_state", old_state), ("new_state", new_state), *detail.items()]
        if _holds_bsn(value)
    ]
    if bsn_places:
        raise ValueError(f"audit event may not carry a BSN: {bsn_places}")


def _names_secret(key: str) -> bool:
    return any(word in _FORBIDDEN_WORDS for word in re.split(r"[^a-z0-9]+", key.lower()))


def _holds_bsn(value) -> bool:
    if isinstance(value, dict):
        return any(_holds_bsn(item) for pair in value.items() for item in pair)
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_holds_bsn(item) for item in value)
    return looks_like_bsn(value)
