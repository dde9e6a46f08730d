"""Activation codes (manual 004, 1.1 and 1.2): a counsellor or mentor hands a student a code, by mail or as a
printed letter; the student types it to start their dossiers.

A code is a core one-time code (purpose "dossier-activation", subject "student:<id>"): single use, valid until the
end of the school year (31 July, 23:59 in the Netherlands), a new one revokes the older. A CodeHandout records
how, when and by whom it was handed out; the code itself is shown once, in the mail or on the letter.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from webapp.core import onetimecodes
from webapp.core.audit import audit
from webapp.core.errors import DomainError, NotFound
from webapp.core.mail import send_mail
from webapp.core.models import OneTimeCode
from webapp.core.timeutil import utcnow
from webapp.dossiers import schoolyear
from webapp.dossiers.actors import SchoolStaff
from webapp.dossiers.models import CodeHandout, SchoolClass, Student
from webapp.extensions import db

PURPOSE = "dossier-activation"
METHODS = {"mail": "e-mail", "letter": "brief"}
MAIL_SUBJECT = "Je activatiecode voor het Digitaal Doorstroomdossier"
NO_EMAIL = "Geen e-mailadres bekend: print een brief"
DOSSIER_PATH = "/doorstroomdossier"  # the portal's Digitaal Doorstroomdossier page


def subject(student: Student) -> str:
    return f"student:{student.id}"


def school_year_end(now: datetime | None = None) -> datetime:
    """When a code handed out now stops working: the end of the school year (31 July, 23:59 in Amsterdam)."""
    return schoolyear.school_year_ends_at(now or utcnow())


def visible_students(staff: SchoolStaff):
    """A select of the students the staff member sees: a counsellor the whole school's, a mentor their classes'."""
    return visible_students_of(staff.school_id, staff.class_ids())


def visible_students_of(school_id: int, class_ids):
    """The school's students, in `class_ids` (a select of class ids; None: all)."""
    query = select(Student).where(Student.school_id == school_id)
    if class_ids is not None:
        query = query.where(Student.class_id.in_(class_ids))
    return query


def student_for(staff: SchoolStaff, student_id: int) -> Student:
    """The student, when the staff member sees them; NotFound otherwise (another school's, another class's)."""
    student = db.session.get(Student, student_id)
    if student is None or not staff.sees(student):
        raise NotFound()
    return student


@dataclass(frozen=True)
class Letter:
    """What one printed letter (and one mail) says: the student's own code and the school's name."""

    school_name: str
    student_name: str
    class_name: str
    code: str
    valid_until: datetime

    @property
    def portal_url(self) -> str:
        return current_app.config["PUBLIC_URL"].rstrip("/") + DOSSIER_PATH

    @property
    def public_url(self) -> str:
        return current_app.config["PUBLIC_URL"].rstrip("/")


@dataclass(frozen=True)
class HandedOut:
    handout: CodeHandout
    letter: Letter
    pdf: bytes | None = None  # the printed letter, for method "letter"


def issue(
    student: Student, method: str, by_user_id: int | None, bulk_id: int | None = None
) -> tuple[Letter, CodeHandout]:
    """A new code for the student (revoking the older one) and its hand-out record; the letter that carries it."""
    if method not in METHODS:
        raise DomainError("Kies hoe de code wordt verstrekt: per e-mail of als brief.", field="method")
    if method == "mail" and not student.email:
        raise DomainError(NO_EMAIL, field="method")
    end = school_year_end()
    code = onetimecodes.issue(PURPOSE, subject(student), end - utcnow())
    issued = db.session.scalar(
        select(OneTimeCode).where(
            OneTimeCode.purpose == PURPOSE, OneTimeCode.subject == subject(student), OneTimeCode.state == "issued"
        )
    )
    issued.expires_at = end  # to the minute, not `now + ttl` a few microseconds on
    handout = CodeHandout(
        student_id=student.id, code_id=issued.id, method=method, handed_out_by_id=by_user_id, bulk_id=bulk_id
    )
    db.session.add(handout)
    db.session.flush()
    return Letter(
        school_name=student.school.name,
        student_name=student.name,
        class_name=student.school_class.name if student.school_class else "",
        code=code,
        valid_until=end,
    ), handout


