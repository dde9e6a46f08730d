"""The rules of courses: who may see and enrol in what, places and the waiting list, cancelling, Mijn
cursussen, invoices and the message archive as a customer sees them, and the issuer's staff work.

Plain functions that take the acting context (core.auth.ActingContext) and check through it who may
do what; another's object is NotFound. They add and flush, never commit: the request commits, and the
mails they cause leave after that commit (jobs.py, core.mail).
"""

import mimetypes
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from sqlalchemy import and_, bindparam, case, func, or_, select
from sqlalchemy.orm import aliased, selectinload
from werkzeug.utils import secure_filename

from webapp.accounts.models import Mandate, Membership, Organisation, User
from webapp.core.audit import audit
from webapp.core.auth import ActingContext
from webapp.core.errors import DomainError, NotFound
from webapp.core.jobs import enqueue_after_commit
from webapp.core.mail import send_mail
from webapp.core.timeutil import today_local, utcnow
from webapp.courses import archive, invoicing, jobs
from webapp.courses.models import (
    Category,
    Course,
    Enrollment,
    Event,
    Invoice,
    Message,
    MessageAttachment,
)
from webapp.extensions import db

SERVICE = "courses"  # the mandate (machtiging) that lets a contact person see the organisation's invoices
PER_PAGE = 25
MAX_PAGE = 400  # offsets stay bounded: 400 pages of 25 is far beyond any real agenda


# Catalogue --------------------------------------------------------------------------------


def get_category(category_id: int) -> Category:
    category = db.session.get(Category, category_id)
    if category is None:
        raise NotFound()
    return category


def root_categories() -> list[Category]:
    return list(
        db.session.execute(select(Category).where(Category.parent_id.is_(None)).order_by(Category.name)).scalars()
    )


def public_courses(category_id: int) -> list[Course]:
    return list(
        db.session.execute(
            select(Course)
            .where(Course.category_id == category_id, Course.custom_for_id.is_(None))
            .order_by(Course.name)
        ).scalars()
    )


def _may_see_course(context: ActingContext | None, course: Course) -> bool:
    """A public course is for everyone; a custom course (maatwerk) only for its organisation's admins."""
    if course.custom_for_id is None:
        return True
    return context is not None and context.is_admin and context.organisation_id == course.custom_for_id


def get_course(context: ActingContext | None, course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None or not _may_see_course(context, course):
        raise NotFound()
    return course


def get_event(context: ActingContext | None, event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or not _may_see_course(context, event.course):
        raise NotFound()
    return event


# One statement for every request; the page's values are bound when it runs.
_AGENDA = (
    select(
        Event.id,
        Event.course_id,
        Event.name,
        Event.starts_on,
        Event.ends_on,
        Event.location,
        Event.price_cents,
        case((Event.places > Event.enrolled_count, Event.places - Event.enrolled_count), else_=0).label("places_left"),
        Course.name.label("course_name"),
    )
    .join(Course, Course.id == Event.course_id)
    .where(Event.starts_on >= bindparam("today"), Course.custom_for_id.is_(None))
    .order_by(Event.starts_on, Event.id)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)


def upcoming_events(page: int = 1, per_page: int = PER_PAGE):
    """Public events from today on, by date: (rows, has_next), in one query.

    Rows carry only what the agenda shows (id, course_id, name, starts_on, ends_on, location,
    price_cents, places_left, course_name). The query walks ix_course_events_starts_on_id and stops
    after offset + limit + 1 rows (the extra row says whether there is a next page); places left come
    from the maintained counter, so the enrolments are never read. There is no total: the page offers
    Vorige and Volgende, not a count of pages."""
    page = min(max(1, page), MAX_PAGE)
    rows = db.session.execute(
        _AGENDA, {"today": today_local(), "limit": per_page + 1, "offset": (page - 1) * per_page}
    ).all()
    return rows[:per_page], len(rows) > per_page and page < MAX_PAGE


def available_places(event: Event) -> int:
    return event.places_left


def is_open(event: Event) -> bool:
    """Enrolment closes when the event starts."""
    return event.starts_on > today_local()


def recount(event: Event) -> int:
    """Under the event's lock (or while nothing else writes, as the demo loader): count its enrolments and store the count on the event."""
    taken = db.session.execute(
        select(func.count(Enrollment.id)).where(Enrollment.event_id == event.id, Enrollment.status == "enrolled")
    ).scalar_one()
    event.enrolled_count = taken
    return taken


def _locked_event(event_id: int) -> Event:
    """The event, locked for this transaction, so places are counted and taken one at a time."""
    event = db.session.execute(_for_update(select(Event).where(Event.id == event_id))).scalar_one_or_none()
    if event is None:
        raise NotFound()
    return event


def _for_update(statement):
    """The rows as they are now, locked until the commit: FOR UPDATE on PostgreSQL (on SQLite the writing
    request holds the database's write lock), and read afresh even when the session has them already, so a
    mail job's change that committed meanwhile is neither missed nor overwritten."""
    return statement.with_for_update().execution_options(populate_existing=True)


# Persons an admin may enrol ---------------------------------------------------------------


def organisation_persons(context: ActingContext, query: str = "", limit: int = 50) -> list[User]:
    """The persons linked to the acting organisation, for its admin to enrol: by name or e-mail address."""
    organisation = context.require_admin()
    statement = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation.id)
        .order_by(User.last_name, User.first_name)
    )
    query = (query or "").strip()
    if query:
        like = f"%{query.lower()}%"
        statement = statement.where(
            or_(
                func.lower(User.first_name).like(like),
                func.lower(User.last_name).like(like),
                func.lower(User.email).like(like),
                func.lower(User.first_name + " " + User.last_name).like(like),
            )
        )
    return list(db.session.execute(statement.limit(limit)).scalars())


