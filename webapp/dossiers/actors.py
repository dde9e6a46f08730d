"""Who acts in the dossiers, and the decorators their views use to demand it.

School staff act for their school: a member of an organisation of kind school in the role counsellor (decaan),
who sees the whole school, or mentor, who sees the students of their classes. A student acts as themselves: a
logged-in user whose account belongs to an imported student. Services take these actors and check them again;
anything outside what an actor may see is NotFound (a 404).

A receiving college's staff act for their college: a member of an organisation of kind college in a role that acts
for it, contact person or admin (an employee, in the glossary's words, is known to the organisation but does not act
for it). They see the college's finished dossiers (college.py).
"""

from dataclasses import dataclass
from functools import wraps

from flask import abort, g, redirect, request, url_for
from sqlalchemy import select

from webapp.accounts.models import Membership, Organisation, User
from webapp.core.auth import NEEDED, acting, login_required, organisation_required
from webapp.dossiers.models import ClassMentor, Student
from webapp.extensions import db

SCHOOL_ROLES = ("counsellor", "mentor")
COLLEGE_ROLES = ("contact", "admin")


@dataclass(frozen=True)
class SchoolStaff:
    user: User
    membership: Membership
    school: Organisation

    @property
    def school_id(self) -> int:
        return self.membership.organisation_id

    @property
    def is_counsellor(self) -> bool:
        return self.membership.role == "counsellor"

    def class_ids(self):
        """The classes whose students this member sees: a counsellor all of the school's (None), a mentor their own."""
        if self.is_counsellor:
            return None
        return select(ClassMentor.class_id).where(ClassMentor.membership_id == self.membership.id)

    def sees(self, student: Student) -> bool:
        if student.school_id != self.school_id:
            return False
        if self.is_counsellor:
            return True
        return student.class_id is not None and student.class_id in set(db.session.scalars(self.class_ids()))


def school_staff() -> SchoolStaff | None:
    context = acting()
    if context is None or context.membership is None or context.organisation is None:
        return None
    if context.organisation.kind != "school" or context.membership.role not in SCHOOL_ROLES:
        return None
    return SchoolStaff(context.user, context.membership, context.organisation)


def current_student() -> Student | None:
    """The student the logged-in user is (their account was made with the student's BSN)."""
    context = acting()
    if context is None:
        return None
    return db.session.scalar(select(Student).where(Student.user_id == context.user_id).order_by(Student.id.desc()))


def school_staff_required(view):
    """A counsellor or mentor acting for their school (g.staff); anyone else finds nothing."""

    @organisation_required
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.staff = school_staff()
        if g.staff is None:
            abort(404)
        return view(*args, **kwargs)

    return wrapper


def student_required(view):
    """A logged-in student (g.student); anyone else finds nothing."""

    @login_required
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.student = current_student()
        if g.student is None:
            abort(404)
        return view(*args, **kwargs)

    return wrapper


@dataclass(frozen=True)
class CollegeStaff:
    """A member of a receiving college acting for it (see COLLEGE_ROLES)."""

    user: User
    membership: Membership
    college: Organisation

    @property
    def college_id(self) -> int:
        return self.membership.organisation_id


def college_staff() -> CollegeStaff | None:
    context = acting()
    if context is None or context.membership is None or context.organisation is None:
        return None
    if context.organisation.kind != "college" or context.membership.role not in COLLEGE_ROLES:
        return None
    return CollegeStaff(context.user, context.membership, context.organisation)


def _may_act_for_a_college(user_id: int) -> bool:
    return (
        db.session.scalar(
            select(Membership.id)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(
                Membership.user_id == user_id,
                Membership.role.in_(COLLEGE_ROLES),
                Organisation.kind == "college",
            )
            .limit(1)
        )
        is not None
    )


def college_staff_required(view):
    """A contact person or admin acting for their receiving college (g.college_staff). One who acts as a person is
    asked to choose the college first; anyone else (a student, a school's staff) finds nothing."""

    @login_required
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.college_staff = college_staff()
        if g.college_staff is None:
            context = acting()
            if context.organisation is None and _may_act_for_a_college(context.user_id):
                return redirect(url_for("accounts.choose_organisation", next=request.path, organisatie=NEEDED))
            abort(404)
        return view(*args, **kwargs)

    return wrapper
