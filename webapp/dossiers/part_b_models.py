"""What part B keeps beside the dossier's answers: the student part's answers (leerling-specifiek), kept per student
so that they are there already when the mentor fills part B of the student's next dossier."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.core.timeutil import UTCDateTime, utcnow
from webapp.extensions import db


class StudentAnswer(db.Model):
    """One field of part B's student part for one student, keyed by the form definition's field name. Sending part
    B copies these into the dossier's answers (the snapshot the student approves)."""

    __tablename__ = "dossier_student_answers"

    student_id: Mapped[int] = mapped_column(ForeignKey("dossier_students.id", ondelete="CASCADE"), primary_key=True)
    field: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
