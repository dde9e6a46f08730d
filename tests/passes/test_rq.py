"""The archive built by real RQ workers on Redis: chunks in parallel, a final ZIP job; failures leave no ZIP."""
import os
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.components import REDIS_TEST_URL, require_redis
from tests.conftest import BASE_CONFIG, make_app
from webapp.extensions import db
from webapp.passes.models import PassRequest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis_app(database_url, tmp_path, backend, monkeypatch):
    require_redis()
    from tests.databases import empty_tables

    # RQ retries a failed job at once, not in 2 s: a burst worker runs the retry before it stops
    monkeypatch.setattr("webapp.core.jobs.RETRY_INTERVALS", [0])

    # a queue of its own: a retry scheduled by an earlier test must not run here
    app = make_app(tmp_path, database_url, REDIS_URL=REDIS_TEST_URL, RQ_QUEUE=f"loket-test-passes-{uuid.uuid4().hex[:8]}")
    if backend == "postgresql":
        empty_tables(app)
    with app.app_context():
        yield app
        from webapp.core.jobs import queue

        queue().empty()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def rq_world(redis_app):
    from tests.factories import Factory
    from tests.passes.conftest import PassesWorld

    world = PassesWorld(Factory(redis_app))
    world.many(30)
    return world


def submit(world):
    from webapp.passes import services

    services.add_all_to_selection(world.contact.id, services.Filters())
    return services.submit_request(world.contact.id, world.roc.id, uuid.uuid4().hex)


def worker_env(app) -> dict:
    return dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=REDIS_TEST_URL,
                RQ_QUEUE=app.config["RQ_QUEUE"], STORAGE_DIR=app.config["STORAGE_DIR"],
                SECRET_KEY=BASE_CONFIG["SECRET_KEY"], DATA_KEY=BASE_CONFIG["DATA_KEY"], PUBLIC_URL="http://localhost")