def chosen_participant(context: ActingContext, participant_id: int | None) -> User | None:
    """The participant the enrolment form shows: the acting user, or, for an organisation's admin, a
    person linked to that organisation; None for anyone else (whose name is not shown)."""
    if not participant_id:
        return None
    if participant_id != context.user_id and not (
        context.is_admin and _is_member(participant_id, context.organisation_id)
    ):
        return None
    return db.session.get(User, participant_id)


def _is_member(user_id: int, organisation_id: int | None) -> bool:
    return (
        db.session.execute(
            select(Membership.id).where(Membership.user_id == user_id, Membership.organisation_id == organisation_id)
        ).first()
        is not None
    )


# Enrolment and cancellation ---------------------------------------------------------------


def enrol(
    context: ActingContext,
    event_id: int,
    participant_id: int | None = None,
    *,
    debtor_reference: str = "",
    waiting_list: bool = False,
) -> Enrollment:
    """Enrol the participant (default: the acting user) in the event; the confirmation is mailed after the commit.

    As a person the invoice goes to the person; acting for an organisation, to the organisation.
    Only an organisation's admin enrols others, and only persons linked to that organisation.
    A full event refuses, or puts the participant on the waiting list when `waiting_list`.
    """
    event, participant = _check_enrolment(context, event_id, participant_id or context.user_id)
    enrollment = _take_place(
        context, _locked_event(event.id), participant, (debtor_reference or "").strip()[:80], waiting_list
    )
    audit(
        "course.enrolled",
        organisation_id=context.organisation_id,
        subject=f"enrollment:{enrollment.id}",
        event_id=event.id,
        participant_id=participant.id,
        new_state=enrollment.status,
    )
    enqueue_after_commit(jobs.send_confirmation, enrollment.id)
    return enrollment


def _check_enrolment(context: ActingContext, event_id: int, participant_id: int) -> tuple[Event, User]:
    """The event and the participant, when this context may enrol them in it now."""
    event = get_event(context, event_id)
    if not is_open(event):
        raise DomainError("Inschrijven voor dit evenement is niet meer mogelijk: het is al begonnen of voorbij.")
    if participant_id != context.user_id:
        if not context.is_admin:
            raise DomainError(
                "Alleen een beheerder van een organisatie kan anderen inschrijven.", field="participant_id"
            )
        if not _is_member(participant_id, context.organisation_id):
            raise DomainError("Deze persoon is niet gekoppeld aan uw organisatie.", field="participant_id")
    participant = db.session.get(User, participant_id)
    if participant is None:
        raise DomainError("Deze persoon is niet gekoppeld aan uw organisatie.", field="participant_id")
    return event, participant


