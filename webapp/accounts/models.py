"""Persons with an account and their login sessions (kept on the server, so logout is real); the organisations
they belong to, in which role, and the services they may use for them (the acting context is made of these)."""

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.timeutil import UTCDateTime, utcnow
from webapp.extensions import db


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # always lower case
    password_hash: Mapped[str | None] = mapped_column(String(255))
    salutation: Mapped[str] = mapped_column(String(20), default="")  # Dhr. / Mevr.
    initials: Mapped[str] = mapped_column(String(20), default="")
    first_name: Mapped[str] = mapped_column(String(100), default="")
    infix: Mapped[str] = mapped_column(String(30), default="")  # tussenvoegsel
    last_name: Mapped[str] = mapped_column(String(100), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(30), default="")
    mobile: Mapped[str] = mapped_column(String(30), default="")
    street: Mapped[str] = mapped_column(String(120), default="")
    house_number: Mapped[str] = mapped_column(String(20), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(80), default="")
    country: Mapped[str] = mapped_column(String(60), default="Nederland")
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_secret: Mapped[str | None] = mapped_column(String(255))  # sealed
    totp_last_step: Mapped[int | None] = mapped_column()  # refuses a code that was used already
    last_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Membership.id"
    )

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.infix, self.last_name) if part) or self.email

    @property
    def formal_name(self) -> str:
        """As on lists: "Mevr. K.C. Knightley"."""
        return " ".join(part for part in (self.salutation, self.initials, self.infix, self.last_name) if part)

    @property
    def has_authenticator(self) -> bool:
        return self.totp_secret is not None

    @property
    def is_activated(self) -> bool:
        return self.activated_at is not None


class LoginSession(db.Model):
    """One login. The cookie holds a random token; only its hash is stored here."""

    __tablename__ = "login_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    level: Mapped[str] = mapped_column(String(8), default="EH1")
    # None with organisation_chosen: acting as a person; None without: not chosen yet.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    organisation_chosen: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship()
    organisation: Mapped["Organisation | None"] = relationship()


ROLES = {
    "admin": "Beheerder",
    "contact": "Contactpersoon",
    "employee": "Medewerker",
    "counsellor": "Decaan",
    "mentor": "Mentor",
}
KINDS = {
    "training": "Opleidingsinstituut",
    "care": "Zorgaanbieder",
    "childcare": "Kinderopvang",
    "host_parent_agency": "Gastouderbureau",
    "school": "School",
    "college": "Vervolgopleiding",
    "company": "Bedrijf",
    "government": "Overheid",
    "issuer": "Uitgevende instantie",
}


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="company")
    kvk_number: Mapped[str] = mapped_column(String(8), default="", index=True)
    branch_number: Mapped[str] = mapped_column(String(12), default="")  # vestigingsnummer, where it matters
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    street: Mapped[str] = mapped_column(String(120), default="")
    house_number: Mapped[str] = mapped_column(String(20), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="organisation", cascade="all, delete-orphan")


class Membership(db.Model):
    """A person known to an organisation: contact person, admin (beheerder), employee, ..."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="contact")
    # What the organisation knows of this person as its employee.
    job_title: Mapped[str] = mapped_column(String(100), default="")
    department: Mapped[str] = mapped_column(String(100), default="")
    work_email: Mapped[str] = mapped_column(String(254), default="")
    work_phone: Mapped[str] = mapped_column(String(30), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")
    mandates: Mapped[list["Mandate"]] = relationship(back_populates="membership", cascade="all, delete-orphan")

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def services(self) -> frozenset[str]:
        return frozenset(mandate.service for mandate in self.mandates)


class Mandate(db.Model):
    """An admin's grant: this member may use this service for the organisation."""

    __tablename__ = "mandates"
    __table_args__ = (UniqueConstraint("membership_id", "service"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"))
    service: Mapped[str] = mapped_column(String(20))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    membership: Mapped[Membership] = relationship(back_populates="mandates")
