"""The mails of an enrolment leave after its commit, from jobs: an unreachable mail server neither slows nor
fails the enrolment (its mail arrives once the server is back), a rolled-back change sends nothing, and the
confirmation with its invoice PDF is made by a job, not by the request that enrols."""

import uuid

import pytest
from sqlalchemy import func, select

from tests.components import REDIS_TEST_URL, free_port, require_redis
from tests.conftest import make_app
from tests.factories import acting_as, login
from tests.mail import SmtpMailbox
from webapp.core.jobs import queue, rq_worker, wait_for_in_process_jobs
from webapp.core.models import OutgoingMail
from webapp.courses import services
from webapp.courses.models import Enrollment, Event, Invoice, Message
from webapp.extensions import db


def count(model, *where):
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_with_the_smtp_server_down_an_enrolment_succeeds_and_its_mail_arrives_once_it_is_up(
    app, database_url, tmp_path, factory, make_event
):
    from aiosmtpd.controller import Controller

    port = free_port()  # where the mail server will be; nothing listens there yet
    mail_app = make_app(tmp_path, database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_RETRY_SECONDS=0)
    jan = factory.user("jan.visser@example.nl", first_name="Jan", last_name="Visser")
    staff = factory.user("beheer@loket.example", is_staff=True)
    event = make_event()
    client = mail_app.test_client()
    login(client, jan.email)

    response = client.post(f"/cursussen/evenement/{event.id}/inschrijven", data={"debtor_reference": "PO-5"})
    assert response.status_code == 303
    assert "Jan Visser is ingeschreven" in client.get(response.headers["Location"]).get_data(as_text=True)
    wait_for_in_process_jobs()  # the confirmation job, and the delivery it started, which the server refused
    [outgoing] = db.session.execute(select(OutgoingMail)).scalars().all()
    assert outgoing.recipient == jan.email and outgoing.subject.startswith("Bevestiging inschrijving")
    assert (outgoing.status, outgoing.attempts) == ("pending", 1) and outgoing.last_error
    login(staff_client := mail_app.test_client(), staff.email)
    waiting = staff_client.get("/beheer/uitgaande-mail").get_data(as_text=True)
    assert jan.email in waiting and "In wachtrij" in waiting

    mailbox = SmtpMailbox()
    server = Controller(mailbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        with mail_app.app_context():  # `flask sweep` runs in the app it finds pushed: this one, with the mail server
            runner = mail_app.test_cli_runner()
            assert runner.invoke(args=["sweep"]).exit_code == 0  # the periodic retry, by hand
            mail = mailbox.wait_for(to=jan.email, subject="Bevestiging inschrijving")
            assert runner.invoke(args=["sweep"]).exit_code == 0  # a second retry finds nothing left to send
        [attachment] = list(mail.iter_attachments())
        invoice = db.session.execute(select(Invoice)).scalar_one()
        assert attachment.get_filename() == f"factuur-{invoice.number}.pdf"
        assert attachment.get_content().startswith(b"%PDF")
    finally:
        server.stop()
    assert len(mailbox.messages) == 1
    assert not list((tmp_path / "outbox").glob("*.eml"))  # over SMTP only, never to the local outbox
    db.session.expire_all()
    assert (outgoing.status, outgoing.attempts) == ("sent", 1)
    assert count(Enrollment, Enrollment.status == "enrolled") == 1


def test_a_rolled_back_enrolment_or_cancellation_sends_nothing(app, factory, outbox, make_event):
    deby, martin, olga = (
        factory.user(f"{name}@example.nl", first_name=name.title(), last_name="Test")
        for name in ("deby", "martin", "olga")
    )
    event = make_event(places=1)
    first = services.enrol(acting_as(deby), event.id)
    services.enrol(acting_as(martin), event.id, waiting_list=True)
    db.session.commit()
    assert len(outbox.messages) == 2  # Deby's confirmation, Martin's place on the waiting list

    # A cancellation that rolls back (as a request that fails after it does): no cancellation mail for Deby,
    # no freed place for Martin, no credit note.
    services.cancel(acting_as(deby), first.id)
    db.session.rollback()
    # An enrolment that rolls back: nothing for Olga.
    services.enrol(acting_as(olga), event.id, waiting_list=True)
    db.session.rollback()

    assert len(outbox.messages) == 2
    assert count(OutgoingMail) == 2 and count(Message) == 2
    assert [e.status for e in db.session.execute(select(Enrollment).order_by(Enrollment.id)).scalars()] == [
        "enrolled",
        "waiting",
    ]
    assert count(Invoice) == 1 and db.session.get(Event, event.id).enrolled_count == 1


@pytest.fixture
def queued_app(app, database_url, tmp_path):
    """The app with its jobs on RQ (a queue of its own), which runs nothing until a worker takes them."""
    require_redis()
    queued = make_app(
        tmp_path, database_url, REDIS_URL=REDIS_TEST_URL, RQ_QUEUE=f"loket-test-courses-{uuid.uuid4().hex[:8]}"
    )
    yield queued
    queue(queued).delete(delete_jobs=True)


def test_the_confirmation_and_its_invoice_pdf_are_made_by_a_job_not_by_the_request(
    queued_app, factory, outbox, make_event
):
    person = factory.user("wim@example.nl", first_name="Wim", last_name="Wachter")
    event = make_event()
    client = queued_app.test_client()
    login(client, person.email)

    response = client.post(f"/cursussen/evenement/{event.id}/inschrijven", data={})
    assert response.status_code == 303
    # The request is answered with the place and its invoice stored, and the confirmation still to be made.
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Wim Wachter is ingeschreven" in page and f"U ontvangt een bevestiging op {person.email}" in page
    enrollment = db.session.execute(select(Enrollment)).scalar_one()
    assert enrollment.status == "enrolled" and enrollment.invoice is not None
    assert enrollment.confirmation_sent_at is None
    assert count(Message) == 0 and count(OutgoingMail) == 0 and outbox.messages == []
    assert queue(queued_app).count == 1

    rq_worker(queued_app, simple=True).work(burst=True)  # the confirmation job, then the delivery it enqueues

    db.session.expire_all()
    assert enrollment.confirmation_sent_at is not None
    [mail] = outbox.to(person.email)
    [attachment] = list(mail.iter_attachments())
    [kept] = db.session.execute(select(Message)).scalar_one().attachments
    assert attachment.get_filename() == kept.filename == f"factuur-{enrollment.invoice.number}.pdf"
    assert attachment.get_content() == kept.data and kept.data.startswith(b"%PDF")
    assert "Er is een bevestiging gestuurd" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_mail_job_run_again_or_late_sends_nothing_more(app, factory, outbox, make_event, settle):
    from webapp.courses import jobs

    anna = factory.user("anna@example.nl")
    event = make_event(places=1)
    enrollment = services.enrol(acting_as(anna), event.id)
    db.session.commit()
    settle()
    assert len(outbox.to(anna.email)) == 1
    # A job that runs twice (a retry after a worker died past its commit) sends once.
    assert jobs.send_confirmation(enrollment.id) == "nothing to send"
    db.session.commit()
    # A confirmation job that runs only after its enrolment was cancelled sends no confirmation;
    # the cancellation's own job confirms that, once.
    services.cancel(acting_as(anna), enrollment.id)
    db.session.commit()
    settle()
    assert jobs.send_confirmation(enrollment.id) == "nothing to send"
    assert jobs.send_cancellation(enrollment.id, None) == "nothing to send"
    db.session.commit()
    assert [m["Subject"].split(":")[0] for m in outbox.to(anna.email)] == [
        "Bevestiging inschrijving",
        "Afmelding bevestigd",
    ]
    # Re-enrolled: the old cancellation job sends nothing, the new confirmation goes.
    services.enrol(acting_as(anna), event.id)
    db.session.commit()
    settle()
    assert jobs.send_cancellation(enrollment.id, None) == "nothing to send"
    db.session.commit()
    assert [m["Subject"].split(":")[0] for m in outbox.to(anna.email)][-1] == "Bevestiging inschrijving"
    assert len(outbox.to(anna.email)) == 3
