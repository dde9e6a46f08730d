"""Helpers for the dossiers' tests: a school with classes, mentors and students, colleges with programmes, and
dossiers, made directly in the database (the pages that make them are tested on their own)."""

from datetime import date
from itertools import count

from tests.factories import PASSWORD
from webapp.dossiers.models import ClassMentor, College, Dossier, Programme, SchoolClass, Student
from webapp.extensions import db

SCHOOL_YEAR = "2026-2027"
_numbers = count(1)


def valid_bsn(number: int) -> str:
    """A 9-digit BSN that passes the 11-proef, different for each `number` (not a real person's)."""
    digits = f"{100000 + number:06d}"[-6:]
    for tail in range(1000):
        candidate = f"{digits}{tail:03d}"
        if sum(int(d) * w for d, w in zip(candidate, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True)) % 11 == 0:
            if candidate[0] != "0":
                return candidate
    raise ValueError(number)


def school(factory, name=None):
    return factory.organisation(name or f"Scholengemeenschap {next(_numbers)}", kind="school", city="Utrecht")


def staff_member(factory, school_organisation, role="mentor", **fields):
    """A counsellor or mentor of the school, with an account (password tests.factories.PASSWORD)."""
    user = factory.user(**fields)
    factory.member(user, school_organisation, role=role)
    return user


def school_class(school_organisation, name="4a", year=4, mentors=()):
    klass = SchoolClass(school_id=school_organisation.id, school_year=SCHOOL_YEAR, name=name, year=year)
    db.session.add(klass)
    db.session.flush()
    for mentor in mentors:
        membership = next(m for m in mentor.memberships if m.organisation_id == school_organisation.id)
        db.session.add(ClassMentor(class_id=klass.id, membership_id=membership.id))
    db.session.commit()
    return klass


def student(
    school_organisation,
    klass=None,
    *,
    first_name="Roos",
    infix="de",
    last_name=None,
    bsn=None,
    birth_date=date(2010, 3, 14),
    email="",
    user=None,
):
    number = next(_numbers)
    person = Student(
        school_id=school_organisation.id,
        class_id=klass.id if klass is not None else None,
        birth_date=birth_date,
        email=email,
        year=klass.year if klass is not None else 4,
        user_id=user.id if user is not None else None,
    )
    person.set_name(first_name, infix, last_name or f"Leerling{number}")
    person.bsn = bsn or valid_bsn(number)
    db.session.add(person)
    db.session.commit()
    return person


def college(factory, name=None, *, takes_part=True, programmes=(("Juridisch secretaresse", 4, "BOL"),)):
    organisation = factory.organisation(name or f"ROC {next(_numbers)}", kind="college", city="Utrecht")
    record = College(organisation_id=organisation.id, takes_part=takes_part)
    db.session.add(record)
    db.session.flush()
    for programme_name, level, track in programmes:
        db.session.add(
            Programme(
                college_id=organisation.id,
                name=programme_name,
                level=level,
                track=track,
                location="Australiëlaan 23",
                code=f"{90000 + next(_numbers)}",
            )
        )
    db.session.commit()
    return record


def roos_in_4a(
    factory, *, mentor_email="mentor4a@debrug.example", student_email="r.dewinter@leerling.example", **fields
):
    """Vakcollege De Brug with Anja de Vries, mentor of 4a, and Roos de Winter in 4a with an account (`fields`: more
    of the student's, such as birth_date): (the school, Anja's user, Roos)."""
    the_school = school(factory, "Vakcollege De Brug")
    mentor = staff_member(
        factory, the_school, "mentor", email=mentor_email, first_name="Anja", infix="de", last_name="Vries"
    )
    klass = school_class(the_school, "4a", mentors=[mentor])
    user = factory.user(student_email, first_name="Roos", infix="de", last_name="Winter")
    roos = student(the_school, klass, first_name="Roos", infix="de", last_name="Winter", user=user, **fields)
    return the_school, mentor, roos


def dossier(a_student, programme, state="part_a"):
    record = Dossier(student_id=a_student.id, programme_id=programme.id, state=state)
    db.session.add(record)
    db.session.commit()
    return record


__all__ = ["PASSWORD"]
