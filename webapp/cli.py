"""`flask` commands: create-staff, demo-data, sweep, worker. Modules add theirs in commands.py."""
import importlib
import importlib.util

import click
from flask import current_app

from webapp.extensions import db


def _module_hooks(attribute: str):
    """Functions named `attribute` in webapp.<module>.<file> for every module that has one."""
    from webapp import MODULES

    for name in MODULES:
        for file in ("commands", "demo", "jobs"):
            spec = f"webapp.{name}.{file}"
            if importlib.util.find_spec(spec):
                module = importlib.import_module(spec)
                if hasattr(module, attribute):
                    yield getattr(module, attribute)


def init_cli(app) -> None:
    for register in _module_hooks("register_commands"):
        register(app)

    @app.cli.command("create-staff")
    @click.argument("email")
    @click.option("--first-name", default="")
    @click.option("--last-name", default="")
    def create_staff(email, first_name, last_name):
        """Create an issuer staff (back-office) account and mail its activation link."""
        from webapp.accounts import services

        user = services.find_user(email) or services.create_account(email, first_name=first_name, last_name=last_name)
        user.is_staff = True
        db.session.commit()
        if user.is_activated:
            click.echo(f"{user.email} is now back-office staff; the account was active already.")
            return
        link = services.send_activation(user)
        click.echo(f"Staff account {user.email}: activation link sent.")
        click.echo(link)

    @app.cli.command("demo-data")
    def demo_data():
        """Load the organisations and people of the manuals (idempotent)."""
        from webapp.demo import load_demo

        for line in load_demo():
            click.echo(line)

    @app.cli.command("sweep")
    def sweep():
        """Periodic work: expire requests, delete their files, planned unlinks."""
        for task in _module_hooks("sweep"):
            click.echo(f"{task.__module__}: {task()}")

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
    def worker(burst):
        """Run an RQ worker for this app's queue (needs REDIS_URL)."""
        from rq import Worker
        from rq.serializers import JSONSerializer

        from webapp.core.jobs import queue, redis_connection

        if not current_app.config["REDIS_URL"]:
            raise click.UsageError("REDIS_URL is not set: without it jobs run inside the web process.")
        for preload in _module_hooks("preload"):
            preload()  # heavy imports once, before the worker forks for each job
        Worker([queue()], connection=redis_connection(), serializer=JSONSerializer).work(
            burst=burst, with_scheduler=True
        )
