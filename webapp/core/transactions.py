"""Writers that count before they write (places left on an event, room in a selection) take turns."""
from sqlalchemy import text

from webapp.extensions import db


def take_write_lock() -> None:
    """On SQLite start a transaction that holds the database's write lock (BEGIN IMMEDIATE), ending what
    the session had open: SQLite has no row locks (it drops FOR UPDATE), so two writers would both count
    before either wrote. On PostgreSQL nothing: lock the rows that are counted with FOR UPDATE."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.commit()  # BEGIN must start a fresh transaction
        db.session.execute(text("PRAGMA busy_timeout = 30000"))
        db.session.execute(text("BEGIN IMMEDIATE"))
