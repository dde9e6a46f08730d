"""One transaction per request, per job and per command.

Services add and flush; they never commit. A request commits once, when its view returns (whatever
the status: a form answered with its errors commits what the view meant to keep, such as a failed
attempt), and rolls back when the view raises (an error page: nothing of it is stored). A job and a
command commit once at their end.

Work that needs the committed data, or must not happen for a rolled-back change (mail, background
jobs), is handed to `after_commit`: it runs once the transaction commits and is dropped when it
rolls back.

SQLite has no row locks (it ignores FOR UPDATE), so a writing request there takes the database's
write lock at its start (BEGIN IMMEDIATE): writers that count before they write (places left on an
event, room in a selection) take turns. PostgreSQL locks the rows that are counted (FOR UPDATE).
"""

import sqlite3

from flask import Flask, request
from flask_sqlalchemy.session import Session
from sqlalchemy import event

from webapp.extensions import db

_AFTER_COMMIT = "loket.after_commit"
_READING_METHODS = {"GET", "HEAD", "OPTIONS"}
SQLITE_BUSY_TIMEOUT_MS = 30_000


def after_commit(func, *args, **kwargs) -> None:
    """Call func(*args, **kwargs) once the current transaction has committed; never when it rolls back.
    It may not use the database session (that transaction is over): enqueue a job for such work."""
    session = db.session()
    if session.get_transaction() is None:
        session.begin()  # so that a rollback, even one before any SQL, drops the work
    session.info.setdefault(_AFTER_COMMIT, []).append((func, args, kwargs))


@event.listens_for(Session, "after_commit")
def _run_after_commit(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: the transaction itself has not committed yet
    for func, args, kwargs in session.info.pop(_AFTER_COMMIT, []):
        func(*args, **kwargs)


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_commit(session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the transaction itself, not a savepoint, was rolled back
        session.info.pop(_AFTER_COMMIT, None)


def commit() -> None:
    db.session.commit()


def take_write_lock() -> None:
    """Start the transaction holding SQLite's write lock (nothing on PostgreSQL). Only at the start of
    a unit of work: a transaction that already wrote keeps its own way."""
    if db.session.get_bind().dialect.name != "sqlite":
        return
    connection = db.session.connection()
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _configure_sqlite(dbapi_connection, connection_record) -> None:
    """Writers wait for each other instead of failing; with a write-ahead log readers never wait for a writer, and a
    commit appends to the log without waiting for the disk twice (synchronous NORMAL: a power cut may lose the last
    commits, never the database's consistency; SQLite is the embedded default, PostgreSQL the production one)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        dbapi_connection.execute("PRAGMA journal_mode = WAL")
        dbapi_connection.execute("PRAGMA synchronous = NORMAL")


def _lock_for_writing_requests() -> None:
    if request.method not in _READING_METHODS:
        take_write_lock()


def _end_request(error=None) -> None:
    db.session.rollback()  # after the view's commit nothing is left; after an error, all of it goes


class Portal(Flask):
    """Flask, committing the request's transaction when its view returns."""

    def dispatch_request(self):
        result = super().dispatch_request()
        commit()
        return result


def init_app(app: Flask) -> None:
    with app.app_context():
        event.listen(db.engine, "connect", _configure_sqlite)
    app.before_request(_lock_for_writing_requests)
    app.teardown_request(_end_request)
