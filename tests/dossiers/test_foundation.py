"""The dossiers' foundation: the state table refuses what it does not allow and records each step; a mentor sees
only their classes' students, a counsellor the whole school, a member of another school none."""

import pytest

from tests.dossiers import support
from webapp.core.errors import DomainError
from webapp.dossiers import history, states
from webapp.dossiers.actors import SchoolStaff


def test_every_action_from_every_state_is_allowed_exactly_where_the_table_says():
    for state in states.STATES:
        for action, step in states.ACTIONS.items():
            if state in step.sources:
                assert states.next_state(state, action) == step.target
            else:
                with pytest.raises(DomainError):
                    states.next_state(state, action)


def test_a_step_is_recorded_with_who_and_from_which_state(app, factory):
    school = support.school(factory)
    student_user = factory.user()
    pupil = support.student(school, user=student_user)
    programme = support.college(factory).programmes[0]
    dossier = support.dossier(pupil, programme)

    history.take(dossier, "send_to_mentor", student_user)
    with pytest.raises(DomainError):
        history.take(dossier, "send_to_mentor", student_user)

    (step,) = history.steps(dossier)
    assert (step.action, step.from_state, step.to_state, step.by_id) == (
        "send_to_mentor",
        "part_a",
        "sent_to_mentor",
        student_user.id,
    )
    assert dossier.state == "sent_to_mentor"


def test_a_mentor_sees_their_classes_students_and_a_counsellor_the_school(app, factory):
    school, other_school = support.school(factory), support.school(factory)
    mentor = support.staff_member(factory, school, "mentor")
    counsellor = support.staff_member(factory, school, "counsellor")
    klass_a = support.school_class(school, "4a", mentors=[mentor])
    klass_b = support.school_class(school, "4b")
    in_a, in_b = support.student(school, klass_a), support.student(school, klass_b)
    elsewhere = support.student(other_school, support.school_class(other_school, "4a"))

    as_mentor = SchoolStaff(mentor, mentor.memberships[0], school)
    as_counsellor = SchoolStaff(counsellor, counsellor.memberships[0], school)
    assert [as_mentor.sees(s) for s in (in_a, in_b, elsewhere)] == [True, False, False]
    assert [as_counsellor.sees(s) for s in (in_a, in_b, elsewhere)] == [True, True, False]


def test_the_test_bsns_pass_the_eleven_test():
    from webapp.core.bsn import BSN

    numbers = {support.valid_bsn(n) for n in range(1, 200)}
    assert len(numbers) == 199 and all(BSN.parse(n) for n in numbers)
