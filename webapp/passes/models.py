"""Qualification holders, their qualifications, the per-user selection and pass requests.

List queries run against `passes_holder_organisations` (one row per holder per organisation),
which carries copies of the holder's sortable columns (number, name key, birth date, latest expiry)
so that filtering, sorting and counting for one organisation need one table and one index; an
unfiltered or exam-type-only view takes its count from `passes_holder_organisation_counts` (kept by
triggers).
"""

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.timeutil import UTCDateTime, today_local, utcnow
from webapp.extensions import db

KINDS = {"diploma": "Diploma", "certificate": "Certificaat"}
STATUSES = {
    "queued": "In wachtrij",
    "building": "Wordt aangemaakt",
    "available": "Beschikbaar",
    "failed": "Mislukt",
    "expired": "Verlopen",
}
SELECTION_LIMIT = 250  # holders in one request (the manual: at most 250 passes at a time)
AVAILABLE_DAYS = 7  # a request's archive can be downloaded this long


def name_key(last_name: str) -> str:
    """The lower-case search/sort key of a last name ("van Test" is found by "test" and "van")."""
    return (last_name or "").strip().lower()


class Holder(db.Model):
    """A qualification holder (kwalificatiehouder) with an 8-digit qualification number."""

    __tablename__ = "passes_holders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(8), unique=True)
    salutation: Mapped[str] = mapped_column(String(20), default="")
    initials: Mapped[str] = mapped_column(String(20), default="")
    infix: Mapped[str] = mapped_column(String(30), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    mobile: Mapped[str] = mapped_column(String(30), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    holder_organisations: Mapped[list["HolderOrganisation"]] = relationship(
        back_populates="holder", cascade="all, delete-orphan"
    )
    qualifications: Mapped[list["Qualification"]] = relationship(
        back_populates="holder", cascade="all, delete-orphan", order_by="Qualification.name"
    )

    @property
    def display_name(self) -> str:
        """As on screen: "Mevr. K.C. Knightley"."""
        return " ".join(part for part in (self.salutation, self.initials, self.infix, self.last_name) if part)


class HolderOrganisation(db.Model):
    """A holder registered at an organisation, with that organisation's own number for them."""

    __tablename__ = "passes_holder_organisations"
    # Every list index ends in id: PostgreSQL then reads a page's ids (and skips the rows before a
    # deep page) from the index alone; SQLite's indexes carry the rowid (= id) anyway.
    __table_args__ = (
        UniqueConstraint("organisation_id", "holder_id"),
        Index("ix_passes_holder_organisations_org_number_id", "organisation_id", "number", "id"),
        Index("ix_passes_holder_organisations_org_name_id", "organisation_id", "name_key", "number", "id"),
        Index("ix_passes_holder_organisations_org_birth_id", "organisation_id", "birth_date", "number", "id"),
        Index("ix_passes_holder_organisations_org_expires_id", "organisation_id", "expires_on", "number", "id"),
        Index("ix_passes_holder_organisations_org_external_id", "organisation_id", "external_number", "number", "id"),
        # Across several organisations (the "Alle Organisaties" list): read in (sort column, number,
        # organisation) order, filtering the organisation from the index itself.
        Index("ix_passes_holder_organisations_number_org_id", "number", "organisation_id", "id"),
        Index("ix_passes_holder_organisations_name_org_id", "name_key", "number", "organisation_id", "id"),
        Index("ix_passes_holder_organisations_birth_org_id", "birth_date", "number", "organisation_id", "id"),
        Index("ix_passes_holder_organisations_expires_org_id", "expires_on", "number", "organisation_id", "id"),
        Index("ix_passes_holder_organisations_external_org_id", "external_number", "number", "organisation_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    holder_id: Mapped[int] = mapped_column(ForeignKey("passes_holders.id", ondelete="CASCADE"), index=True)
    external_number: Mapped[str] = mapped_column(String(30), default="")
    # Copies of the holder's list columns (kept in step by importer.refresh_list_columns()).
    number: Mapped[str] = mapped_column(String(8))
    name_key: Mapped[str] = mapped_column(String(100), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)

    holder: Mapped[Holder] = relationship(back_populates="holder_organisations")
    organisation: Mapped["Organisation"] = relationship()  # noqa: F821
    exam_types: Mapped[list["HolderOrganisationExamType"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_valid(self) -> bool:
        return self.expires_on is not None and self.expires_on >= today_local()

    @property
    def organisation_name(self) -> str:
        return self.organisation.name


class HolderOrganisationExamType(db.Model):
    """One row per holder at an organisation per exam type among the holder's qualifications, with
    copies of the HolderOrganisation's list columns: the exam-type filter reads (and sorts and counts)
    from this table alone, through (exam type, sort column, number, organisation, holder organisation)
    indexes. Kept in step by importer.refresh_list_columns() and the bulk generator."""

    __tablename__ = "passes_holder_organisation_exam_types"
    __table_args__ = (
        Index(
            "ix_passes_holder_organisation_exam_types_type_org_number",
            "exam_type_id",
            "organisation_id",
            "number",
            "holder_organisation_id",
        ),
        Index(
            "ix_passes_holder_organisation_exam_types_type_number",
            "exam_type_id",
            "number",
            "organisation_id",
            "holder_organisation_id",
        ),
        Index(
            "ix_passes_holder_organisation_exam_types_type_name",
            "exam_type_id",
            "name_key",
            "number",
            "organisation_id",
            "holder_organisation_id",
        ),
        Index(
            "ix_passes_holder_organisation_exam_types_type_birth",
            "exam_type_id",
            "birth_date",
            "number",
            "organisation_id",
            "holder_organisation_id",
        ),
        Index(
            "ix_passes_holder_organisation_exam_types_type_expires",
            "exam_type_id",
            "expires_on",
            "number",
            "organisation_id",
            "holder_organisation_id",
        ),
        Index(
            "ix_passes_holder_organisation_exam_types_type_external",
            "exam_type_id",
            "external_number",
            "number",
            "organisation_id",
            "holder_organisation_id",
        ),
    )

    holder_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("passes_holder_organisations.id", ondelete="CASCADE"), primary_key=True
    )
    exam_type_id: Mapped[int] = mapped_column(ForeignKey("passes_exam_types.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(8))
    name_key: Mapped[str] = mapped_column(String(100), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    external_number: Mapped[str] = mapped_column(String(30), default="")


class HolderOrganisationCount(db.Model):
    """How many holders an organisation has (exam_type_id 0) and how many of them per exam type (their
    HolderOrganisationExamType rows). Kept by database triggers on both tables (migrations passes_0006,
    passes_0008), so the list counts an unfiltered or exam-type-only view from a few rows instead of
    counting up to 10,001 index entries."""

    __tablename__ = "passes_holder_organisation_counts"

    organisation_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    exam_type_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    holders: Mapped[int] = mapped_column(Integer, default=0)


class ExamType(db.Model):
    __tablename__ = "passes_exam_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)


class Qualification(db.Model):
    """A diploma or certificate; a diploma's additional modules point to it as parent."""

    __tablename__ = "passes_qualifications"
    __table_args__ = (
        UniqueConstraint("holder_id", "name"),
        Index("ix_passes_qualifications_holder_expires", "holder_id", "expires_on"),
        Index("ix_passes_qualifications_exam_type_holder", "exam_type_id", "holder_id"),
        Index("ix_passes_qualifications_exam_number_holder", "exam_number", "holder_id"),
        Index("ix_passes_qualifications_expires_holder", "expires_on", "holder_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("passes_holders.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12), default="diploma")
    name: Mapped[str] = mapped_column(String(120))
    exam_type_id: Mapped[int | None] = mapped_column(ForeignKey("passes_exam_types.id", ondelete="SET NULL"))
    exam_number: Mapped[str] = mapped_column(String(30), default="")
    exam_date: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("passes_qualifications.id", ondelete="CASCADE"), index=True
    )
    # Random, unguessable: the QR code on the pass points to /pasjes/verificatie/<token>.
    verify_token: Mapped[str] = mapped_column(String(32), unique=True)

    holder: Mapped[Holder] = relationship(back_populates="qualifications")
    exam_type: Mapped[ExamType | None] = relationship()
    parent: Mapped["Qualification | None"] = relationship(remote_side=[id], back_populates="modules")
    modules: Mapped[list["Qualification"]] = relationship(back_populates="parent", order_by="Qualification.name")

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def is_valid(self) -> bool:
        return self.expires_on is not None and self.expires_on >= today_local()


class SelectionCounter(db.Model):
    """One row per user; add actions lock it (SELECT ... FOR UPDATE) so the cap holds under races."""

    __tablename__ = "passes_selection_counters"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class SelectionItem(db.Model):
    """A holder the user has added for their next request, through one of the holder's organisations.

    The selection is of holders: a holder registered at two of the user's organisations is in it at most
    once (unique per user and holder), whichever organisation's row it was added from.
    """

    __tablename__ = "passes_selection_items"
    __table_args__ = (
        UniqueConstraint("user_id", "holder_organisation_id"),
        UniqueConstraint("user_id", "holder_id", name="uq_passes_selection_items_user_holder"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    holder_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("passes_holder_organisations.id", ondelete="CASCADE"), index=True
    )
    holder_id: Mapped[int] = mapped_column(ForeignKey("passes_holders.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    holder_organisation: Mapped[HolderOrganisation] = relationship()


class PassRequest(db.Model):
    """A submitted request: a ZIP of PDF passes built in the background, downloadable for 7 days."""

    __tablename__ = "passes_requests"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key"),
        Index("ix_passes_requests_user_created", "user_id", "created_at"),
        Index("ix_passes_requests_status_expires", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(100), default="")  # kenmerk
    status: Mapped[str] = mapped_column(String(12), default="queued")
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    file_name: Mapped[str] = mapped_column(String(120), default="")
    error: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Last sign of life (submit, retry, a chunk started or done): the sweep fails requests that stay
    # queued/building long past it (a worker killed outright, a job lost).
    touched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    items: Mapped[list["PassRequestItem"]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="PassRequestItem.id"
    )

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def is_finished(self) -> bool:
        return self.status in ("available", "failed", "expired")

    @property
    def percent(self) -> int:
        return int(100 * self.progress_done / self.progress_total) if self.progress_total else 0

    @property
    def days_left(self) -> int:
        seconds = (self.expires_at - utcnow()).total_seconds()
        return max(0, -(-int(seconds) // 86400))


class PassRequestItem(db.Model):
    """One holder (at one organisation) in a request, frozen at submit time; a holder at most once."""

    __tablename__ = "passes_request_items"
    __table_args__ = (UniqueConstraint("request_id", "holder_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("passes_requests.id", ondelete="CASCADE"), index=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("passes_holders.id", ondelete="CASCADE"))
    # The organisation the holder was selected through: the request stays the submitter's only while
    # they have the passes mandate there (NULL once the organisation is gone: closed for good).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    external_number: Mapped[str] = mapped_column(String(30), default="")

    request: Mapped[PassRequest] = relationship(back_populates="items")
    holder: Mapped[Holder] = relationship()
