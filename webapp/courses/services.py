"""The rules of the course catalogue: who may see and enrol in what, capacity, waiting lists,
invoices and the digital dossier. Plain functions; no request, no templates (but mail)."""
import uuid

from sqlalchemy import bindparam, case, func, or_, select
from sqlalchemy.orm import selectinload

from webapp.accounts.models import Membership, Organisation, User
from webapp.core.audit import audit
from webapp.core.auth import ActingContext
from webapp.core.errors import DomainError, NotFound
from webapp.core.jobs import enqueue_after_commit
from webapp.core.timeutil import today_local, utcnow
from webapp.courses.models import (
    Category,
    Course,
    Enrollment,
    Event,
    Invoice,
    InvoiceLine,
    Message,
    MessageAttachment,
)
from webapp.extensions import db

PER_PAGE = 25


# Catalogue --------------------------------------------------------------------------------

def get_category(category_id: int) -> Category:
    category = db.session.get(Category, category_id)
    if category is None:
        raise NotFound()
    return category


def root_categories() -> list[Category]:
    return list(db.session.execute(select(Category).where(Category.parent_id.is_(None)).order_by(Category.name)).scalars())


def public_courses(category_id: int) -> list[Course]:
    return list(db.session.execute(
        select(Course).where(Course.category_id == category_id, Course.custom_for_id.is_(None)).order_by(Course.name)
    ).scalars())


def _may_see_course(course: Course, context: ActingContext | None) -> bool:
    if course.custom_for_id is None:
        return True
    return context is not None and context.is_admin and context.organisation_id == course.custom_for_id


def get_course(course_id: int, context: ActingContext | None) -> Course:
    course = db.session.get(Course, course_id)
    if course is None or not _may_see_course(course, context):
        raise NotFound()
    return course


def get_event(event_id: int, context: ActingContext | None) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or not _may_see_course(event.course, context):
        raise NotFound()
    return event


MAX_PAGE = 400  # offsets stay bounded: 400 pages of 25 is far beyond any real agenda


# Built once: a fresh select() per request cost more than running it (construction and cache key).
_AGENDA = (
    select(Event.id, Event.course_id, Event.name, Event.starts_on, Event.ends_on, Event.location, Event.price_cents,
           case((Event.places > Event.enrolled_count, Event.places - Event.enrolled_count), else_=0).label("places_left"),
           Course.name.label("course_name"))
    .join(Course, Course.id == Event.course_id)
    .where(Event.starts_on >= bindparam("today"), Course.custom_for_id.is_(None))
    .order_by(Event.starts_on, Event.id).limit(bindparam("limit")).offset(bindparam("offset"))
)


def upcoming_events(page: int = 1, per_page: int = PER_PAGE):
    """Public events from today on, by date: (rows, has_next) in one query.

    Rows carry only what the agenda shows (id, course_id, name, starts_on, ends_on, location,
    price_cents, places_left, course_name). The query walks ix_course_events_starts_on_id and stops
    after offset + limit + 1 rows (the extra row says whether there is a next page); places left
    come from the maintained counter, so the enrolments are never read. No total: a count was a
    second round trip per request (and as a window or scalar subquery, slower still)."""
    page = min(max(1, page), MAX_PAGE)
    rows = db.session.execute(_AGENDA, {"today": today_local(), "limit": per_page + 1,
                                        "offset": (page - 1) * per_page}).all()
    return rows[:per_page], len(rows) > per_page and page < MAX_PAGE


def available_places(event: Event) -> int:
    return event.places_left


def _recount(event: Event) -> int:
    """Under the event's lock: count its enrolments and store the count on the event."""
    taken = db.session.execute(
        select(func.count(Enrollment.id)).where(Enrollment.event_id == event.id, Enrollment.status == "enrolled")
    ).scalar_one()
    event.enrolled_count = taken
    return taken


def is_open(event: Event) -> bool:
    """Enrolment closes when the event starts."""
    return event.starts_on > today_local()


# Persons an admin may enrol ---------------------------------------------------------------

