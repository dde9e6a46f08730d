"""The school's own data in the dossiers: its classes of the current school year with their mentors, and its
students (added, edited and removed by hand here; imported in importer.py).

A counsellor (decaan) changes them; a mentor sees their classes' students and the classes read-only. Another
school's class or student, or one a mentor does not see, is NotFound; so is a change a mentor may not make.
A BSN goes in and out as a core BSN (masked when shown); the audit trail names the student by id only."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import selectinload

from webapp.accounts.models import Membership
from webapp.core import onetimecodes
from webapp.core.audit import audit
from webapp.core.bsn import BSN
from webapp.core.errors import DomainError, NotFound
from webapp.core.paging import MAX_ROWS, PAGE_SIZE, BoundedPage, page_count
from webapp.dossiers import codes
from webapp.dossiers.actors import SCHOOL_ROLES, SchoolStaff
from webapp.dossiers.models import Answer, ClassMentor, CodeHandout, Dossier, SchoolClass, Student, Transition
from webapp.dossiers.schoolyear import school_year
from webapp.extensions import db

BSN_TAKEN = "Er staat al een leerling met dit BSN bij uw school."
YEARS = range(1, 7)  # leerjaar 1 to 6


def require_counsellor(staff: SchoolStaff) -> None:
    """Changes to classes and students are the counsellor's: for a mentor the action does not exist."""
    if not staff.is_counsellor:
        raise NotFound()


# Classes


def classes(staff: SchoolStaff, year: str | None = None) -> list[SchoolClass]:
    """The school's classes of the school year (the current one by default), by year and name."""
    return list(
        db.session.scalars(
            select(SchoolClass)
            .where(SchoolClass.school_id == staff.school_id, SchoolClass.school_year == (year or school_year()))
            .order_by(SchoolClass.year, SchoolClass.name)
        )
    )


def get_class(staff: SchoolStaff, class_id: int) -> SchoolClass:
    klass = db.session.get(SchoolClass, class_id)
    if klass is None or klass.school_id != staff.school_id:
        raise NotFound()
    return klass


def class_named(school_id: int, name: str, year: int) -> SchoolClass:
    """The school's class of this name (in any case) in the current school year; made, in this year, when the
    school year has none yet (the import names classes this way)."""
    name = name.strip()
    if not name:
        raise DomainError("Vul de naam van de klas in.", field="name")
    if year not in YEARS:
        raise DomainError(f"Het leerjaar is een getal van {YEARS.start} tot en met {YEARS.stop - 1}.", field="year")
    current = school_year()
    existing = db.session.scalar(
        select(SchoolClass).where(
            SchoolClass.school_id == school_id,
            SchoolClass.school_year == current,
            func.lower(SchoolClass.name) == name.lower(),
        )
    )
    if existing is not None:
        return existing
    klass = SchoolClass(school_id=school_id, school_year=current, name=name, year=year)
    db.session.add(klass)
    db.session.flush()
    audit("dossiers.class_added", subject=f"class:{klass.id}", organisation_id=school_id, name=name, year=year)
    return klass


def add_class(staff: SchoolStaff, name: str, year: int) -> SchoolClass:
    """Add a class by hand: a name the school year has already is refused."""
    require_counsellor(staff)
    if any(k.name.lower() == name.strip().lower() for k in classes(staff)):
        raise DomainError(f"Er is dit schooljaar al een klas {name.strip()}.", field="name")
    return class_named(staff.school_id, name, year)


def possible_mentors(staff: SchoolStaff) -> list[Membership]:
    """The school's members who may be a class's mentor: its mentors and counsellors."""
    return list(
        db.session.scalars(
            select(Membership)
            .where(Membership.organisation_id == staff.school_id, Membership.role.in_(SCHOOL_ROLES))
            .order_by(Membership.id)
        )
    )