def run_workers(app, count=2):
    env = worker_env(app)
    flask = str(Path(sys.executable).with_name("flask"))
    workers = [subprocess.Popen([flask, "--app", "wsgi", "worker", "--burst"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(count)]
    outputs = [worker.communicate(timeout=180)[0].decode(errors="replace") for worker in workers]
    return outputs


def test_two_burst_workers_build_the_archive(redis_app, rq_world):
    request = submit(rq_world)
    assert request.status == "queued"
    outputs = run_workers(redis_app, 2)
    db.session.expire_all()
    request = db.session.get(PassRequest, request.id)
    assert request.status == "available", outputs
    assert request.progress_done == request.progress_total == 32
    from webapp.passes import services

    with zipfile.ZipFile(services.download_path(rq_world.contact.id, request.id)) as archive:
        names = archive.namelist()
    assert len(names) == 2 + 1  # Knightley has two qualifications, Te Tester one; the generated holders none
    assert "73029884_Mevr._K.C._Knightley_Eerste_Hulp.pdf" in names


def test_a_worker_failing_while_zipping_leaves_no_zip(redis_app, rq_world, monkeypatch):
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    from webapp.core.jobs import queue, redis_connection
    from webapp.passes import services

    request = submit(rq_world)

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr("webapp.passes.jobs.os.replace", crash)
    SimpleWorker([queue()], connection=redis_connection(), serializer=JSONSerializer).work(burst=True, max_jobs=20)
    db.session.expire_all()
    request = db.session.get(PassRequest, request.id)
    assert request.status == "failed"
    folder = services.storage_dir()
    assert not services.archive_path(request).exists()
    assert not [p for p in folder.iterdir() if p.name.startswith(".zip-")]
    with pytest.raises(Exception):
        services.download_path(rq_world.contact.id, request.id)

    monkeypatch.undo()
    services.retry_request(rq_world.contact.id, request.id)
    SimpleWorker([queue()], connection=redis_connection(), serializer=JSONSerializer).work(burst=True, max_jobs=20)
    db.session.expire_all()
    request = db.session.get(PassRequest, request.id)
    assert request.status == "available"
    assert services.download_path(rq_world.contact.id, request.id).is_file()


def burst(jobs=40):
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    from webapp.core.jobs import queue, redis_connection

    SimpleWorker([queue()], connection=redis_connection(), serializer=JSONSerializer).work(burst=True, max_jobs=jobs)


def status_seen_by_the_user(request_id) -> str:
    """The request's status as another connection reads it (a page being polled), mid-job."""
    with db.engine.connect() as connection:
        return connection.execute(sa.select(PassRequest.status).where(PassRequest.id == request_id)).scalar_one()


def test_a_chunk_that_fails_once_is_built_again_without_showing_mislukt(redis_app, rq_world, monkeypatch):
    from webapp.passes import jobs, services

    monkeypatch.setattr(jobs, "CHUNK_SIZE", 4)  # several chunks; the second one rendered fails once
    request = submit(rq_world)
    original, calls, seen = jobs.PassRenderer.render_many, [], []

    def second_chunk_fails_once(self, items):
        calls.append(items)
        if len(calls) == 2:
            raise OSError("disk full")
        if len(calls) > 2:
            seen.append(status_seen_by_the_user(request.id))
        return original(self, items)

    monkeypatch.setattr(jobs.PassRenderer, "render_many", second_chunk_fails_once)
    burst()
    db.session.expire_all()
    request = db.session.get(PassRequest, request.id)
    assert request.status == "available", request.error
    assert seen and set(seen) == {"building"}  # while RQ's retry ran, the row said it was being made
    with zipfile.ZipFile(services.download_path(rq_world.contact.id, request.id)) as archive:
        assert len(archive.namelist()) == 3


def test_a_chunk_that_keeps_failing_shows_mislukt_and_is_built_on_the_users_retry(redis_app, rq_world, monkeypatch):
    from webapp.passes import jobs, services

    monkeypatch.setattr(jobs, "CHUNK_SIZE", 4)
    request = submit(rq_world)
    original, calls = jobs.PassRenderer.render_many, []

    def fails_after_the_first_chunk(self, items):
        calls.append(items)
        if len(calls) > 1:
            raise OSError("disk full")
        return original(self, items)

    monkeypatch.setattr(jobs.PassRenderer, "render_many", fails_after_the_first_chunk)
    burst()
    db.session.expire_all()
    request = db.session.get(PassRequest, request.id)
    assert request.status == "failed"  # RQ's retry failed too
    assert len(calls) == 3 and not services.archive_path(request).exists()

    monkeypatch.setattr(jobs.PassRenderer, "render_many", original)
    services.retry_request(rq_world.contact.id, request.id)
    burst()
    db.session.expire_all()
    request = db.session.get(PassRequest, request.id)
    assert request.status == "available"
    with zipfile.ZipFile(services.download_path(rq_world.contact.id, request.id)) as archive:
        assert len(archive.namelist()) == 3


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
    import time

    from rq.job import Job
    from rq.registry import FinishedJobRegistry

    from webapp.core.jobs import queue, worker_count

    env = worker_env(redis_app)
    flask = str(Path(sys.executable).with_name("flask"))
    workers = [subprocess.Popen([flask, "--app", "wsgi", "worker"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    try:
        deadline = time.monotonic() + 60
        while worker_count() < 2:
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.1)
        known = set(FinishedJobRegistry(queue=queue()).get_job_ids())
        request = submit(rq_world)
        while request.status not in ("available", "failed"):
            assert time.monotonic() < deadline + 60, request.status
            time.sleep(0.1)
            db.session.expire_all()
            request = db.session.get(PassRequest, request.id)
        assert request.status == "available"
        time.sleep(0.5)  # the ZIP job (a formality now) ends just after
        new = [i for i in FinishedJobRegistry(queue=queue()).get_job_ids() if i not in known]
        finished = Job.fetch_many(new, connection=queue().connection, serializer=queue().serializer)
        builders = [job for job in finished if job and job.args[0].endswith(".build_chunks")]
        assert len(builders) == 2 and sum(job.return_value() for job in builders) == 32
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(20)
