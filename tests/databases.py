"""Test databases built by running the migrations, on SQLite and on PostgreSQL.

Each pytest process gets its own PostgreSQL database (so parallel runs never meet) and a
migrated SQLite template file; every test starts from empty tables.
"""

import contextlib
import os
import sqlite3
import uuid

import sqlalchemy as sa
from flask_migrate import upgrade

from tests.components import POSTGRES_ADMIN_URL


def migrate(app) -> None:
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory, revision="heads")


class PostgresDatabase:
    def __init__(self):
        self.name = f"loket_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        base = sa.make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql+psycopg")
        self.admin_url = base
        self.url = base.set(database=self.name).render_as_string(hide_password=False)

    def create(self) -> None:
        engine = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{self.name}"'))
        engine.dispose()

    def drop(self) -> None:
        engine = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        engine.dispose()


def empty_tables(app) -> None:
    """Delete every row but keep the schema (and alembic's version table)."""
    from webapp.extensions import db

    with app.app_context():
        tables = [t for t in reversed(db.metadata.sorted_tables)]
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            with db.engine.begin() as connection:
                connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            with db.engine.begin() as connection:
                for table in tables:
                    connection.execute(table.delete())
        db.session.remove()


def copy_sqlite(template: str, target: str) -> str:
    """A copy of the template through SQLite's backup API, which copies what is committed whether it is still in the
    write-ahead log beside the file or already in the file."""
    with contextlib.closing(sqlite3.connect(template)) as source, contextlib.closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
    return f"sqlite:///{target}"