def _take_place(
    context: ActingContext, event: Event, participant: User, debtor_reference: str, waiting_list: bool
) -> Enrollment:
    """A place for the participant on the locked event (with its invoice), or one on the waiting list."""
    enrollment = _earlier_enrollment(event, participant)
    taken = recount(event)
    full = taken >= event.places
    if full and not waiting_list:
        raise DomainError("Dit evenement is vol. Kies 'Inschrijven op de wachtlijst' voor een plaats op de wachtlijst.")
    enrollment = enrollment or Enrollment(event_id=event.id, participant_id=participant.id)
    enrollment.organisation_id = context.organisation_id
    enrollment.enrolled_by_id = context.user_id
    enrollment.debtor_reference = debtor_reference
    enrollment.created_at, enrollment.cancelled_at, enrollment.confirmation_sent_at = utcnow(), None, None
    if full:
        enrollment.status, enrollment.waiting_since = "waiting", utcnow()
    else:
        enrollment.status, enrollment.waiting_since = "enrolled", None
    db.session.add(enrollment)
    db.session.flush()
    if enrollment.status == "enrolled":
        event.enrolled_count = taken + 1
        invoicing.issue_invoice(enrollment)
    return enrollment


def _earlier_enrollment(event: Event, participant: User) -> Enrollment | None:
    """The participant's cancelled enrolment in the event, to use again (one row per person and event);
    refused when they are enrolled or waiting already."""
    existing = db.session.execute(
        _for_update(
            select(Enrollment).where(Enrollment.event_id == event.id, Enrollment.participant_id == participant.id)
        )
    ).scalar_one_or_none()
    if existing is not None and existing.status != "cancelled":
        where = "op de wachtlijst" if existing.status == "waiting" else "ingeschreven"
        raise DomainError(f"{participant.full_name} staat al {where} voor dit evenement.")
    return existing


def current_enrollment(event: Event, participant: User) -> Enrollment | None:
    """The participant's place in the event (enrolled or on the waiting list), for the enrolment page to say at once."""
    return db.session.execute(
        select(Enrollment).where(
            Enrollment.event_id == event.id,
            Enrollment.participant_id == participant.id,
            Enrollment.status != "cancelled",
        )
    ).scalar_one_or_none()


_Ahead = aliased(Enrollment)
# Where a waiting enrolment stands on its event's waiting list: 1 is next to get a place (_promote_first_waiting's order).
_WAITING_PLACE = (
    select(func.count(_Ahead.id))
    .where(
        _Ahead.event_id == Enrollment.event_id,
        _Ahead.status == "waiting",
        or_(
            _Ahead.waiting_since < Enrollment.waiting_since,
            and_(_Ahead.waiting_since == Enrollment.waiting_since, _Ahead.id <= Enrollment.id),
        ),
    )
    .correlate(Enrollment)
    .scalar_subquery()
)


def waiting_place(enrollment: Enrollment) -> int | None:
    """The enrolment's place on the waiting list (1: next to get a place); None when it is not waiting."""
    if enrollment.status != "waiting":
        return None
    return db.session.execute(
        select(_WAITING_PLACE).select_from(Enrollment).where(Enrollment.id == enrollment.id)
    ).scalar_one()


def get_enrollment(context: ActingContext, enrollment_id: int) -> Enrollment:
    """One's own enrolment (in the context it was made in), or, for an organisation's admin, one of the organisation's."""
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None:
        raise NotFound()
    own = enrollment.participant_id == context.user_id and enrollment.organisation_id == context.organisation_id
    organisation_admin = context.is_admin and enrollment.organisation_id == context.organisation_id
    if not (own or organisation_admin):
        raise NotFound()
    return enrollment


