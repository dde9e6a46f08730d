"""Periodic jobs run by themselves, without cron: on a timer in the embedded default's web process, and
through RQ's cron scheduler beside `flask worker`; two runs at once do the work once."""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from tests.components import REDIS_TEST_URL, require_redis
from tests.conftest import BASE_CONFIG, make_app
from webapp.core import periodic
from webapp.core.models import OutgoingMail
from webapp.core.modules import Periodic
from webapp.core.timeutil import utcnow
from webapp.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def _a_mail_whose_delivery_was_never_started() -> int:
    """As when the queue was down at the commit: the mail is stored, no job was enqueued for it."""
    mail = OutgoingMail(
        recipient="wachtend@voorbeeld.example",
        subject="Wachtend",
        next_attempt_at=utcnow(),
        message=b"From: a@b.example\r\nTo: wachtend@voorbeeld.example\r\nSubject: Wachtend\r\n\r\nHallo\r\n",
    )
    db.session.add(mail)
    db.session.commit()
    return mail.id


def _wait_until_sent(mail_id: int, deadline: float) -> None:
    while True:
        db.session.expire_all()
        if db.session.get(OutgoingMail, mail_id).status == "sent":
            return
        assert time.monotonic() < deadline, "the periodic job did not deliver the waiting mail"
        time.sleep(0.1)


def _wait_until_every_task_ran(deadline: float) -> dict:
    while True:
        db.session.expire_all()
        runs = {run.name: run for run in periodic.last_runs()}
        if set(runs) == set(periodic.tasks()) and all(run.finished_at for run in runs.values()):
            return runs
        if time.monotonic() > deadline:
            return runs  # the assertions after say which did not run
        time.sleep(0.1)


def _app(database_url, tmp_path, backend, **config):
    app = make_app(tmp_path, database_url, **config)
    if backend == "postgresql":
        from tests.databases import empty_tables

        empty_tables(app)
    return app


def test_the_embedded_default_runs_periodic_jobs_on_a_timer_in_the_web_process(database_url, tmp_path, backend):
    app = _app(database_url, tmp_path, backend, PERIODIC_TIMER=True)
    with app.app_context():
        mail_id = _a_mail_whose_delivery_was_never_started()
        assert app.test_client().get("/").status_code == 200  # the web process's first request starts the timer
        try:
            deadline = time.monotonic() + 60
            _wait_until_sent(mail_id, deadline)
            assert list((tmp_path / "outbox").glob("*.eml"))
            # The timer runs the jobs one after another: the mail's may finish before the others have.
            runs = _wait_until_every_task_ran(deadline)
            assert set(runs) == set(periodic.tasks())  # every module's periodic job ran, none by cron
            assert all(run.finished_at and run.locked_until is None for run in runs.values())
        finally:
            app.extensions["loket.periodic_timer"].set()
        db.session.remove()
        db.engine.dispose()


def test_flask_worker_schedules_periodic_jobs_through_rq(database_url, tmp_path, backend):
    require_redis()
    queue_name = f"loket-test-periodic-{uuid.uuid4().hex[:8]}"
    app = _app(database_url, tmp_path, backend, REDIS_URL=REDIS_TEST_URL, RQ_QUEUE=queue_name)
    with app.app_context():
        mail_id = _a_mail_whose_delivery_was_never_started()
        env = dict(
            os.environ,
            DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
            REDIS_URL=REDIS_TEST_URL,
            RQ_QUEUE=queue_name,
            MAIL_OUTBOX_DIR=app.config["MAIL_OUTBOX_DIR"],
            SECRET_KEY=BASE_CONFIG["SECRET_KEY"],
            DATA_KEY=BASE_CONFIG["DATA_KEY"],
        )
        flask = str(Path(sys.executable).with_name("flask"))
        worker = subprocess.Popen(
            [flask, "--app", "wsgi", "worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            _wait_until_sent(mail_id, time.monotonic() + 120)
            assert {run.name for run in periodic.last_runs()} == set(periodic.tasks())
        finally:
            os.killpg(worker.pid, signal.SIGTERM)  # the worker and its cron scheduler
            try:
                worker.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
            from webapp.core.jobs import queue

            queue().empty()
        db.session.remove()
        db.engine.dispose()


def test_two_runs_at_once_do_the_work_once(app):
    started, release, calls = threading.Event(), threading.Event(), []

    def work():
        calls.append(1)
        started.set()
        release.wait(60)
        return "klaar"

    task = Periodic("Proef", work, every=timedelta(minutes=5))
    outcomes = []

    def run_in_thread():
        with app.app_context():
            outcomes.append(periodic.run(task))

    first = threading.Thread(target=run_in_thread)
    first.start()
    assert started.wait(60)
    second = threading.Thread(target=run_in_thread)
    second.start()
    second.join(60)  # the second run finds the lease taken and returns at once
    release.set()
    first.join(60)
    assert calls == [1]
    assert sorted(outcomes) == ["klaar", "skipped: running elsewhere"]
    db.session.expire_all()
    [run] = [run for run in periodic.last_runs() if run.name == task.name]
    assert run.outcome == "klaar" and run.locked_until is None
    assert periodic.run(task) == "klaar" and len(calls) == 2  # the lease was given back


def test_flask_sweep_runs_every_periodic_job_once(app):
    mail_id = _a_mail_whose_delivery_was_never_started()
    result = app.test_cli_runner().invoke(args=["sweep"])
    assert result.exit_code == 0, result.output
    for task in periodic.tasks().values():
        assert task.name in result.output
    db.session.expire_all()
    assert db.session.execute(select(OutgoingMail.status).where(OutgoingMail.id == mail_id)).scalar_one() == "sent"
