"""Courses: a category tree, courses (some custom for one organisation), their events,
enrolments, invoices and the message archive (what a customer has received; the UI's Digitaal Dossier)."""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.timeutil import UTCDateTime, utcnow
from webapp.extensions import db

STATUSES = {"enrolled": "Ingeschreven", "waiting": "Wachtlijst", "cancelled": "Geannuleerd"}


class Category(db.Model):
    """A node of the offer: Ons aanbod » Cursussen & Trainingen » Agro & Groen » ..."""

    __tablename__ = "course_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("course_categories.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(160))

    parent: Mapped["Category | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Category"]] = relationship(back_populates="parent", order_by="Category.name")
    courses: Mapped[list["Course"]] = relationship(back_populates="category", order_by="Course.name")

    @property
    def path(self) -> list["Category"]:
        """From the root down to this category."""
        chain, node = [], self
        while node is not None and len(chain) < 20:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


class Course(db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("course_categories.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Maatwerk: bought by one organisation, visible only to that organisation's admins.
    custom_for_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    cancellation_rules: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[Category | None] = relationship(back_populates="courses")
    custom_for: Mapped["Organisation | None"] = relationship()  # noqa: F821
    events: Mapped[list["Event"]] = relationship(
        back_populates="course", order_by="Event.starts_on", cascade="all, delete-orphan"
    )


class Event(db.Model):
    """One run of a course (evenement): dates, place, price and places."""

    __tablename__ = "course_events"
    __table_args__ = (Index("ix_course_events_starts_on_id", "starts_on", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    location: Mapped[str] = mapped_column(String(200), default="")
    price_cents: Mapped[int] = mapped_column(Integer, default=0)  # excluding VAT
    vat_rate: Mapped[int] = mapped_column(Integer, default=21)  # percent
    places: Mapped[int] = mapped_column(Integer, default=12)
    # Enrolments with status "enrolled": rewritten from a count under the event's lock by every
    # enrolment and cancellation, so the agenda reads places left without counting.
    enrolled_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cancellation_rules: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship(back_populates="events")
    enrollments: Mapped[list["Enrollment"]] = relationship(back_populates="event", order_by="Enrollment.id")

    @property
    def rules(self) -> str:
        return self.cancellation_rules or self.course.cancellation_rules

    @property
    def places_left(self) -> int:
        return max(0, self.places - (self.enrolled_count or 0))


class Enrollment(db.Model):
    __tablename__ = "course_enrollments"
    # The same person never twice in one event (a cancelled row is reused on re-enrolment).
    __table_args__ = (
        UniqueConstraint("event_id", "participant_id"),
        Index("ix_course_enrollments_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("course_events.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Enrolled for (and invoiced to) this organisation; None: as a person.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default="enrolled")
    debtor_reference: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invitation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str] = mapped_column(String(40), default="")  # e.g. Afgerond
    attended: Mapped[bool] = mapped_column(Boolean, default=False)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("course_invoices.id", ondelete="SET NULL"))

    event: Mapped[Event] = relationship(back_populates="enrollments")
    participant: Mapped["User"] = relationship(foreign_keys=[participant_id])  # noqa: F821
    enrolled_by: Mapped["User | None"] = relationship(foreign_keys=[enrolled_by_id])  # noqa: F821
    organisation: Mapped["Organisation | None"] = relationship()  # noqa: F821
    invoice: Mapped["Invoice | None"] = relationship()

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)


class Invoice(db.Model):
    """An invoice to a person or an organisation, with the debtor's address as it was then."""

    __tablename__ = "course_invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)  # vervaldatum; a credit note has none
    debtor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    debtor_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    debtor_name: Mapped[str] = mapped_column(String(200))
    debtor_attention: Mapped[str] = mapped_column(String(200), default="")  # t.a.v.
    debtor_street: Mapped[str] = mapped_column(String(160), default="")
    debtor_postcode: Mapped[str] = mapped_column(String(10), default="")
    debtor_city: Mapped[str] = mapped_column(String(80), default="")
    debtor_reference: Mapped[str] = mapped_column(String(80), default="")
    subtotal_cents: Mapped[int] = mapped_column(Integer, default=0)
    vat_cents: Mapped[int] = mapped_column(Integer, default=0)
    total_cents: Mapped[int] = mapped_column(Integer, default=0)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a credit note: refunded at
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A credit note (creditfactuur) cancels this earlier invoice with negative amounts.
    credit_for_id: Mapped[int | None] = mapped_column(ForeignKey("course_invoices.id", ondelete="SET NULL"), index=True)

    credit_for: Mapped["Invoice | None"] = relationship(remote_side=[id], back_populates="credit_notes")
    credit_notes: Mapped[list["Invoice"]] = relationship(back_populates="credit_for", order_by="Invoice.id")
    lines: Mapped[list["InvoiceLine"]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="InvoiceLine.id"
    )

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None

    @property
    def is_credit_note(self) -> bool:
        return self.credit_for_id is not None

    @property
    def credit_note(self) -> "Invoice | None":
        return self.credit_notes[0] if self.credit_notes else None

    @property
    def status_label(self) -> str:
        """What the customer reads under Facturen (never by colour alone)."""
        if self.is_credit_note:
            if self.paid_at is not None:
                return f"Terugbetaald op {self.paid_at:%d-%m-%Y}"
            if self.credit_for is not None and self.credit_for.is_paid:
                return "Wordt terugbetaald"
            return f"Verrekend met factuur {self.credit_for.number}" if self.credit_for else "Verrekend"
        if self.credit_notes:
            return f"Gecrediteerd (creditfactuur {self.credit_notes[0].number})"
        if self.paid_at is not None:
            return f"Betaald op {self.paid_at:%d-%m-%Y}"
        return "Openstaand"


class InvoiceLine(db.Model):
    __tablename__ = "course_invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("course_invoices.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price_cents: Mapped[int] = mapped_column(Integer, default=0)
    vat_rate: Mapped[int] = mapped_column(Integer, default=21)
    amount_cents: Mapped[int] = mapped_column(Integer, default=0)  # quantity x unit price, excluding VAT

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class Message(db.Model):
    """A message in the message archive (the UI's Digitaal Dossier): what a customer (a person, or an
    organisation) received from the issuer."""

    __tablename__ = "course_messages"
    __table_args__ = (Index("ix_course_messages_recipient_org", "recipient_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(
        String(20), default="message"
    )  # confirmation, cancellation, invitation, invoice, message
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("course_invoices.id", ondelete="SET NULL"))
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("course_enrollments.id", ondelete="SET NULL"))

    recipient: Mapped["User | None"] = relationship()  # noqa: F821
    invoice: Mapped[Invoice | None] = relationship()
    attachments: Mapped[list["MessageAttachment"]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="MessageAttachment.id"
    )


class MessageAttachment(db.Model):
    __tablename__ = "course_message_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("course_messages.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    mimetype: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    data: Mapped[bytes] = mapped_column(LargeBinary)

    message: Mapped[Message] = relationship(back_populates="attachments")
