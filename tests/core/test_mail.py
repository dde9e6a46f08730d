"""Mail leaves after the commit, by a job: a rolled-back request sends nothing, a refused mail is tried
again, and one that keeps failing shows on the staff page until it is sent."""

from sqlalchemy import func, select

from tests.components import free_port
from tests.conftest import make_app
from tests.factories import Factory, login
from tests.mail import SmtpMailbox
from webapp.core import mail, periodic
from webapp.core.models import OutgoingMail
from webapp.extensions import db


def _mail_routes(app):
    @app.post("/__send")
    def send():
        mail.send_mail(
            "ontvanger@voorbeeld.example",
            "Bevestiging",
            "courses_message",
            body="Hallo",
            recipient=None,
            recipient_name="Ontvanger",
        )
        return "sent"

    @app.post("/__send-then-fail")
    def send_then_fail():
        mail.send_mail(
            "ontvanger@voorbeeld.example",
            "Nooit",
            "courses_message",
            body="Hallo",
            recipient=None,
            recipient_name="Ontvanger",
        )
        raise RuntimeError("the view fails after queueing the mail")


def _stored_mails() -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(OutgoingMail)).scalar_one()


def test_a_rolled_back_request_sends_no_mail_and_a_committed_one_sends_it_once(app, client, outbox):
    _mail_routes(app)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.post("/__send-then-fail").status_code == 500
    assert outbox.messages == [] and _stored_mails() == 0

    assert client.post("/__send").status_code == 200
    [message] = outbox.messages
    assert message["Subject"] == "Bevestiging" and message["To"] == "ontvanger@voorbeeld.example"
    assert db.session.execute(select(OutgoingMail.status)).scalar_one() == "sent"


def test_a_refused_mail_is_retried_shown_to_staff_while_it_fails_and_sent_once_the_server_is_up(
    database_url, tmp_path, backend
):
    from aiosmtpd.controller import Controller

    port = free_port()  # nothing listens here yet: the mail server is down
    app = make_app(
        tmp_path, database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_RETRY_SECONDS=0, MAIL_MAX_ATTEMPTS=2
    )
    if backend == "postgresql":
        from tests.databases import empty_tables

        empty_tables(app)
    _mail_routes(app)
    with app.app_context():
        staff = Factory(app).user("staf@loket.example", is_staff=True)
        client = app.test_client()
        assert client.post("/__send").status_code == 200  # the request does not wait for, or fail on, the server
        tasks = {task.func: task for task in periodic.tasks().values()}
        retry = tasks[mail.retry_mail]
        _wait_for_jobs()
        periodic.run(retry)  # the second and last try: refused again
        _wait_for_jobs()
        db.session.expire_all()
        outgoing = db.session.execute(select(OutgoingMail)).scalar_one()
        assert (outgoing.status, outgoing.attempts) == ("failed", 2) and "Connection" in outgoing.last_error

        login(client, staff.email)
        page = client.get("/beheer/uitgaande-mail").get_data(as_text=True)
        assert "ontvanger@voorbeeld.example" in page and "Mislukt" in page

        mailbox = SmtpMailbox()
        controller = Controller(mailbox, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            assert client.post(f"/beheer/uitgaande-mail/{outgoing.id}/opnieuw").status_code == 303
            _wait_for_jobs()
            assert mailbox.wait_for("ontvanger@voorbeeld.example", "Bevestiging")
            periodic.run(retry)  # nothing left to send: no second copy
            _wait_for_jobs()
            assert len(mailbox.messages) == 1
        finally:
            controller.stop()
        assert "Alle e-mail is verstuurd" in client.get("/beheer/uitgaande-mail").get_data(as_text=True)
        db.session.remove()
        db.engine.dispose()


def _wait_for_jobs():
    from webapp.core.jobs import wait_for_in_process_jobs

    wait_for_in_process_jobs()
