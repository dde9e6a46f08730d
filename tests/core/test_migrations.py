"""The schema comes from the migrations; models and migrations must never disagree."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from webapp.extensions import db


def test_models_match_migrations(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"models and migrations disagree; add a migration: {differences}"


def test_flask_db_upgrade_reaches_the_current_schema_on_an_empty_database(app, backend, tmp_path):
    """The Flask-Migrate convention, exactly as an operator types it: one head, no revision to name."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import sqlalchemy as sa

    from tests.components import require_postgres
    from tests.databases import PostgresDatabase

    root = Path(__file__).resolve().parents[2]
    database = None
    if backend == "postgresql":
        require_postgres()
        database = PostgresDatabase()
        database.create()
        url = database.url
    else:
        url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    try:
        flask = str(Path(sys.executable).with_name("flask"))
        env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="upgrade-test", DATA_KEY="upgrade-test")
        result = subprocess.run(
            [flask, "--app", "wsgi", "db", "upgrade"], cwd=root, env=env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stderr
        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
            heads = subprocess.run(
                [flask, "--app", "wsgi", "db", "heads"], cwd=root, env=env, capture_output=True, text=True, timeout=120
            ).stdout.split()
            assert set(context.get_current_heads()) == {heads[0]}
        engine.dispose()
    finally:
        if database is not None:
            database.drop()
