"""The mentor's dashboards: who sees which dossiers (a mentor their classes', a counsellor the school's, anyone else
a 404), Te behandelen dossiers with the choice and whether the college takes part, a dossier's history, Start deel B,
Terugzetten naar deel A (asked first; the student gets a signal mail), Archiveren (the dossier leaves the lists but
remains; the student activates it again), Mijn leerlingen (furthest dossier, status in words, finished dossiers as
PDF), and the reminders to fill in the approval: by hand, and by the weekly job, at most one a week per student."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.dossiers import mentor_world, support
from tests.factories import login
from webapp.core import periodic
from webapp.core.timeutil import utcnow
from webapp.core.transactions import commit
from webapp.dossiers import history, mentor
from webapp.dossiers.models import Answer, Dossier, Student, Transition
from webapp.extensions import db

SCHOOL = "/doorstroomdossier/school"


@pytest.fixture
def world(app, factory):
    return mentor_world.make(factory)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _sent_part_b(world, days_ago: int, student=None) -> Dossier:
    """A dossier whose part B went to the student `days_ago` days ago (its history says so)."""
    dossier = world.dossier("part_b", student=student)
    history.take(dossier, "send_to_student", world.mentor_a)
    step = db.session.scalar(select(Transition).where(Transition.dossier_id == dossier.id))
    step.at = utcnow() - timedelta(days=days_ago)
    db.session.commit()
    return dossier


def _reload(model, key):
    db.session.expire_all()
    return db.session.get(model, key)


# ---------------------------------------------------------------- access


def test_a_mentor_sees_their_classes_dossiers_only_and_outsiders_find_nothing(app, world, factory):
    roos_dossier = world.dossier("sent_to_mentor")
    jaap_dossier = world.dossier("sent_to_mentor", student=world.jaap)
    finished = world.dossier("finished", student=world.jaap)
    mentor_b = world.client(app, world.mentor_b)
    pages = (
        "geschiedenis",
        "terugzetten-naar-deel-a",
        "archiveren",
    )
    for page in pages:
        assert mentor_b.get(f"{SCHOOL}/dossiers/{roos_dossier.id}/{page}").status_code == 404
        assert mentor_b.get(f"{SCHOOL}/dossiers/{jaap_dossier.id}/{page}").status_code == 200
    for slug in ("start-deel-b", "terugzetten-naar-deel-a", "archiveren"):
        assert mentor_b.post(f"{SCHOOL}/dossiers/{roos_dossier.id}/{slug}").status_code == 404
    assert mentor_b.post(f"{SCHOOL}/mijn-leerlingen/{world.roos.id}/herinneren").status_code == 404
    assert mentor_b.get(f"{SCHOOL}/dossiers/{finished.id}/dossier.pdf").status_code == 200
    worklist = _text(mentor_b.get(f"{SCHOOL}/te-behandelen"))
    assert "Jaap Rierink" in worklist and "Roos" not in worklist
    students = _text(mentor_b.get(f"{SCHOOL}/mijn-leerlingen"))
    assert "Jaap Rierink" in students and "Roos" not in students

    counsellor = world.client(app, world.counsellor)
    assert counsellor.get(f"{SCHOOL}/dossiers/{roos_dossier.id}/geschiedenis").status_code == 200
    worklist = _text(counsellor.get(f"{SCHOOL}/te-behandelen"))
    assert "Jaap Rierink" in worklist and "Roos de Winter" in worklist

    outsider = world.client(app, world.other_counsellor)
    student = app.test_client()
    login(student, world.roos_user.email)
    for client in (outsider, student):
        assert client.get(f"{SCHOOL}/dossiers/{roos_dossier.id}/geschiedenis").status_code == 404
        assert client.get(f"{SCHOOL}/dossiers/{finished.id}/dossier.pdf").status_code == 404
        assert client.post(f"{SCHOOL}/dossiers/{roos_dossier.id}/archiveren").status_code == 404
        assert client.post(f"{SCHOOL}/mijn-leerlingen/{world.roos.id}/herinneren").status_code == 404
    assert "Roos" not in _text(outsider.get(f"{SCHOOL}/te-behandelen"))
    assert "Roos" not in _text(outsider.get(f"{SCHOOL}/mijn-leerlingen"))
    assert student.get(f"{SCHOOL}/te-behandelen").status_code == 404
    # another student cannot activate Roos's archived dossier
    roos_archived = world.dossier("part_a", archived=True)
    other = factory.user("ander@leerling.example")
    support.student(world.school, first_name="Ander", user=other)
    other_client = app.test_client()
    login(other_client, other.email)
    assert other_client.post(f"/doorstroomdossier/dossier/{roos_archived.id}/activeren").status_code == 404
    assert _reload(Dossier, roos_archived.id).archived is True
    assert _reload(Dossier, roos_dossier.id).state == "sent_to_mentor"


def test_a_pdf_is_only_there_for_a_finished_dossier(app, world):
    client = world.client(app, world.mentor_a)
    in_progress = world.dossier("approval")
    assert client.get(f"{SCHOOL}/dossiers/{in_progress.id}/dossier.pdf").status_code == 404
    finished = world.dossier("finished")
    db.session.add(Answer(dossier_id=finished.id, field="roepnaam", value="Roosje"))
    db.session.commit()
    response = client.get(f"{SCHOOL}/dossiers/{finished.id}/dossier.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")


# ---------------------------------------------------------------- Te behandelen dossiers


def test_the_worklist_opens_part_b_to_fill_in_and_to_read_once_sent(app, world):
    filling = world.dossier("part_b")
    sent = world.dossier("part_b_sent", student=world.jaap)
    page = _text(world.client(app, world.counsellor).get(f"{SCHOOL}/te-behandelen"))
    assert f'href="{SCHOOL}/dossiers/{filling.id}/deel-b">Deel B invullen' in page
    assert f'href="{SCHOOL}/dossiers/{sent.id}/deel-b">Deel B bekijken' in page
    assert f"{SCHOOL}/dossiers/{filling.id}/deel-b/controleren" in page  # Opsturen naar leerling, confirmed there


def test_the_worklist_shows_ready_dossiers_first_with_the_choice_and_whether_the_college_takes_part(
    app, world, factory
):
    outsider_college = support.college(factory, "Grafisch Lyceum", takes_part=False)
    world.dossier("part_a")
    ready = support.dossier(world.jaap, outsider_college.programmes[0], "sent_to_mentor")
    world.dossier("finished")
    client = world.client(app, world.counsellor)
    page = _text(client.get(f"{SCHOOL}/te-behandelen"))
    assert "2 dossiers gevonden" in page  # the finished one is not in progress
    assert page.index("Jaap Rierink") < page.index("Roos de Winter")  # ready for part B first
    assert "Grafisch Lyceum (Utrecht)" in page and "neemt (nog) niet deel aan het DDD" in page
    assert "MBO Utrecht (Utrecht)" in page and "neemt deel aan het DDD" in page
    assert "Juridisch secretaresse (4 - BOL - Australiëlaan 23" in page
    assert "Verstuurd naar mentor" in page and "Deel A invullen" in page
    assert f"{SCHOOL}/dossiers/{ready.id}/start-deel-b" in page

    filtered = client.get(f"{SCHOOL}/te-behandelen?status=part_a", headers={"HX-Request": "true"})
    fragment = _text(filtered)
    assert "Roos de Winter" in fragment and "Jaap" not in fragment and "<html" not in fragment
    assert "1 dossier gevonden" in fragment and filtered.headers["HX-Push-Url"].endswith("status=part_a")
    assert "Jaap Rierink" in _text(client.get(f"{SCHOOL}/te-behandelen?zoek=rier"))
    assert "Roos" not in _text(client.get(f"{SCHOOL}/te-behandelen?zoek=rier"))
    assert "Er zijn geen dossiers te behandelen die aan dit filter voldoen" in _text(
        client.get(f"{SCHOOL}/te-behandelen?leerjaar=3")
    )
    assert "2 dossiers gevonden" in _text(client.get(f"{SCHOOL}/te-behandelen?status=bestaat-niet&pagina=x"))


def test_start_deel_b_moves_the_dossier_and_the_history_shows_every_step(app, world):
    dossier = world.dossier("part_a")
    history.take(dossier, "send_to_mentor", world.roos_user)
    db.session.commit()
    client = world.client(app, world.mentor_a)
    response = client.post(f"{SCHOOL}/dossiers/{dossier.id}/start-deel-b")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{SCHOOL}/dossiers/{dossier.id}/deel-b"  # part B's own page
    assert _reload(Dossier, dossier.id).state == "part_b"
    assert "Deel B van Roos de Winter is gestart." in _text(client.get(response.headers["Location"]))
    page = _text(client.get(f"{SCHOOL}/dossiers/{dossier.id}/geschiedenis"))
    assert "Aangemaakt op" in page and "Laatst gewijzigd" in page
    rows = re.findall(r"<tr><td>[^<]+</td><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>", page)
    assert rows == [
        ("Versturen naar mentor", "Roos Winter", "Deel A invullen", "Verstuurd naar mentor"),
        ("Start deel B", world.mentor_a.full_name, "Verstuurd naar mentor", "Deel B invullen"),
    ]
    again = client.post(f"{SCHOOL}/dossiers/{dossier.id}/start-deel-b")
    assert again.status_code == 409 and "kunt u niet start deel b" in _text(again)


# ---------------------------------------------------------------- Terugzetten naar deel A, Archiveren, Activeren


def test_terugzetten_asks_first_then_mails_the_student_after_the_commit(app, world, outbox):
    dossier = world.dossier("sent_to_mentor")
    client = world.client(app, world.mentor_a)
    question = _text(client.get(f"{SCHOOL}/dossiers/{dossier.id}/terugzetten-naar-deel-a"))
    assert "Weet u zeker dat u het dossier van Roos de Winter wilt terugzetten naar deel A?" in question
    assert f'action="{SCHOOL}/dossiers/{dossier.id}/terugzetten-naar-deel-a"' in question
    assert _reload(Dossier, dossier.id).state == "sent_to_mentor" and outbox.messages == []

    response = client.post(f"{SCHOOL}/dossiers/{dossier.id}/terugzetten-naar-deel-a", follow_redirects=True)
    assert "Het dossier van Roos de Winter is teruggezet naar deel A." in _text(response)
    assert _reload(Dossier, dossier.id).state == "part_a"
    (mail,) = outbox.messages
    assert mail["To"] == "roos@leerling.example"  # her account's address
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "teruggezet naar deel A" in body and "Juridisch secretaresse" in body and "/doorstroomdossier/" in body
    assert world.mentor_a.full_name in body

    refused = client.post(f"{SCHOOL}/dossiers/{dossier.id}/terugzetten-naar-deel-a")
    assert refused.status_code == 409 and len(outbox.messages) == 1


def test_archived_dossiers_leave_the_lists_but_remain_and_the_student_activates_them(app, world):
    dossier = world.dossier("sent_to_mentor")
    client = world.client(app, world.mentor_a)
    assert "Weet u zeker dat u het dossier van Roos de Winter wilt archiveren?" in _text(
        client.get(f"{SCHOOL}/dossiers/{dossier.id}/archiveren")
    )
    assert client.post(f"{SCHOOL}/dossiers/{dossier.id}/archiveren").status_code == 303
    record = _reload(Dossier, dossier.id)
    assert record is not None and record.archived and record.state == "sent_to_mentor"
    worklist = _text(client.get(f"{SCHOOL}/te-behandelen"))
    assert "is gearchiveerd" in worklist and "Roos" not in worklist[worklist.index('id="dossier-list"') :]
    assert "nog geen dossier" in _text(client.get(f"{SCHOOL}/mijn-leerlingen"))
    page = _text(client.get(f"{SCHOOL}/dossiers/{dossier.id}/geschiedenis"))
    assert "Gearchiveerd" in page and "Archiveren" in page and "start-deel-b" not in page

    student = app.test_client()
    login(student, world.roos_user.email)
    home = _text(student.get("/doorstroomdossier/mijn-dossiers"))
    assert "Gearchiveerd" in home and f"/doorstroomdossier/dossier/{dossier.id}/activeren" in home
    response = student.post(f"/doorstroomdossier/dossier/{dossier.id}/activeren", follow_redirects=True)
    assert "is weer actief" in _text(response) and "/activeren" not in _text(response)
    assert _reload(Dossier, dossier.id).archived is False
    assert "Start deel B" in _text(client.get(f"{SCHOOL}/te-behandelen"))


def test_activating_is_refused_while_another_dossier_for_the_programme_is_open(app, world):
    archived = world.dossier("part_a", archived=True)
    world.dossier("part_a")  # the student started anew
    student = app.test_client()
    login(student, world.roos_user.email)
    response = student.post(f"/doorstroomdossier/dossier/{archived.id}/activeren")
    assert response.status_code == 409 and "Je hebt al een ander dossier voor Juridisch secretaresse" in _text(response)
    assert _reload(Dossier, archived.id).archived is True


# ---------------------------------------------------------------- Mijn leerlingen


def test_my_students_shows_the_furthest_dossier_its_status_and_the_finished_ones(app, world, factory):
    from webapp.dossiers import formdef

    part_a_dossier = world.dossier("part_a")
    required = [field for section in formdef.SECTIONS for field in section.required_fields]
    for field in required[: len(required) // 2]:
        db.session.add(Answer(dossier_id=part_a_dossier.id, field=field.key, value="x"))
    other_college = support.college(factory, "ROC van Twente", programmes=(("Metaalbewerken", 2, "BBL"),))
    finished = support.dossier(world.jaap, other_college.programmes[0], "finished")
    support.dossier(world.jaap, world.programme, "approval")
    db.session.commit()
    client = world.client(app, world.counsellor)
    page = _text(client.get(f"{SCHOOL}/mijn-leerlingen"))
    roos_row = page[page.index("Roos de Winter") :]
    assert "MBO Utrecht (Utrecht): Juridisch secretaresse" in roos_row
    percent = 100 * (len(required) // 2) // len(required)
    assert f"Deel A invullen {percent}%" in roos_row
    jaap_row = page[page.index("Jaap Rierink") : page.index("Roos de Winter")]
    assert "ROC van Twente (Utrecht): Metaalbewerken" in jaap_row and "Afgerond" in jaap_row  # the furthest
    assert f"{SCHOOL}/dossiers/{finished.id}/dossier.pdf" in jaap_row

    fragment = client.get(f"{SCHOOL}/mijn-leerlingen?zoek=winter&leerjaar=4", headers={"HX-Request": "true"})
    assert "Roos de Winter" in _text(fragment) and "Jaap" not in _text(fragment)
    assert "1 leerling gevonden" in _text(fragment) and "<html" not in _text(fragment)


def test_students_who_wait_too_long_are_marked_and_reminded_once_a_week(app, world, outbox):
    _sent_part_b(world, days_ago=15)
    _sent_part_b(world, days_ago=3, student=world.jaap)
    client = world.client(app, world.counsellor)
    page = _text(client.get(f"{SCHOOL}/mijn-leerlingen"))
    roos_row = page[page.index("Roos de Winter") :]
    jaap_row = page[page.index("Jaap Rierink") : page.index("Roos de Winter")]
    assert "Wacht te lang" in roos_row and "Herinnering sturen" in roos_row
    assert "Wacht te lang" not in jaap_row and "Herinnering sturen" not in jaap_row

    not_needed = client.post(f"{SCHOOL}/mijn-leerlingen/{world.jaap.id}/herinneren", follow_redirects=True)
    assert "wacht niet te lang" in _text(not_needed) and outbox.messages == []

    response = client.post(f"{SCHOOL}/mijn-leerlingen/{world.roos.id}/herinneren", data={"zoek": "winter"})
    assert response.status_code == 303 and response.headers["Location"] == f"{SCHOOL}/mijn-leerlingen?zoek=winter"
    (mail,) = outbox.messages
    assert mail["To"] == "roos@leerling.example" and "akkoordverklaring" in mail["Subject"].lower()
    assert "Juridisch secretaresse" in mail.get_body(preferencelist=("plain",)).get_content()
    assert _reload(Student, world.roos.id).reminded_at is not None
    page = _text(client.get(f"{SCHOOL}/mijn-leerlingen?zoek=winter"))
    assert "krijgt een e-mail met een herinnering" in page and "Laatst herinnerd op" in page

    again = client.post(f"{SCHOOL}/mijn-leerlingen/{world.roos.id}/herinneren", follow_redirects=True)
    assert "al herinnerd" in _text(again) and len(outbox.messages) == 1
    assert "1 leerling(en)" not in mentor.remind_waiting()  # the weekly job counts the hand-sent one too
    commit()
    assert len(outbox.messages) == 1


def test_the_weekly_job_reminds_each_waiting_student_once_a_week(app, world, outbox):
    _sent_part_b(world, days_ago=20)
    approval = _sent_part_b(world, days_ago=16, student=world.jaap)  # no address: not reminded, nothing fails
    history.take(approval, "start_approval", None)
    _sent_part_b(world, days_ago=1, student=support.student(world.school, email="kort@school.example"))
    archived = _sent_part_b(world, days_ago=30, student=support.student(world.school, email="archief@school.example"))
    history.mark(archived, "archive", world.mentor_a)
    db.session.commit()
    (task,) = [t for t in periodic.tasks().values() if t.func is mentor.remind_waiting]

    assert periodic.run(task) == "1 leerling(en) herinnerd aan de akkoordverklaring"
    assert [m["To"] for m in outbox.messages] == ["roos@leerling.example"]
    db.session.execute(update(Student).values(reminded_at=utcnow() - timedelta(days=6)))
    commit()
    assert periodic.run(task) == "0 leerling(en) herinnerd aan de akkoordverklaring"
    db.session.execute(update(Student).values(reminded_at=utcnow() - timedelta(days=7, minutes=1)))
    commit()
    assert periodic.run(task) == "1 leerling(en) herinnerd aan de akkoordverklaring"
    assert len(outbox.to("roos@leerling.example")) == 2 and len(outbox.messages) == 2


def test_the_setting_says_how_long_is_too_long(app, world):
    _sent_part_b(world, days_ago=5)
    app.config["DOSSIER_REMINDER_DAYS"] = 4
    client = world.client(app, world.mentor_a)
    assert "Wacht te lang" in _text(client.get(f"{SCHOOL}/mijn-leerlingen"))
    app.config["DOSSIER_REMINDER_DAYS"] = 14
    assert "Wacht te lang" not in _text(client.get(f"{SCHOOL}/mijn-leerlingen"))


def test_the_start_page_links_the_dashboards_and_the_pages_are_valid_html(app, world, tmp_path, factory):
    from tests.components import nu_html_errors

    outsider = support.college(factory, "Grafisch Lyceum", takes_part=False)
    ready = support.dossier(world.roos, outsider.programmes[0], "sent_to_mentor")
    _sent_part_b(world, days_ago=20)
    finished = world.dossier("finished", student=world.jaap)
    archived = world.dossier("part_a", archived=True)
    client = world.client(app, world.counsellor)
    start = _text(client.get(f"{SCHOOL}/"))
    assert f"{SCHOOL}/te-behandelen" in start and f"{SCHOOL}/mijn-leerlingen" in start
    pages = {
        "worklist": client.get(f"{SCHOOL}/te-behandelen"),
        "my students": client.get(f"{SCHOOL}/mijn-leerlingen"),
        "history": client.get(f"{SCHOOL}/dossiers/{ready.id}/geschiedenis"),
        "history, finished": client.get(f"{SCHOOL}/dossiers/{finished.id}/geschiedenis"),
        "reset, asked": client.get(f"{SCHOOL}/dossiers/{ready.id}/terugzetten-naar-deel-a"),
        "archive, refused": client.get(f"{SCHOOL}/dossiers/{finished.id}/archiveren"),
    }
    student = app.test_client()
    login(student, world.roos_user.email)
    pages["student home, archived"] = student.get("/doorstroomdossier/mijn-dossiers")
    assert f"/dossier/{archived.id}/activeren" in _text(pages["student home, archived"])
    assert {name: r.status_code for name, r in pages.items()} == {
        name: 409 if name == "archive, refused" else 200 for name in pages
    }
    assert nu_html_errors({name: _text(r) for name, r in pages.items()}, tmp_path) == []
