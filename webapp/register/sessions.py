"""Sessions of those who came in through eHerkenning or DigiD, kept on the server (models.RegisterSession): the
cookie carries a random token under its own key, beside a portal login if there is one; the table its hash."""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, g, session
from sqlalchemy import delete, select

from webapp.core.timeutil import utcnow
from webapp.extensions import db
from webapp.register.models import RegisterSession

SESSION_KEY = {"eherkenning": "register_eherkenning", "digid": "register_digid"}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(via: str, *, level: str, **fields) -> str:
    """A new session row for `via` ("eherkenning" or "digid"); the token that finds it (not yet in the cookie)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    lifetime = timedelta(minutes=current_app.config["REGISTER_SESSION_MINUTES"])
    bsn = fields.pop("bsn", None)
    row = RegisterSession(
        token_hash=_hash(token), via=via, level=level, created_at=now, expires_at=now + lifetime, **fields
    )
    if bsn is not None:
        row.bsn = bsn
    db.session.add(row)
    db.session.flush()
    return token


def start(via: str, *, level: str, **fields) -> RegisterSession:
    """Log in through `via`: a fresh session (the previous one of that kind ends), its token in the cookie."""
    end(via)
    token = open_session(via, level=level, **fields)
    session[SESSION_KEY[via]] = token
    g.pop(f"register_session_{via}", None)
    return current(via)


def current(via: str) -> RegisterSession | None:
    """This browser's live session of `via`, loaded once per request."""
    cache = f"register_session_{via}"
    if cache not in g:
        token = session.get(SESSION_KEY[via])
        row = None
        if token:
            row = db.session.scalar(select(RegisterSession).where(RegisterSession.token_hash == _hash(token)))
            if row is not None and (row.via != via or row.expires_at <= utcnow()):
                row = None
            if row is None:
                session.pop(SESSION_KEY[via], None)
        setattr(g, cache, row)
    return g.get(cache)


def end(via: str) -> None:
    token = session.pop(SESSION_KEY[via], None)
    if token:
        db.session.execute(delete(RegisterSession).where(RegisterSession.token_hash == _hash(token)))
    g.pop(f"register_session_{via}", None)
