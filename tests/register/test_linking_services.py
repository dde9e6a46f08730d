"""linking.py, the organisation's linking rules: Koppel een persoon (the 11-proef, the dates, one answer for every
mismatch), rows and CSV files linked row by row, and the link requests accepted or rejected."""

from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select

from tests.register.support import childcare_organisation, enrolled_person, valid_bsn
from webapp.core.errors import DomainError, NotFound
from webapp.core.models import AuditEvent
from webapp.core.timeutil import today_local
from webapp.extensions import db
from webapp.register import linking
from webapp.register.actors import OrganisationActor
from webapp.register.models import Link, LinkRequest, RegisteredPerson

BIRTH = date(1990, 5, 17)


def actor_for(organisation, subject="medewerker-1") -> OrganisationActor:
    return OrganisationActor(organisation, "eherkenning", "EH2+", subject=subject)


@pytest.fixture
def organisation(app, factory):
    return childcare_organisation(factory, "Kinderopvang Het Anker")


@pytest.fixture
def actor(organisation):
    return actor_for(organisation)


def active_links(organisation):
    return db.session.scalars(select(Link).where(Link.organisation_id == organisation.id, Link.state == "linked")).all()


def test_linking_by_bsn_and_birth_date(actor, organisation, outbox):
    person = enrolled_person(valid_bsn(1), BIRTH, first_name="Roos", last_name="Winter", email="roos@example.org")
    unlink_on = today_local() + timedelta(days=30)
    link = linking.link_person(actor, " " + valid_bsn(1)[:3] + "." + valid_bsn(1)[3:], BIRTH, unlink_on)
    db.session.commit()
    assert link.person_id == person.id and link.organisation_id == organisation.id and link.state == "linked"
    assert link.unlink_on == unlink_on
    [mail] = outbox.to("roos@example.org")
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Kinderopvang Het Anker heeft u gekoppeld" in body
    assert valid_bsn(1) not in mail.as_string()
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "register.link")).all()
    assert event.subject == f"link:{link.id}" and event.organisation_id == organisation.id
    assert valid_bsn(1) not in f"{event.subject} {event.detail}"


@pytest.mark.parametrize(
    ("bsn", "message"),
    [
        ("123456789", linking.INVALID_BSN),  # fails the 11-proef
        ("12345678a", linking.INVALID_BSN),
        ("1234", linking.INVALID_BSN),
        ("", linking.MISSING_BSN),
    ],
)
def test_an_invalid_bsn_is_refused(actor, organisation, bsn, message):
    with pytest.raises(DomainError) as refused:
        linking.link_person(actor, bsn, BIRTH)
    assert refused.value.message == message and refused.value.field == "bsn"
    assert active_links(organisation) == []


def test_dates_are_checked(actor, organisation):
    enrolled_person(valid_bsn(1), BIRTH)
    tomorrow = today_local() + timedelta(days=1)
    with pytest.raises(DomainError) as refused:
        linking.link_person(actor, valid_bsn(1), tomorrow)
    assert refused.value.message == linking.FUTURE_BIRTH_DATE
    for day in (today_local(), today_local() - timedelta(days=3)):
        with pytest.raises(DomainError) as refused:
            linking.link_person(actor, valid_bsn(1), BIRTH, day)
        assert refused.value.message == linking.UNLINK_NOT_AFTER_TODAY and refused.value.field == "unlink_on"
    assert active_links(organisation) == []
    linking.link_person(actor, valid_bsn(1), BIRTH, tomorrow)
    assert len(active_links(organisation)) == 1


def _statements(run) -> list[str]:
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with pytest.raises(DomainError) as refused:
            run()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return seen, refused.value


def test_unknown_bsn_wrong_birth_date_and_deregistered_look_alike(actor, organisation):
    """Enumeration: the same message, the same field and the same statements, whatever did not match."""
    enrolled_person(valid_bsn(1), BIRTH)
    gone = enrolled_person(valid_bsn(2), BIRTH)
    gone.state = "deregistered"
    db.session.commit()
    outcomes = [
        _statements(lambda: linking.link_person(actor, valid_bsn(3), BIRTH)),  # not enrolled
        _statements(lambda: linking.link_person(actor, valid_bsn(1), BIRTH - timedelta(days=1))),  # wrong date
        _statements(lambda: linking.link_person(actor, valid_bsn(2), BIRTH)),  # deregistered
    ]
    messages = {(error.message, error.field) for _, error in outcomes}
    assert messages == {(linking.NO_MATCH, None)}
    assert outcomes[0][0] == outcomes[1][0] == outcomes[2][0]
    assert len(outcomes[0][0]) == 1


