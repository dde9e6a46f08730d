"""Login sessions kept on the server: the cookie carries a random token, the database its hash.

Logging out deletes the row, so a copied cookie stops working; a password reset deletes all of
a user's rows. Each request loads the session, its user and the acting context in one query.
"""

import hashlib
import secrets
from datetime import timedelta

from flask import Flask, current_app, g, session
from flask_login import login_user, logout_user
from sqlalchemy import and_, bindparam, delete, exists, func, select

from webapp.accounts.models import LoginSession, Mandate, Membership, Organisation, User
from webapp.core.auth import ActingContext
from webapp.core.timeutil import utcnow
from webapp.extensions import db, login_manager

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
        token_hash=_hash(token),
        user_id=user.id,
        remember=remember,
        level=level,
        created_at=now,
        last_seen_at=now,
        expires_at=now + _lifetime(remember),
    )
    if not user.memberships:
        login.organisation_chosen = True  # nothing to choose: acting as a person
    db.session.add(login)
    db.session.flush()
    session[_SESSION_KEY] = token
    session.permanent = remember
    login_user(user, remember=False, fresh=True)
    g.login_session = login
    # a fresh login has not chosen an organisation yet: it acts as the person
    g.acting = ActingContext(user=user, level=level, can_switch=bool(user.memberships))
    return login


def current_login() -> LoginSession | None:
    return g.get("login_session")


def end_session() -> None:
    login = current_login()
    if login is not None:
        db.session.execute(delete(LoginSession).where(LoginSession.token_hash == login.token_hash))
    logout_user()
    session.clear()


def end_other_sessions(user: User, keep: LoginSession | None = None) -> None:
    statement = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep is not None:
        statement = statement.where(LoginSession.token_hash != keep.token_hash)
    db.session.execute(statement)


# Built once: every request runs this one statement to find its session, user, organisation,
# membership and mandates (the entities side by side: cheaper than joined loading).
_CURRENT_SESSION = (
    select(
        LoginSession,
        User,
        Organisation,
        Membership,
        exists().where(Membership.user_id == LoginSession.user_id).correlate(LoginSession).label("has_memberships"),
        select(func.aggregate_strings(Mandate.service, ","))
        .where(Mandate.membership_id == Membership.id)
        .correlate(Membership)
        .scalar_subquery()
        .label("mandates"),
    )
    .select_from(LoginSession)
    .join(User, User.id == LoginSession.user_id)
    .outerjoin(Organisation, Organisation.id == LoginSession.organisation_id)
    .outerjoin(
        Membership,
        and_(Membership.user_id == LoginSession.user_id, Membership.organisation_id == LoginSession.organisation_id),
    )
    .where(LoginSession.token_hash == bindparam("token_hash"))
)


def _load_user(user_id: str) -> User | None:
    token = session.get(_SESSION_KEY)
    if not token:
        return None
    row = db.session.execute(_CURRENT_SESSION, {"token_hash": _hash(token)}).one_or_none()
    now = utcnow()
    if row is None or str(row[0].user_id) != user_id or row[0].expires_at <= now:
        session.clear()
        return None
    login, user, organisation, membership, has_memberships, mandates = row
    if now - login.last_seen_at > _TOUCH_EVERY:
        # last seen now, the idle expiry pushed on; committed with the request
        login.last_seen_at, login.expires_at = now, now + _lifetime(login.remember)
    g.login_session = login
    g.acting = ActingContext(user=user, level=login.level, can_switch=bool(has_memberships))
    if membership is not None:  # None also when the membership ended after it was chosen
        g.acting.organisation = organisation
        g.acting.membership = membership
        g.acting.mandates = frozenset(mandates.split(",")) if mandates else frozenset()
    return user


def init_app(app: Flask) -> None:
    login_manager.user_loader(_load_user)
    login_manager.session_protection = None  # the server-side session is the protection
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Log in om deze pagina te bekijken."
