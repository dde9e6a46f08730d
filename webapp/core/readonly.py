"""Pages that only read the database: their queries run in autocommit, one round trip each,
without the BEGIN and ROLLBACK a transaction adds to every request.

PostgreSQL gives each statement of a READ COMMITTED transaction its own snapshot, so a read in
autocommit sees exactly what it would have seen in a transaction. A view marked `read_only` that
tries to write anyway is a programming error: the statement is refused before it is sent. The
autocommit connection is taken at the first query (usually the login session's lookup), so a page
that needs nothing more makes one round trip.
"""
import re

from flask import current_app, g, has_request_context, request
from flask_sqlalchemy.session import Session
from sqlalchemy import event

from webapp.extensions import db

_OPTION = "loket_read_only"
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|MERGE|CREATE|ALTER|DROP|TRUNCATE)\b", re.IGNORECASE)


class WriteInReadOnlyView(RuntimeError):
    pass


def read_only(view):
    """Mark a view as reading only; on GET and HEAD its database session runs in autocommit."""
    view.read_only = True
    return view


def _mark_read_only_requests() -> None:
    view = current_app.view_functions.get(request.endpoint)
    if request.method in ("GET", "HEAD") and getattr(view, "read_only", False) and not db.session().in_transaction():
        g.read_only_pending = True


def read_only_request() -> bool:
    """Whether this request is a GET or HEAD of a view marked read_only."""
    return has_request_context() and bool(g.get("read_only_pending") or g.get("read_only_session"))


def read_only_connection():
    """The read-only request's autocommit connection, for a Core statement (the ORM's queries take it
    by themselves)."""
    session = db.session()
    if g.get("read_only_pending"):
        _take_autocommit_connection(session)
    return session.connection()


def _take_autocommit_connection(session) -> None:
    del g.read_only_pending
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT", _OPTION: True})
    g.read_only_session = True


@event.listens_for(Session, "do_orm_execute")
def _autocommit_at_first_query(state) -> None:
    if has_request_context() and g.get("read_only_pending") and state.session is db.session():
        _take_autocommit_connection(state.session)


def _end_read_only_session(error=None) -> None:
    g.pop("read_only_pending", None)
    if g.pop("read_only_session", False) and current_app.testing:
        # The test suite keeps one app context open across requests: hand the autocommit connection
        # back here. Elsewhere the request's app context ends with it, and Flask-SQLAlchemy's
        # teardown closes the session and returns the connection, reset, to the pool.
        db.session.rollback()


def _refuse_writes(connection, cursor, statement, parameters, context, executemany) -> None:
    if connection.get_execution_options().get(_OPTION) and _WRITE.match(statement):
        raise WriteInReadOnlyView(f"a view marked read_only tried to write: {statement[:80]}")


def init_read_only(app) -> None:
    app.before_request(_mark_read_only_requests)
    app.teardown_request(_end_read_only_session)
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _refuse_writes)
