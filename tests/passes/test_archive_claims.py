"""Build jobs share a request's chunks by claiming them; whatever a build job leaves unfinished, the ZIP job does."""
import threading
import uuid
import zipfile
from datetime import date, timedelta

import pytest

from webapp.extensions import db
from webapp.passes import jobs, services
from webapp.passes.models import PassRequest

HOLDERS = 6


@pytest.fixture
def request_id(world, monkeypatch):
    """A submitted request for HOLDERS holders with one pass each, nothing built yet, one holder per chunk."""
    from webapp.passes.importer import upsert_holder

    holders = [upsert_holder(
        dict(number=f"4000000{i}", salutation="Dhr.", initials="A.", last_name=f"Claim{i}", birth_date=date(1990, 1, 1)),
        [dict(name="Eerste Hulp", kind="diploma", exam_type="Eerste Hulp", exam_number="EX1", exam_date=date(2020, 1, 1),
              expires_on=date.today() + timedelta(days=100))],
        [(world.roc.id, "")],
    ) for i in range(HOLDERS)]
    db.session.commit()
    services.add_to_selection(world.contact.id, [world.holder_organisation(holder).id for holder in holders])
    request = services.submit_request(world.contact.id, world.roc.id, uuid.uuid4().hex, enqueue=lambda request_id: None)
    monkeypatch.setattr(jobs, "CHUNK_SIZE", 1)
    jobs._free_claims(request.id)
    return request.id


def archive_names(request_id):
    db.session.expire_all()
    request = db.session.get(PassRequest, request_id)
    assert request.status == "available"
    assert request.progress_done == request.progress_total == HOLDERS
    with zipfile.ZipFile(services.archive_path(request)) as archive:
        return archive.namelist()


def expected_names():
    return sorted(f"4000000{i}_Dhr._A._Claim{i}_Eerste_Hulp.pdf" for i in range(HOLDERS))


def test_two_build_jobs_at_once_make_every_pass_once(app, request_id):
    chunks = jobs._chunks(request_id)
    built, errors = [], []

    def builder():
        with app.app_context():
            try:
                built.append(jobs.build_chunks(request_id, chunks))
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

    threads = [threading.Thread(target=builder) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    assert sum(built) == HOLDERS
    assert sorted(archive_names(request_id)) == expected_names()
    assert not services.storage_dir().joinpath(f"request-{request_id}").exists()  # the work folder went with the ZIP


def test_a_chunk_claimed_by_a_build_job_that_died_is_built_by_the_zip_job(request_id):
    chunks = jobs._chunks(request_id)
    assert jobs._claim(request_id, "0002")  # a build job took chunk 2, then its worker was killed
    assert jobs.build_chunks(request_id, chunks) == HOLDERS - 1
    db.session.expire_all()
    request = db.session.get(PassRequest, request_id)
    assert request.status == "building" and not services.archive_path(request).exists()  # nothing to download yet

    jobs.finish(request_id, len(chunks))
    assert sorted(archive_names(request_id)) == expected_names()


def test_a_late_build_job_leaves_nothing_behind(request_id):
    chunks = jobs._chunks(request_id)
    jobs.build_chunks(request_id, chunks)
    assert jobs.build_chunks(request_id, chunks) == 0  # e.g. the retry of a job whose worker was slow
    assert sorted(archive_names(request_id)) == expected_names()
    assert not services.storage_dir().joinpath(f"request-{request_id}").exists()


def test_a_job_left_from_a_deleted_request_adds_no_empty_chunk(request_id):
    """On SQLite a deleted request's id comes back; a late job of the old one must not fill a chunk with nothing."""
    assert jobs.build_chunk(request_id, 0, [10**9]) == 0
    assert not services.storage_dir().joinpath(f"request-{request_id}", "chunk-0000").exists()
    jobs.build_chunks(request_id, jobs._chunks(request_id))
    assert sorted(archive_names(request_id)) == expected_names()
