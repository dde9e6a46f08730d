"""Invitations: how a person becomes a contact person of an organisation, with their consent.

An admin (or the issuer's staff) invites an address; the membership exists only once the person
accepts, logged in as that address's account, or activates the new account the invitation made.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.accounts.models import ROLES, Organisation, User
from webapp.core.timeutil import UTCDateTime, utcnow
from webapp.extensions import db


@dataclass(frozen=True)
class State:
    label: str  # Dutch, for pages
    next: frozenset[str] = field(default_factory=frozenset)


# The one state table of an invitation: pages, services and tests read it.
STATES = {
    "invited": State("Uitgenodigd", frozenset({"accepted", "revoked"})),
    "accepted": State("Geaccepteerd"),
    "revoked": State("Ingetrokken"),
}


class Invitation(db.Model):
    __tablename__ = "invitations"
    __table_args__ = (Index("ix_invitations_organisation_state", "organisation_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # As the inviting admin typed it: the account's own name is not theirs to see before it accepts.
    name: Mapped[str] = mapped_column(String(240))
    role: Mapped[str] = mapped_column(String(20))
    job_title: Mapped[str] = mapped_column(String(100), default="")
    work_phone: Mapped[str] = mapped_column(String(30), default="")
    services: Mapped[str] = mapped_column(String(200), default="")  # the mandates to grant, comma separated
    state: Mapped[str] = mapped_column(String(12), default="invited")
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_count: Mapped[int] = mapped_column(default=1)  # a resend makes the older links stop working
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    @property
    def state_label(self) -> str:
        return STATES[self.state].label

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def service_list(self) -> list[str]:
        return sorted(filter(None, self.services.split(",")))

    @property
    def email(self) -> str:
        return self.user.email