def _school_membership(staff: SchoolStaff, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.organisation_id != staff.school_id or membership.role not in SCHOOL_ROLES:
        raise NotFound()
    return membership


def assign_mentor(staff: SchoolStaff, class_id: int, membership_id: int) -> Membership:
    require_counsellor(staff)
    klass = get_class(staff, class_id)
    membership = _school_membership(staff, membership_id)
    if membership not in klass.mentors:
        db.session.add(ClassMentor(class_id=klass.id, membership_id=membership.id))
        db.session.flush()
        db.session.expire(klass, ["mentors"])
        audit("dossiers.mentor_assigned", subject=f"class:{klass.id}", membership_id=membership.id)
    return membership


def remove_mentor(staff: SchoolStaff, class_id: int, membership_id: int) -> Membership:
    require_counsellor(staff)
    klass = get_class(staff, class_id)
    membership = _school_membership(staff, membership_id)
    db.session.execute(
        delete(ClassMentor).where(ClassMentor.class_id == klass.id, ClassMentor.membership_id == membership.id)
    )
    db.session.expire(klass, ["mentors"])
    audit("dossiers.mentor_removed", subject=f"class:{klass.id}", membership_id=membership.id)
    return membership


# Students


@dataclass
class Filters:
    search: str = ""
    class_id: int | None = None
    year: int | None = None
    page: int = 1


def _conditions(staff: SchoolStaff, filters: Filters) -> list:
    conditions = [Student.school_id == staff.school_id]
    mentor_classes = staff.class_ids()
    if mentor_classes is not None:
        conditions.append(Student.class_id.in_(mentor_classes))
    if filters.class_id is not None:
        conditions.append(Student.class_id == filters.class_id)
    if filters.year is not None:
        conditions.append(Student.year == filters.year)
    for word in filters.search.lower().split()[:5]:
        # sort_name is lower case, its parts by spaces: a part that starts with the word
        conditions.append(
            or_(
                Student.sort_name.startswith(word, autoescape=True),
                Student.sort_name.contains(" " + word, autoescape=True),
            )
        )
    return conditions


def student_list(staff: SchoolStaff, filters: Filters) -> BoundedPage:
    """One page of the students this member sees, by name, with a bounded count."""
    conditions = _conditions(staff, filters)
    total = db.session.execute(
        select(func.count()).select_from(select(Student.id).where(*conditions).limit(MAX_ROWS + 1).subquery())
    ).scalar_one()
    pages = page_count(total)
    page = max(1, min(filters.page, pages))
    rows = list(
        db.session.scalars(
            select(Student)
            .options(selectinload(Student.school_class))
            .where(*conditions)
            .order_by(Student.sort_name, Student.id)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    return BoundedPage(rows=rows, total=total, page=page, pages=pages, filters=filters)


def get_student(staff: SchoolStaff, student_id: int) -> Student:
    """A student this member sees; any other (another class's, another school's, none) is NotFound."""
    student = db.session.get(Student, student_id)
    if student is None or not staff.sees(student):
        raise NotFound()
    return student


@dataclass
class StudentData:
    first_name: str
    infix: str
    last_name: str
    bsn: BSN | None
    birth_date: date
    email: str
    class_id: int | None
    year: int


def student_with_bsn(school_id: int, bsn: BSN) -> Student | None:
    return db.session.scalar(select(Student).where(Student.school_id == school_id, Student.bsn_is(bsn)))


def _apply(staff: SchoolStaff, student: Student, data: StudentData) -> None:
    if data.class_id is not None:
        get_class(staff, data.class_id)
    if not data.first_name.strip() or not data.last_name.strip():
        raise DomainError("Vul de roepnaam en de achternaam in.")
    student.set_name(data.first_name, data.infix, data.last_name)
    student.birth_date = data.birth_date
    student.email = data.email.strip().lower()
    student.class_id = data.class_id
    student.year = data.year


def add_student(staff: SchoolStaff, data: StudentData) -> Student:
    require_counsellor(staff)
    if data.bsn is None:
        raise DomainError("Vul het BSN van de leerling in.", field="bsn")
    if student_with_bsn(staff.school_id, data.bsn) is not None:
        raise DomainError(BSN_TAKEN, field="bsn")
    student = Student(school_id=staff.school_id)
    _apply(staff, student, data)
    student.bsn = data.bsn
    db.session.add(student)
    db.session.flush()
    audit("dossiers.student_added", subject=f"student:{student.id}")
    return student


def edit_student(staff: SchoolStaff, student_id: int, data: StudentData) -> Student:
    """Change a student's data; the BSN only when one is given (a stored BSN is never written into a form)."""
    require_counsellor(staff)
    student = get_student(staff, student_id)
    new_bsn = data.bsn is not None and data.bsn != student.bsn
    if new_bsn:
        other = student_with_bsn(staff.school_id, data.bsn)
        if other is not None and other.id != student.id:
            raise DomainError(BSN_TAKEN, field="bsn")
    _apply(staff, student, data)
    if new_bsn:
        student.bsn = data.bsn
    db.session.flush()
    audit("dossiers.student_changed", subject=f"student:{student.id}")
    return student


def dossier_count(student: Student) -> int:
    return db.session.scalar(select(func.count()).where(Dossier.student_id == student.id)) or 0


def remove_student(staff: SchoolStaff, student_id: int) -> str:
    """Remove a student with their dossiers (answers and history) and code hand-outs; returns their name for the
    message. Deleted explicitly: SQLite does not cascade. A live activation code of theirs is revoked: SQLite may
    give a new student the removed one's id, and with it the code's subject."""
    require_counsellor(staff)
    student = get_student(staff, student_id)
    name = student.name
    dossiers = select(Dossier.id).where(Dossier.student_id == student.id)
    db.session.execute(delete(Answer).where(Answer.dossier_id.in_(dossiers)))
    db.session.execute(delete(Transition).where(Transition.dossier_id.in_(dossiers)))
    db.session.execute(delete(Dossier).where(Dossier.student_id == student.id))
    db.session.execute(delete(CodeHandout).where(CodeHandout.student_id == student.id))
    onetimecodes.revoke(codes.PURPOSE, codes.subject(student))
    db.session.delete(student)
    db.session.flush()
    audit("dossiers.student_removed", subject=f"student:{student_id}")
    return name


def unlink_account(staff: SchoolStaff, student_id: int) -> str:
    """Loosen the account from the student: whoever knows a student's BSN can make the account first (the manual's
    flow asks only the BSN and an e-mail address); the school then unlinks it, and the student asks for an account
    again. The student's dossiers and codes stay with the student; the name is returned for the message."""
    require_counsellor(staff)
    student = get_student(staff, student_id)
    if student.user_id is None:
        raise DomainError(f"{student.name} heeft geen account.")
    audit(
        "dossiers.student_account_unlinked",
        subject=codes.subject(student),
        organisation_id=student.school_id,
        account=f"user:{student.user_id}",
    )
    student.user_id = None
    db.session.flush()
    return student.name
