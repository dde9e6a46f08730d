"""Background work of courses: the mails about an enrolment, with their invoice PDFs, made after the
commit of the enrolment or cancellation (core.jobs.enqueue_after_commit), never in the request.

Each job reads the enrolment as it is when the job runs, locked until it commits, and sends at most
once: a second run sends nothing, and neither does a run for an enrolment that has changed since (the
change enqueued a job of its own).
"""
from sqlalchemy import select

from webapp.core.timeutil import utcnow
from webapp.core.transactions import take_write_lock
from webapp.courses import archive
from webapp.courses.models import Enrollment, Invoice, Message
from webapp.extensions import db


def send_confirmation(enrollment_id: int, promoted: bool = False) -> str:
    """Confirm the place (with its invoice as a PDF) or the place on the waiting list to the participant."""
    enrollment = _locked_enrollment(enrollment_id)
    if enrollment is None or enrollment.status == "cancelled" or enrollment.confirmation_sent_at is not None:
        return "nothing to send"
    event = enrollment.event
    if enrollment.status == "waiting":
        subject = f"Wachtlijst: {event.name}"
    elif promoted:
        subject = f"Er is een plaats vrijgekomen: {event.name}"
    else:
        subject = f"Bevestiging inschrijving: {event.name}"
    invoice = enrollment.invoice if enrollment.status == "enrolled" else None
    archive.mail_participant(enrollment, subject, "courses_confirmation", kind="confirmation", invoice=invoice,
                             promoted=promoted)
    enrollment.confirmation_sent_at = utcnow()
    return "sent"


def send_cancellation(enrollment_id: int, credit_note_id: int | None) -> str:
    """Confirm a cancellation to the participant, with the credit note when there is one."""
    enrollment = _locked_enrollment(enrollment_id)
    if enrollment is None or enrollment.status != "cancelled" or _cancellation_kept(enrollment):
        return "nothing to send"
    credit_note = db.session.get(Invoice, credit_note_id) if credit_note_id else None
    archive.mail_participant(enrollment, f"Afmelding bevestigd: {enrollment.event.name}", "courses_cancellation",
                             kind="cancellation", invoice=credit_note, credit_note=credit_note)
    return "sent"


def _locked_enrollment(enrollment_id: int) -> Enrollment | None:
    """The enrolment, locked until this job commits, so that a request changing it and another run of the job
    wait their turn: the row on PostgreSQL, the database on SQLite (which has no row locks)."""
    take_write_lock()
    return db.session.execute(
        select(Enrollment).where(Enrollment.id == enrollment_id).with_for_update()
    ).scalar_one_or_none()


def _cancellation_kept(enrollment: Enrollment) -> bool:
    """Whether this cancellation (since it was made) was confirmed already: the archive keeps what was sent."""
    return db.session.execute(
        select(Message.id).where(Message.enrollment_id == enrollment.id, Message.kind == "cancellation",
                                 Message.sent_at >= enrollment.cancelled_at).limit(1)
    ).first() is not None
