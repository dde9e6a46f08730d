"""The register's tables and state tables: one person per BSN, one active link per person and organisation, one
open request per person and organisation, and transitions only where the table allows them."""

from datetime import date

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from tests.register.support import childcare_organisation, enrolled_person
from webapp.core.errors import DomainError
from webapp.extensions import db
from webapp.register import states
from webapp.register.models import Link, LinkRequest, RegisteredPerson


def test_a_person_is_found_by_bsn_and_stored_sealed(app):
    with app.app_context():
        enrolled_person("111222333", first_name="Roos", infix="de", last_name="Winter")
        found = db.session.scalar(select(RegisteredPerson).where(RegisteredPerson.bsn_is("111.222.333")))
        assert found.name == "Roos de Winter" and found.sort_name == "winter roos de"
        stored = db.session.execute(text("SELECT bsn_sealed FROM register_persons")).scalar_one()
        assert "111222333" not in stored and str(found.bsn) == "******333"


def test_one_person_per_bsn(app):
    with app.app_context():
        enrolled_person("111222333")
        with pytest.raises(IntegrityError):
            enrolled_person("111 222 333")


def test_one_active_link_but_history_is_kept(app, factory):
    with app.app_context():
        organisation = childcare_organisation(factory)
        person = enrolled_person("123456782")
        db.session.add(Link(person=person, organisation=organisation, state="unlinked"))
        db.session.add(Link(person=person, organisation=organisation))
        db.session.commit()
        db.session.add(Link(person=person, organisation=organisation))
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_one_open_request_per_person_and_organisation(app, factory):
    with app.app_context():
        organisation = childcare_organisation(factory)
        person = enrolled_person("123456782")
        db.session.add_all(
            [
                LinkRequest(person=person, organisation=organisation, state="rejected"),
                LinkRequest(person=person, organisation=organisation),
            ]
        )
        db.session.commit()
        db.session.add(LinkRequest(person=person, organisation=organisation))
        with pytest.raises(IntegrityError):
            db.session.commit()


@pytest.mark.parametrize(
    ("step", "state", "action", "target"),
    [
        (states.next_link_state, "linked", "unlink", "unlinked"),
        (states.next_link_state, "linked", "unlink_planned", "unlinked"),
        (states.next_request_state, "open", "accept", "accepted"),
        (states.next_request_state, "open", "withdraw", "withdrawn"),
        (states.next_person_state, "enrolled", "deregister", "deregistered"),
        (states.next_person_state, "deregistered", "enrol", "enrolled"),
    ],
)
def test_the_tables_allow(step, state, action, target):
    assert step(state, action) == target


@pytest.mark.parametrize(
    ("step", "state", "action", "message"),
    [
        (
            states.next_link_state,
            "unlinked",
            "unlink",
            "Een koppeling met de status ontkoppeld kunt u niet verbreek koppeling.",
        ),
        (
            states.next_request_state,
            "accepted",
            "reject",
            "Een koppelverzoek met de status gekoppeld kunt u niet afwijzen.",
        ),
        (
            states.next_person_state,
            "enrolled",
            "enrol",
            "Een inschrijving met de status ingeschreven kunt u niet inschrijven.",
        ),
    ],
)
def test_the_tables_refuse_in_dutch(step, state, action, message):
    with pytest.raises(DomainError) as refused:
        step(state, action)
    assert refused.value.message == message


def test_a_birth_date_is_a_date(app):
    with app.app_context():
        assert enrolled_person("999999990", date(2001, 2, 3)).birth_date == date(2001, 2, 3)
