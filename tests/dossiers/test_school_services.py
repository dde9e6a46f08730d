"""The school's services: classes and mentors, students by hand (BSN refusals), and who sees whom in the list."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.dossiers import support
from webapp.core.bsn import BSN
from webapp.core.errors import DomainError, NotFound
from webapp.dossiers import school, schoolyear
from webapp.dossiers.actors import SchoolStaff
from webapp.dossiers.models import Answer, Dossier, Student
from webapp.extensions import db


def _as(user, organisation) -> SchoolStaff:
    return SchoolStaff(user, next(m for m in user.memberships if m.organisation_id == organisation.id), organisation)


def _data(**changes) -> school.StudentData:
    values = dict(
        first_name="Mirjam",
        infix="",
        last_name="Hoenderloo",
        bsn=BSN("111222333"),
        birth_date=date(2009, 11, 2),
        email="M.Hoenderloo@leerling.example",
        class_id=None,
        year=4,
    )
    values.update(changes)
    return school.StudentData(**values)


def test_the_school_year_runs_from_august_to_july():
    assert school.school_year(date(2026, 7, 31)) == "2025-2026"
    assert school.school_year(date(2026, 8, 1)) == "2026-2027"
    assert schoolyear.school_year_end("2026-2027") == date(2027, 7, 31)


def test_a_bsn_already_at_the_school_is_refused_by_hand(app, factory):
    organisation = support.school(factory)
    counsellor = _as(support.staff_member(factory, organisation, "counsellor"), organisation)
    first = school.add_student(counsellor, _data())
    db.session.commit()
    assert first.email == "m.hoenderloo@leerling.example" and first.bsn.masked == "******333"
    with pytest.raises(DomainError) as refused:
        school.add_student(counsellor, _data(first_name="Ander"))
    assert refused.value.message == school.BSN_TAKEN and refused.value.field == "bsn"

    other = school.add_student(counsellor, _data(bsn=BSN("999999990"), first_name="Jaap", last_name="Rierink"))
    db.session.commit()
    with pytest.raises(DomainError):
        school.edit_student(counsellor, other.id, _data(bsn=BSN("111222333"), first_name="Jaap"))
    db.session.rollback()
    kept = school.edit_student(counsellor, other.id, _data(bsn=None, first_name="Jaap", last_name="Rierink"))
    assert kept.bsn == BSN("999999990")  # no BSN typed: the stored one stays


def test_a_mentor_sees_their_classes_students_in_the_list_and_changes_nothing(app, factory):
    organisation, elsewhere = support.school(factory), support.school(factory)
    mentor_user = support.staff_member(factory, organisation, "mentor")
    counsellor = _as(support.staff_member(factory, organisation, "counsellor"), organisation)
    mentor = _as(mentor_user, organisation)
    klass_a = support.school_class(organisation, "4a", mentors=[mentor_user])
    klass_b = support.school_class(organisation, "4b")
    mine = support.student(organisation, klass_a, first_name="Roos")
    theirs = support.student(organisation, klass_b, first_name="Jaap")
    support.student(elsewhere, support.school_class(elsewhere, "4a"), first_name="Vreemd")

    assert [s.id for s in school.student_list(mentor, school.Filters()).rows] == [mine.id]
    assert {s.id for s in school.student_list(counsellor, school.Filters()).rows} == {mine.id, theirs.id}
    assert [s.id for s in school.student_list(counsellor, school.Filters(class_id=klass_b.id)).rows] == [theirs.id]
    assert [s.id for s in school.student_list(counsellor, school.Filters(search="jaa")).rows] == [theirs.id]
    assert school.student_list(counsellor, school.Filters(year=3)).rows == []
    with pytest.raises(NotFound):
        school.get_student(mentor, theirs.id)
    for change in (
        lambda: school.add_student(mentor, _data()),
        lambda: school.edit_student(mentor, mine.id, _data(bsn=None)),
        lambda: school.remove_student(mentor, mine.id),
        lambda: school.add_class(mentor, "4c", 4),
    ):
        with pytest.raises(NotFound):
            change()


def test_a_search_word_with_like_wildcards_matches_only_itself(app, factory):
    organisation = support.school(factory)
    counsellor = _as(support.staff_member(factory, organisation, "counsellor"), organisation)
    support.student(organisation, first_name="Roos", last_name="Winter")
    assert school.student_list(counsellor, school.Filters(search="%")).rows == []
    assert school.student_list(counsellor, school.Filters(search="_oos")).rows == []


def test_classes_and_mentors(app, factory):
    organisation, elsewhere = support.school(factory), support.school(factory)
    counsellor_user = support.staff_member(factory, organisation, "counsellor")
    counsellor = _as(counsellor_user, organisation)
    mentor_user = support.staff_member(factory, organisation, "mentor")
    contact = factory.user()
    factory.member(contact, organisation, role="contact")
    stranger = support.staff_member(factory, elsewhere, "mentor")

    klass = school.add_class(counsellor, "4c", 4)
    with pytest.raises(DomainError):
        school.add_class(counsellor, "4C", 4)
    assert {m.user_id for m in school.possible_mentors(counsellor)} == {counsellor_user.id, mentor_user.id}
    school.assign_mentor(counsellor, klass.id, mentor_user.memberships[0].id)
    school.assign_mentor(counsellor, klass.id, mentor_user.memberships[0].id)  # twice: still once
    assert [m.user_id for m in klass.mentors] == [mentor_user.id]
    for membership_id in (contact.memberships[0].id, stranger.memberships[0].id):
        with pytest.raises(NotFound):
            school.assign_mentor(counsellor, klass.id, membership_id)
    school.remove_mentor(counsellor, klass.id, mentor_user.memberships[0].id)
    assert klass.mentors == []
    other_class = support.school_class(elsewhere, "4a")
    with pytest.raises(NotFound):
        school.assign_mentor(counsellor, other_class.id, mentor_user.memberships[0].id)


def test_removing_a_student_removes_their_dossiers(app, factory):
    organisation = support.school(factory)
    counsellor = _as(support.staff_member(factory, organisation, "counsellor"), organisation)
    pupil = support.student(organisation)
    dossier = support.dossier(pupil, support.college(factory).programmes[0])
    db.session.add(Answer(dossier_id=dossier.id, field="roepnaam", value="Roos"))
    db.session.commit()
    school.remove_student(counsellor, pupil.id)
    db.session.commit()
    for model in (Student, Dossier, Answer):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0


def test_removing_a_student_revokes_their_live_activation_code(app, factory):
    """SQLite may give a new student the removed one's id (the highest is reused), and with it the code's subject."""
    from webapp.core import onetimecodes
    from webapp.dossiers import codes

    organisation = support.school(factory)
    counsellor = _as(support.staff_member(factory, organisation, "counsellor"), organisation)
    pupil = support.student(organisation)
    subject = codes.subject(pupil)
    code = onetimecodes.issue(codes.PURPOSE, subject, timedelta(days=30))
    db.session.commit()
    school.remove_student(counsellor, pupil.id)
    db.session.commit()
    with pytest.raises(onetimecodes.CodeRevoked):
        onetimecodes.redeem(codes.PURPOSE, code, address="127.0.0.1", subject=subject)
