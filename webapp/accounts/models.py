"""Persons with an account, and their login sessions (kept on the server, so logout is real)."""
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Date, ForeignKey, String
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

    memberships: Mapped[list["Membership"]] = relationship(  # noqa: F821
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
    organisation: Mapped["Organisation | None"] = relationship()  # noqa: F821
