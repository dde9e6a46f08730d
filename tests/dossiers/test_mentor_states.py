"""The dossier's state table with its archive flag: every state × every action (states.ACTIONS and
states.FLAG_ACTIONS), archived or not, allowed or refused as the table says, through the services and through
hand-made POSTs to the mentor's and the student's routes; a refusal carries the table's Dutch message and changes
nothing."""

import pytest
from sqlalchemy import func, select

from tests.dossiers import mentor_world
from tests.factories import login
from webapp.core.errors import DomainError
from webapp.dossiers import history, mentor, mentor_views, states
from webapp.dossiers.models import Dossier, Transition
from webapp.extensions import db

EVERY_ACTION = (*states.ACTIONS, *states.FLAG_ACTIONS)


def expected(state: str, archived: bool, action: str) -> str | None:
    """What the table says: None when allowed, else its message."""
    try:
        if action in states.FLAG_ACTIONS:
            states.next_flag(state, archived, action)
        else:
            states.check_step(state, archived, action)
    except DomainError as refused:
        return refused.message
    return None


def outcome(dossier_id: int) -> tuple[str, bool, int]:
    db.session.expire_all()
    dossier = db.session.get(Dossier, dossier_id)
    steps = db.session.scalar(select(func.count()).where(Transition.dossier_id == dossier_id))
    return dossier.state, dossier.archived, steps


def after(state: str, archived: bool, action: str) -> tuple[str, bool]:
    if action in states.FLAG_ACTIONS:
        return state, states.FLAG_ACTIONS[action].archived
    return states.ACTIONS[action].target, archived


@pytest.fixture
def world(app, factory):
    return mentor_world.make(factory)


def test_the_table_says_what_the_manual_says():
    # 3.1: no reset once part B has started or the student has approved: only from "sent to mentor"
    assert states.ACTIONS["reset_to_part_a"].sources == {"sent_to_mentor"}
    assert [s for s in states.STATES if expected(s, False, "reset_to_part_a") is None] == ["sent_to_mentor"]
    assert expected("part_b", False, "reset_to_part_a") == (
        "Een dossier met de status deel b invullen kunt u niet terugzetten naar deel a."
    )
    # archiving: by the mentor, from every state but finished; activating again: by the student, only when archived
    assert [s for s in states.STATES if expected(s, False, "archive") is None] == [
        "part_a",
        "sent_to_mentor",
        "part_b",
        "part_b_sent",
        "approval",
    ]
    assert expected("part_a", True, "archive") == "Dit dossier is al gearchiveerd."
    assert expected("finished", False, "reactivate") == "Dit dossier is niet gearchiveerd."
    assert expected("finished", True, "reactivate") is None
    # an archived dossier takes no step of the table until it is activated again
    assert all(expected(s, True, a) is not None for s in states.STATES for a in states.ACTIONS)
    assert states.allowed("sent_to_mentor", False, "mentor") == ["reset_to_part_a", "start_part_b", "archive"]
    assert states.allowed("sent_to_mentor", True, "mentor") == []
    assert states.allowed("finished", True, "student") == ["reactivate"]
    assert states.action_label("archive") == "Archiveren" and states.action_label("start_part_b") == "Start deel B"


@pytest.mark.parametrize("state", list(states.STATES))
def test_every_action_through_the_one_door_as_the_table_says(world, state):
    for archived in (False, True):
        for action in EVERY_ACTION:
            dossier = world.dossier(state, archived=archived)
            message = expected(state, archived, action)
            door = history.mark if action in states.FLAG_ACTIONS else history.take
            if message is None:
                door(dossier, action, world.mentor_a)
                db.session.commit()
                assert outcome(dossier.id) == (*after(state, archived, action), 1), (state, archived, action)
                step = db.session.scalar(select(Transition).where(Transition.dossier_id == dossier.id))
                assert (step.action, step.from_state, step.by_id) == (action, state, world.mentor_a.id)
            else:
                with pytest.raises(DomainError) as refused:
                    door(dossier, action, world.mentor_a)
                db.session.rollback()
                assert refused.value.message == message
                assert outcome(dossier.id) == (state, archived, 0), (state, archived, action)


