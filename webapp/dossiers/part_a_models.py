"""What part A keeps beside the answers: a section posted after the student's session had ended, waiting for
their next login (part_a.keep_for_later / apply_kept)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.core.timeutil import UTCDateTime, utcnow
from webapp.extensions import db


class KeptAnswers(db.Model):
    """A section's posted answers, kept under the hash of a token the browser holds in a cookie."""

    __tablename__ = "dossier_kept_answers"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    section: Mapped[str] = mapped_column(String(40))
    data: Mapped[str] = mapped_column(Text)  # JSON: the posted form fields of the section
    kept_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