def test_linking_twice_says_so_and_keeps_one_link(actor, organisation):
    enrolled_person(valid_bsn(1), BIRTH, first_name="Roos", last_name="Winter")
    linking.link_person(actor, valid_bsn(1), BIRTH)
    with pytest.raises(DomainError, match="Roos Winter is al gekoppeld aan uw organisatie"):
        linking.link_person(actor_for(organisation, "medewerker-2"), valid_bsn(1), BIRTH)
    assert len(active_links(organisation)) == 1


def test_a_link_the_index_refuses_becomes_already_linked(actor, organisation, outbox):
    """Two employees at once: the other's link is there a moment earlier; the second insert does nothing (the partial
    unique index: ON CONFLICT DO NOTHING), the answer is "already linked", nothing of it is stored or mailed, and
    the transaction (with the other person's link) goes on."""
    person = enrolled_person(valid_bsn(1), BIRTH, first_name="Roos", last_name="Winter", email="roos@example.org")
    other = enrolled_person(valid_bsn(2), BIRTH)
    linking.link_person(actor, valid_bsn(2), BIRTH)
    db.session.add(Link(person=person, organisation=organisation))  # the other employee's, a moment earlier
    db.session.flush()
    audited = db.session.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(DomainError, match="Roos Winter is al gekoppeld"):
        linking.link_person(actor, valid_bsn(1), BIRTH)
    db.session.commit()
    assert sorted(link.person_id for link in active_links(organisation)) == sorted([person.id, other.id])
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == audited
    assert outbox.to("roos@example.org") == []


def test_linking_accepts_an_open_request(actor, organisation):
    person = enrolled_person(valid_bsn(1), BIRTH)
    db.session.add(LinkRequest(person=person, organisation=organisation))
    db.session.commit()
    linking.link_person(actor, valid_bsn(1), BIRTH)
    request = db.session.scalar(select(LinkRequest))
    assert request.state == "accepted" and request.answered_at is not None


def test_rows_each_on_their_own(actor, organisation):
    enrolled_person(valid_bsn(1), BIRTH, first_name="Roos", last_name="Winter")
    enrolled_person(valid_bsn(2), BIRTH, first_name="Kees", last_name="Mulder")
    rows = [
        linking.Row(1, valid_bsn(1), "17-05-1990"),
        linking.Row(2, "", "", ""),  # empty: left out
        linking.Row(3, "12345678a", "17-05-1990"),
        linking.Row(4, valid_bsn(2), "1990-05-17", "31-02-2030"),  # no such date: nothing of the row
        linking.Row(5, valid_bsn(1), "17-05-1990"),  # linked by row 1
        linking.Row(6, valid_bsn(3), "17-05-1990"),
    ]
    results = linking.link_rows(actor, rows)
    assert [(r.number, r.linked) for r in results] == [(1, True), (3, False), (4, False), (5, False), (6, False)]
    assert results[0].name == "Roos Winter" and results[0].bsn == "*****" + valid_bsn(1)[-4:]
    assert results[1].message == linking.INVALID_BSN and results[1].bsn == "*********"
    assert results[2].message == linking.INVALID_DATE
    assert "al gekoppeld" in results[3].message
    assert results[4].message == linking.NO_MATCH
    assert all(valid_bsn(n) not in repr(results) for n in range(4))
    assert len(active_links(organisation)) == 1


def test_a_csv_with_header_broken_rows_and_either_separator(actor, organisation):
    enrolled_person(valid_bsn(1), BIRTH)
    enrolled_person(valid_bsn(2), BIRTH)
    later = (today_local() + timedelta(days=10)).strftime("%d-%m-%Y")
    text = f"BSN;geboortedatum;ontkoppelen op\n{valid_bsn(1)};17-05-1990;{later}\n\nonzin\n{valid_bsn(2)};17-05-1990;\n"
    results = linking.link_csv(actor, text.encode())
    assert [(r.number, r.linked) for r in results] == [(2, True), (4, False), (5, True)]
    assert results[1].message == linking.INVALID_BSN
    assert active_links(organisation)[0].unlink_on is not None or active_links(organisation)[1].unlink_on
    comma = linking.read_csv(f"{valid_bsn(3)},17-05-1990,\r\n")
    assert comma == [linking.Row(1, valid_bsn(3), "17-05-1990", "")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe\x00x", linking.NOT_TEXT),
        (b"1;2\n" * (linking.MAX_ROWS + 2), linking.TOO_MANY_ROWS),
        (b"x" * (linking.MAX_UPLOAD_BYTES + 1), linking.TOO_LARGE),
    ],
)
def test_a_file_too_big_or_no_text_links_nobody(actor, organisation, data, message):
    with pytest.raises(DomainError) as refused:
        linking.link_csv(actor, data)
    assert refused.value.message == message


