"""Maak een nieuw account: a known BSN gets the mail with the link, the password is set on the portal's activation
page and the student logs in; an unknown BSN, a wrong one and one with an account already get the same answer
(a wrong 11-proef excepted: that is the field's error), and the BSN is never echoed or logged."""

import logging

import pytest
from sqlalchemy import func, select

from tests.accounts.helpers import mailed_path, path_of
from tests.conftest import make_app
from tests.dossiers import support
from tests.factories import login
from tests.html import without_csrf
from tests.mail import links
from webapp.accounts.models import User
from webapp.dossiers.models import Student
from webapp.extensions import db

NEW_ACCOUNT = "/doorstroomdossier/nieuw-account"
PASSWORD = "Kade-Brug-84-Lente"


def _ask(client, bsn, email):
    return client.post(NEW_ACCOUNT, data={"bsn": bsn, "email": email})


def _users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.fixture
def mail_app(app, database_url, tmp_path, smtp):
    return make_app(tmp_path, database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)


def test_a_known_bsn_gets_the_link_sets_a_password_and_logs_in(mail_app, factory, smtp, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    school = support.school(factory)
    bsn = support.valid_bsn(7001)
    pupil = support.student(
        school, support.school_class(school), first_name="Mirjam", infix="", last_name="Hoenderloo", bsn=bsn
    )
    address = f"mirjam-{tmp_path.name}@leerling.example"
    client = mail_app.test_client()

    response = _ask(client, f"{bsn[:3]} {bsn[3:6]} {bsn[6:]}", address.upper())
    assert response.status_code == 303 and response.headers["Location"] == "/doorstroomdossier/start"
    landing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Als de gegevens bij een leerling horen, ontvang je een e-mail met een link" in landing

    message = smtp.wait_for(to=address, subject="Activeer je account")
    body = message.get_body().get_content()
    assert "Mirjam" in body and address in body and "activatiecode" in body
    activation = path_of(links(message)[0])
    assert activation.startswith("/activeren/")

    # the platform's password rules: not the student's own name
    weak = client.post(activation, data={"password": "Hoenderloo-2026", "confirm": "Hoenderloo-2026"})
    assert weak.status_code == 400
    assert client.post(activation, data={"password": PASSWORD, "confirm": PASSWORD}).status_code == 303
    home = client.get("/doorstroomdossier/mijn-dossiers")
    assert home.status_code == 200 and "Welkom Mirjam" in home.get_data(as_text=True)

    db.session.expire_all()
    user = db.session.get(Student, pupil.id).user
    assert (user.email, user.first_name, user.last_name) == (address, "Mirjam", "Hoenderloo")
    login(mail_app.test_client(), address, PASSWORD)
    assert client.get(activation).status_code == 404  # the link worked once
    assert bsn not in caplog.text and bsn[-6:] not in caplog.text


def test_unknown_known_and_already_linked_bsns_get_the_same_answer(app, client, factory, outbox):
    school = support.school(factory)
    known = support.student(school, bsn=support.valid_bsn(7002))
    owner = factory.user("roos@leerling.example", first_name="Roos")
    linked = support.student(school, bsn=support.valid_bsn(7003), user=owner)
    unknown_bsn = support.valid_bsn(7004)
    client.get(NEW_ACCOUNT)

    answers = {}
    for label, bsn, email in (
        ("known", known.bsn.digits, "nieuw@leerling.example"),
        ("unknown", unknown_bsn, "onbekend@leerling.example"),
        ("linked", linked.bsn.digits, "ander@leerling.example"),
    ):
        response = _ask(client, bsn, email)
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert bsn not in page
        answers[label] = (response.status_code, response.headers["Location"], without_csrf(page))
    assert answers["known"] == answers["unknown"] == answers["linked"]

    assert [m["Subject"] for m in outbox.to("nieuw@leerling.example")] == [
        "Activeer je account voor het Digitaal Doorstroomdossier"
    ]
    assert outbox.to("onbekend@leerling.example") == []
    # the BSN with an account: a note to that account, nothing to the address typed, no new account
    assert outbox.to("ander@leerling.example") == []
    (note,) = outbox.to(owner.email)
    assert "Je hebt al een account" in note["Subject"]
    assert len(outbox.messages) == 2
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "ander@leerling.example")) == 0


def test_a_bsn_that_fails_the_eleven_test_is_a_field_error_and_stores_nothing(app, client, factory, outbox):
    support.student(support.school(factory), bsn=support.valid_bsn(7005))
    users = _users()
    response = _ask(client, "123456789", "iemand@leerling.example")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Vul een geldig BSN in: 9 cijfers die de elfproef doorstaan." in page
    assert "123456789" not in page  # never echoed
    missing = _ask(client, "", "")
    assert missing.status_code == 400 and "Dit veld is verplicht." in missing.get_data(as_text=True)
    assert _users() == users and outbox.messages == []


