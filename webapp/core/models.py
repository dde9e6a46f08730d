"""Tables that belong to no module: the audit trail, outgoing mail, the periodic jobs' runs, one-time codes."""

import json
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.core.timeutil import UTCDateTime, utcnow
from webapp.extensions import db


class AuditEvent(db.Model):
    """One event of the audit trail (core.audit writes them; the Logboek pages read them)."""

    __tablename__ = "audit_events"
    # The Logboek's searches, newest first: everything, one organisation's, one actor's, one action's.
    __table_args__ = (
        Index("ix_audit_events_at", "at", "id"),
        Index("ix_audit_events_organisation_at", "organisation_id", "at"),
        Index("ix_audit_events_actor_at", "actor_id", "at"),
        Index("ix_audit_events_action_at", "action", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    level: Mapped[str] = mapped_column(String(8), default="", server_default="")  # the session's; "" for a job
    action: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(120), default="")  # e.g. "user:12"
    old_state: Mapped[str] = mapped_column(String(60), default="", server_default="")
    new_state: Mapped[str] = mapped_column(String(60), default="", server_default="")
    detail: Mapped[str] = mapped_column(Text, default="")  # JSON

    @property
    def details(self) -> dict:
        return json.loads(self.detail) if self.detail else {}


class OutgoingMail(db.Model):
    """A mail on its way: written in the transaction that sends it, delivered by a job after the commit,
    retried while the mail server refuses it. Staff see the ones that keep failing."""

    __tablename__ = "outgoing_mails"
    __table_args__ = (Index("ix_outgoing_mails_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    message: Mapped[bytes] = mapped_column(LargeBinary)  # the whole message, attachments included
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a delivery under way
    last_error: Mapped[str] = mapped_column(String(300), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PeriodicRun(db.Model):
    """One row per periodic job: the lease that keeps two runs from overlapping, and how the last one went."""

    __tablename__ = "periodic_runs"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(300), default="")


class OneTimeCode(db.Model):
    """A short code a person types (an activation code). Only its keyed hash is kept; its states and
    transitions are core.onetimecodes.STATES."""

    __tablename__ = "one_time_codes"
    __table_args__ = (
        Index("ix_one_time_codes_purpose_code_hash", "purpose", "code_hash", unique=True),
        Index("ix_one_time_codes_purpose_subject_state", "purpose", "subject", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(120))  # what the code is for, e.g. "student:12"
    code_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10), default="issued")
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OneTimeCodeFailure(db.Model):
    """A wrong code typed from an address (kept as a keyed hash): too many in an hour and that address
    may try no more."""

    __tablename__ = "one_time_code_failures"
    __table_args__ = (Index("ix_one_time_code_failures_address_at", "address_hash", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