def _request(person, organisation) -> LinkRequest:
    request = LinkRequest(person=person, organisation=organisation)
    db.session.add(request)
    db.session.commit()
    return request


def test_accepting_and_rejecting_requests(actor, organisation, factory, outbox):
    roos = enrolled_person(valid_bsn(1), BIRTH, first_name="Roos", last_name="Winter", email="roos@example.org")
    kees = enrolled_person(valid_bsn(2), BIRTH, first_name="Kees", last_name="Mulder", email="kees@example.org")
    asked, other = _request(roos, organisation), _request(kees, organisation)
    assert [r.id for r in linking.open_requests(actor)] == [asked.id, other.id]
    assert linking.open_request_count(actor) == 2
    linking.accept(actor, asked.id)
    linking.reject(actor, other.id, "  Werkt hier niet  ")
    db.session.commit()
    assert asked.state == "accepted" and other.state == "rejected" and other.reason == "Werkt hier niet"
    assert [link.person_id for link in active_links(organisation)] == [roos.id]
    assert linking.open_request_count(actor) == 0
    [accepted] = outbox.to("roos@example.org")
    assert accepted["Subject"] == "Uw koppelverzoek is geaccepteerd"
    [rejected] = outbox.to("kees@example.org")
    assert "Reden: Werkt hier niet" in rejected.get_body(preferencelist=("plain",)).get_content()
    with pytest.raises(DomainError):
        linking.accept(actor, asked.id)  # answered already


def test_a_reason_with_a_bsn_is_refused(actor, organisation):
    request = _request(enrolled_person(valid_bsn(1), BIRTH), organisation)
    with pytest.raises(DomainError) as refused:
        linking.reject(actor, request.id, f"BSN {valid_bsn(1)} klopt niet")
    assert refused.value.field == "reason" and request.state == "open"


def test_another_organisations_request_is_not_found(actor, organisation, factory):
    elsewhere = childcare_organisation(factory)
    request = _request(enrolled_person(valid_bsn(1), BIRTH), elsewhere)
    mine = _request(enrolled_person(valid_bsn(2), BIRTH), organisation)
    for answer in (lambda: linking.accept(actor, request.id), lambda: linking.reject(actor, request.id)):
        with pytest.raises(NotFound):
            answer()
    with pytest.raises(NotFound):
        linking.accept_many(actor, [mine.id, request.id])
    assert request.state == "open" and mine.state == "open"


def test_accept_many(actor, organisation):
    requests = [_request(enrolled_person(valid_bsn(n), BIRTH), organisation) for n in range(3)]
    answered = linking.accept_many(actor, [requests[0].id, requests[2].id, requests[0].id])
    assert [r.id for r in answered] == [requests[0].id, requests[2].id]
    assert len(active_links(organisation)) == 2 and requests[1].state == "open"


def test_an_upload_audits_each_link_and_mails_each_person_once_after_the_commit(actor, organisation, outbox):
    """The rows' audit events are written together and their mails by a job after the commit: each linked person
    gets one mail, a refused row none, and a rolled-back upload mails nobody."""
    for n in (1, 2, 3):
        enrolled_person(valid_bsn(n), BIRTH, first_name=f"Kind{n}", last_name="Winter", email=f"kind{n}@example.org")
    person_2 = db.session.scalar(select(RegisteredPerson).where(RegisteredPerson.first_name == "Kind2"))
    db.session.add(LinkRequest(person=person_2, organisation=organisation))
    db.session.commit()  # person 2 has an open request
    rows = [linking.Row(n, valid_bsn(n), "17-05-1990") for n in (1, 2, 3)] + [
        linking.Row(4, valid_bsn(1), "17-05-1990")
    ]
    linking.link_rows(actor, rows)
    db.session.rollback()
    assert outbox.messages == [] and active_links(organisation) == []

    results = linking.link_rows(actor, rows)
    db.session.commit()
    assert [result.linked for result in results] == [True, True, True, False]
    assert sorted(m["To"] for m in outbox.messages) == [f"kind{n}@example.org" for n in (1, 2, 3)]
    assert all("Kinderopvang Het Anker heeft u gekoppeld" in m.get_body().get_content() for m in outbox.messages)
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert sorted(actions) == sorted(["register.link"] * 3 + ["register.request_accepted", "register.link_many"])
    assert db.session.scalar(select(LinkRequest)).state == "accepted"
    events = db.session.scalars(select(AuditEvent)).all()
    assert all(e.organisation_id == organisation.id and e.level == "EH2+" for e in events)
    assert all(valid_bsn(n) not in f"{e.subject} {e.detail}" for e in events for n in (1, 2, 3))
