"""The mentor's dashboards' tests' world: a school with a counsellor and the mentors of 4a and 4b, a student in each
class (Roos in 4a with an account), a college with a programme, and another school's counsellor."""

from dataclasses import dataclass

from tests.dossiers import support
from tests.factories import login
from webapp.accounts.models import Organisation, User
from webapp.dossiers.actors import SchoolStaff
from webapp.dossiers.models import Dossier, Programme, Student
from webapp.extensions import db


@dataclass
class World:
    school: Organisation
    counsellor: User
    mentor_a: User
    mentor_b: User
    other_counsellor: User
    other_school: Organisation
    roos_user: User
    roos: Student
    jaap: Student
    programme: Programme

    def staff(self, user: User) -> SchoolStaff:
        membership = next(m for m in user.memberships if m.organisation_id in (self.school.id, self.other_school.id))
        return SchoolStaff(user, membership, membership.organisation)

    def client(self, app, user: User):
        client = app.test_client()
        organisation = self.other_school if user is self.other_counsellor else self.school
        login(client, user.email, organisation=organisation.id)
        return client

    def dossier(self, state="part_a", *, archived=False, student=None) -> Dossier:
        record = support.dossier(student or self.roos, self.programme, state)
        record.archived = archived
        db.session.commit()
        return record


def make(factory) -> World:
    school = support.school(factory, "Vakcollege De Brug")
    counsellor = support.staff_member(factory, school, "counsellor", email="decaan@brug.example", first_name="Henk")
    mentor_a = support.staff_member(factory, school, "mentor", email="mentor4a@brug.example", first_name="Anja")
    mentor_b = support.staff_member(factory, school, "mentor", email="mentor4b@brug.example", first_name="Pieter")
    other_school = support.school(factory, "Het Andere Lyceum")
    other_counsellor = support.staff_member(factory, other_school, "counsellor", email="decaan@ander.example")
    klass_a = support.school_class(school, "4a", mentors=[mentor_a])
    klass_b = support.school_class(school, "4b", mentors=[mentor_b])
    roos_user = factory.user("roos@leerling.example", first_name="Roos", last_name="Winter")
    roos = support.student(
        school, klass_a, first_name="Roos", last_name="Winter", email="roos@school.example", user=roos_user
    )
    jaap = support.student(school, klass_b, first_name="Jaap", infix="", last_name="Rierink")
    programme = support.college(factory, "MBO Utrecht").programmes[0]
    return World(
        school=school,
        counsellor=counsellor,
        mentor_a=mentor_a,
        mentor_b=mentor_b,
        other_counsellor=other_counsellor,
        other_school=other_school,
        roos_user=roos_user,
        roos=roos,
        jaap=jaap,
        programme=programme,
    )
