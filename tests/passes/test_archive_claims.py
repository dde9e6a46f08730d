"""Build jobs share a request's chunks by claiming them; whatever a build job leaves unfinished, the ZIP job does."""

import threading
import zipfile
from datetime import date, timedelta

import pytest

from tests.passes.conftest import stored_request
from webapp.core.jobs import perform
from webapp.extensions import db
from webapp.passes import archive
from webapp.passes.models import PassRequest

HOLDERS = 6


@pytest.fixture
def request_id(world):
    """A stored request for HOLDERS holders with one pass each, nothing built yet, its work folder ready
    (as start_build leaves it for the build jobs)."""
    from webapp.passes.importer import upsert_holder

    holders = [
        upsert_holder(
            dict(
                number=f"4000000{i}",
                salutation="Dhr.",
                initials="A.",
                last_name=f"Claim{i}",
                birth_date=date(1990, 1, 1),
            ),
            [
                dict(
                    name="Eerste Hulp",
                    kind="diploma",
                    exam_type="Eerste Hulp",
                    exam_number="EX1",
                    exam_date=date(2020, 1, 1),
                    expires_on=date.today() + timedelta(days=100),
                )
            ],
            [(world.roc.id, "")],
        )
        for i in range(HOLDERS)
    ]
    db.session.commit()
    request = stored_request(world.contact, world.roc, [world.holder_organisation(holder) for holder in holders])
    archive.free_claims(request.id)
    return request.id


def one_holder_per_chunk(request_id):
    return [[item_id] for chunk in archive.chunks_of(request_id) for item_id in chunk]


def work_folder_exists(request_id) -> bool:
    return archive.ARCHIVES.path(f"request-{request_id}").exists()


def archive_names(request_id):
    db.session.expire_all()
    request = db.session.get(PassRequest, request_id)
    assert request.status == "available"
    assert request.progress_done == request.progress_total == HOLDERS
    with zipfile.ZipFile(archive.ARCHIVES.path(archive.archive_name(request_id))) as zipped:
        return zipped.namelist()


def expected_names():
    return sorted(f"4000000{i}_Dhr._A._Claim{i}_Eerste_Hulp.pdf" for i in range(HOLDERS))


def test_two_build_jobs_at_once_make_every_pass_once(app, request_id):
    chunks = one_holder_per_chunk(request_id)
    built, errors = [], []

    def builder():
        with app.app_context():
            try:
                built.append(perform(archive.build_chunks, request_id, chunks))
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=builder) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    assert sum(built) == HOLDERS
    assert sorted(archive_names(request_id)) == expected_names()
    assert not work_folder_exists(request_id)  # the work folder went with the ZIP


def test_a_chunk_claimed_by_a_build_job_that_died_is_built_by_the_zip_job(request_id):
    chunks = one_holder_per_chunk(request_id)
    assert archive.claim(request_id, "0002")  # a build job took chunk 2, then its worker was killed
    assert perform(archive.build_chunks, request_id, chunks) == HOLDERS - 1
    db.session.expire_all()
    request = db.session.get(PassRequest, request_id)
    assert request.status == "building" and not archive.ARCHIVES.exists(
        archive.archive_name(request_id)
    )  # nothing to download yet

    perform(archive.finish, request_id, chunks)
    assert sorted(archive_names(request_id)) == expected_names()


def test_a_late_build_job_leaves_nothing_behind(request_id):
    chunks = one_holder_per_chunk(request_id)
    perform(archive.build_chunks, request_id, chunks)
    assert perform(archive.build_chunks, request_id, chunks) == 0  # e.g. the retry of a job whose worker was slow
    assert sorted(archive_names(request_id)) == expected_names()
    assert not work_folder_exists(request_id)


def test_a_job_left_from_a_deleted_request_adds_no_empty_chunk(request_id):
    """On SQLite a deleted request's id comes back; a late job of the old one must not fill a chunk with nothing."""
    assert perform(archive.build_chunk, request_id, 0, [10**9]) == 0
    assert not archive.ARCHIVES.path(f"request-{request_id}/chunk-0000").exists()
    perform(archive.build_chunks, request_id, one_holder_per_chunk(request_id))
    assert sorted(archive_names(request_id)) == expected_names()
