"""What the transfer dossiers keep: a school's classes (with their mentors) and students, the receiving colleges'
programmes, the activation codes handed out (the codes themselves are core one-time codes), bulk hand-outs
with their progress, and the dossiers with their answers and history. States: see states.py."""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.accounts.models import Membership, Organisation, User
from webapp.core.bsn import HasBSN
from webapp.core.timeutil import UTCDateTime, utcnow
from webapp.extensions import db


def sort_name(first_name: str, infix: str, last_name: str) -> str:
    """Lower case, surname first ("winter roos de"): what lists sort and search by name on."""
    return " ".join(part for part in (last_name.strip(), first_name.strip(), infix.strip()) if part).lower()


def full_name(first_name: str, infix: str, last_name: str) -> str:
    """As pages show a student's name: "Roos de Winter"."""
    return " ".join(part for part in (first_name, infix, last_name) if part)


class SchoolClass(db.Model):
    """A class (klas) of a school in a school year ("2026-2027"), in a year (leerjaar)."""

    __tablename__ = "dossier_classes"
    __table_args__ = (UniqueConstraint("school_id", "school_year", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    school_year: Mapped[str] = mapped_column(String(9))
    name: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)  # leerjaar

    school: Mapped[Organisation] = relationship()
    mentors: Mapped[list[Membership]] = relationship(secondary="dossier_class_mentors", order_by=Membership.id)


class ClassMentor(db.Model):
    """A mentor (a membership of the school with role mentor or counsellor) of a class."""

    __tablename__ = "dossier_class_mentors"

    class_id: Mapped[int] = mapped_column(ForeignKey("dossier_classes.id", ondelete="CASCADE"), primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"), primary_key=True)


class Student(HasBSN, db.Model):
    """A student (leerling) of a school, as the school imported or typed them; one per BSN per school.
    `user` is the account the student made with their BSN and e-mail."""

    __tablename__ = "dossier_students"
    __table_args__ = (
        UniqueConstraint("school_id", "bsn_hash"),
        Index("ix_dossier_students_school_name", "school_id", "sort_name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("dossier_classes.id", ondelete="SET NULL"), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    infix: Mapped[str] = mapped_column(String(30), default="")  # tussenvoegsel
    last_name: Mapped[str] = mapped_column(String(100))
    sort_name: Mapped[str] = mapped_column(String(240))
    birth_date: Mapped[date] = mapped_column(Date)
    email: Mapped[str] = mapped_column(String(254), default="")  # optional in the VMBO format
    year: Mapped[int] = mapped_column(Integer)  # leerjaar
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last reminder to fill in the approval

    school: Mapped[Organisation] = relationship()
    school_class: Mapped[SchoolClass | None] = relationship()
    user: Mapped[User | None] = relationship()
    words: Mapped[list["StudentWord"]] = relationship(cascade="all, delete-orphan")

    @property
    def name(self) -> str:
        return full_name(self.first_name, self.infix, self.last_name)

    def set_name(self, first_name: str, infix: str, last_name: str) -> None:
        self.first_name, self.infix, self.last_name = first_name.strip(), infix.strip(), last_name.strip()
        self.sort_name = sort_name(first_name, infix, last_name)
        wanted = set(self.sort_name.split())
        kept = [word for word in self.words if word.word in wanted]
        self.words = kept + [StudentWord(word=word) for word in sorted(wanted - {word.word for word in kept})]


class StudentWord(db.Model):
    """One word of a student's name, lower case (a word of sort_name): a name search across schools (the receiving
    college's list) reads the words that start with what was typed as an index range, not every student's name."""

    __tablename__ = "dossier_student_words"

    word: Mapped[str] = mapped_column(String(100), primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("dossier_students.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class College(db.Model):
    """A receiving college (vervolgopleiding, an organisation of kind college) as the dossiers know it: whether it
    takes part in the DDD (the dossier pages show it) and the name the pages show for it."""

    __tablename__ = "dossier_colleges"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    takes_part: Mapped[bool] = mapped_column(Boolean, default=True)

    organisation: Mapped[Organisation] = relationship()
    programmes: Mapped[list["Programme"]] = relationship(back_populates="college", order_by="Programme.name")


class Programme(db.Model):
    """A programme (opleiding) of a receiving college."""

    __tablename__ = "dossier_programmes"
    __table_args__ = (UniqueConstraint("college_id", "code"), Index("ix_dossier_programmes_name", "name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    college_id: Mapped[int] = mapped_column(ForeignKey("dossier_colleges.organisation_id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(160))
    level: Mapped[int] = mapped_column(Integer)  # niveau 1-4
    track: Mapped[str] = mapped_column(String(3))  # BOL or BBL
    location: Mapped[str] = mapped_column(String(160))
    code: Mapped[str] = mapped_column(String(20))  # crebo or the college's own code

    college: Mapped[College] = relationship(back_populates="programmes")

    @property
    def label(self) -> str:
        return programme_label(self.name, self.level, self.track, self.location, self.code)


def programme_label(name: str, level: int, track: str, location: str, code: str) -> str:
    """As the manual shows a programme: "Juridisch secretaresse (4 - BOL - Australiëlaan 23 - 95392)"."""
    return f"{name} ({level} - {track} - {location} - {code})"


class CodeHandout(db.Model):
    """An activation code handed to a student: how (mail or letter), when and by whom. The code is a core
    one-time code (purpose "dossier-activation", subject "student:<id>"); its state says whether it was used."""

    __tablename__ = "dossier_code_handouts"
    __table_args__ = (Index("ix_dossier_code_handouts_student", "student_id", "handed_out_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("dossier_students.id", ondelete="CASCADE"))
    code_id: Mapped[int | None] = mapped_column(ForeignKey("one_time_codes.id", ondelete="SET NULL"))
    method: Mapped[str] = mapped_column(String(6))  # "mail" or "letter"
    handed_out_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    handed_out_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    bulk_id: Mapped[int | None] = mapped_column(ForeignKey("dossier_bulk_handouts.id", ondelete="SET NULL"))

    student: Mapped[Student] = relationship()


class BulkHandout(db.Model):
    """Activation codes for many students at once (all, a year or a class), by mail or as one PDF of letters,
    made by a job that writes its progress here for the page to poll."""

    __tablename__ = "dossier_bulk_handouts"
    __table_args__ = (Index("ix_dossier_bulk_handouts_school", "school_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(6))  # "mail" or "letter"
    scope: Mapped[str] = mapped_column(String(40))  # "all", "year:4" or "class:<id>"
    scope_label: Mapped[str] = mapped_column(String(80))  # as the page shows it: "klas 4a"
    state: Mapped[str] = mapped_column(String(10), default="queued")  # queued, running, done, failed
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)  # mails that could not be delivered
    report: Mapped[str] = mapped_column(Text, default="")  # who could not be reached, one per line
    file_name: Mapped[str | None] = mapped_column(String(120))  # the letters' PDF in core storage
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# Part B's answers (their field keys in formdef) that the dossier's row keeps as flags for the receiving college.
OPP_KEY = "b_opp"  # "Is er een ontwikkelingsperspectief document (OPP) / warme overdracht?"
CONTACT_KEY = "b_nader_contact"  # "Wilt u over deze leerling nader contact hebben met het MBO?"


class Dossier(db.Model):
    """A digital transfer dossier (DDD): one student's application to one programme. `state`: states.STATES;
    `archived` is a flag beside it (the mentor archives, the student activates again)."""

    __tablename__ = "dossiers"
    __table_args__ = (
        Index("ix_dossiers_student", "student_id", "created_at"),
        Index("ix_dossiers_mentor_state", "mentor_id", "state"),
        # the receiving college's list (college.py): finished, not archived, newest first; and per programme
        Index("ix_dossiers_college_list", "state", "archived", "finished_at", "id", "programme_id", "student_id"),
        Index("ix_dossiers_programme_finished", "programme_id", "state", "archived", "finished_at", "id"),
        Index("ix_dossiers_state_archived", "state", "archived"),
        # ... its flag filters (OPP, nader contact), newest first, the page's columns in the index
        Index(
            "ix_dossiers_college_opp",
            "state",
            "archived",
            "warm_handover",
            "finished_at",
            "id",
            "programme_id",
            "student_id",
            "further_contact",
        ),
        Index(
            "ix_dossiers_college_contact",
            "state",
            "archived",
            "further_contact",
            "finished_at",
            "id",
            "programme_id",
            "student_id",
            "warm_handover",
        ),
        # ... and a student's dossiers as the name search and the school filter find them from the students
        Index("ix_dossiers_student_finished", "student_id", "state", "archived", "finished_at", "id", "programme_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("dossier_students.id", ondelete="CASCADE"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("dossier_programmes.id", ondelete="RESTRICT"))
    state: Mapped[str] = mapped_column(String(20), default="part_a")
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when it became finished (history.take)
    # Part B's two answers the receiving college's list shows and filters on, kept on the row from the part B that
    # was sent to the student (take_part_b_flags); None while part B has no answer to them.
    warm_handover: Mapped[bool | None] = mapped_column(Boolean)  # OPP / warme overdracht (OPP_KEY)
    further_contact: Mapped[bool | None] = mapped_column(Boolean)  # nader contact met het MBO (CONTACT_KEY)

    student: Mapped[Student] = relationship()
    programme: Mapped[Programme] = relationship()
    mentor: Mapped[Membership | None] = relationship()

    def take_part_b_flags(self, answers: dict[str, str]) -> None:
        """Keep part B's OPP and nader-contact answers ("ja", "nee", or none) on the row."""
        self.warm_handover = _yes_or_no(answers.get(OPP_KEY, ""))
        self.further_contact = _yes_or_no(answers.get(CONTACT_KEY, ""))


def _yes_or_no(answer: str) -> bool | None:
    return {"ja": True, "nee": False}.get(answer)


class Answer(db.Model):
    """One field's answer in a dossier (part A, and part B's dossier part), keyed by the form definition's field
    name; saved per field as the student leaves it."""

    __tablename__ = "dossier_answers"

    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True)
    field: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Transition(db.Model):
    """A dossier's history: each step of its state table, who took it, when, and from which state."""

    __tablename__ = "dossier_transitions"
    __table_args__ = (Index("ix_dossier_transitions_dossier", "dossier_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    by: Mapped[User | None] = relationship()
