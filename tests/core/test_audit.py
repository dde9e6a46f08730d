"""The audit trail: who (and at which level, for which organisation) did what, from which state to
which; never a secret or a BSN."""

import json

import pytest
from sqlalchemy import select

from tests.factories import login
from webapp.core.audit import audit, audit_many
from webapp.core.bsn import BSN
from webapp.core.models import AuditEvent
from webapp.extensions import db


def events() -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


@pytest.fixture
def audited_route(app):
    """A page that records an event the way a service does (added before the app's first request)."""

    def record():
        from flask import request

        audit("test.done", subject="thing:1", old_state="draft", new_state="sent", **request.args)
        return "ok"

    app.add_url_rule("/test-audit", "test_audit", record, methods=["POST"])
    return "/test-audit"


def test_in_a_request_the_actor_level_and_acting_organisation_are_recorded(client, factory, audited_route):
    organisation = factory.organisation("Herenbos")
    admin = factory.user("admin@herenbos.example")
    factory.member(admin, organisation, role="admin")
    login(client, admin.email, organisation=organisation.id)

    assert client.post(audited_route + "?count=3").status_code == 200

    event = events()[-1]
    assert (event.actor_id, event.organisation_id, event.level) == (admin.id, organisation.id, "EH1")
    assert (event.action, event.subject, event.old_state, event.new_state) == ("test.done", "thing:1", "draft", "sent")
    assert event.details == {"count": "3"}


def test_acting_as_a_person_records_no_organisation(client, factory, audited_route):
    person = factory.user("persoon@voorbeeld.example")
    factory.member(person, factory.organisation(), role="admin")
    login(client, person.email, organisation="person")

    client.post(audited_route)

    event = events()[-1]
    assert (event.actor_id, event.organisation_id, event.level) == (person.id, None, "EH1")


def test_a_job_names_its_actor_and_records_no_session_level(app, factory):
    actor = factory.user()
    organisation = factory.organisation()
    audit("test.job", actor_id=actor.id, organisation_id=organisation.id, subject="request:4", new_state="ready")
    audit("test.nobody")
    db.session.commit()

    job, nobody = events()
    assert (job.actor_id, job.organisation_id, job.level, job.old_state, job.new_state) == (
        actor.id,
        organisation.id,
        "",
        "",
        "ready",
    )
    assert job.detail == ""  # the states have their own columns
    assert (nobody.actor_id, nobody.organisation_id) == (None, None)


@pytest.mark.parametrize(
    "place",
    [
        {"person": BSN("111222333")},
        {"person": "111222333"},
        {"note": "BSN 111 222 333 gekoppeld"},
        {"note": "111.222.333"},
        {"number": 123456782},
        {"people": ["x", {"who": "123456782"}]},
        {"subject": "person:111222333"},
        {"subject": BSN("111222333")},
        {"old_state": "111222333"},
        {"new_state": BSN("123456782")},
    ],
    ids=lambda place: next(iter(place)) + ":" + type(next(iter(place.values()))).__name__,
)
def test_a_bsn_is_refused_wherever_it_is_put(app, place):
    with pytest.raises(ValueError, match="BSN"):
        audit("test.action", **place)
    db.session.commit()
    assert events() == []


def test_numbers_that_are_no_bsn_pass(app):
    audit(
        "test.action",
        subject="holder:12345678",
        number="111222334",
        phone="06 1234 5678",
        kvk="12345678",
        at="2026-12-04 22:58:25",
        count=250,
    )
    db.session.commit()
    assert json.loads(events()[0].detail)["number"] == "111222334"


def test_an_explicit_organisation_none_is_kept_when_acting_for_one(client, factory, app):
    organisation = factory.organisation()
    user = factory.user()
    factory.member(user, organisation, role="admin")

    def record():
        audit("test.personal", organisation_id=None)
        return "ok"

    app.add_url_rule("/test-personal", "test_personal", record, methods=["POST"])
    login(client, user.email, organisation=organisation.id)
    client.post("/test-personal")

    event = events()[-1]
    assert (event.actor_id, event.organisation_id) == (user.id, None)


def test_many_events_at_once_are_recorded_as_one_by_one(app, factory):
    organisation = factory.organisation()
    audit("test.one", subject="link:1", organisation_id=organisation.id, new_state="unlinked", day="2027-01-01")
    audit_many(
        [
            dict(
                action="test.one",
                subject=f"link:{n}",
                organisation_id=organisation.id,
                new_state="unlinked",
                day="2027-01-01",
            )
            for n in (2, 3)
        ]
    )
    db.session.commit()
    rows = [(e.action, e.subject, e.organisation_id, e.actor_id, e.level, e.new_state, e.detail) for e in events()]
    assert rows == [
        ("test.one", f"link:{n}", organisation.id, None, "", "unlinked", '{"day": "2027-01-01"}') for n in (1, 2, 3)
    ]
    assert all(event.at is not None for event in events())


@pytest.mark.parametrize("event", [{"subject": "person:111222333"}, {"note": "BSN 111 222 333"}, {"pin": "1234"}])
def test_many_events_refuse_a_bsn_or_secret_in_any_and_write_none(app, event):
    with pytest.raises(ValueError):
        audit_many([dict(action="test.fine", subject="thing:1"), dict(action="test.bad", **event)])
    db.session.commit()
    assert events() == []
