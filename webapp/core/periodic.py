"""Periodic jobs: what modules declare in `Module.periodic`, run every so often without cron.

With Redis, `flask worker` runs RQ's cron scheduler beside the worker and it enqueues `run_task`
for each job at its interval. Without Redis (the embedded default) a timer thread in the web
process runs the jobs that are due. `flask sweep` runs them all once, by hand.

However it is started, a run takes the job's lease in `periodic_runs` first (committed on its own,
so other processes see it): a second run that finds the lease taken does nothing, so two at once do
the work once. A run killed halfway leaves its lease to expire; the jobs themselves are idempotent.
"""

import logging
import threading
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from webapp.core.jobs import perform
from webapp.core.models import PeriodicRun
from webapp.core.modules import Periodic, registry
from webapp.core.timeutil import utcnow
from webapp.core.transactions import commit
from webapp.extensions import db

log = logging.getLogger(__name__)
MIN_LEASE = timedelta(minutes=10)
TIMER_SECONDS = 30  # how often the embedded default looks for due jobs


def tasks() -> dict[str, Periodic]:
    return {task.name: task for task in registry().all("periodic")}


def run_task(name: str) -> str:
    """Job: run the periodic job `name` under its lease; what it did, or why it did not run."""
    task = tasks().get(name)
    return run(task) if task is not None else "unknown"


def run(task: Periodic) -> str:
    """Run a periodic job under its lease; what it did, or why it did not run."""
    if not _take_lease(task):
        return "skipped: running elsewhere"
    try:
        outcome = perform(task.func)  # one unit of work: committed, or rolled back when it fails
    except Exception as error:
        _release(task, f"mislukt: {type(error).__name__}")
        raise
    _release(task, str(outcome if outcome is not None else "klaar"))
    return str(outcome)


def run_all() -> dict[str, str]:
    """Every periodic job once (`flask sweep`)."""
    return {name: run(task) for name, task in tasks().items()}


def run_due() -> dict[str, str]:
    """The periodic jobs whose interval has passed since their last start (the embedded timer)."""
    now = utcnow()
    started = dict(db.session.execute(select(PeriodicRun.name, PeriodicRun.started_at)).all())
    return {
        name: run(task)
        for name, task in tasks().items()
        if started.get(name) is None or started[name] + task.every <= now
    }


def _take_lease(task: Periodic) -> bool:
    if db.session.get(PeriodicRun, task.name) is None:
        db.session.add(PeriodicRun(name=task.name))
        try:
            commit()
        except IntegrityError:
            db.session.rollback()  # another run made it just now
    now = utcnow()
    lease = max(task.every, MIN_LEASE)
    taken = (
        db.session.execute(
            update(PeriodicRun)
            .where(
                PeriodicRun.name == task.name, or_(PeriodicRun.locked_until.is_(None), PeriodicRun.locked_until < now)
            )
            .values(locked_until=now + lease, started_at=now)
        ).rowcount
        == 1
    )
    commit()  # the lease: other processes must see it before the work starts
    return taken


def _release(task: Periodic, outcome: str) -> None:
    db.session.execute(
        update(PeriodicRun)
        .where(PeriodicRun.name == task.name)
        .values(locked_until=None, finished_at=utcnow(), outcome=outcome[:300])
    )
    commit()


def last_runs() -> list[PeriodicRun]:
    return list(db.session.execute(select(PeriodicRun).order_by(PeriodicRun.name)).scalars())


# --- the embedded default's timer -----------------------------------------------------------------


def start_timer(app: Flask, seconds: float = TIMER_SECONDS) -> threading.Event:
    """A daemon thread that runs the due periodic jobs every `seconds`; set the returned event to stop it."""
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            with app.app_context():
                try:
                    run_due()
                except Exception:
                    log.exception("periodic jobs failed")
            stop.wait(seconds)

    threading.Thread(target=loop, name="loket-periodic", daemon=True).start()
    return stop


def init_app(app: Flask) -> None:
    """Without Redis, the web process runs the periodic jobs itself: a timer, started by the first request
    (not by `flask db upgrade` and other commands that load the app too)."""
    if not app.config["PERIODIC_TIMER"] or app.config["REDIS_URL"]:
        return
    started = threading.Lock()

    def start_once():
        if started.acquire(blocking=False):
            app.extensions["loket.periodic_timer"] = start_timer(app)  # an event: set it to stop the timer

    app.before_request(start_once)


# --- RQ's cron scheduler, run by `flask worker` ------------------------------------------------------


def run_cron_scheduler(app: Flask) -> None:
    """RQ's cron scheduler for the periodic jobs (blocks; `flask worker` runs it in a process of its own)."""
    from rq.cron import CronScheduler

    from webapp.core.jobs import redis_connection

    with app.app_context():
        scheduler = CronScheduler(connection=redis_connection(app))
        for name, task in tasks().items():
            scheduler.register(
                run_task,
                current_app.config["RQ_QUEUE"],
                args=(name,),
                interval=max(1, int(task.every.total_seconds())),
                name=name,
            )
    scheduler.start()
