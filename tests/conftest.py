"""Fixtures shared by the whole suite: apps on SQLite and PostgreSQL, a real SMTP server,
a live server with headless Chromium, and factories for people and organisations."""

import os

import pytest
from flask import has_app_context
from flask.testing import FlaskClient

from tests.components import require_postgres
from tests.databases import PostgresDatabase, copy_sqlite, empty_tables, migrate

pytest_plugins = ["tests.browser.fixtures", "tests.cardstack", "tests.oidc_provider"]

# Fast password hashing would hide nothing we test, but argon2's default cost makes hundreds of
# logins slow; tests use the real hasher with its real parameters anyway (they are ~50 ms).

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "DATA_KEY": "test-data-key",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "REDIS_URL": None,
    "MAIL_SERVER": None,
    "PUBLIC_URL": "http://localhost",
    "SERVER_NAME": None,
    "PERIODIC_TIMER": False,
    # The register's OIDC providers: a loopback port nothing answers on (not the development provider's 5380, which
    # may be running); the tests that log in point these at the test provider (tests/oidc_provider.py).
    "EHERKENNING_ISSUER": "http://127.0.0.1:9",
    "DIGID_ISSUER": "http://127.0.0.1:9",
}


class RequestClient(FlaskClient):
    """The test client, each request in an app context of its own (as under a WSGI server: its own `g` and
    database session), while the test keeps its own context open; the test's session is expired after each
    request, so what the test reads next is what the request committed."""

    def open(self, *args, **kwargs):
        from webapp.extensions import db

        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if has_app_context():
            db.session.expire_all()
        return response


def make_app(tmp_path, database_url: str, **overrides):
    from webapp import create_app

    config = dict(BASE_CONFIG)
    config.update(
        SQLALCHEMY_DATABASE_URI=database_url,
        MAIL_OUTBOX_DIR=str(tmp_path / "outbox"),
        STORAGE_DIR=str(tmp_path / "storage"),
    )
    if database_url.startswith("postgresql"):
        # a test that leaves a write open and then makes a request fails in 30 s instead of hanging
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"options": "-c lock_timeout=30s"}}
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = RequestClient
    return app


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite"
    from webapp import create_app

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    migrate(app)
    with app.app_context():
        from webapp.extensions import db

        db.engine.dispose()
    return str(path)


@pytest.fixture(scope="session")
def postgres_database():
    require_postgres()
    database = PostgresDatabase()
    database.create()
    from webapp import create_app

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database.url})
    migrate(app)
    with app.app_context():
        from webapp.extensions import db

        db.engine.dispose()
    yield database
    database.drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    return request.param


@pytest.fixture
def database_url(backend, request, tmp_path):
    if backend == "postgresql":
        return request.getfixturevalue("postgres_database").url
    return copy_sqlite(request.getfixturevalue("sqlite_template"), str(tmp_path / "test.sqlite"))


@pytest.fixture
def app(database_url, tmp_path):
    """The app on a freshly emptied, migrated database: once on SQLite, once on PostgreSQL."""
    app = make_app(tmp_path, database_url)
    if database_url.startswith("postgresql"):
        empty_tables(app)
    with app.app_context():
        yield app
        from webapp.core.jobs import wait_for_in_process_jobs
        from webapp.extensions import db

        wait_for_in_process_jobs()  # mail and builds the test started end before its database goes
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def redis_app(database_url, tmp_path, backend):
    """The app with its jobs on RQ (Redis), on a queue of its own: a retry scheduled by an earlier test must not run
    here. RQ retries a failed job at once, not in 2 s, so a burst worker runs the retry before it stops."""
    import uuid

    from tests.components import REDIS_TEST_URL, require_redis

    require_redis()
    app = make_app(
        tmp_path,
        database_url,
        REDIS_URL=REDIS_TEST_URL,
        RQ_QUEUE=f"loket-test-{uuid.uuid4().hex[:8]}",
        RQ_RETRY_INTERVALS=[0],
    )
    if backend == "postgresql":
        empty_tables(app)
    with app.app_context():
        yield app
        from webapp.core.jobs import queue
        from webapp.extensions import db

        queue().delete(delete_jobs=True)
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def factory(app):
    from tests.factories import Factory

    return Factory(app)


@pytest.fixture
def outbox(app):
    """The mails the app wrote to its local outbox (MAIL_SERVER unset)."""
    from tests.mail import Outbox

    return Outbox(app.config["MAIL_OUTBOX_DIR"])


def pytest_collection_modifyitems(config, items):
    if os.environ.get("LOKET_TEST_BACKEND"):
        wanted = os.environ["LOKET_TEST_BACKEND"]
        keep = [item for item in items if f"[{'postgresql' if wanted == 'sqlite' else 'sqlite'}" not in item.nodeid]
        items[:] = keep
