"""The archive built by real RQ workers on Redis: chunks in parallel, a final ZIP job; failures leave no ZIP.

Workers are real: `flask worker` processes, or RQ's SimpleWorker in this process (core.jobs.rq_worker).
Nothing here waits a fixed time: every wait is for a condition, with a deadline far beyond what a busy
machine needs.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from functools import partial
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.components import REDIS_TEST_URL
from tests.conftest import BASE_CONFIG, make_app
from webapp.core.errors import NotFound
from webapp.core.jobs import queue, rq_worker, worker_count
from webapp.core.storage import TEMPORARY_PREFIX
from webapp.extensions import db
from webapp.passes import archive, services
from webapp.passes.listing import Filters
from webapp.passes.models import PassRequest
from webapp.passes.render import PassRenderer

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 120  # seconds: what no healthy run comes near, however loaded the machine


@pytest.fixture
def rq_world(redis_app):
    from tests.factories import Factory
    from tests.passes.conftest import PassesWorld

    world = PassesWorld(Factory(redis_app))
    world.many(30)
    return world


def submit(world) -> PassRequest:
    """Deby selects all 32 holders and submits; the commit enqueues the build."""
    services.add_all_to_selection(world.acting(), Filters())
    request = services.submit_request(world.acting(), uuid.uuid4().hex)
    db.session.commit()
    return request


def reloaded(request_id) -> PassRequest:
    db.session.expire_all()
    return db.session.get(PassRequest, request_id)


def burst(app, jobs=40):
    """Run the queued jobs (and the retries RQ schedules) in this process, then stop."""
    rq_worker(app, simple=True).work(burst=True, max_jobs=jobs)


def archive_names(world, request_id) -> list[str]:
    with zipfile.ZipFile(services.download(world.acting(), request_id).path) as zipped:
        return zipped.namelist()


# --- worker processes ---------------------------------------------------------------------------------


def worker_env(app) -> dict:
    return dict(
        os.environ,
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=REDIS_TEST_URL,
        RQ_QUEUE=app.config["RQ_QUEUE"],
        STORAGE_DIR=app.config["STORAGE_DIR"],
        SECRET_KEY=BASE_CONFIG["SECRET_KEY"],
        DATA_KEY=BASE_CONFIG["DATA_KEY"],
        PUBLIC_URL="http://localhost",
    )


def start_workers(app, count, *args) -> list[subprocess.Popen]:
    flask = str(Path(sys.executable).with_name("flask"))
    return [
        subprocess.Popen(
            [flask, "--app", "wsgi", "worker", *args],
            cwd=ROOT,
            env=worker_env(app),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for _ in range(count)
    ]


def stop(workers, grace=30) -> None:
    """SIGTERM (RQ's warm shutdown), then SIGKILL whatever is left of each worker's process group after the
    grace period (a work horse, a cron scheduler): nothing outlives the test."""
    for worker in workers:
        worker.terminate()
    deadline = time.monotonic() + grace
    for worker in workers:
        try:
            worker.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(worker.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        worker.wait()


def wait_until(condition, what: str, seconds: float = DEADLINE):
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        assert time.monotonic() < deadline, f"{what}: not within {seconds} s"
        time.sleep(0.1)
    return result


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def registered_cron_schedulers() -> list[int]:
    """The pids of the RQ cron schedulers registered in Redis."""
    from rq.cron import CronScheduler

    return [scheduler.pid for scheduler in CronScheduler.all(queue().connection)]


def cron_schedulers_of(worker) -> list[int]:
    """The worker's children that are registered cron schedulers."""
    return sorted(set(children(worker.pid)) & set(registered_cron_schedulers()))


def gone(pid: int) -> bool:
    """Not running (a zombie waiting to be reaped by whoever adopted it counts as gone)."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


# --- the tests --------------------------------------------------------------------------------------


def test_two_burst_workers_build_the_archive(redis_app, rq_world):
    request = submit(rq_world)
    assert request.status == "queued"
    workers = start_workers(redis_app, 2, "--burst")
    outputs = [worker.communicate(timeout=DEADLINE * 2)[0].decode(errors="replace") for worker in workers]
    request = reloaded(request.id)
    assert request.status == "available", outputs
    assert request.progress_done == request.progress_total == 32
    names = archive_names(rq_world, request.id)
    assert len(names) == 2 + 1  # Knightley has two qualifications, Te Tester one; the generated holders none
    assert "73029884_Mevr._K.C._Knightley_Eerste_Hulp.pdf" in names


def test_a_worker_failing_while_zipping_leaves_no_zip(redis_app, rq_world):
    request = submit(rq_world)
    blocked = archive.ARCHIVES.path(archive.archive_name(request.id))
    blocked.mkdir()  # the archive cannot be moved into place: every ZIP attempt fails at its last step
    burst(redis_app)
    request = reloaded(request.id)
    assert request.status == "failed"
    assert not archive.ARCHIVES.exists(archive.archive_name(request.id))
    assert not [path for path in archive.ARCHIVES.directory.rglob(TEMPORARY_PREFIX + "*")]  # no partial ZIP left
    with pytest.raises(NotFound):
        services.download(rq_world.acting(), request.id)

    blocked.rmdir()
    services.retry_request(rq_world.acting(), request.id)
    db.session.commit()
    burst(redis_app)
    assert reloaded(request.id).status == "available"
    assert services.download(rq_world.acting(), request.id).path.is_file()


def status_seen_by_the_user(request_id) -> str:
    """The request's status as another connection reads it (a page being polled), mid-job."""
    with db.engine.connect() as connection:
        return connection.execute(sa.select(PassRequest.status).where(PassRequest.id == request_id)).scalar_one()


def test_a_chunk_that_fails_once_is_built_again_without_showing_mislukt(redis_app, rq_world, monkeypatch):
    monkeypatch.setattr(archive, "CHUNK_SIZE", 4)  # several chunks; the second one rendered fails once
    request = submit(rq_world)
    original, calls, seen = PassRenderer.render_many, [], []

    def second_chunk_fails_once(self, items):
        calls.append(items)
        if len(calls) == 2:
            raise OSError("disk full")
        if len(calls) > 2:
            seen.append(status_seen_by_the_user(request.id))
        return original(self, items)

    monkeypatch.setattr(PassRenderer, "render_many", second_chunk_fails_once)
    burst(redis_app)
    request = reloaded(request.id)
    assert request.status == "available", request.error
    assert seen and set(seen) == {"building"}  # while RQ's retry ran, the row said it was being made
    assert len(archive_names(rq_world, request.id)) == 3


def test_a_chunk_that_keeps_failing_shows_mislukt_and_is_built_on_the_users_retry(redis_app, rq_world, monkeypatch):
    monkeypatch.setattr(archive, "CHUNK_SIZE", 4)
    request = submit(rq_world)
    original, calls = PassRenderer.render_many, []

    def fails_after_the_first_chunk(self, items):
        calls.append(items)
        if len(calls) > 1:
            raise OSError("disk full")
        return original(self, items)

    monkeypatch.setattr(PassRenderer, "render_many", fails_after_the_first_chunk)
    burst(redis_app)
    request = reloaded(request.id)
    assert request.status == "failed"  # RQ's retry failed too
    assert len(calls) == 3 and not archive.ARCHIVES.exists(archive.archive_name(request.id))

    monkeypatch.setattr(PassRenderer, "render_many", original)
    services.retry_request(rq_world.acting(), request.id)
    db.session.commit()
    burst(redis_app)
    assert reloaded(request.id).status == "available"
    assert len(archive_names(rq_world, request.id)) == 3


def test_redis_down_at_submit_stores_nothing(database_url, tmp_path, backend):
    from tests.databases import empty_tables
    from tests.factories import Factory, login
    from tests.passes.conftest import PassesWorld

    app = make_app(tmp_path, database_url, REDIS_URL="redis://127.0.0.1:1/0")
    if backend == "postgresql":
        empty_tables(app)
    with app.app_context():
        world = PassesWorld(Factory(app))
        client = app.test_client()
        login(client, "deby@herenbos.example", organisation=world.roc.id)
        client.post(f"/pasjes/selectie/{world.holder_organisation(world.knightley).id}/toevoegen")
        response = client.post("/pasjes/verzoek", data={"sleutel": "k1"})
        assert response.status_code == 400
        assert "tijdelijk niet bereikbaar" in response.get_data(as_text=True)
        assert db.session.query(PassRequest).count() == 0
        assert "<strong>1</strong> Kwalificatiehouder(s)" in client.get("/pasjes").get_data(as_text=True)
        db.session.remove()
        db.engine.dispose()


def test_one_build_job_per_live_worker(redis_app, rq_world):
    """Workers already waiting: the request gets a build job for each, and the ZIP job has nothing left to do."""
    from rq.job import Job
    from rq.registry import FinishedJobRegistry

    workers = start_workers(redis_app, 2)
    try:
        wait_until(lambda: worker_count() >= 2, "the workers registered")
        finished = FinishedJobRegistry(queue=queue())
        known = set(finished.get_job_ids())
        request = submit(rq_world)
        wait_until(lambda: reloaded(request.id).status in ("available", "failed"), "the request finished")
        assert reloaded(request.id).status == "available"

        def jobs_done():
            jobs = Job.fetch_many([i for i in finished.get_job_ids() if i not in known], connection=queue().connection)
            names = [job.func_name.rsplit(".", 1)[1] for job in jobs if job]
            return jobs if "finish" in names and names.count("build_chunks") == 2 else None

        jobs = wait_until(jobs_done, "the ZIP job (a formality now) finished too")
        builders = [job for job in jobs if job.func_name.endswith(".build_chunks")]
        assert len(builders) == 2 and sum(job.return_value() for job in builders) == 32
    finally:
        stop(workers)


def test_terminating_the_worker_stops_its_cron_scheduler(redis_app):
    """`flask worker` runs RQ's cron scheduler in a child process: a SIGTERM to the worker (a deploy, systemd)
    stops both; so does a SIGKILL of the worker, which the child notices."""
    for how in (signal.SIGTERM, signal.SIGKILL):
        [worker] = start_workers(redis_app, 1)
        try:
            wait_until(lambda: worker_count() >= 1, "the worker registered")
            [scheduler] = wait_until(partial(cron_schedulers_of, worker), "the cron scheduler started")
            os.kill(worker.pid, how)
            worker.wait(DEADLINE)
            wait_until(partial(gone, scheduler), f"the cron scheduler stopped after {how.name}")
            assert scheduler not in registered_cron_schedulers()  # it said so in Redis: a clean stop
        finally:
            stop([worker])
