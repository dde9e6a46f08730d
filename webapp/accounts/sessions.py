"""Login sessions kept on the server: the cookie carries a random token, the database its hash.

Logging out deletes the row, so a copied cookie stops working; a password reset deletes all of
a user's rows. Each request loads the session, its user and the acting context in one go.
"""
import hashlib
import secrets
from datetime import timedelta

from flask import current_app, g, session
from flask_login import login_user, logout_user
from sqlalchemy import and_, bindparam, delete, exists, func, inspect, select, update
from sqlalchemy.orm.attributes import set_committed_value

from webapp.accounts.models import LoginSession, User
from webapp.core.auth import ActingContext
from webapp.core.driverquery import DriverQuery
from webapp.core.readonly import read_only_connection, read_only_request
from webapp.core.timeutil import utcnow
from webapp.extensions import db, login_manager
from webapp.organisations.models import Mandate, Membership, Organisation

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
    # a fresh login has not chosen an organisation yet: it acts as the person
    g.acting = ActingContext(user=user, level=level, can_switch=bool(user.memberships))
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


# Built once: every request runs this one statement to find its session, user, organisation,
# membership and mandates.
_ENTITIES = (LoginSession, User, Organisation, Membership)
_CONTEXT_COLUMNS = (
    exists().where(Membership.user_id == LoginSession.user_id).correlate(LoginSession).label("has_memberships"),
    select(func.aggregate_strings(Mandate.service, ","))
    .where(Mandate.membership_id == Membership.id)
    .correlate(Membership)
    .scalar_subquery()
    .label("mandates"),
)


def _current_session(*columns):
    return (
        select(*columns, *_CONTEXT_COLUMNS)
        .select_from(LoginSession)
        .join(User, User.id == LoginSession.user_id)
        .outerjoin(Organisation, Organisation.id == LoginSession.organisation_id)
        .outerjoin(
            Membership,
            and_(Membership.user_id == LoginSession.user_id, Membership.organisation_id == LoginSession.organisation_id),
        )
        .where(LoginSession.token_hash == bindparam("token_hash"))
    )


# For requests that may write: the entities side by side (cheaper than joined loading), in the session.
_CURRENT_SESSION = _current_session(*_ENTITIES)
# For read-only pages: the same columns as plain rows, made into read-only copies (below).
_TABLES = [entity.__table__ for entity in _ENTITIES]
_CURRENT_SESSION_ROW = DriverQuery(_current_session(*_TABLES))


def _copier(entity):
    """Makes read-only copies of an entity from its table's columns: instances of the mapped class with
    their column values and no ORM state, so properties such as User.full_name work, while setting an
    attribute or touching an unloaded relationship raises (a read-only page does neither)."""
    columns = list(entity.__table__.columns)
    keys = [inspect(entity).get_property_by_column(column).key for column in columns]
    primary_key = columns.index(next(iter(entity.__table__.primary_key)))

    def copy(values):
        if values[primary_key] is None:  # an outer join found nothing
            return None
        instance = object.__new__(entity)
        instance.__dict__.update(zip(keys, values))
        return instance

    return copy, len(keys)


_COPIERS = [_copier(entity) for entity in _ENTITIES]


def _read_only_row(token_hash: str):
    """The lookup on a read-only page: the same statement on the driver, without the ORM's loading and
    SQLAlchemy's execution (which cost about a tenth and a seventh of a whole page)."""
    values = _CURRENT_SESSION_ROW.one_or_none(read_only_connection(), token_hash=token_hash)
    if values is None:
        return None
    entities, start = [], 0
    for copy, width in _COPIERS:
        entities.append(copy(values[start:start + width]))
        start += width
    return (*entities, *values[start:])


def _touch(login: LoginSession, now) -> None:
    """Last seen now, the idle expiry pushed on: committed on a connection of its own, so a read-only
    page touches too and the request's transaction stays the view's."""
    seen = {"last_seen_at": now, "expires_at": now + _lifetime(login.remember)}
    with db.engine.begin() as connection:
        connection.execute(update(LoginSession).where(LoginSession.token_hash == login.token_hash).values(seen))
    if inspect(login, raiseerr=False) is None:  # a read-only copy
        login.__dict__.update(seen)
    else:
        for name, value in seen.items():
            set_committed_value(login, name, value)


def _load_user(user_id: str) -> User | None:
    token = session.get(_SESSION_KEY)
    if not token:
        return None
    # in the request's own session: a read-only page reads it in autocommit (one round trip)
    if read_only_request():
        row = _read_only_row(_hash(token))
    else:
        row = db.session.execute(_CURRENT_SESSION, {"token_hash": _hash(token)}).one_or_none()
    now = utcnow()
    if row is None or str(row[0].user_id) != user_id or row[0].expires_at <= now:
        session.clear()
        return None
    login, user, organisation, membership, has_memberships, mandates = row
    if now - login.last_seen_at > _TOUCH_EVERY:
        _touch(login, now)
    g.login_session = login
    g.acting = ActingContext(user=user, level=login.level, can_switch=bool(has_memberships))
    if membership is not None:  # None also when the membership ended after it was chosen
        g.acting.organisation = organisation
        g.acting.membership = membership
        g.acting.mandates = frozenset(mandates.split(",")) if mandates else frozenset()
    return user


def _forget_request_state() -> None:
    # g outlives a request when an app context is already pushed (tests, jobs): start clean.
    for name in ("login_session", "acting", "_login_user"):
        g.pop(name, None)


def init_sessions(app) -> None:
    app.before_request(_forget_request_state)
    login_manager.user_loader(_load_user)
    login_manager.session_protection = None  # the server-side session is the protection
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Log in om deze pagina te bekijken."
