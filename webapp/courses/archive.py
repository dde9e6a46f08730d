"""The message archive (the Digitaal Dossier of manual 001): what the issuer sent a customer, kept with
its attachments, so the customer can read it again under Mijn Onderwijsgroep.

Mail goes through core.mail.send_mail: it is queued in the current transaction and leaves after the
commit, so the archive never keeps a message that was not sent, nor the other way round.
"""

from email.message import EmailMessage

from webapp.core.mail import send_mail
from webapp.courses import invoicing
from webapp.courses.models import Enrollment, Invoice, Message, MessageAttachment
from webapp.extensions import db


def invoice_attachments(invoice: Invoice | None) -> list[tuple[str, str, bytes]]:
    """The invoice or credit note as the PDF a mail carries (nothing without one). Rendering it takes a
    while: a job does it before it takes any lock."""
    return [(invoicing.file_name(invoice), "application/pdf", invoicing.pdf(invoice))] if invoice else []


def mail_participant(
    enrollment: Enrollment,
    subject: str,
    template: str,
    *,
    kind: str,
    invoice: Invoice | None = None,
    attachments=(),
    **context,
) -> Message:
    """Mail the participant of an enrolment about it (with the invoice or credit note as attachments), and
    keep that message, with those very files, in their archive."""
    mail = send_mail(
        enrollment.participant.email,
        subject,
        template,
        attachments=attachments,
        enrollment=enrollment,
        event=enrollment.event,
        participant=enrollment.participant,
        organisation=enrollment.organisation,
        **context,
    )
    return keep(
        recipient_id=enrollment.participant_id,
        organisation_id=enrollment.organisation_id,
        kind=kind,
        subject=subject,
        body=plain_text(mail),
        attachments=attachments,
        invoice_id=invoice.id if invoice else None,
        enrollment_id=enrollment.id,
    )


def keep(
    *,
    recipient_id: int | None,
    organisation_id: int | None,
    kind: str,
    subject: str,
    body: str,
    attachments=(),
    invoice_id: int | None = None,
    enrollment_id: int | None = None,
) -> Message:
    """Keep a message in the archive of a person (organisation None), of a person acting for an
    organisation, or of an organisation (recipient None: its admins read it)."""
    message = Message(
        recipient_id=recipient_id,
        organisation_id=organisation_id,
        kind=kind,
        subject=subject,
        body=body,
        invoice_id=invoice_id,
        enrollment_id=enrollment_id,
        attachments=[MessageAttachment(filename=f, mimetype=m, data=d) for f, m, d in attachments],
    )
    db.session.add(message)
    db.session.flush()
    return message


def plain_text(mail: EmailMessage) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()