def mail_context(letter: Letter) -> dict:
    return {"letter": letter}


def hand_out(staff: SchoolStaff, student: Student, method: str) -> HandedOut:
    """Hand the student a new activation code: by mail (queued, it leaves after the commit) or as a printed letter
    (its PDF returned). The older code stops working."""
    if not staff.sees(student):
        raise NotFound()
    letter, handout = issue(student, method, staff.user.id)
    audit(
        "dossiers.activation_handed_out",
        subject=subject(student),
        organisation_id=staff.school_id,
        actor_id=staff.user.id,
        method=method,
    )
    if method == "mail":
        send_mail(student.email, MAIL_SUBJECT, "dossiers_activation_code", **mail_context(letter))
        return HandedOut(handout, letter)
    from webapp.dossiers.letters import render_letters

    return HandedOut(handout, letter, render_letters([letter]))


def redeem(student: Student, typed: str, address: str) -> None:
    """The student types their code: it must be their own live code (another student's code is as wrong as a
    mistyped one, and counts against their own code's attempts). Raises onetimecodes.CodeRefused with the Dutch
    reason (used, expired, replaced, locked, incorrect, too many attempts)."""
    onetimecodes.redeem(PURPOSE, typed, address=address, subject=subject(student))


@dataclass(frozen=True)
class CodeStatus:
    handed_out: bool
    method: str | None = None
    handed_out_at: datetime | None = None
    state: str | None = None  # the core code's state: issued, used, expired, locked, revoked

    @property
    def method_label(self) -> str:
        return METHODS.get(self.method or "", "")

    @property
    def used(self) -> bool:
        return self.state == "used"

    @property
    def state_label(self) -> str:
        if not self.handed_out:
            return "Geen code verstrekt"
        return {
            "issued": "Nog niet gebruikt",
            "used": "Gebruikt",
            "expired": "Verlopen",
            "locked": "Geblokkeerd (te veel pogingen)",
            "revoked": "Vervangen",
        }.get(self.state, "Onbekend")

    @property
    def live(self) -> bool:
        """A code that still works: handing out a new one makes it stop."""
        return self.state == "issued" and self.handed_out_at is not None


def code_statuses(student_ids: list[int]) -> dict[int, CodeStatus]:
    """Per student: their latest hand-out (how, when) and the state of its code, in one query."""
    if not student_ids:
        return {}
    latest = (
        select(CodeHandout.student_id, func.max(CodeHandout.id).label("handout_id"))
        .where(CodeHandout.student_id.in_(student_ids))
        .group_by(CodeHandout.student_id)
        .subquery()
    )
    rows = db.session.execute(
        select(CodeHandout, OneTimeCode.state, OneTimeCode.expires_at)
        .join(latest, latest.c.handout_id == CodeHandout.id)
        .outerjoin(OneTimeCode, OneTimeCode.id == CodeHandout.code_id)
    ).all()
    now = utcnow()
    statuses = {student_id: CodeStatus(False) for student_id in student_ids}
    for handout, state, expires_at in rows:
        if state == "issued" and expires_at is not None and expires_at <= now:
            state = "expired"  # the periodic sweep marks it; until then it is expired all the same
        statuses[handout.student_id] = CodeStatus(True, handout.method, handout.handed_out_at, state)
    return statuses


def code_status(student: Student) -> CodeStatus:
    """Whether the student was handed a code, how, when, and whether it has been used."""
    return code_statuses([student.id])[student.id]


def classes_of(staff: SchoolStaff) -> list[SchoolClass]:
    """The classes the staff member hands codes to (the bulk choices), by school year and name."""
    query = select(SchoolClass).where(SchoolClass.school_id == staff.school_id)
    class_ids = staff.class_ids()
    if class_ids is not None:
        query = query.where(SchoolClass.id.in_(class_ids))
    return list(db.session.scalars(query.order_by(SchoolClass.school_year.desc(), SchoolClass.name)))
