"""Views marked read_only read in autocommit, taking a connection only when they query; a write from
one is refused and stores nothing; the connection goes back to the pool transactional, so a later
failing write still rolls back."""
import sqlite3

import pytest
from sqlalchemy import func, insert, select

from tests.conftest import make_app
from tests.factories import Factory, login
from webapp.accounts.models import User
from webapp.core.auth import acting
from webapp.core.readonly import read_only
from webapp.extensions import db
from webapp.organisations.models import Organisation


@pytest.fixture
def app(database_url, tmp_path):
    """An app whose requests each get their own app context (and so their own database session),
    as under gunicorn (TESTING off, as there); the suite's usual fixture keeps one context open across requests."""
    app = make_app(tmp_path, database_url, TESTING=False)
    if database_url.startswith("postgresql"):
        from tests.databases import empty_tables

        empty_tables(app)

    @app.get("/__read")
    @read_only
    def read():
        count = db.session.execute(select(func.count(Organisation.id))).scalar_one()
        dbapi_connection = db.session.connection().connection.dbapi_connection  # the one the query used
        if isinstance(dbapi_connection, sqlite3.Connection):
            autocommit = dbapi_connection.isolation_level is None
        else:
            autocommit = dbapi_connection.autocommit
        return {"autocommit": autocommit, "count": count}

    @app.get("/__no-query")
    @read_only
    def no_query():
        return {"connections_in_use": db.engine.pool.checkedout()}

    @app.get("/__sneaky-write")
    @read_only
    def sneaky_write():
        db.session.execute(insert(Organisation).values(name="Sneaky BV"))
        db.session.commit()
        return "written"

    @app.get("/__rename-me")
    @read_only
    def rename_me():
        acting().user.first_name = "Gewijzigd"
        db.session.commit()
        return "renamed"

    @app.post("/__failing-write")
    def failing_write():
        db.session.execute(insert(Organisation).values(name="Half BV"))
        raise RuntimeError("fails half-way")

    yield app
    with app.app_context():
        db.engine.dispose()


def organisation_names(app) -> list[str]:
    with app.app_context():
        names = list(db.session.execute(select(Organisation.name).order_by(Organisation.name)).scalars())
        db.session.remove()
        return names


def test_read_only_view_reads_in_autocommit(app):
    with app.app_context():
        db.session.add(Organisation(name="Herenbos Schagen"))
        db.session.commit()
        db.session.remove()
    response = app.test_client().get("/__read")
    assert response.json == {"autocommit": True, "count": 1}


def test_read_only_view_without_queries_takes_no_connection(app):
    assert app.test_client().get("/__no-query").json == {"connections_in_use": 0}


def test_write_from_read_only_view_is_refused_and_stores_nothing(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    assert client.get("/__sneaky-write").status_code == 500
    assert organisation_names(app) == []


def test_connection_is_transactional_again_after_a_read_only_view(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    for _ in range(3):  # the pool hands the same connection back
        assert client.get("/__read").json["autocommit"] is True
        assert client.post("/__failing-write").status_code == 500
    assert organisation_names(app) == []


def test_read_only_view_cannot_change_the_logged_in_user(app):
    """On a read-only page the login's user is a read-only copy: changing it fails loudly, stores nothing."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with app.app_context():
        email = Factory(app).user(first_name="Deby").email
        db.session.remove()
    client = app.test_client()
    login(client, email)
    assert client.get("/__rename-me").status_code == 500
    with app.app_context():
        assert db.session.execute(select(User.first_name).where(User.email == email)).scalar_one() == "Deby"


def test_the_lookup_on_the_driver_reads_what_sqlalchemy_reads(app):
    """The login lookup of read-only pages runs on the driver: each value must come out as SQLAlchemy's
    own execution gives it (aware datetimes and booleans on SQLite too, NULLs of the outer joins,
    the mandates), and a failing statement raises SQLAlchemy's error."""
    from sqlalchemy import exc, table, column

    from webapp.accounts import sessions
    from webapp.accounts.models import LoginSession
    from webapp.core.driverquery import DriverQuery
    from webapp.core.timeutil import utcnow

    with app.app_context():
        factory = Factory(app)
        member, loner = factory.user(first_name="Deby"), factory.user(first_name="Jan")
        organisation = factory.organisation("Herenbos Schagen")
        factory.member(member, organisation, role="admin", services=("passes", "courses"))
        now = utcnow()
        for token, user, chosen in (("with-organisation", member, organisation.id), ("as-person", loner, None)):
            db.session.add(LoginSession(token_hash=token, user_id=user.id, organisation_id=chosen, remember=True,
                                        organisation_chosen=True, created_at=now, last_seen_at=now, expires_at=now))
        db.session.commit()
        statement = sessions._current_session(*sessions._TABLES)
        query = DriverQuery(statement)
        connection = db.session.connection()
        for token in ("with-organisation", "as-person", "unknown"):
            expected = connection.execute(statement, {"token_hash": token}).one_or_none()
            row = query.one_or_none(connection, token_hash=token)
            assert row == (tuple(expected) if expected is not None else None)
            if row is not None:
                assert [type(value) for value in row] == [type(value) for value in expected]
        row = query.one_or_none(connection, token_hash="with-organisation")
        assert row[2].tzinfo is not None and sorted(row[-1].split(",")) == ["courses", "passes"]
        with pytest.raises(exc.DBAPIError):
            DriverQuery(select(column("x")).select_from(table("no_such_table"))).one_or_none(connection)
        db.session.rollback()