def test_an_existing_account_without_a_student_is_linked_and_one_with_a_student_is_not(app, client, factory, outbox):
    school = support.school(factory)
    parent_account = factory.user("ouder@voorbeeld.example")
    first = support.student(school, bsn=support.valid_bsn(7006))
    _ask(client, first.bsn.digits, parent_account.email)
    (linked,) = outbox.to(parent_account.email)
    assert linked["Subject"] == "Je account opent nu het Digitaal Doorstroomdossier"
    db.session.expire_all()
    assert db.session.get(Student, first.id).user_id == parent_account.id
    linked_client = app.test_client()
    login(linked_client, parent_account.email)  # the account's own password
    assert linked_client.get("/doorstroomdossier/mijn-dossiers").status_code == 200

    # a sibling with the same address: that account has a student already
    sibling = support.student(school, bsn=support.valid_bsn(7007))
    _ask(client, sibling.bsn.digits, parent_account.email)
    taken = [m for m in outbox.to(parent_account.email) if "al in gebruik" in m["Subject"]]
    assert len(taken) == 1
    db.session.expire_all()
    assert db.session.get(Student, sibling.id).user_id is None


def test_the_same_student_at_a_second_school_joins_the_account_they_have(app, client, factory, outbox):
    bsn = support.valid_bsn(7008)
    owner = factory.user("jaap@leerling.example")
    old = support.student(support.school(factory), bsn=bsn, user=owner)
    new = support.student(support.school(factory), bsn=bsn)
    _ask(client, bsn, "jaap.nieuw@leerling.example")
    assert len(outbox.to(owner.email)) == 1 and outbox.to("jaap.nieuw@leerling.example") == []
    db.session.expire_all()
    assert db.session.get(Student, new.id).user_id == db.session.get(Student, old.id).user_id == owner.id


def test_the_request_does_the_same_work_for_known_and_unknown_bsns(database_url, tmp_path, factory):
    """The answer's timing must not tell a student's BSN from another: the request only queues one job with the
    same SQL whatever the BSN; the job's arguments hold the BSN's keyed hash, never the BSN."""
    import uuid

    from sqlalchemy import event

    from tests.components import REDIS_TEST_URL, require_redis
    from tests.mail import Outbox
    from webapp.core.jobs import queue, rq_worker

    require_redis()
    app = make_app(
        tmp_path, database_url, REDIS_URL=REDIS_TEST_URL, RQ_QUEUE=f"loket-test-student-{uuid.uuid4().hex[:8]}"
    )
    with app.app_context():
        known = support.student(support.school(factory), bsn=support.valid_bsn(7009))
        client = app.test_client()
        client.get(NEW_ACCOUNT)
        work = {}
        for label, bsn in (("known", known.bsn.digits), ("unknown", support.valid_bsn(7010))):
            statements = []

            def record(conn, cursor, statement, *args, statements=statements):
                statements.append(statement)

            event.listen(db.engine, "before_cursor_execute", record)
            try:
                assert _ask(client, bsn, f"{label}@leerling.example").status_code == 303
            finally:
                event.remove(db.engine, "before_cursor_execute", record)
            work[label] = statements
        assert work["known"] == work["unknown"]
        jobs = queue().get_jobs()
        assert [job.func_name for job in jobs] == ["webapp.dossiers.students.make_account"] * 2
        assert not any(known.bsn.digits in repr(job.args) for job in jobs)
        outbox = Outbox(app.config["MAIL_OUTBOX_DIR"])
        assert outbox.messages == []
        rq_worker(app, simple=True).work(burst=True)
        assert mailed_path(outbox, "known@leerling.example", "Activeer").startswith("/activeren/")
        assert len(outbox.messages) == 1
        queue().empty()
        db.session.remove()
        db.engine.dispose()


def test_a_logged_in_student_goes_to_their_dossiers(app, client, factory):
    user = factory.user()
    support.student(support.school(factory), user=user)
    login(client, user.email)
    for path in ("/doorstroomdossier/start", NEW_ACCOUNT):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/doorstroomdossier/mijn-dossiers"


def test_help_shows_the_own_schools_contact_to_a_student(app, client, factory):
    school = factory.organisation(
        "Vakcollege De Brug", kind="school", email="info@debrug.example", phone="030 123 45 67"
    )
    anonymous = client.get("/doorstroomdossier/help-en-contact").get_data(as_text=True)
    assert "Veelgestelde vragen" in anonymous and "info@debrug.example" not in anonymous
    user = factory.user()
    support.student(school, user=user)
    login(client, user.email)
    page = client.get("/doorstroomdossier/help-en-contact").get_data(as_text=True)
    assert "info@debrug.example" in page and "030 123 45 67" in page and "Vakcollege De Brug" in page