@pytest.mark.parametrize("state", list(states.STATES))
def test_the_mentors_and_students_services_as_the_table_says(world, state):
    staff = world.staff(world.mentor_a)
    takers = {action: (lambda d, take=take: take(staff, d.id)) for action, take in mentor.TAKE.items()}
    takers["reactivate"] = lambda d: mentor.reactivate(world.roos, d.id)
    for archived in (False, True):
        for action, take in takers.items():
            dossier = world.dossier(state, archived=archived)
            message = expected(state, archived, action)
            if message is None:
                take(dossier)
                db.session.commit()
                assert outcome(dossier.id) == (*after(state, archived, action), 1), (state, archived, action)
            else:
                with pytest.raises(DomainError) as refused:
                    take(dossier)
                db.session.rollback()
                assert refused.value.message == message, (state, archived, action)
                assert outcome(dossier.id) == (state, archived, 0)
            # one open dossier per programme at a time: this one goes before the next
            db.session.execute(Transition.__table__.delete().where(Transition.dossier_id == dossier.id))
            db.session.execute(Dossier.__table__.delete().where(Dossier.id == dossier.id))
            db.session.commit()


@pytest.mark.parametrize("state", list(states.STATES))
def test_hand_made_posts_as_the_table_says(app, world, state):
    mentor_client = world.client(app, world.mentor_a)
    student_client = app.test_client()
    login(student_client, world.roos_user.email)
    for archived in (False, True):
        for action in (*mentor_views.SLUGS, "reactivate"):
            dossier = world.dossier(state, archived=archived)
            if action == "reactivate":
                response = student_client.post(f"/doorstroomdossier/dossier/{dossier.id}/activeren")
            else:
                slug = mentor_views.SLUGS[action]
                response = mentor_client.post(f"/doorstroomdossier/school/dossiers/{dossier.id}/{slug}")
            message = expected(state, archived, action)
            if message is None:
                assert response.status_code == 303, (state, archived, action)
                assert outcome(dossier.id) == (*after(state, archived, action), 1)
            else:
                assert response.status_code == 409, (state, archived, action)
                assert message in response.get_data(as_text=True)
                assert outcome(dossier.id) == (state, archived, 0)
            db.session.execute(Transition.__table__.delete().where(Transition.dossier_id == dossier.id))
            db.session.execute(Dossier.__table__.delete().where(Dossier.id == dossier.id))
            db.session.commit()


def test_a_students_step_has_no_address_on_the_mentors_pages(app, world):
    dossier = world.dossier("part_b_sent")
    client = world.client(app, world.mentor_a)
    for slug in ("start-de-akkoordverklaring", "afronden", "finish", "send_to_student", "activeren"):
        assert client.post(f"/doorstroomdossier/school/dossiers/{dossier.id}/{slug}").status_code == 404
    assert outcome(dossier.id) == ("part_b_sent", False, 0)


@pytest.mark.parametrize("state", list(states.STATES))
def test_the_pages_offer_exactly_the_steps_the_table_allows(app, world, state):
    dossier = world.dossier(state)
    client = world.client(app, world.mentor_a)
    page = client.get(f"/doorstroomdossier/school/dossiers/{dossier.id}/geschiedenis").get_data(as_text=True)
    allowed = states.allowed(state, False, "mentor")
    for action, slug in mentor_views.SLUGS.items():
        address = f"/doorstroomdossier/school/dossiers/{dossier.id}/{slug}"
        assert (address in page) == (action in allowed), (state, action)
    worklist = client.get("/doorstroomdossier/school/te-behandelen").get_data(as_text=True)
    if state == "finished":
        assert "Roos" not in worklist
    else:
        assert states.STATES[state].label in worklist
        for action, slug in mentor_views.SLUGS.items():
            assert (f"/dossiers/{dossier.id}/{slug}" in worklist) == (action in allowed), (state, action)
    for action in ("reset_to_part_a", "archive"):  # the question, or why there is none
        response = client.get(f"/doorstroomdossier/school/dossiers/{dossier.id}/{mentor_views.SLUGS[action]}")
        message = expected(state, False, action)
        assert response.status_code == (200 if message is None else 409)
        text = response.get_data(as_text=True)
        assert ("Weet u zeker" in text) == (message is None) and (message is None or message in text)
