"""The portal's own `flask` commands: demo-data, sweep, worker. Modules add theirs as click groups
(`Module.cli`, e.g. `flask passes generate`)."""

import multiprocessing
import os
import signal
import threading
import time

import click
from flask import Flask, current_app

from webapp.core import periodic
from webapp.core.jobs import rq_worker, wait_for_in_process_jobs
from webapp.core.modules import registry
from webapp.extensions import db


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_data)
    app.cli.add_command(sweep)
    app.cli.add_command(worker)


@click.command("demo-data")
def demo_data():
    """Load the organisations, people and examples of the manuals (idempotent)."""
    for load in registry().each("demo"):
        for line in load():
            click.echo(line)
        db.session.commit()


@click.command("sweep")
def sweep():
    """Run every periodic job once now (they also run by themselves: see `flask worker`)."""
    for name, outcome in periodic.run_all().items():
        click.echo(f"{name}: {outcome}")
    wait_for_in_process_jobs()


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (and schedule no periodic jobs).")
def worker(burst):
    """Run an RQ worker for this app's queue, and RQ's cron scheduler for the periodic jobs (needs REDIS_URL)."""
    app = current_app._get_current_object()
    if not app.config["REDIS_URL"]:
        raise click.UsageError("REDIS_URL is not set: without it jobs run inside the web process.")
    for preload in registry().each("preload"):
        preload()  # heavy imports once, before the worker forks for each job
    scheduler = None
    if not burst:
        scheduler = multiprocessing.get_context("fork").Process(
            target=_cron_scheduler, args=(app, os.getpid()), name="loket-cron", daemon=True
        )
        scheduler.start()
    try:
        rq_worker(app).work(burst=burst, with_scheduler=True)
    finally:
        if scheduler is not None:
            scheduler.terminate()
            scheduler.join()


def _cron_scheduler(app: Flask, worker_pid: int) -> None:
    """The worker's child process running RQ's cron scheduler. A stopped worker terminates it; a worker
    killed outright (SIGKILL, the OOM killer) cannot, so the child stops itself once its parent is gone."""

    def stop_with_the_worker():
        while os.getppid() == worker_pid:
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)  # the scheduler's own graceful stop

    threading.Thread(target=stop_with_the_worker, name="loket-cron-watch", daemon=True).start()
    periodic.run_cron_scheduler(app)