def organisation_persons(organisation_id: int, query: str = "", limit: int = 50) -> list[User]:
    statement = (select(User).join(Membership, Membership.user_id == User.id)
                 .where(Membership.organisation_id == organisation_id).order_by(User.last_name, User.first_name))
    query = (query or "").strip()
    if query:
        like = f"%{query.lower()}%"
        statement = statement.where(or_(
            func.lower(User.first_name).like(like), func.lower(User.last_name).like(like),
            func.lower(User.email).like(like),
            func.lower(User.first_name + " " + User.last_name).like(like),
        ))
    return list(db.session.execute(statement.limit(limit)).scalars())


def _is_member(user_id: int, organisation_id: int) -> bool:
    return db.session.execute(
        select(Membership.id).where(Membership.user_id == user_id, Membership.organisation_id == organisation_id)
    ).first() is not None


# Enrolment --------------------------------------------------------------------------------

def _locked_event(event_id: int) -> Event:
    """The event, locked for this transaction (FOR UPDATE on PostgreSQL; on SQLite the writing request holds
    the database's write lock), so places are counted and taken one at a time."""
    return db.session.execute(
        select(Event).where(Event.id == event_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


def enrol(context: ActingContext, event_id: int, participant_id: int | None = None, *, debtor_reference: str = "",
          waiting_list: bool = False) -> Enrollment:
    """Enrol the participant (default: the acting user) in the event; the confirmation is mailed after the commit.

    As a person the invoice goes to the person; acting for an organisation, to the organisation.
    Only an organisation's admin enrols others, and only persons linked to that organisation.
    A full event refuses, or puts the participant on the waiting list when `waiting_list`.
    """
    event, participant = _check_enrolment(context, event_id, participant_id or context.user_id)
    enrollment = _take_place(context, _locked_event(event.id), participant, (debtor_reference or "").strip()[:80],
                             waiting_list)
    audit("course.enrolled", organisation_id=context.organisation_id, subject=f"enrollment:{enrollment.id}",
          event_id=event.id, participant_id=participant.id, new_state=enrollment.status)
    enqueue_after_commit(send_confirmation, enrollment.id)
    return enrollment


def _check_enrolment(context: ActingContext, event_id: int, participant_id: int) -> tuple[Event, User]:
    """The event and the participant, when this context may enrol them in it now."""
    event = get_event(event_id, context)
    if not is_open(event):
        raise DomainError("Inschrijven voor dit evenement is niet meer mogelijk: het is al begonnen of voorbij.")
    if participant_id != context.user_id:
        if not context.is_admin:
            raise DomainError("Alleen een beheerder van een organisatie kan anderen inschrijven.", field="participant_id")
        if not _is_member(participant_id, context.organisation_id):
            raise DomainError("Deze persoon is niet gekoppeld aan uw organisatie.", field="participant_id")
    participant = db.session.get(User, participant_id)
    if participant is None:
        raise DomainError("Deze persoon is niet gekoppeld aan uw organisatie.", field="participant_id")
    return event, participant


def _take_place(context: ActingContext, event: Event, participant: User, debtor_reference: str,
                waiting_list: bool) -> Enrollment:
    """A place for the participant on the locked event (with its invoice), or one on the waiting list."""
    existing = db.session.execute(
        select(Enrollment).where(Enrollment.event_id == event.id, Enrollment.participant_id == participant.id)
    ).scalar_one_or_none()
    if existing is not None and existing.status != "cancelled":
        where = "op de wachtlijst" if existing.status == "waiting" else "ingeschreven"
        raise DomainError(f"{participant.full_name} staat al {where} voor dit evenement.")
    taken = _recount(event)
    full = taken >= event.places
    if full and not waiting_list:
        raise DomainError("Dit evenement is vol. U kunt zich op de wachtlijst laten plaatsen.")
    enrollment = existing or Enrollment(event_id=event.id, participant_id=participant.id)
    enrollment.organisation_id = context.organisation_id
    enrollment.enrolled_by_id = context.user_id
    enrollment.debtor_reference = debtor_reference
    enrollment.cancelled_at = None
    enrollment.created_at = utcnow()
    enrollment.confirmation_sent_at = None
    if full:
        enrollment.status, enrollment.waiting_since = "waiting", utcnow()
    else:
        enrollment.status, enrollment.waiting_since = "enrolled", None
    db.session.add(enrollment)
    db.session.flush()
    if enrollment.status == "enrolled":
        event.enrolled_count = taken + 1
        enrollment.invoice = _make_invoice(enrollment, event, participant)
    return enrollment


def _make_invoice(enrollment: Enrollment, event: Event, participant: User) -> Invoice:
    """An invoice for one place, to the organisation (acting for it) or to the person, with the
    debtor's address as it is now."""
    if enrollment.organisation_id is not None:
        organisation = db.session.get(Organisation, enrollment.organisation_id)
        debtor = dict(debtor_organisation_id=organisation.id, debtor_name=organisation.name,
                      debtor_attention=participant.full_name,
                      debtor_street=f"{organisation.street} {organisation.house_number}".strip(),
                      debtor_postcode=organisation.postcode, debtor_city=organisation.city)
    else:
        debtor = dict(debtor_user_id=participant.id, debtor_name=participant.formal_name or participant.full_name,
                      debtor_street=f"{participant.street} {participant.house_number}".strip(),
                      debtor_postcode=participant.postcode, debtor_city=participant.city)
    issued = today_local()
    invoice = Invoice(number=f"tmp-{uuid.uuid4().hex[:12]}", issued_on=issued,
                      debtor_reference=enrollment.debtor_reference, **debtor)
    line = InvoiceLine(
        description=f"{event.course.name}: {event.name} ({event.starts_on:%d-%m-%Y}), deelnemer {participant.full_name}",
        quantity=1, unit_price_cents=event.price_cents, vat_rate=event.vat_rate, amount_cents=event.price_cents,
    )
    invoice.lines.append(line)
    invoice.subtotal_cents = line.amount_cents
    invoice.vat_cents = round(line.amount_cents * line.vat_rate / 100)
    invoice.total_cents = invoice.subtotal_cents + invoice.vat_cents
    db.session.add(invoice)
    db.session.flush()
    invoice.number = f"{issued.year}{invoice.id:06d}"
    return invoice


def _make_credit_note(invoice: Invoice) -> Invoice | None:
    """A credit note (creditfactuur) for the whole invoice: the same debtor and lines with negative
    amounts. Invoices are never changed or deleted; an invoice is credited once."""
    if invoice.credit_for_id is not None or invoice.credit_notes:
        return None
    lines = [InvoiceLine(description=f"Creditering: {line.description}", quantity=line.quantity,
                         unit_price_cents=-line.unit_price_cents, vat_rate=line.vat_rate, amount_cents=-line.amount_cents)
             for line in invoice.lines]
    issued = today_local()
    note = Invoice(number=f"tmp-{uuid.uuid4().hex[:12]}", issued_on=issued, lines=lines,
                   debtor_user_id=invoice.debtor_user_id, debtor_organisation_id=invoice.debtor_organisation_id,
                   debtor_name=invoice.debtor_name, debtor_attention=invoice.debtor_attention,
                   debtor_street=invoice.debtor_street, debtor_postcode=invoice.debtor_postcode,
                   debtor_city=invoice.debtor_city, debtor_reference=invoice.debtor_reference,
                   subtotal_cents=-invoice.subtotal_cents, vat_cents=-invoice.vat_cents, total_cents=-invoice.total_cents)
    db.session.add(note)
    note.credit_for = invoice
    db.session.add(note)
    db.session.flush()
    note.number = f"{issued.year}{note.id:06d}"
    return note


def send_confirmation(enrollment_id: int, promoted: bool = False) -> None:
    """Mail the participant; keep what was sent in the digital dossier."""
    enrollment = db.session.get(Enrollment, enrollment_id)
    event = enrollment.event
    if enrollment.status == "waiting":
        subject = f"Wachtlijst: {event.name}"
    elif promoted:
        subject = f"Er is een plaats vrijgekomen: {event.name}"
    else:
        subject = f"Bevestiging inschrijving: {event.name}"
    # The invoice travels with the confirmation as a PDF, and the dossier keeps that very file.
    invoice = enrollment.invoice if enrollment.status == "enrolled" else None
    _mail_and_keep(enrollment, subject, "courses_confirmation", invoice, confirms_enrolment=True, promoted=promoted)


def send_cancellation(enrollment_id: int, credit_note_id: int | None) -> None:
    """Confirm a cancellation to the participant, with the credit note (creditfactuur) when there is one."""
    enrollment = db.session.get(Enrollment, enrollment_id)
    credit_note = db.session.get(Invoice, credit_note_id) if credit_note_id else None
    _mail_and_keep(enrollment, f"Afmelding bevestigd: {enrollment.event.name}", "courses_cancellation", credit_note,
                   credit_note=credit_note)


def _mail_and_keep(enrollment: Enrollment, subject: str, template: str, invoice: Invoice | None, *,
                   confirms_enrolment: bool = False, **context) -> None:
    """Mail the participant (with the invoice as a PDF); keep the message, with that very file, in the
    digital dossier (the message archive). A job: the PDF is made outside the request."""
    from webapp.core.mail import send_mail

    attachments = [(invoice_file_name(invoice), "application/pdf", invoice_pdf(invoice))] if invoice else []
    message = send_mail(enrollment.participant.email, subject, template, attachments=attachments,
                        enrollment=enrollment, event=enrollment.event, participant=enrollment.participant,
                        organisation=enrollment.organisation, **context)
    if confirms_enrolment:
        enrollment.confirmation_sent_at = utcnow()
    db.session.add(Message(recipient_id=enrollment.participant_id, organisation_id=enrollment.organisation_id,
                           kind="confirmation", subject=subject, body=message.get_body(preferencelist=("plain",)).get_content(),
                           invoice_id=invoice.id if invoice else None, enrollment_id=enrollment.id,
                           attachments=[MessageAttachment(filename=f, mimetype=m, data=d) for f, m, d in attachments]))


def get_enrollment(context: ActingContext, enrollment_id: int) -> Enrollment:
    """One's own enrolment, or (for an organisation's admin) one of the organisation's."""
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None:
        raise NotFound()
    own = enrollment.participant_id == context.user_id and enrollment.organisation_id == context.organisation_id
    organisation_admin = context.is_admin and context.organisation_id is not None and enrollment.organisation_id == context.organisation_id
    if not (own or organisation_admin):
        raise NotFound()
    return enrollment


def cancel(context: ActingContext, enrollment_id: int) -> Enrollment:
    """Cancel before the event; a freed place goes to the first on the waiting list (who is mailed)."""
    enrollment = get_enrollment(context, enrollment_id)
    if not is_open(enrollment.event):
        raise DomainError("Afmelden is niet meer mogelijk: het evenement is al begonnen of voorbij.")
    event = _locked_event(enrollment.event_id)
    enrollment = db.session.get(Enrollment, enrollment_id, populate_existing=True)
    if enrollment.status == "cancelled":
        raise DomainError("Deze inschrijving was al geannuleerd.")
    freed = enrollment.status == "enrolled"
    old_state = enrollment.status
    enrollment.status, enrollment.cancelled_at = "cancelled", utcnow()
    credit_note = _make_credit_note(enrollment.invoice) if freed and enrollment.invoice is not None else None
    db.session.flush()
    promoted = _promote_first_waiting(event) if freed else None
    audit("course.cancelled", organisation_id=enrollment.organisation_id, subject=f"enrollment:{enrollment.id}",
          old_state=old_state, new_state="cancelled", promoted=promoted.id if promoted else None,
          credit_note=credit_note.number if credit_note else None)
    enqueue_after_commit(send_cancellation, enrollment.id, credit_note.id if credit_note else None)
    if promoted is not None:
        enqueue_after_commit(send_confirmation, promoted.id, True)
    return enrollment


def _promote_first_waiting(event: Event) -> Enrollment | None:
    """A freed place goes to the first on the waiting list, with an invoice."""
    first = db.session.execute(
        select(Enrollment).where(Enrollment.event_id == event.id, Enrollment.status == "waiting")
        .order_by(Enrollment.waiting_since, Enrollment.id).limit(1)
    ).scalar_one_or_none()
    if first is not None:
        first.status, first.waiting_since = "enrolled", None
        first.invoice = _make_invoice(first, event, first.participant)
    db.session.flush()
    _recount(event)
    return first


# Mijn cursussen ---------------------------------------------------------------------------

_MY_COURSES = (
    select(Enrollment.id, Enrollment.status, Enrollment.organisation_id, Enrollment.confirmation_sent_at,
           Enrollment.invitation_sent_at, Enrollment.result, Enrollment.attended,
           Event.name.label("event_name"), Event.starts_on, Event.location, Course.name.label("course_name"))
    .join(Event, Event.id == Enrollment.event_id).join(Course, Course.id == Event.course_id)
    .where(Enrollment.participant_id == bindparam("user_id"), Enrollment.status != "cancelled")
    .order_by(Event.starts_on.desc(), Enrollment.id.desc())
)


def my_course_rows(context: ActingContext):
    """Mijn cursussen, only the columns shown, in one query (ix_course_enrollments_participant_id)."""
    return db.session.execute(_MY_COURSES, {"user_id": context.user_id}).all()


def organisation_overview(context: ActingContext):
    """For an organisation's admin: its custom courses with events, and its enrolments."""
    if not context.is_admin or context.organisation_id is None:
        raise NotFound()
    courses = list(db.session.execute(
        select(Course).options(selectinload(Course.events)).where(Course.custom_for_id == context.organisation_id)
        .order_by(Course.name)
    ).scalars())
    enrollments = list(db.session.execute(
        select(Enrollment).join(Enrollment.event)
        .options(selectinload(Enrollment.event).selectinload(Event.course), selectinload(Enrollment.participant))
        .where(Enrollment.organisation_id == context.organisation_id, Enrollment.status != "cancelled")
        .order_by(Event.starts_on.desc(), Enrollment.id.desc()).limit(500)
    ).scalars())
    return courses, enrollments


# Invoices and dossier ---------------------------------------------------------------------

def _invoice_filter(context: ActingContext):
    if context.organisation_id is None:
        return [Invoice.debtor_user_id == context.user_id, Invoice.debtor_organisation_id.is_(None)]
    if not context.has_mandate("courses"):
        return None
    return [Invoice.debtor_organisation_id == context.organisation_id]


def invoices(context: ActingContext) -> list[Invoice]:
    conditions = _invoice_filter(context)
    if conditions is None:
        return []
    return list(db.session.execute(
        select(Invoice).options(selectinload(Invoice.credit_notes), selectinload(Invoice.credit_for))
        .where(*conditions).order_by(Invoice.issued_on.desc(), Invoice.id.desc())
    ).scalars())


def get_invoice(context: ActingContext, invoice_id: int) -> Invoice:
    conditions = _invoice_filter(context)
    if conditions is None:
        raise NotFound()
    invoice = db.session.execute(select(Invoice).where(Invoice.id == invoice_id, *conditions)).scalar_one_or_none()
    if invoice is None:
        raise NotFound()
    return invoice


def invoice_file_name(invoice: Invoice) -> str:
    return f"{'creditfactuur' if invoice.is_credit_note else 'factuur'}-{invoice.number}.pdf"


def invoice_pdf(invoice: Invoice) -> bytes:
    from webapp.core.pdf import render_pdf

    return render_pdf("courses/invoice_pdf.html", invoice=invoice)


def _message_filter(context: ActingContext):
    if context.organisation_id is None:
        return [Message.recipient_id == context.user_id, Message.organisation_id.is_(None)]
    if context.is_admin:
        return [Message.organisation_id == context.organisation_id]
    return [Message.organisation_id == context.organisation_id, Message.recipient_id == context.user_id]


def messages(context: ActingContext) -> list[Message]:
    return list(db.session.execute(
        select(Message).options(selectinload(Message.attachments).load_only(MessageAttachment.id, MessageAttachment.filename),
                                selectinload(Message.invoice))
        .where(*_message_filter(context)).order_by(Message.sent_at.desc(), Message.id.desc())
    ).scalars())


def get_message(context: ActingContext, message_id: int) -> Message:
    message = db.session.execute(
        select(Message).where(Message.id == message_id, *_message_filter(context))
    ).scalar_one_or_none()
    if message is None:
        raise NotFound()
    return message


def get_attachment(context: ActingContext, message_id: int, attachment_id: int) -> MessageAttachment:
    message = get_message(context, message_id)
    for attachment in message.attachments:
        if attachment.id == attachment_id:
            return attachment
    raise NotFound()


# Back-office (issuer staff) ---------------------------------------------------------------

def all_courses() -> list[Course]:
    return list(db.session.execute(
        select(Course).options(selectinload(Course.category), selectinload(Course.custom_for)).order_by(Course.name)
    ).scalars())


def save_course(course: Course | None, data: dict) -> Course:
    course = course or Course()
    course.name = data["name"].strip()
    course.description = (data.get("description") or "").strip()
    course.category_id = data.get("category_id") or None
    course.custom_for_id = data.get("custom_for_id") or None
    course.cancellation_rules = (data.get("cancellation_rules") or "").strip()
    db.session.add(course)
    db.session.flush()
    audit("course.saved", subject=f"course:{course.id}")
    return course


def save_event(course: Course, event: Event | None, data: dict) -> Event:
    if data.get("ends_on") and data["ends_on"] < data["starts_on"]:
        raise DomainError("De einddatum ligt voor de begindatum.", field="ends_on")
    event = event or Event(course=course)
    event.name = data["name"].strip()
    event.starts_on = data["starts_on"]
    event.ends_on = data.get("ends_on")
    event.location = (data.get("location") or "").strip()
    event.price_cents = round(float(data["price"]) * 100)
    event.vat_rate = int(data.get("vat_rate") or 0)
    event.places = int(data["places"])
    event.cancellation_rules = (data.get("cancellation_rules") or "").strip()
    db.session.add(event)
    db.session.flush()
    audit("course.event_saved", subject=f"event:{event.id}")
    return event


def event_enrollments(event_id: int) -> list[Enrollment]:
    return list(db.session.execute(
        select(Enrollment).options(selectinload(Enrollment.participant), selectinload(Enrollment.organisation))
        .where(Enrollment.event_id == event_id).order_by(Enrollment.status, Enrollment.waiting_since, Enrollment.id)
    ).scalars())


def send_invitations(event_id: int) -> int:
    """Mail an invitation to every enrolled participant not yet invited; returns how many."""
    from webapp.core.mail import send_mail

    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound()
    sent = 0
    for enrollment in event_enrollments(event_id):
        if enrollment.status != "enrolled" or enrollment.invitation_sent_at is not None:
            continue
        subject = f"Uitnodiging: {event.name} op {event.starts_on:%d-%m-%Y}"
        message = send_mail(enrollment.participant.email, subject, "courses_invitation", event=event,
                            participant=enrollment.participant)
        enrollment.invitation_sent_at = utcnow()
        db.session.add(Message(recipient_id=enrollment.participant_id, organisation_id=enrollment.organisation_id,
                               kind="invitation", subject=subject,
                               body=message.get_body(preferencelist=("plain",)).get_content(),
                               enrollment_id=enrollment.id))
        sent += 1
    return sent


def record_result(enrollment_id: int, result: str, attended: bool) -> Enrollment:
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None:
        raise NotFound()
    enrollment.result = (result or "").strip()[:40]
    enrollment.attended = bool(attended)
    audit("course.result", organisation_id=enrollment.organisation_id, subject=f"enrollment:{enrollment.id}",
          result=enrollment.result, attended=enrollment.attended)
    return enrollment


def all_invoices(only_open: bool = False, limit: int = 200) -> list[Invoice]:
    statement = (select(Invoice).options(selectinload(Invoice.credit_notes), selectinload(Invoice.credit_for))
                 .order_by(Invoice.issued_on.desc(), Invoice.id.desc()).limit(limit))
    if only_open:
        statement = statement.where(Invoice.paid_at.is_(None))
    return list(db.session.execute(statement).scalars())


def mark_paid(invoice_id: int, paid: bool = True) -> Invoice:
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound()
    invoice.paid_at = utcnow() if paid else None
    audit("course.invoice_paid" if paid else "course.invoice_unpaid", organisation_id=invoice.debtor_organisation_id,
          subject=f"invoice:{invoice.id}")
    return invoice


def send_message(recipient: User, organisation_id: int | None, subject: str, body: str,
                 attachments=()) -> Message:
    """A message from the issuer: mailed, and kept in the recipient's dossier with its attachments."""
    from webapp.core.mail import send_mail

    attachments = _safe_attachments(attachments)
    send_mail(recipient.email, subject, "courses_message", attachments=attachments, body=body, recipient=recipient)
    message = Message(recipient_id=recipient.id, organisation_id=organisation_id, kind="message", subject=subject, body=body)
    message.attachments = [MessageAttachment(filename=f, mimetype=m, data=d) for f, m, d in attachments]
    db.session.add(message)
    return message


MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


def _safe_attachments(attachments) -> list[tuple[str, str, bytes]]:
    """Filenames reduced to safe characters; the type from the name (never the browser's word)."""
    import mimetypes

    from werkzeug.utils import secure_filename

    result = []
    for filename, _, data in attachments:
        if not data:
            continue
        if len(data) > MAX_ATTACHMENT_BYTES:
            raise DomainError(f"Bijlage {filename} is groter dan 10 MB.", field="attachments")
        name = secure_filename(filename or "") or "bijlage"
        result.append((name, mimetypes.guess_type(name)[0] or "application/octet-stream", data))
    if len(result) > MAX_ATTACHMENTS:
        raise DomainError(f"Stuur hoogstens {MAX_ATTACHMENTS} bijlagen mee.", field="attachments")
    return result


def send_dossier_message(*, subject: str, body: str, person_email: str = "", organisation_id: int | None = None,
                         attachments=()) -> Message:
    """Back-office: a message with attachments to a person (by e-mail address, in their own name)
    or to an organisation (mailed to its address, else to its admins; in the dossier of its admins)."""
    from webapp.core.mail import send_mail

    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject:
        raise DomainError("Vul een onderwerp in.", field="subject")
    attachments = _safe_attachments(attachments)
    if organisation_id:
        organisation = db.session.get(Organisation, organisation_id)
        if organisation is None:
            raise DomainError("Deze organisatie bestaat niet.", field="organisation_id")
        admins = list(db.session.execute(
            select(User).join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == organisation.id, Membership.role == "admin").order_by(User.id)
        ).scalars())
        addresses = [organisation.email] if organisation.email else [u.email for u in admins]
        if not addresses:
            raise DomainError("Deze organisatie heeft geen e-mailadres en geen beheerder.", field="organisation_id")
        for address in addresses:
            send_mail(address, subject, "courses_message", attachments=attachments, body=body,
                      recipient=None, recipient_name=organisation.name)
        message = Message(recipient_id=None, organisation_id=organisation.id, kind="message", subject=subject, body=body)
        audit_organisation, audit_subject = organisation.id, f"organisation:{organisation.id}"
    else:
        email = (person_email or "").strip().lower()
        recipient = db.session.execute(select(User).where(func.lower(User.email) == email)).scalar_one_or_none() if email else None
        if recipient is None:
            raise DomainError("Er is geen persoon met dit e-mailadres.", field="person_email")
        send_mail(recipient.email, subject, "courses_message", attachments=attachments, body=body, recipient=recipient)
        message = Message(recipient_id=recipient.id, organisation_id=None, kind="message", subject=subject, body=body)
        audit_organisation, audit_subject = None, f"user:{recipient.id}"
    message.attachments = [MessageAttachment(filename=f, mimetype=m, data=d) for f, m, d in attachments]
    db.session.add(message)
    db.session.flush()
    audit("course.message_sent", organisation_id=audit_organisation, subject=audit_subject, message_id=message.id,
          attachments=len(attachments))
    return message


def format_euro(cents: int | None) -> str:
    cents = cents or 0
    whole, rest = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}€ {whole:,}".replace(",", ".") + f",{rest:02d}"