def cancel(context: ActingContext, enrollment_id: int) -> Enrollment:
    """Cancel before the event. A freed place is credited and goes to the first on the waiting list; the
    participant and whoever moves up are mailed after the commit."""
    enrollment = get_enrollment(context, enrollment_id)
    if not is_open(enrollment.event):
        raise DomainError("Afmelden is niet meer mogelijk: het evenement is al begonnen of voorbij.")
    event = _locked_event(enrollment.event_id)
    enrollment = db.session.execute(_for_update(select(Enrollment).where(Enrollment.id == enrollment_id))).scalar_one()
    if enrollment.status == "cancelled":
        raise DomainError("Deze inschrijving was al geannuleerd.")
    old_state = enrollment.status
    enrollment.status, enrollment.cancelled_at = "cancelled", utcnow()
    credit_note = promoted = None
    if old_state == "enrolled":
        credit_note = invoicing.credit_note(enrollment.invoice) if enrollment.invoice is not None else None
        promoted = _promote_first_waiting(event)
    audit(
        "course.cancelled",
        organisation_id=enrollment.organisation_id,
        subject=f"enrollment:{enrollment.id}",
        old_state=old_state,
        new_state="cancelled",
        promoted=promoted.id if promoted else None,
        credit_note=credit_note.number if credit_note else None,
    )
    enqueue_after_commit(jobs.send_cancellation, enrollment.id, credit_note.id if credit_note else None)
    if promoted is not None:
        enqueue_after_commit(jobs.send_confirmation, promoted.id, True)
    return enrollment


def _promote_first_waiting(event: Event) -> Enrollment | None:
    """The freed place goes to the first on the waiting list, with an invoice; their place is still to be confirmed."""
    db.session.flush()
    first = db.session.execute(
        _for_update(
            select(Enrollment)
            .where(Enrollment.event_id == event.id, Enrollment.status == "waiting")
            .order_by(Enrollment.waiting_since, Enrollment.id)
            .limit(1)
        )
    ).scalar_one_or_none()
    if first is not None:
        first.status, first.waiting_since, first.confirmation_sent_at = "enrolled", None, None
        invoicing.issue_invoice(first)
    db.session.flush()
    recount(event)
    return first


# Mijn cursussen ---------------------------------------------------------------------------

_MY_COURSES = (
    select(
        Enrollment.id,
        Enrollment.status,
        Enrollment.organisation_id,
        Enrollment.confirmation_sent_at,
        Enrollment.invitation_sent_at,
        Enrollment.result,
        Enrollment.attended,
        case((Enrollment.status == "waiting", _WAITING_PLACE), else_=None).label("waiting_place"),
        Event.name.label("event_name"),
        Event.starts_on,
        Event.location,
        Course.name.label("course_name"),
    )
    .join(Event, Event.id == Enrollment.event_id)
    .join(Course, Course.id == Event.course_id)
    .where(Enrollment.participant_id == bindparam("user_id"), Enrollment.status != "cancelled")
    .order_by(Event.starts_on.desc(), Enrollment.id.desc())
)


def my_course_rows(context: ActingContext):
    """Mijn cursussen, only the columns shown, in one query (ix_course_enrollments_participant_id)."""
    return db.session.execute(_MY_COURSES, {"user_id": context.user_id}).all()


def organisation_overview(context: ActingContext):
    """For an organisation's admin: its custom courses with events, and its enrolments."""
    organisation = context.require_admin()
    courses = list(
        db.session.execute(
            select(Course)
            .options(selectinload(Course.events))
            .where(Course.custom_for_id == organisation.id)
            .order_by(Course.name)
        ).scalars()
    )
    enrollments = list(
        db.session.execute(
            select(Enrollment)
            .join(Enrollment.event)
            .options(selectinload(Enrollment.event).selectinload(Event.course), selectinload(Enrollment.participant))
            .where(Enrollment.organisation_id == organisation.id, Enrollment.status != "cancelled")
            .order_by(Event.starts_on.desc(), Enrollment.id.desc())
            .limit(500)
        ).scalars()
    )
    return courses, enrollments


# Invoices ---------------------------------------------------------------------------------


def _invoice_filter(context: ActingContext):
    """A person's own invoices; acting for an organisation, the organisation's, for those with the courses mandate."""
    if context.organisation_id is None:
        return [Invoice.debtor_user_id == context.user_id, Invoice.debtor_organisation_id.is_(None)]
    if not context.has_mandate(SERVICE):
        return None
    return [Invoice.debtor_organisation_id == context.organisation_id]