@pytest.fixture
def limited_app(app, database_url, tmp_path):
    from webapp.extensions import limiter

    limited = make_app(
        tmp_path, database_url, RATELIMIT_ENABLED=True, LOGIN_LIMITS="3 per minute", RATELIMIT_STORAGE_URI="memory://"
    )
    yield limited
    limiter.reset()


def test_asking_is_rate_limited_per_address_and_per_address_typed(limited_app, factory):
    client = limited_app.test_client()
    here, there = {"REMOTE_ADDR": "10.9.8.7"}, {"REMOTE_ADDR": "10.9.8.8"}
    for number in range(3):
        bsn = support.valid_bsn(7100 + number)
        assert (
            client.post(NEW_ACCOUNT, data={"bsn": bsn, "email": f"a{number}@x.example"}, environ_base=here).status_code
            == 303
        )
    limited = client.post(NEW_ACCOUNT, data={"bsn": support.valid_bsn(7104), "email": "b@x.example"}, environ_base=here)
    assert limited.status_code == 429 and "Even geduld" in limited.get_data(as_text=True)
    assert client.get(NEW_ACCOUNT, environ_base=here).status_code == 200  # the form itself is not limited
    # one address typed from several places: limited too
    for number, place in enumerate(("10.1.1.1", "10.1.1.2", "10.1.1.3")):
        data = {"bsn": support.valid_bsn(7110 + number), "email": "c@x.example"}
        assert client.post(NEW_ACCOUNT, data=data, environ_base={"REMOTE_ADDR": place}).status_code == 303
    again = {"bsn": support.valid_bsn(7114), "email": "C@x.example"}
    assert client.post(NEW_ACCOUNT, data=again, environ_base=there).status_code == 429


def test_asking_again_before_activating_sends_the_link_again_to_the_first_address(app, client, factory, outbox):
    pupil = support.student(support.school(factory), bsn=support.valid_bsn(7020))
    _ask(client, pupil.bsn.digits, "eerst@leerling.example")
    assert len(outbox.to("eerst@leerling.example")) == 1  # (waits for the first ask's job)
    _ask(client, pupil.bsn.digits, "later@leerling.example")
    assert [m["Subject"] for m in outbox.to("eerst@leerling.example")] == [
        "Activeer je account voor het Digitaal Doorstroomdossier"
    ] * 2
    assert outbox.to("later@leerling.example") == []
    assert mailed_path(outbox, "eerst@leerling.example").startswith("/activeren/")


def test_the_school_unlinks_an_account_someone_else_made_and_the_student_makes_their_own(app, client, factory, outbox):
    school = support.school(factory)
    counsellor = support.staff_member(factory, school, "counsellor")
    mentor = support.staff_member(factory, school, "mentor")
    claimant = factory.user("iemand@anders.example")
    roos = support.student(school, first_name="Roos", last_name="Winter", user=claimant)
    page = f"/doorstroomdossier/school/leerlingen/{roos.id}"
    unlink = f"{page}/account-loskoppelen"

    as_mentor = app.test_client()
    login(as_mentor, mentor.email, organisation=school.id)
    assert as_mentor.get(unlink).status_code == 404 and as_mentor.post(unlink).status_code == 404
    assert db.session.get(Student, roos.id).user_id == claimant.id

    as_counsellor = app.test_client()
    login(as_counsellor, counsellor.email, organisation=school.id)
    shown = as_counsellor.get(page).get_data(as_text=True)
    assert "Heeft een account (iemand@anders.example)" in shown and "Account loskoppelen" in shown
    assert "Ja, koppel het account los" in as_counsellor.get(unlink).get_data(as_text=True)
    response = as_counsellor.post(unlink)
    assert response.status_code == 303
    shown = as_counsellor.get(page).get_data(as_text=True)
    assert "Het account is losgekoppeld van Roos de Winter." in shown and "Nog geen account" in shown

    login(client, claimant.email)  # the claimant's account no longer opens Roos's dossiers
    assert client.get("/doorstroomdossier/").headers["Location"] == "/doorstroomdossier/start"
    client.post("/uitloggen")
    _ask(client, roos.bsn.digits, "r.dewinter@leerling.example")
    assert [m["Subject"] for m in outbox.to("r.dewinter@leerling.example")] == [
        "Activeer je account voor het Digitaal Doorstroomdossier"
    ]
    assert db.session.get(Student, roos.id).user.email == "r.dewinter@leerling.example"
    assert "Heeft een account (r.dewinter@leerling.example)" in as_counsellor.get(page).get_data(as_text=True)
    jaap = support.student(school, first_name="Jaap", infix="", last_name="Rierink")
    as_counsellor.post(f"/doorstroomdossier/school/leerlingen/{jaap.id}/account-loskoppelen")
    assert "Jaap Rierink heeft geen account." in as_counsellor.get(
        f"/doorstroomdossier/school/leerlingen/{jaap.id}"
    ).get_data(as_text=True)
