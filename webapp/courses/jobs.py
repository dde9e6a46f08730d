"""Background work of courses: the mails about an enrolment, with their invoice PDFs, made after the
commit of the enrolment or cancellation (core.jobs.enqueue_after_commit), never in the request.

A job reads the enrolment, renders the PDF, and then reads the enrolment again under a lock that holds
until the job commits; it sends only when nothing changed in between, and at most once: a second run
sends nothing, and neither does a run for an enrolment that changed since (the change enqueued a job
of its own). The PDF is made before the lock, so no request waits for it.
"""

from sqlalchemy import select

from webapp.core.timeutil import utcnow
from webapp.core.transactions import take_write_lock
from webapp.courses import archive
from webapp.courses.models import Enrollment, Invoice, Message
from webapp.extensions import db


def send_confirmation(enrollment_id: int, promoted: bool = False) -> str:
    """Confirm the place (with its invoice as a PDF) or the place on the waiting list to the participant."""
    prepared = _prepared(
        enrollment_id,
        _confirmation_due,
        lambda enrollment: enrollment.invoice if enrollment.status == "enrolled" else None,
    )
    if prepared is None:
        return "nothing to send"
    enrollment, invoice, attachments = prepared
    event = enrollment.event
    if enrollment.status == "waiting":
        subject = f"Wachtlijst: {event.name}"
    elif promoted:
        subject = f"Er is een plaats vrijgekomen: {event.name}"
    else:
        subject = f"Bevestiging inschrijving: {event.name}"
    archive.mail_participant(
        enrollment,
        subject,
        "courses_confirmation",
        kind="confirmation",
        invoice=invoice,
        attachments=attachments,
        promoted=promoted,
    )
    enrollment.confirmation_sent_at = utcnow()
    return "sent"


def send_cancellation(enrollment_id: int, credit_note_id: int | None) -> str:
    """Confirm a cancellation to the participant, with the credit note as a PDF when there is one."""
    prepared = _prepared(
        enrollment_id,
        _cancellation_due,
        lambda enrollment: db.session.get(Invoice, credit_note_id) if credit_note_id else None,
    )
    if prepared is None:
        return "nothing to send"
    enrollment, credit_note, attachments = prepared
    archive.mail_participant(
        enrollment,
        f"Afmelding bevestigd: {enrollment.event.name}",
        "courses_cancellation",
        kind="cancellation",
        invoice=credit_note,
        attachments=attachments,
        credit_note=credit_note,
    )
    return "sent"


def _prepared(enrollment_id: int, due, document) -> tuple | None:
    """(the enrolment, locked; its document; the document as PDF attachments) when its mail is due and the
    enrolment did not change while the PDF was made; None otherwise."""
    enrollment = db.session.get(Enrollment, enrollment_id)
    if not due(enrollment):
        return None
    seen = _state(enrollment)
    invoice = document(enrollment)
    attachments = archive.invoice_attachments(invoice)
    enrollment = _locked_enrollment(enrollment_id)
    if not due(enrollment) or _state(enrollment) != seen:
        return None
    return enrollment, invoice, attachments


def _confirmation_due(enrollment: Enrollment | None) -> bool:
    return enrollment is not None and enrollment.status != "cancelled" and enrollment.confirmation_sent_at is None


def _cancellation_due(enrollment: Enrollment | None) -> bool:
    """Cancelled, and this cancellation (since it was made) not confirmed yet: the archive keeps what was sent."""
    if enrollment is None or enrollment.status != "cancelled":
        return False
    return (
        db.session.execute(
            select(Message.id)
            .where(
                Message.enrollment_id == enrollment.id,
                Message.kind == "cancellation",
                Message.sent_at >= enrollment.cancelled_at,
            )
            .limit(1)
        ).first()
        is None
    )


def _state(enrollment: Enrollment) -> tuple:
    return enrollment.status, enrollment.invoice_id, enrollment.cancelled_at


def _locked_enrollment(enrollment_id: int) -> Enrollment | None:
    """The enrolment as it is now, locked until this job commits, so that a request changing it and another
    run of the job wait their turn: the row on PostgreSQL, the database on SQLite (which has no row locks)."""
    take_write_lock()
    return db.session.execute(
        select(Enrollment)
        .where(Enrollment.id == enrollment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
