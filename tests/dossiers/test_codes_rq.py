"""Bulk hand-outs through a real RQ worker on Redis: a job per chunk and a final job that joins the letters; a chunk
job that fails once is run again by RQ and hands out no second code."""

import pytest
from sqlalchemy import func, select

from tests.dossiers.codes_world import code_in, make_world, pdf_pages
from webapp.core.jobs import rq_worker
from webapp.dossiers import bulk, codes
from webapp.dossiers.models import BulkHandout, CodeHandout
from webapp.extensions import db


@pytest.fixture
def world(redis_app):
    from tests.factories import Factory

    return make_world(Factory(redis_app))


def burst(app, jobs=60):
    """Run the queued jobs (and the retries RQ schedules) in this process, then stop."""
    rq_worker(app, simple=True).work(burst=True, max_jobs=jobs)


def reloaded(bulk_id) -> BulkHandout:
    db.session.expire_all()
    return db.session.get(BulkHandout, bulk_id)


def test_bulk_letters_by_an_rq_worker(redis_app, world, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK_SIZE", 2)  # two chunk jobs and the final one
    record = bulk.start(world.staff(world.counsellor), "letter", "all")
    db.session.commit()
    assert reloaded(record.id).state == "queued"
    burst(redis_app)
    record = reloaded(record.id)
    assert (record.state, record.done, record.total) == ("done", 3, 3)
    pages = pdf_pages(bulk.letters_file(world.staff(world.counsellor), record.id).path.read_bytes())
    assert len(pages) == 3
    (roos_page,) = [page for page in pages if "Roos de Winter" in page]
    codes.redeem(world.roos, code_in(roos_page), "192.0.2.1")


def test_a_chunk_job_that_fails_once_hands_out_no_second_code(redis_app, world, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK_SIZE", 1)
    from webapp.dossiers import letters

    original, calls = letters.render_letters, []

    def second_part_fails_once(items):
        calls.append(items)
        if len(calls) == 2:
            raise OSError("disk full")
        return original(items)

    monkeypatch.setattr(letters, "render_letters", second_part_fails_once)
    record = bulk.start(world.staff(world.counsellor), "letter", "all")
    db.session.commit()
    burst(redis_app)
    record = reloaded(record.id)
    assert record.state == "done" and len(calls) == 4  # the failed part ran again
    assert db.session.scalar(select(func.count()).select_from(CodeHandout)) == 3  # the failed try's code went with it
    pages = pdf_pages(bulk.LETTERS.path(record.file_name).read_bytes())
    for student in (world.roos, world.mirjam, world.jaap):
        (page,) = [page for page in pages if student.name in page]
        codes.redeem(student, code_in(page), "192.0.2.1")


def test_bulk_mail_by_an_rq_worker(redis_app, world, monkeypatch):
    from tests.mail import Outbox

    monkeypatch.setattr(bulk, "CHUNK_SIZE", 1)
    record = bulk.start(world.staff(world.mentor_a), "mail", f"class:{world.class_a.id}")
    db.session.commit()
    burst(redis_app)
    record = reloaded(record.id)
    assert (record.state, record.done, record.total) == ("done", 2, 2)
    outbox = Outbox(redis_app.config["MAIL_OUTBOX_DIR"])
    for student in (world.roos, world.mirjam):
        (mail,) = outbox.to(student.email)
        codes.redeem(student, code_in(mail.get_body().get_content()), "192.0.2.1")
    assert bulk.delivery(record).sent == 2
