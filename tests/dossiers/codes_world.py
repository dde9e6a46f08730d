"""The school the activation-code tests hand codes out in: a counsellor, a mentor each for 4a and 4b, Roos and
Mirjam (4a, with e-mail), Jaap (4b, without); and another school with its counsellor and a student."""

import io
import re
from dataclasses import dataclass

from pypdf import PdfReader

from tests.dossiers import support
from webapp.dossiers.actors import SchoolStaff

CODE = re.compile(r"\b[2-9A-Z]{4}-[2-9A-Z]{4}\b")


@dataclass
class World:
    school: object
    counsellor: object
    mentor_a: object
    mentor_b: object
    class_a: object
    class_b: object
    roos: object
    mirjam: object
    jaap: object
    other_school: object
    other_counsellor: object
    other_student: object

    def staff(self, user, school=None) -> SchoolStaff:
        school = school or self.school
        membership = next(m for m in user.memberships if m.organisation_id == school.id)
        return SchoolStaff(user, membership, school)


def make_world(factory) -> World:
    school = support.school(factory, "Vakcollege De Brug")
    counsellor = support.staff_member(factory, school, "counsellor", first_name="Henk", last_name="Jansen")
    mentor_a = support.staff_member(factory, school, "mentor", first_name="Anja", last_name="de Vries")
    mentor_b = support.staff_member(factory, school, "mentor", first_name="Pieter", last_name="Bakker")
    class_a = support.school_class(school, "4a", mentors=[mentor_a])
    class_b = support.school_class(school, "4b", mentors=[mentor_b])
    roos = support.student(
        school, class_a, first_name="Roos", infix="de", last_name="Winter", email="r.dewinter@leerling.example"
    )
    mirjam = support.student(
        school, class_a, first_name="Mirjam", infix="", last_name="Hoenderloo", email="m.hoenderloo@leerling.example"
    )
    jaap = support.student(school, class_b, first_name="Jaap", infix="", last_name="Rierink")
    other_school = support.school(factory, "Het Andere College")
    other_counsellor = support.staff_member(factory, other_school, "counsellor")
    other_student = support.student(
        other_school,
        support.school_class(other_school, "4a"),
        first_name="Sem",
        infix="",
        last_name="Elders",
        email="sem@leerling.example",
    )
    return World(
        school,
        counsellor,
        mentor_a,
        mentor_b,
        class_a,
        class_b,
        roos,
        mirjam,
        jaap,
        other_school,
        other_counsellor,
        other_student,
    )


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def code_in(text: str) -> str:
    (code,) = set(CODE.findall(text))
    return code
