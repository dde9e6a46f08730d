"""Bulk hand-outs: letters as one PDF (a page per student, for the school's staff, 7 days), mail to each student
over a real SMTP server, undeliverable mail reported, the progress the page polls, and a retry that hands out no
second code."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.conftest import make_app
from tests.dossiers.codes_world import code_in, make_world, pdf_pages
from tests.factories import login
from webapp.core.jobs import wait_for_in_process_jobs
from webapp.core.timeutil import utcnow
from webapp.dossiers import bulk, codes
from webapp.dossiers.models import BulkHandout, CodeHandout, Student
from webapp.extensions import db

BASE = "/doorstroomdossier/school/activatiecodes"


@pytest.fixture
def world(app, factory):
    return make_world(factory)


def logged_in(app, user, school):
    client = app.test_client()
    login(client, user.email, organisation=school.id)
    return client


def start_bulk(client, method, scope) -> int:
    asked = client.get(f"{BASE}/bulk", query_string={"method": method, "scope": scope})
    assert asked.status_code == 200
    response = client.post(f"{BASE}/bulk", data={"method": method, "scope": scope})
    assert response.status_code == 303
    wait_for_in_process_jobs()
    return int(re.search(r"/bulk/(\d+)$", response.headers["Location"]).group(1))


def test_the_confirmation_says_how_many_get_a_new_code(app, world):
    client = logged_in(app, world.counsellor, world.school)
    letters = client.get(f"{BASE}/bulk", query_string={"method": "letter", "scope": "all"}).get_data(as_text=True)
    assert "3 leerlingen krijgen een nieuwe activatiecode als geprinte brief" in letters
    assert "Een nieuwe code maakt een oude code ongeldig" in letters
    mails = client.get(f"{BASE}/bulk", query_string={"method": "mail", "scope": "year:4"}).get_data(as_text=True)
    assert "2 leerlingen krijgen een nieuwe activatiecode per e-mail" in mails
    assert "1 leerling(en) in deze keuze heeft geen e-mailadres" in mails
    # a mentor may not choose another class, nor a school's class elsewhere
    mentor = logged_in(app, world.mentor_a, world.school)
    refused = mentor.get(f"{BASE}/bulk", query_string={"method": "letter", "scope": f"class:{world.class_b.id}"})
    assert refused.status_code == 302
    assert (
        mentor.post(f"{BASE}/bulk", data={"method": "letter", "scope": f"class:{world.class_b.id}"}).status_code == 303
    )
    assert db.session.scalar(select(func.count()).select_from(BulkHandout)) == 0


def test_bulk_letters_one_pdf_a_page_per_student_for_the_schools_staff_for_seven_days(app, world):
    client = logged_in(app, world.counsellor, world.school)
    bulk_id = start_bulk(client, "letter", "all")
    page = client.get(f"{BASE}/bulk/{bulk_id}").get_data(as_text=True)
    assert "Klaar" in page and "3 van 3" in page and "data-hx-trigger" not in page
    download = client.get(f"{BASE}/bulk/{bulk_id}/brieven.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    pages = pdf_pages(download.data)
    assert len(pages) == 3
    names = ["Jaap Rierink", "Mirjam Hoenderloo", "Roos de Winter"]  # in name order: Hoenderloo, Rierink, Winter
    found = {}
    for text in pages:
        (name,) = [n for n in names if n in text]
        found[name] = code_in(text)
        assert "Vakcollege De Brug" in text
    assert len(set(found.values())) == 3
    codes.redeem(world.mirjam, found["Mirjam Hoenderloo"], "192.0.2.1")  # each page's code is that student's
    db.session.commit()
    assert codes.code_status(world.jaap).method_label == "brief"

    # the whole school's letters are not for a mentor (other classes' students); another school's staff find nothing
    assert logged_in(app, world.mentor_b, world.school).get(f"{BASE}/bulk/{bulk_id}/brieven.pdf").status_code == 404
    other = logged_in(app, world.other_counsellor, world.other_school)
    assert other.get(f"{BASE}/bulk/{bulk_id}/brieven.pdf").status_code == 404
    assert other.get(f"{BASE}/bulk/{bulk_id}").status_code == 404

    # after 7 days: gone, and the sweep removes the file
    record = db.session.get(BulkHandout, bulk_id)
    path = bulk.LETTERS.path(record.file_name)
    db.session.execute(
        update(BulkHandout).where(BulkHandout.id == bulk_id).values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    assert client.get(f"{BASE}/bulk/{bulk_id}/brieven.pdf").status_code == 404
    bulk.sweep()
    db.session.commit()
    assert not path.exists()
    assert "niet meer beschikbaar" in client.get(f"{BASE}/bulk/{bulk_id}").get_data(as_text=True)


def queued_bulk(world, method="letter", state="queued", **fields) -> BulkHandout:
    """A bulk hand-out for the whole school as the page records it, its job not started."""
    record = BulkHandout(
        school_id=world.school.id,
        method=method,
        scope="all",
        scope_label="alle leerlingen",
        state=state,
        requested_by_id=world.counsellor.id,
        created_at=utcnow(),
        **{"total": 3, **fields},
    )
    db.session.add(record)
    db.session.commit()
    return record


@pytest.mark.parametrize("method", ["letter", "mail"])
def test_a_retry_hands_out_no_second_code(app, world, monkeypatch, method):
    monkeypatch.setattr(bulk, "CHUNK_SIZE", 1)
    record = queued_bulk(world, method, total=3 if method == "letter" else 2)
    chunks = bulk.chunks_of(record)
    assert len(chunks) == (3 if method == "letter" else 2)
    assert bulk.hand_out_chunk(record.id, 0, chunks[0]) == 1  # a worker did the first chunk, then died
    first = db.session.scalars(select(CodeHandout.code_id).order_by(CodeHandout.id)).all()

    bulk.run(record.id)  # the retry, in process: every chunk, then the PDF
    db.session.commit()
    wait_for_in_process_jobs()
    assert bulk.hand_out_chunk(record.id, 0, chunks[0]) == 0  # and once more: nothing
    db.session.expire_all()
    handouts = db.session.scalars(select(CodeHandout).order_by(CodeHandout.id)).all()
    assert [h.code_id for h in handouts][:1] == first
    assert sorted(h.student_id for h in handouts) == sorted(i for chunk in chunks for i in chunk)  # one each
    record = db.session.get(BulkHandout, record.id)
    assert record.state == "done" and record.done == record.total
    if method == "letter":
        pages = pdf_pages(bulk.LETTERS.path(record.file_name).read_bytes())
        assert len(pages) == 3
        first_student = db.session.get(Student, chunks[0][0])
        (page,) = [text for text in pages if first_student.name in text]
        codes.redeem(first_student, code_in(page), "192.0.2.1")  # the first run's code is the one on the page


def test_the_progress_fragment_polls_until_done(app, world):
    client = logged_in(app, world.counsellor, world.school)
    record = queued_bulk(world, state="running", done=1)
    url = f"{BASE}/bulk/{record.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'data-hx-trigger="every 1s"' in page and "Vernieuwen" in page
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert "1 van 3" in fragment.get_data(as_text=True) and "Bezig" in fragment.get_data(as_text=True)

    db.session.execute(update(BulkHandout).where(BulkHandout.id == record.id).values(state="failed"))
    db.session.commit()
    final = client.get(url, headers={"HX-Request": "true"})
    assert final.status_code == 286 and "Mislukt" in final.get_data(as_text=True)  # htmx stops polling
    assert "data-hx-trigger" not in client.get(url).get_data(as_text=True)


@pytest.fixture
def smtp_app(database_url, tmp_path, smtp, backend):
    from tests.databases import empty_tables

    app = make_app(tmp_path, database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    if backend == "postgresql":
        empty_tables(app)
    with app.app_context():
        yield app
        wait_for_in_process_jobs()
        db.session.remove()
        db.engine.dispose()


def test_bulk_mail_each_student_receives_their_own_code(smtp_app, smtp):
    from tests.factories import Factory

    world = make_world(Factory(smtp_app))
    suffix = smtp_app.config["STORAGE_DIR"].split("/")[-2][-12:]  # this test's addresses, the server is shared
    for student in (world.roos, world.mirjam):
        student.email = f"{student.first_name.lower()}-{suffix}@leerling.example"
    db.session.commit()
    client = logged_in(smtp_app, world.counsellor, world.school)
    bulk_id = start_bulk(client, "mail", "all")
    received = {
        student.id: smtp.wait_for(to=student.email, subject=codes.MAIL_SUBJECT)
        for student in (world.roos, world.mirjam)
    }
    bodies = {student_id: message.get_body().get_content() for student_id, message in received.items()}
    assert "Beste Roos de Winter" in bodies[world.roos.id] and "Beste Mirjam Hoenderloo" in bodies[world.mirjam.id]
    for body in bodies.values():
        for words in ("Klik op 'maak een nieuw account'", "Vul je BSN en e-mail in.", "'Nieuw dossier'"):
            assert words in body
    codes.redeem(world.roos, code_in(bodies[world.roos.id]), "192.0.2.1")
    codes.redeem(world.mirjam, code_in(bodies[world.mirjam.id]), "192.0.2.1")
    db.session.commit()
    wait_for_in_process_jobs()
    page = client.get(f"{BASE}/bulk/{bulk_id}").get_data(as_text=True)
    assert "2 van 2" in page and "Bezorgd: 2" in page
    assert "Jaap Rierink: geen e-mailadres" in page


def test_a_mail_that_cannot_be_delivered_is_reported(database_url, tmp_path, backend):
    from tests.components import free_port
    from tests.databases import empty_tables
    from tests.factories import Factory

    app = make_app(tmp_path, database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_MAX_ATTEMPTS=1)
    if backend == "postgresql":
        empty_tables(app)
    with app.app_context():
        try:
            world = make_world(Factory(app))
            client = logged_in(app, world.mentor_a, world.school)
            bulk_id = start_bulk(client, "mail", f"class:{world.class_a.id}")
            wait_for_in_process_jobs()
            page = client.get(f"{BASE}/bulk/{bulk_id}").get_data(as_text=True)
            assert "niet bezorgd: 2" in page
            assert "Roos de Winter: e-mail aan r.dewinter@leerling.example kon niet worden bezorgd" in page
            assert "data-hx-trigger" not in page
        finally:
            wait_for_in_process_jobs()
            db.session.remove()
            db.engine.dispose()


def test_a_mentors_bulk_letters_are_theirs_and_the_counsellors(app, world):
    mentor = logged_in(app, world.mentor_b, world.school)
    bulk_id = start_bulk(mentor, "letter", f"class:{world.class_b.id}")
    url = f"{BASE}/bulk/{bulk_id}/brieven.pdf"
    (page,) = pdf_pages(mentor.get(url).data)
    assert "Jaap Rierink, klas 4b" in page
    assert logged_in(app, world.counsellor, world.school).get(url).status_code == 200
    other_mentor = logged_in(app, world.mentor_a, world.school)
    assert other_mentor.get(url).status_code == 404
    assert f"/bulk/{bulk_id}" not in other_mentor.get(f"{BASE}/").get_data(as_text=True)
