"""Password reset as the manual's steps 1-8, without account enumeration."""

from sqlalchemy import func, select

from tests.accounts.helpers import mailed_path, new_password_post
from tests.factories import PASSWORD, login
from tests.html import without_csrf
from tests.mail import Outbox
from webapp.accounts.models import LoginSession
from webapp.extensions import db

NEW = "Kade-Brug-84-Lente"


def _request(client, email):
    return client.post("/wachtwoord-opvragen", data={"email": email})


def test_known_and_unknown_addresses_get_the_same_answer(app, client, factory, outbox):
    user = factory.user("bekend@voorbeeld.example")
    known = _request(client, user.email)
    known_page = client.get(known.headers["Location"]).get_data(as_text=True)
    unknown = _request(client, "onbekend@voorbeeld.example")
    unknown_page = client.get(unknown.headers["Location"]).get_data(as_text=True)
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    assert set(known.headers.keys()) == set(unknown.headers.keys())
    # the same page but for the session's CSRF token, which is signed with the second it is made in
    assert without_csrf(known_page) == without_csrf(unknown_page)
    assert "Als dit e-mailadres bij ons bekend is" in known_page
    # only the real account gets mail; nothing is sent anywhere for the unknown address
    assert len(outbox.to(user.email)) == 1
    assert outbox.to("onbekend@voorbeeld.example") == [] and len(outbox.messages) == 1


def test_reset_link_works_once_ends_other_sessions_and_logs_in(app, client, factory, outbox):
    user = factory.user("reset@voorbeeld.example")
    other_device = app.test_client()
    login(other_device, user.email)
    assert other_device.get("/mijn-gegevens").status_code == 200

    _request(client, "Reset@Voorbeeld.example ")
    path = mailed_path(outbox, user.email, "wachtwoord")
    assert client.get(path).status_code == 200
    mismatch = client.post(path, data={"password": NEW, "confirm": NEW + "x"})
    assert mismatch.status_code == 400 and "niet gelijk" in mismatch.get_data(as_text=True)
    response = new_password_post(client, path, NEW)
    assert response.status_code == 303
    assert client.get("/mijn-gegevens").status_code == 200  # logged in
    assert other_device.get("/mijn-gegevens").status_code == 302  # the other device is logged out
    assert (
        db.session.execute(
            select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user.id)
        ).scalar()
        == 1
    )
    # the link is used up
    assert client.get(path).status_code == 404
    assert new_password_post(app.test_client(), path, "Nog-Een-Keer-55").status_code == 404
    fresh = app.test_client()
    assert fresh.post("/inloggen", data={"email": user.email, "password": PASSWORD}).status_code == 400
    login(fresh, user.email, NEW)


def test_reset_link_expires(app, client, factory, outbox):
    user = factory.user("verlopen@voorbeeld.example")
    _request(client, user.email)
    path = mailed_path(outbox, user.email)
    app.config["RESET_TOKEN_MAX_AGE"] = -1
    assert client.get(path).status_code == 404
    assert new_password_post(client, path, NEW).status_code == 404
    login(app.test_client(), user.email)  # the old password still works


def test_reset_for_an_unactivated_account_sends_the_activation_again(app, client, factory, outbox):
    factory.user("nog.niet@voorbeeld.example", activated=False)
    assert _request(client, "nog.niet@voorbeeld.example").status_code == 303
    path = mailed_path(outbox, "nog.niet@voorbeeld.example", "Activeer")
    assert path.startswith("/activeren/")


def test_reset_form_errors(app, client):
    for data in ({}, {"email": ""}, {"email": "geen-adres"}):
        response = client.post("/wachtwoord-opvragen", data=data)
        assert response.status_code == 400


def test_the_request_does_the_same_work_for_known_and_unknown_addresses(database_url, tmp_path, backend, factory):
    """The answer's timing must not tell which addresses have an account: the request only queues one job
    (the same SQL, the same job, whatever the address); the job looks the address up and mails."""
    import uuid

    from sqlalchemy import event

    from tests.components import REDIS_TEST_URL, require_redis
    from tests.conftest import make_app
    from webapp.core.jobs import queue, rq_worker

    require_redis()
    app = make_app(
        tmp_path, database_url, REDIS_URL=REDIS_TEST_URL, RQ_QUEUE=f"loket-test-reset-{uuid.uuid4().hex[:8]}"
    )
    with app.app_context():
        user = factory.user("bekend@voorbeeld.example")
        client = app.test_client()
        client.get("/wachtwoord-opvragen")
        work = {}
        for label, address in (("known", user.email), ("unknown", "onbekend@voorbeeld.example")):
            statements = []

            def record(conn, cursor, statement, *args, statements=statements):
                statements.append(statement)

            event.listen(db.engine, "before_cursor_execute", record)
            try:
                assert _request(client, address).status_code == 303
            finally:
                event.remove(db.engine, "before_cursor_execute", record)
            work[label] = statements
        assert work["known"] == work["unknown"]
        jobs = queue().get_jobs()
        assert [job.func_name for job in jobs] == ["webapp.accounts.services.send_password_reset"] * 2
        assert [job.args for job in jobs] == [(user.email,), ("onbekend@voorbeeld.example",)]
        outbox = Outbox(app.config["MAIL_OUTBOX_DIR"])
        assert outbox.messages == []  # nothing is mailed in the request
        rq_worker(app, simple=True).work(burst=True)
        assert len(outbox.to(user.email)) == 1 and len(outbox.messages) == 1
        queue().empty()
        db.session.remove()
        db.engine.dispose()
