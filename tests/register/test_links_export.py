"""Uw koppelingen as CSV: the current filter's links (every page), full BSNs only for a session at EH2+, masked
otherwise; every export is in the audit log with its row count, never a BSN."""

import csv
import io
import json
from datetime import timedelta

from sqlalchemy import select

from tests.register.support import as_organisation, childcare_organisation, enrolled_person
from webapp.core.models import AuditEvent
from webapp.core.timeutil import utcnow
from webapp.extensions import db
from webapp.register import links
from webapp.register.actors import OrganisationActor
from webapp.register.models import Link

URL = "/personenregister/organisatie/koppelingen"


def _world(factory):
    ours = childcare_organisation(factory, "Kinderopvang Eigen")
    theirs = childcare_organisation(factory, "Kinderopvang Ander")
    for bsn, first, last, organisation, state in [
        ("111222333", "Roos", "Winter", ours, "linked"),
        ("123456782", "=HYPERLINK(1)", "Jansen", ours, "linked"),
        ("999999990", "Piet", "Bakker", ours, "unlinked"),
        ("555555550", "Anna", "Smit", theirs, "linked"),
    ]:
        person = enrolled_person(bsn, first_name=first, last_name=last)
        db.session.add(
            Link(
                person=person,
                organisation=organisation,
                state=state,
                linked_at=utcnow() - timedelta(days=3),
                unlinked_at=utcnow() if state == "unlinked" else None,
            )
        )
    db.session.commit()
    return ours


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def test_the_export_over_http_holds_the_current_filter_with_full_bsns(app, client, factory):
    ours = _world(factory)
    as_organisation(client, ours)  # eHerkenning at EH2+
    answer = client.post(URL + "/export", data={"status": "alle", "sort": "naam"})
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = _rows(answer.get_data(as_text=True))
    assert rows[0] == links.EXPORT_HEADER
    assert [(row[0], row[1]) for row in rows[1:]] == [
        ("999999990", "Piet Bakker"),
        ("123456782", "'=HYPERLINK(1) Jansen"),  # a name is never a formula in a spreadsheet
        ("111222333", "Roos Winter"),
    ]
    assert all(row[2] == "17-05-1990" for row in rows[1:])
    current = _rows(client.post(URL + "/export", data={}).get_data(as_text=True))
    assert [row[0] for row in current[1:]] == ["123456782", "111222333"]  # Huidig, the default
    searched = _rows(client.post(URL + "/export", data={"status": "alle", "zoek": "win"}).get_data(as_text=True))
    assert [row[1] for row in searched[1:]] == ["Roos Winter"]


def test_below_eh2_plus_the_export_is_masked(app, factory):
    ours = _world(factory)
    with app.test_request_context():
        text, count = links.export_csv(OrganisationActor(ours, "eherkenning", "EH2"), links.Filters(status=links.ALL))
    rows = _rows(text)
    assert count == 3 and [row[0] for row in rows[1:]] == ["*****9990", "*****6782", "*****2333"]
    assert "999999990" not in text and "123456782" not in text


def test_every_export_is_audited_with_its_count_and_no_bsn(app, client, factory):
    ours = _world(factory)
    as_organisation(client, ours)
    client.post(URL + "/export", data={"status": "alle"})
    with app.test_request_context():
        links.export_csv(OrganisationActor(ours, "eherkenning", "EH2"), links.Filters())
        db.session.commit()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "register.export")).all()
    assert len(events) == 2
    details = [json.loads(event.detail) for event in events]
    assert [(detail["rows"], detail["full_numbers"]) for detail in details] == [(3, True), (2, False)]
    assert {event.organisation_id for event in events} == {ours.id}
    assert details[0]["via"] == "eherkenning" and events[0].level == "EH2+"
    for event in events:
        flat = event.subject + event.detail + event.old_state + event.new_state
        assert not any(bsn in flat for bsn in ("111222333", "123456782", "999999990"))
