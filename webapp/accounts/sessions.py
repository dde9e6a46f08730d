"""Login sessions kept on the server: the cookie carries a random token, the database its hash.

Logging out deletes the row, so a copied cookie stops working; a password reset deletes all of
a user's rows. Each request loads the session, its user and the acting context in one go.
"""
import hashlib
import secrets
from datetime import timedelta

from flask import current_app, g, session
from flask_login import login_user, logout_user
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload, selectinload

from webapp.accounts.models import LoginSession, User
from webapp.core.auth import ActingContext
from webapp.core.timeutil import utcnow
from webapp.extensions import db, login_manager
from webapp.organisations.models import Membership

_SESSION_KEY = "sid"
_TOUCH_EVERY = timedelta(minutes=5)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _lifetime(remember: bool) -> timedelta:
    config = current_app.config
    return config["PERMANENT_SESSION_LIFETIME"] if remember else config["SESSION_IDLE"]


def start_session(user: User, *, remember: bool, level: str = "EH1") -> LoginSession:
    """A fresh session id at every login (no fixation); the old cookie content is dropped."""
    session.clear()
    token = secrets.token_urlsafe(32)
    now = utcnow()
    login = LoginSession(
        token_hash=_hash(token), user_id=user.id, remember=remember, level=level,
        created_at=now, last_seen_at=now, expires_at=now + _lifetime(remember),
    )
    if not user.memberships:
        login.organisation_chosen = True  # nothing to choose: acting as a person
    db.session.add(login)
    db.session.commit()
    session[_SESSION_KEY] = token
    session.permanent = remember
    login_user(user, remember=False, fresh=True)
    g.login_session = login
    return login


def current_login() -> LoginSession | None:
    return g.get("login_session")


def end_session() -> None:
    login = current_login()
    if login is not None:
        db.session.execute(delete(LoginSession).where(LoginSession.token_hash == login.token_hash))
        db.session.commit()
    logout_user()
    session.clear()


def end_other_sessions(user: User, keep: LoginSession | None = None) -> None:
    statement = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep is not None:
        statement = statement.where(LoginSession.token_hash != keep.token_hash)
    db.session.execute(statement)


def _load_user(user_id: str) -> User | None:
    token = session.get(_SESSION_KEY)
    if not token:
        return None
    login = db.session.execute(
        select(LoginSession)
        .options(joinedload(LoginSession.user), joinedload(LoginSession.organisation))
        .where(LoginSession.token_hash == _hash(token))
    ).scalar_one_or_none()
    now = utcnow()
    if login is None or str(login.user_id) != user_id or login.expires_at <= now:
        session.clear()
        return None
    if now - login.last_seen_at > _TOUCH_EVERY:
        login.last_seen_at = now
        login.expires_at = now + _lifetime(login.remember)
        db.session.commit()
    g.login_session = login
    g.acting = _acting_context(login)
    return login.user


def _acting_context(login: LoginSession) -> ActingContext:
    context = ActingContext(user=login.user, level=login.level)
    if login.organisation_id is not None:
        membership = db.session.execute(
            select(Membership)
            .options(selectinload(Membership.mandates))
            .where(Membership.user_id == login.user_id, Membership.organisation_id == login.organisation_id)
        ).scalar_one_or_none()
        if membership is not None:  # the membership may have ended since
            context.organisation = login.organisation
            context.membership = membership
            context.mandates = membership.services
    return context


def init_sessions(app) -> None:
    login_manager.user_loader(_load_user)
    login_manager.session_protection = None  # the server-side session is the protection
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Log in om deze pagina te bekijken."
