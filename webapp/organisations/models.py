"""Organisations, who belongs to them in which role, and which services they may use for them."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.timeutil import UTCDateTime, utcnow
from webapp.extensions import db

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
    kvk_number: Mapped[str] = mapped_column(String(8), default="")
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

    user: Mapped["User"] = relationship(back_populates="memberships")  # noqa: F821
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
