"""Loket: one portal for organisations that manage people's credentials."""

import importlib
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from webapp.config import Config
from webapp.core.transactions import Portal
from webapp.extensions import csrf, db, htmx, limiter, login_manager, migrate

# The portal's modules, in the order their demo data loads and their menu entries show. Each is a
# package that declares itself in its __init__.py (`module = Module(...)`, see core/modules.py).
MODULES = [
    "webapp.main",
    "webapp.accounts",
    "webapp.organisations",
    "webapp.backoffice",
    "webapp.passes",
    "webapp.courses",
    "webapp.cardcheck",
    "webapp.smartcards",
    "webapp.register",
    "webapp.dossiers",
]
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def create_app(overrides: dict | None = None) -> Flask:
    app = Portal(__name__, instance_relative_config=True)
    for key, value in vars(Config(app.instance_path)).items():
        app.config[key] = value
    app.config.update(overrides or {})
    if app.config["TRUSTED_PROXIES"]:
        # The client's address and scheme as the trusted proxies saw them (the rate limits key on the address).
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    from webapp.core.ids import IdConverter
    from webapp.core.modules import Registry
    from webapp.core.timeutil import render_migration_item

    app.url_map.converters["int"] = IdConverter  # before the routes that use it
    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(MIGRATIONS), render_as_batch=True, compare_type=True, render_item=render_migration_item
    )
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    registry = Registry([importlib.import_module(name).module for name in MODULES])
    app.extensions["loket.modules"] = registry
    for module in registry.modules:
        for blueprint in module.blueprints:
            app.register_blueprint(blueprint)
        if module.cli is not None:
            app.cli.add_command(module.cli)

    from webapp import cli, errors
    from webapp.accounts import sessions
    from webapp.core import periodic, security, templating, transactions

    transactions.init_app(app)
    sessions.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    periodic.init_app(app)
    return app
