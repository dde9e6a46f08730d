"""No BSN outside its sealed columns: a register's day (a person logs in with DigiD and enrols; an employee links by
BSN, mistypes, uploads a CSV with broken rows, answers requests, searches by BSN, plans and carries out unlinks;
the planned-unlink job runs) and then every log line, audit row, mail, address, response and table cell is
searched for the BSNs used. The one place a full BSN may appear is the CSV export of an EH2+ session, which is the
point of it."""

import io
import logging
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select, text

from tests.register.support import as_organisation, as_person, childcare_organisation, enrolled_person
from webapp.core.jobs import wait_for_in_process_jobs
from webapp.core.models import AuditEvent, OutgoingMail
from webapp.core.timeutil import today_local
from webapp.extensions import db
from webapp.register import jobs
from webapp.register.models import Link, LinkRequest, RegisteredPerson

LINKED, ASKING, TYPED_WRONG, NEWCOMER = "123456721", "123456770", "111222333", "123456952"
USED = (LINKED, ASKING, TYPED_WRONG, NEWCOMER)


def spellings(bsn: str) -> set[str]:
    return {
        bsn,
        f"{bsn[:3]} {bsn[3:6]} {bsn[6:]}",
        f"{bsn[:3]}.{bsn[3:6]}.{bsn[6:]}",
        f"{bsn[:4]} {bsn[4:6]} {bsn[6:]}",
    }


def enrolled_id(bsn: str) -> int:
    return db.session.scalar(select(RegisteredPerson.id).where(RegisteredPerson.bsn_is(bsn)))


def leaks(where: str, content: str) -> list[str]:
    return [f"{where}: {form}" for bsn in USED for form in spellings(bsn) if form in content]


class Recorder:
    """Every address asked for or sent to, and every answer's body, of one test client."""

    def __init__(self, client):
        self.client, self.seen = client, []

    def __call__(self, method: str, url: str, **kwargs):
        response = self.client.open(url, method=method, **kwargs)
        body = response.get_data(as_text=True)
        self.seen.append((f"{method} {url}", response.headers.get("Location", ""), body))
        return response


@pytest.fixture
def register_day(app, factory, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    organisation = childcare_organisation(factory, "Kinderopvang Alfa")
    other = childcare_organisation(factory, "Kinderopvang Beta")
    linked = enrolled_person(LINKED, date(1988, 7, 1), first_name="Daan", last_name="Jansen", email="daan@v.example")
    asking = enrolled_person(ASKING, date(1999, 11, 23), first_name="Sanne", last_name="Bakker", email="s@v.example")
    db.session.add(LinkRequest(person=asking, organisation=organisation))
    db.session.add(Link(person=linked, organisation=other))
    db.session.commit()

    person = Recorder(app.test_client())
    as_person(person.client, NEWCOMER, first_name="Eva", infix="de", last_name="Boer", birth_date=date(2003, 4, 2))
    person("GET", "/personenregister/persoon")
    person("POST", "/personenregister/persoon/inschrijven", data={"email": "eva@v.example"})

    employee = Recorder(app.test_client())
    as_organisation(employee.client, organisation)
    home = "/personenregister/organisatie"
    employee("POST", f"{home}/koppelen", data={"bsn": "123456789", "birth_date": "1988-07-01"})  # fails the 11-proef
    employee("POST", f"{home}/koppelen", data={"bsn": TYPED_WRONG, "birth_date": "1988-07-01"})  # nobody enrolled
    employee(
        "POST", f"{home}/koppelen", data={"bsn": f"{LINKED[:3]}.{LINKED[3:6]}.{LINKED[6:]}", "birth_date": "1990-01-01"}
    )
    tomorrow = (today_local() + timedelta(days=1)).isoformat()
    linking = employee(
        "POST", f"{home}/koppelen", data={"bsn": LINKED, "birth_date": "1988-07-01", "unlink_on": tomorrow}
    )
    assert linking.status_code == 303
    employee("POST", f"{home}/koppelen", data={"bsn": LINKED, "birth_date": "1988-07-01"})  # linked already
    csv = f"BSN;Geboortedatum;Ontkoppelen op\n{NEWCOMER};02-04-2003;\n{TYPED_WRONG};01-01-1990;\nx{ASKING};1-1-1;\n"
    employee("POST", f"{home}/meerdere/bestand", data={"file": (io.BytesIO(csv.encode()), "p.csv")})
    request_id = db.session.scalar(select(LinkRequest.id).where(LinkRequest.person_id == asking.id))
    employee("POST", f"{home}/verzoeken/{request_id}/afwijzen", data={"reason": f"BSN {ASKING} onbekend"})
    employee("POST", f"{home}/verzoeken/{request_id}/koppelen")
    searched = employee("POST", f"{home}/koppelingen/zoeken-op-bsn", data={"bsn": LINKED})
    employee("GET", searched.headers.get("Location", f"{home}/koppelingen"))
    link_id = db.session.scalar(select(Link.id).where(Link.person_id == asking.id, Link.state == "linked"))
    employee("POST", f"{home}/koppelingen/{link_id}/verbreken")
    other_link = db.session.scalar(select(Link.id).where(Link.organisation_id == other.id))
    employee("GET", f"{home}/koppelingen/{other_link}")  # another organisation's: 404
    export = employee("POST", f"{home}/koppelingen/export", data={"status": "alle"})
    the_day_after = datetime.combine(today_local() + timedelta(days=2), time(12), tzinfo=UTC)
    jobs.unlink_planned(now=the_day_after)  # Daan's planned unlink
    db.session.commit()
    ends = dict(
        db.session.execute(
            select(Link.person_id, Link.unlinked_by).where(Link.organisation_id == organisation.id)
        ).all()
    )
    assert ends == {linked.id: "unlink_planned", asking.id: "unlink", enrolled_id(NEWCOMER): ""}  # the day happened
    wait_for_in_process_jobs()
    return {"recorders": (person, employee), "export": export, "caplog": caplog}


def test_no_bsn_in_logs_audit_mail_addresses_pages_or_tables(app, register_day):
    problems = []
    for record in register_day["caplog"].records:
        problems += leaks(f"log {record.name}", record.getMessage() + str(record.args or ""))
    for event in db.session.scalars(select(AuditEvent)):
        problems += leaks(f"audit {event.action}", " ".join(str(getattr(event, c.key)) for c in AuditEvent.__table__.c))
    mails = db.session.scalars(select(OutgoingMail)).all()
    assert mails, "the day sends mails (linked, unlinked, answered)"
    for mail in mails:
        problems += leaks(f"mail {mail.subject}", bytes(mail.message).decode("utf-8", "replace"))
    for recorder in register_day["recorders"]:
        for request, location, body in recorder.seen:
            problems += leaks(f"address {request}", request + " " + location)
            if not request.endswith("/koppelingen/export"):
                problems += leaks(f"page {request}", body)
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(text(f"SELECT * FROM {table.name}")):  # noqa: S608 (table names are ours)
            problems += leaks(f"table {table.name}", " ".join(str(value) for value in row))
    assert problems == []


def test_the_export_of_an_eh2plus_session_is_the_one_place_with_full_bsns(register_day):
    assert LINKED in register_day["export"].get_data(as_text=True)