def invoices(context: ActingContext) -> list[Invoice]:
    conditions = _invoice_filter(context)
    if conditions is None:
        return []
    return list(
        db.session.execute(
            select(Invoice)
            .options(selectinload(Invoice.credit_notes), selectinload(Invoice.credit_for))
            .where(*conditions)
            .order_by(Invoice.issued_on.desc(), Invoice.id.desc())
        ).scalars()
    )


def may_see_invoices(context: ActingContext) -> bool:
    return _invoice_filter(context) is not None


def invoice_viewers(context: ActingContext) -> list[User]:
    """Who sees the acting organisation's invoices: its admins and the members with the courses mandate, so that
    a colleague without it knows whom to ask."""
    organisation = context.require_organisation()
    return list(
        db.session.execute(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == organisation.id,
                or_(Membership.role == "admin", Membership.mandates.any(Mandate.service == SERVICE)),
            )
            .order_by(User.last_name, User.first_name, User.id)
        ).scalars()
    )


def get_invoice(context: ActingContext, invoice_id: int) -> Invoice:
    conditions = _invoice_filter(context)
    if conditions is None:
        raise NotFound()
    invoice = db.session.execute(select(Invoice).where(Invoice.id == invoice_id, *conditions)).scalar_one_or_none()
    if invoice is None:
        raise NotFound()
    return invoice


# The message archive (Digitaal Dossier) ---------------------------------------------------


def _message_filter(context: ActingContext):
    """A person's own messages; acting for an organisation, one's own there, and for its admin all of the organisation's."""
    if context.organisation_id is None:
        return [Message.recipient_id == context.user_id, Message.organisation_id.is_(None)]
    if context.is_admin:
        return [Message.organisation_id == context.organisation_id]
    return [Message.organisation_id == context.organisation_id, Message.recipient_id == context.user_id]


def archived_messages(context: ActingContext) -> list[Message]:
    return list(
        db.session.execute(
            select(Message)
            .options(
                selectinload(Message.attachments).load_only(MessageAttachment.id, MessageAttachment.filename),
                selectinload(Message.invoice),
            )
            .where(*_message_filter(context))
            .order_by(Message.sent_at.desc(), Message.id.desc())
        ).scalars()
    )


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


# Staff: the catalogue ---------------------------------------------------------------------


def all_courses(context: ActingContext) -> list[Course]:
    context.require_staff()
    return list(
        db.session.execute(
            select(Course).options(selectinload(Course.category), selectinload(Course.custom_for)).order_by(Course.name)
        ).scalars()
    )


def save_course(context: ActingContext, course: Course | None, data: dict) -> Course:
    context.require_staff()
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


def save_event(context: ActingContext, course: Course, event: Event | None, data: dict) -> Event:
    context.require_staff()
    if data.get("ends_on") and data["ends_on"] < data["starts_on"]:
        raise DomainError("De einddatum ligt voor de begindatum.", field="ends_on")
    price_cents = _cents(data["price"])  # every check before the first change: a refused form commits nothing
    event = event or Event(course=course)
    event.name = data["name"].strip()
    event.starts_on = data["starts_on"]
    event.ends_on = data.get("ends_on")
    event.location = (data.get("location") or "").strip()
    event.price_cents = price_cents
    event.vat_rate = int(data.get("vat_rate") or 0)
    event.places = int(data["places"])
    event.cancellation_rules = (data.get("cancellation_rules") or "").strip()
    db.session.add(event)
    db.session.flush()
    audit("course.event_saved", subject=f"event:{event.id}")
    return event


MAX_PRICE_CENTS = 100_000_00  # invoice totals (with VAT) of any price up to this fit the INTEGER cents columns
PRICE_RANGE = "Vul een prijs in van 0 tot en met 100.000 euro."


def _cents(price) -> int:
    """A price in euro (a Decimal as typed, or a number) in whole cents, refused beyond the columns' range."""
    amount = Decimal(str(price)) if not isinstance(price, Decimal) else price
    if not amount.is_finite() or not 0 <= amount * 100 <= MAX_PRICE_CENTS:
        raise DomainError(PRICE_RANGE, field="price")
    return int((amount * 100).to_integral_value(ROUND_HALF_UP))


# Staff: participants, invitations, results ------------------------------------------------


