"""What the approval (akkoordverklaring) keeps: each approval as its own record, tied to the hash of the dossier's
content at that moment; the links mailed to a parent; and the student's comment on part B."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.timeutil import UTCDateTime, utcnow
from webapp.dossiers.models import Dossier
from webapp.extensions import db

STUDENT, PARENT = "student", "parent"


class Approval(db.Model):
    """One answer to the approval: the student's (what "Afronden" records) or a parent's (through the mailed link).
    `agreed` false: a parent who did not agree, with their comment. It counts only while `content_hash` is the
    dossier's current one (document.content_hash)."""

    __tablename__ = "dossier_approvals"
    __table_args__ = (Index("ix_dossier_approvals_dossier", "dossier_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(10))  # STUDENT or PARENT
    name: Mapped[str] = mapped_column(String(200))  # as typed by the parent; the student's name
    email: Mapped[str] = mapped_column(String(254))
    agreed: Mapped[bool] = mapped_column(Boolean, default=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # the student's account

    dossier: Mapped[Dossier] = relationship()


class ParentRequest(db.Model):
    """A link mailed to a parent: it works once (`used_at`), until `expires_at`, while not replaced by a newer one
    (`revoked_at`). The link is a signed token (core.tokens) over the id and a fingerprint of `nonce`."""

    __tablename__ = "dossier_parent_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    nonce: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    dossier: Mapped[Dossier] = relationship()


class ApprovalComment(db.Model):
    """The student's comment on part B, kept while they approve (optional); "Afronden" puts it in their approval."""

    __tablename__ = "dossier_approval_comments"

    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True)
    text: Mapped[str] = mapped_column(Text, default="")
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
