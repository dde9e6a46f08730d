"""Loket: one portal for organisations that manage people's credentials."""
import importlib
import importlib.util

from flask import Flask

from webapp.config import Config
from webapp.core.cookies import SessionInterface
from webapp.core.ids import IdConverter
from webapp.extensions import csrf, db, htmx, limiter, login_manager, migrate

# The portal's modules, each a package with views.py (a blueprint `bp`) and, where it has
# tables, models.py.
MODULES = ["main", "accounts", "organisations", "backoffice", "passes", "courses", "cardcheck"]


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.session_interface = SessionInterface()
    for key, value in vars(Config(app.instance_path)).items():
        app.config[key] = value
    app.config.update(overrides or {})

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(_migrations_dir()), render_as_batch=True, compare_type=True,
        render_item=_render_migration_item,
    )
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    _import_models()
    app.url_map.converters["int"] = IdConverter  # before the routes that use it
    _register_blueprints(app)
    _register_template_helpers(app)

    from webapp.accounts.sessions import init_sessions
    from webapp.core.readonly import init_read_only
    from webapp.core.security import init_security_headers
    from webapp.errors import init_error_pages
    from webapp.cli import init_cli

    init_sessions(app)
    init_read_only(app)
    init_security_headers(app)
    init_error_pages(app)
    init_cli(app)
    return app


def _render_migration_item(type_, obj, autogen_context):
    from webapp.core.timeutil import render_migration_type

    return render_migration_type(obj, None, autogen_context) if type_ == "type" else False


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"


def _import_models() -> None:
    """Every module's tables, so the metadata (and the migration check) sees them all."""
    import webapp.core.models  # noqa: F401

    for name in MODULES:
        if importlib.util.find_spec(f"webapp.{name}.models"):
            importlib.import_module(f"webapp.{name}.models")


def _register_blueprints(app: Flask) -> None:
    for name in MODULES:
        app.register_blueprint(importlib.import_module(f"webapp.{name}.views").bp)


def _register_template_helpers(app: Flask) -> None:
    from webapp.core.auth import SERVICES, acting
    from webapp.core.forms import csrf_token
    from webapp.core.timeutil import format_date, format_datetime
    from webapp.core.urls import template_url_for
    from webapp.main.navigation import nav_links

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.globals["acting"] = acting
    app.jinja_env.globals["SERVICES"] = SERVICES
    app.jinja_env.globals["nav_links"] = nav_links
    app.jinja_env.globals["url_for"] = template_url_for
    app.context_processor(lambda: {"csrf_token": csrf_token})  # after Flask-WTF's, which it replaces