def event_enrollments(context: ActingContext, event_id: int) -> list[Enrollment]:
    context.require_staff()
    return list(
        db.session.execute(
            select(Enrollment)
            .options(selectinload(Enrollment.participant), selectinload(Enrollment.organisation))
            .where(Enrollment.event_id == event_id)
            .order_by(Enrollment.status, Enrollment.waiting_since, Enrollment.id)
        ).scalars()
    )


def send_invitations(context: ActingContext, event_id: int) -> int:
    """Invite every enrolled participant not invited yet (mailed after the commit, kept in their
    archive); how many. Under the event's lock, so two clicks at once invite nobody twice."""
    context.require_staff()
    event = _locked_event(event_id)
    uninvited = _uninvited(event)
    for enrollment in uninvited:
        _invite(event, enrollment)
    return len(uninvited)


def _uninvited(event: Event) -> list[Enrollment]:
    return list(
        db.session.execute(
            select(Enrollment)
            .options(selectinload(Enrollment.participant), selectinload(Enrollment.organisation))
            .where(
                Enrollment.event_id == event.id,
                Enrollment.status == "enrolled",
                Enrollment.invitation_sent_at.is_(None),
            )
            .order_by(Enrollment.id)
        ).scalars()
    )


def _invite(event: Event, enrollment: Enrollment) -> None:
    archive.mail_participant(
        enrollment, f"Uitnodiging: {event.name} op {event.starts_on:%d-%m-%Y}", "courses_invitation", kind="invitation"
    )
    enrollment.invitation_sent_at = utcnow()


def get_any_enrollment(context: ActingContext, enrollment_id: int) -> Enrollment:
    context.require_staff()
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None:
        raise NotFound()
    return enrollment


def record_result(context: ActingContext, enrollment_id: int, result: str, attended: bool) -> Enrollment:
    """A result and attendance, once the event has begun, for a participant who has a place."""
    enrollment = get_any_enrollment(context, enrollment_id)
    if is_open(enrollment.event):
        raise DomainError(
            f"Een resultaat kunt u pas vastleggen als het evenement begonnen is (op {enrollment.event.starts_on:%d-%m-%Y})."
        )
    if enrollment.status != "enrolled":
        raise DomainError("Een resultaat kunt u alleen vastleggen voor een ingeschreven deelnemer.")
    enrollment.result = (result or "").strip()[:40]
    enrollment.attended = bool(attended)
    audit(
        "course.result",
        organisation_id=enrollment.organisation_id,
        subject=f"enrollment:{enrollment.id}",
        result=enrollment.result,
        attended=enrollment.attended,
    )
    return enrollment


# Staff: invoices --------------------------------------------------------------------------


def all_invoices(context: ActingContext, only_open: bool = False, limit: int = 200) -> list[Invoice]:
    context.require_staff()
    statement = (
        select(Invoice)
        .options(selectinload(Invoice.credit_notes), selectinload(Invoice.credit_for))
        .order_by(Invoice.issued_on.desc(), Invoice.id.desc())
        .limit(limit)
    )
    if only_open:
        statement = statement.where(Invoice.paid_at.is_(None))
    return list(db.session.execute(statement).scalars())


def get_any_invoice(context: ActingContext, invoice_id: int) -> Invoice:
    context.require_staff()
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound()
    return invoice


def mark_paid(context: ActingContext, invoice_id: int, paid: bool = True) -> Invoice:
    """Paid (a credit note: refunded), or open again."""
    invoice = get_any_invoice(context, invoice_id)
    invoice.paid_at = utcnow() if paid else None
    audit(
        "course.invoice_paid" if paid else "course.invoice_unpaid",
        organisation_id=invoice.debtor_organisation_id,
        subject=f"invoice:{invoice.id}",
    )
    return invoice


# Staff: a message to a customer's archive -------------------------------------------------

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_FILENAME = MessageAttachment.__table__.c.filename.type.length


class Addressee(NamedTuple):
    """Whom a staff message is for: a person in their own name, or an organisation (its admins read it)."""

    user: User | None
    organisation: Organisation | None
    addresses: list[str]

    @property
    def name(self) -> str:
        return self.user.full_name if self.user is not None else self.organisation.name


def send_archive_message(
    context: ActingContext,
    *,
    subject: str,
    body: str,
    person_email: str = "",
    organisation_id: int | None = None,
    attachments=(),
) -> Message:
    """A message with attachments from the issuer to a person (found by e-mail address) or to an
    organisation (mailed to its address, else to its admins): mailed after the commit, and kept in the
    recipient's message archive."""
    context.require_staff()
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject:
        raise DomainError("Vul een onderwerp in.", field="subject")
    if "\r" in subject or "\n" in subject:  # the subject is a mail header: a line break would end it
        raise DomainError("Het onderwerp mag geen regelovergang bevatten.", field="subject")
    attachments = _safe_attachments(attachments)
    to = _organisation_addressee(organisation_id) if organisation_id else _person_addressee(person_email)
    for address in to.addresses:
        send_mail(
            address,
            subject,
            "courses_message",
            attachments=attachments,
            body=body,
            recipient=to.user,
            recipient_name=to.name,
        )
    message = archive.keep(
        recipient_id=to.user.id if to.user else None,
        organisation_id=to.organisation.id if to.organisation else None,
        kind="message",
        subject=subject,
        body=body,
        attachments=attachments,
    )
    audit(
        "course.message_sent",
        organisation_id=message.organisation_id,
        subject=f"organisation:{to.organisation.id}" if to.organisation else f"user:{to.user.id}",
        message_id=message.id,
        attachments=len(attachments),
    )
    return message


def _person_addressee(email: str) -> Addressee:
    email = (email or "").strip().lower()
    user = (
        db.session.execute(select(User).where(func.lower(User.email) == email)).scalar_one_or_none() if email else None
    )
    if user is None:
        raise DomainError("Er is geen persoon met dit e-mailadres.", field="person_email")
    return Addressee(user, None, [user.email])


def _organisation_addressee(organisation_id: int) -> Addressee:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise DomainError("Deze organisatie bestaat niet.", field="organisation_id")
    if organisation.email:
        return Addressee(None, organisation, [organisation.email])
    admins = (
        db.session.execute(
            select(User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == organisation.id, Membership.role == "admin")
            .order_by(User.id)
        )
        .scalars()
        .all()
    )
    if not admins:
        raise DomainError("Deze organisatie heeft geen e-mailadres en geen beheerder.", field="organisation_id")
    return Addressee(None, organisation, list(admins))


def _safe_attachments(attachments) -> list[tuple[str, str, bytes]]:
    """Filenames reduced to safe characters; the type from the name (never the browser's word)."""
    result = []
    for filename, _, data in attachments:
        if not data:
            continue
        if len(data) > MAX_ATTACHMENT_BYTES:
            raise DomainError(f"Bijlage {filename} is groter dan 10 MB.", field="attachments")
        name = _shortened(secure_filename(filename or "") or "bijlage")
        result.append((name, mimetypes.guess_type(name)[0] or "application/octet-stream", data))
    if len(result) > MAX_ATTACHMENTS:
        raise DomainError(f"Stuur hoogstens {MAX_ATTACHMENTS} bijlagen mee.", field="attachments")
    return result


def _shortened(name: str) -> str:
    """A filename the archive keeps whole: a longer one is cut before its extension, which stays."""
    if len(name) <= MAX_FILENAME:
        return name
    stem, dot, extension = name.rpartition(".")
    if not stem or len(extension) > 10:  # no extension to speak of
        return name[:MAX_FILENAME]
    return stem[: MAX_FILENAME - len(extension) - 1] + dot + extension


# The start page's count on the courses tile: the user's enrolments for events still to come
# (see core.modules.Waiting).
COMING_ENROLLMENTS = (
    select(func.count())
    .select_from(Enrollment)
    .join(Event, Event.id == Enrollment.event_id)
    .where(
        Enrollment.participant_id == bindparam("coming_enrollments_user"),
        Enrollment.status == "enrolled",
        Event.starts_on >= bindparam("coming_enrollments_today"),
    )
)


def coming_enrollments_params(context: ActingContext) -> dict:
    return {"coming_enrollments_user": context.user_id, "coming_enrollments_today": today_local()}


def coming_enrollments_said(count: int) -> str | None:
    if not count:
        return None
    return "1 inschrijving voor een komende cursus" if count == 1 else f"{count} inschrijvingen voor komende cursussen"
