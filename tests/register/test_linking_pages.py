"""The organisation's linking pages through the test client, as an employee logged in with eHerkenning: the start
page's warning and Koppel een persoon, the Gevraagde koppelingen (one by one, with htmx, and all selected), Meerdere
personen tegelijk koppelen (rows and a CSV file), Gegevens van uw organisatie; who is let in, what a page never
shows (a full BSN), and the rate limits."""

import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import make_app
from tests.html import without_csrf
from tests.register.support import as_organisation, childcare_organisation, enrolled_person, valid_bsn
from webapp.core.timeutil import today_local
from webapp.extensions import db
from webapp.register import linking
from webapp.register.models import Link, LinkRequest

BIRTH = date(1990, 5, 17)
HOME = "/personenregister/organisatie"


@pytest.fixture
def organisation(app, factory):
    return childcare_organisation(
        factory,
        "Kinderopvang Het Anker",
        kvk_number="69599001",
        branch_number="000012345678",
        street="Ankerweg",
        house_number="3",
        postcode="3511 AA",
        city="Utrecht",
    )


@pytest.fixture
def employee(client, organisation):
    as_organisation(client, organisation)
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def no_bsn_in(body: str, *numbers: int) -> bool:
    return all(valid_bsn(number) not in body for number in numbers)


def links_of(organisation):
    return db.session.scalars(select(Link).where(Link.organisation_id == organisation.id, Link.state == "linked")).all()


def ask(person, organisation) -> LinkRequest:
    request = LinkRequest(person=person, organisation=organisation)
    db.session.add(request)
    db.session.commit()
    return request


# -- who is let in -------------------------------------------------------------------------------------------------

PAGES = [HOME, f"{HOME}/verzoeken", f"{HOME}/meerdere", f"{HOME}/gegevens"]


@pytest.mark.parametrize("url", PAGES)
def test_without_an_organisation_session_off_to_the_start_page(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"].startswith("/personenregister?")


@pytest.mark.parametrize("session", [dict(level="EH2"), dict(mandated=False)])
def test_below_eh2plus_or_without_the_mandate_not_served(client, organisation, session):
    as_organisation(client, organisation, **session)
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/personenregister")
    enrolled_person(valid_bsn(1), BIRTH)
    response = client.post(f"{HOME}/koppelen", data={"bsn": valid_bsn(1), "birth_date": BIRTH.isoformat()})
    assert response.status_code == 404 and links_of(organisation) == []


# -- start page and Koppel een persoon -----------------------------------------------------------------------------


def test_the_start_page_warns_of_open_requests(employee, organisation):
    page = text(employee.get(HOME))
    assert "gevraagde koppeling" not in page
    for tile in (
        "Koppel een persoon",
        "Gegevens van uw organisatie",
        "Uw koppelingen",
        "Bekijk alle gekoppelde personen",
    ):
        assert tile in page
    assert 'href="/personenregister/organisatie/meerdere"' in page
    ask(enrolled_person(valid_bsn(1)), organisation)
    page = text(employee.get(HOME))
    assert "Er is 1 gevraagde koppeling" in page and "Bekijk alle gevraagde koppelingen" in page
    ask(enrolled_person(valid_bsn(2)), organisation)
    assert "Er zijn 2 gevraagde koppelingen" in text(employee.get(HOME))


def test_linking_a_person_with_an_unlink_date(employee, organisation, outbox):
    enrolled_person(valid_bsn(1), BIRTH, first_name="Roos", infix="de", last_name="Winter", email="roos@example.org")
    unlink_on = today_local() + timedelta(days=20)
    response = employee.post(
        f"{HOME}/koppelen",
        data={"bsn": valid_bsn(1), "birth_date": "17-05-1990", "unlink_on": unlink_on.isoformat()},
    )
    assert response.status_code == 303 and response.headers["Location"] == HOME
    assert valid_bsn(1) not in response.headers["Location"]
    page = text(employee.get(HOME))
    assert "Roos de Winter is gekoppeld aan uw organisatie." in page and 'class="flash flash-success"' in page
    [link] = links_of(organisation)
    assert link.unlink_on == unlink_on
    [mail] = outbox.to("roos@example.org")
    assert valid_bsn(1) not in mail.as_string()
    again = employee.post(f"{HOME}/koppelen", data={"bsn": valid_bsn(1), "birth_date": "1990-05-17"})
    assert again.status_code == 400 and "Roos de Winter is al gekoppeld aan uw organisatie." in text(again)


def field_error(page: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    return match.group(1) if match else ""


def test_bad_input_at_its_fields_and_the_bsn_not_written_back(employee, organisation):
    enrolled_person(valid_bsn(1), BIRTH)
    tomorrow = today_local() + timedelta(days=1)
    response = employee.post(
        f"{HOME}/koppelen",
        data={"bsn": "12345678a", "birth_date": tomorrow.isoformat(), "unlink_on": today_local().isoformat()},
    )
    page = text(response)
    assert response.status_code == 400
    assert field_error(page, "bsn") == linking.INVALID_BSN
    assert field_error(page, "birth_date") == linking.FUTURE_BIRTH_DATE
    assert field_error(page, "unlink_on") == linking.UNLINK_NOT_AFTER_TODAY
    assert "12345678a" not in page
    response = employee.post(f"{HOME}/koppelen", data={"bsn": "123456789", "birth_date": "31-02-1990"})
    page = text(response)
    assert field_error(page, "bsn") == linking.INVALID_BSN and field_error(page, "birth_date") == linking.INVALID_DATE
    response = employee.post(f"{HOME}/koppelen", data={"bsn": valid_bsn(1), "birth_date": ""})
    page = text(response)
    assert field_error(page, "birth_date") == linking.MISSING_BIRTH_DATE
    assert no_bsn_in(page, 1) and re.search(r'<input [^>]*name="bsn"[^>]* value="">', page)
    assert links_of(organisation) == []


def test_unknown_bsn_and_wrong_birth_date_give_the_same_page(employee, organisation):
    enrolled_person(valid_bsn(1), BIRTH)
    unknown = employee.post(f"{HOME}/koppelen", data={"bsn": valid_bsn(2), "birth_date": "17-05-1990"})
    wrong_date = employee.post(f"{HOME}/koppelen", data={"bsn": valid_bsn(1), "birth_date": "18-05-1990"})
    assert unknown.status_code == wrong_date.status_code == 400
    assert linking.NO_MATCH in text(unknown)
    # the birth date typed is given back; apart from it, byte for byte the same page
    assert without_csrf(text(unknown)).replace("1990-05-17", "X") == without_csrf(text(wrong_date)).replace(
        "1990-05-18", "X"
    )
    assert no_bsn_in(text(unknown), 1, 2) and links_of(organisation) == []


# -- Gevraagde koppelingen -----------------------------------------------------------------------------------------


def test_requests_accepted_one_by_one_without_javascript(employee, organisation, outbox):
    roos = enrolled_person(valid_bsn(1), first_name="Roos", last_name="Winter", email="roos@example.org")
    request = ask(roos, organisation)
    page = text(employee.get(f"{HOME}/verzoeken"))
    assert "Roos Winter" in page and "*****" + valid_bsn(1)[-4:] in page and no_bsn_in(page, 1)
    assert 'href="/personenregister/organisatie">Terug</a>' in page and "Koppel alle geselecteerde" in page
    response = employee.post(f"{HOME}/verzoeken/{request.id}/koppelen", data={"rij": "1"})
    assert response.status_code == 303 and response.headers["Location"] == f"{HOME}/verzoeken"
    page = text(employee.get(f"{HOME}/verzoeken"))
    assert "Roos Winter is gekoppeld aan uw organisatie." in page and "Er zijn geen gevraagde koppelingen." in page
    assert [link.person_id for link in links_of(organisation)] == [roos.id]
    assert "gevraagde koppeling" not in text(employee.get(HOME))
    [mail] = outbox.to("roos@example.org")
    assert mail["Subject"] == "Uw koppelverzoek is geaccepteerd" and valid_bsn(1) not in mail.as_string()


def test_accepting_with_htmx_swaps_the_row_and_the_warning(employee, organisation):
    first = ask(enrolled_person(valid_bsn(1), first_name="Roos", last_name="Winter"), organisation)
    ask(enrolled_person(valid_bsn(2)), organisation)
    response = employee.post(f"{HOME}/verzoeken/{first.id}/koppelen", data={"rij": "1"}, headers={"HX-Request": "true"})
    fragment = text(response)
    assert response.status_code == 200 and "<html" not in fragment
    assert 'data-hx-swap-oob="beforeend:#flashes"' in fragment and "Roos Winter is gekoppeld" in fragment
    assert 'id="request-warning" data-hx-swap-oob="innerHTML"' in fragment and "Er is 1 gevraagde koppeling" in fragment
    assert f'id="request-{first.id}"' not in fragment
    last = db.session.scalars(select(LinkRequest).where(LinkRequest.state == "open")).one()
    response = employee.post(f"{HOME}/verzoeken/{last.id}/koppelen", data={"rij": "1"}, headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == f"{HOME}/verzoeken"  # the last one: the whole list page again
    assert "Er zijn geen gevraagde koppelingen." in text(employee.get(f"{HOME}/verzoeken"))


def test_rejecting_with_a_reason(employee, organisation, outbox):
    kees = enrolled_person(valid_bsn(1), first_name="Kees", last_name="Mulder", email="kees@example.org")
    request = ask(kees, organisation)
    page = text(employee.get(f"{HOME}/verzoeken/{request.id}/afwijzen"))
    assert "Koppelverzoek van Kees Mulder afwijzen" in page and "Reden (optioneel)" in page and no_bsn_in(page, 1)
    refused = employee.post(f"{HOME}/verzoeken/{request.id}/afwijzen", data={"reason": f"BSN {valid_bsn(1)}"})
    assert refused.status_code == 400 and "Noem geen BSN in de reden" in text(refused)
    assert no_bsn_in(text(refused), 1)
    response = employee.post(f"{HOME}/verzoeken/{request.id}/afwijzen", data={"reason": "Onbekend bij ons"})
    assert response.status_code == 303
    assert "Het koppelverzoek van Kees Mulder is afgewezen." in text(employee.get(f"{HOME}/verzoeken"))
    assert request.state == "rejected" and links_of(organisation) == []
    [mail] = outbox.to("kees@example.org")
    assert "Reden: Onbekend bij ons" in mail.get_body(preferencelist=("plain",)).get_content()
    # answered: its page sends back to the list; answering again says why not
    assert employee.get(f"{HOME}/verzoeken/{request.id}/afwijzen").status_code == 302
    employee.post(f"{HOME}/verzoeken/{request.id}/koppelen")
    assert "Een koppelverzoek" in text(employee.get(f"{HOME}/verzoeken"))


def test_accepting_all_selected_after_a_confirmation(employee, organisation):
    requests = [
        ask(enrolled_person(valid_bsn(n), first_name=name, last_name="Test"), organisation)
        for n, name in enumerate(("Anna", "Bram", "Cor"), start=1)
    ]
    chosen = [requests[0].id, requests[2].id]
    confirm = employee.post(f"{HOME}/verzoeken/selectie", data={"verzoek": chosen})
    page = text(confirm)
    assert confirm.status_code == 200 and "Wilt u deze 2 personen koppelen aan uw organisatie?" in page
    assert "Anna Test" in page and "Cor Test" in page and "Bram Test" not in page and no_bsn_in(page, 1, 2, 3)
    assert links_of(organisation) == []  # asking first links nobody
    response = employee.post(f"{HOME}/verzoeken/selectie/koppelen", data={"verzoek": chosen})
    assert response.status_code == 303
    assert "2 personen zijn gekoppeld aan uw organisatie." in text(employee.get(f"{HOME}/verzoeken"))
    assert len(links_of(organisation)) == 2 and requests[1].state == "open"
    nothing = employee.post(f"{HOME}/verzoeken/selectie", data={})
    assert nothing.status_code == 303


def test_another_organisations_request_is_a_404(employee, organisation, factory):
    elsewhere = childcare_organisation(factory)
    theirs = ask(enrolled_person(valid_bsn(1), first_name="Roos", last_name="Winter"), elsewhere)
    mine = ask(enrolled_person(valid_bsn(2)), organisation)
    for method, url, data in [
        ("post", f"{HOME}/verzoeken/{theirs.id}/koppelen", {}),
        ("get", f"{HOME}/verzoeken/{theirs.id}/afwijzen", None),
        ("post", f"{HOME}/verzoeken/{theirs.id}/afwijzen", {"reason": ""}),
        ("post", f"{HOME}/verzoeken/selectie", {"verzoek": [mine.id, theirs.id]}),
        ("post", f"{HOME}/verzoeken/selectie/koppelen", {"verzoek": [mine.id, theirs.id]}),
        ("post", f"{HOME}/verzoeken/999999/koppelen", {}),
    ]:
        response = getattr(employee, method)(url, data=data)
        assert response.status_code == 404, url
        assert "Roos Winter" not in text(response)
    assert theirs.state == "open" and mine.state == "open" and links_of(organisation) == []


# -- Meerdere personen tegelijk koppelen ---------------------------------------------------------------------------


def test_linking_rows_with_a_report(employee, organisation):
    enrolled_person(valid_bsn(1), BIRTH, first_name="Roos", last_name="Winter")
    enrolled_person(valid_bsn(2), BIRTH, first_name="Kees", last_name="Mulder")
    page = text(employee.get(f"{HOME}/meerdere"))
    assert page.count('name="rows-') == 30 and "CSV-bestand" in page and "Terug" in page
    data = {
        "rows-0-bsn": valid_bsn(1),
        "rows-0-birth_date": "1990-05-17",
        "rows-2-bsn": "12345678a",
        "rows-2-birth_date": "1990-05-17",
        "rows-3-bsn": valid_bsn(2),
        "rows-3-birth_date": "1991-05-17",
    }
    response = employee.post(f"{HOME}/meerdere", data=data)
    report = text(response)
    assert response.status_code == 200 and "Verslag: meerdere personen koppelen" in report
    assert "1 persoon is gekoppeld, 2 rijen zijn niet gekoppeld" in report
    assert "Roos Winter is gekoppeld." in report and linking.INVALID_BSN in report and linking.NO_MATCH in report
    assert "*****" + valid_bsn(1)[-4:] in report and no_bsn_in(report, 1, 2)
    assert len(links_of(organisation)) == 1
    empty = employee.post(f"{HOME}/meerdere", data={})
    assert empty.status_code == 400 and "Vul ten minste één rij in." in text(empty)


def test_uploading_a_csv_with_broken_rows(employee, organisation):
    enrolled_person(valid_bsn(1), BIRTH, first_name="Roos", last_name="Winter")
    enrolled_person(valid_bsn(2), BIRTH, first_name="Kees", last_name="Mulder")
    content = (
        f"BSN,geboortedatum,ontkoppelen op\n{valid_bsn(1)},17-05-1990,\n{valid_bsn(2)},17-05-1990,01-01-2001\nx,y\n"
    )
    response = employee.post(
        f"{HOME}/meerdere/bestand",
        data={"file": (io.BytesIO(content.encode()), "personen.csv")},
        content_type="multipart/form-data",
    )
    report = text(response)
    assert response.status_code == 200 and "1 persoon is gekoppeld, 2 rijen zijn niet gekoppeld" in report
    assert linking.UNLINK_NOT_AFTER_TODAY in report and linking.INVALID_BSN in report and no_bsn_in(report, 1, 2)
    assert [link.person.name for link in links_of(organisation)] == ["Roos Winter"]
    missing = employee.post(f"{HOME}/meerdere/bestand", data={}, content_type="multipart/form-data")
    assert missing.status_code == 400 and "Kies een CSV-bestand." in text(missing)
    big = employee.post(
        f"{HOME}/meerdere/bestand",
        data={"file": (io.BytesIO(b"1;2\n" * (linking.MAX_ROWS + 2)), "veel.csv")},
        content_type="multipart/form-data",
    )
    assert big.status_code == 400 and linking.TOO_MANY_ROWS in text(big)


# -- Gegevens van uw organisatie -----------------------------------------------------------------------------------


def test_the_organisations_data(employee):
    page = text(employee.get(f"{HOME}/gegevens"))
    for shown in ("Kinderopvang Het Anker", "69599001", "000012345678", "Ankerweg 3", "3511 AA Utrecht"):
        assert shown in page


# -- rate limits ---------------------------------------------------------------------------------------------------


@pytest.fixture
def limited(app, database_url, tmp_path):
    from webapp.extensions import limiter

    limited = make_app(
        tmp_path,
        database_url,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        REGISTER_LINK_LIMITS_EMPLOYEE="3 per minute",
        REGISTER_LINK_LIMITS_ORGANISATION="5 per minute",
        REGISTER_BULK_LIMITS_ORGANISATION="5 per day",
    )
    limiter.reset()
    yield limited
    limiter.reset()


def test_link_attempts_are_limited_per_employee_and_per_organisation(limited, organisation, factory):
    attempt = {"bsn": valid_bsn(1), "birth_date": "17-05-1990"}
    first, second, elsewhere = (limited.test_client() for _ in range(3))
    as_organisation(first, organisation, subject="medewerker-1")
    as_organisation(second, organisation, subject="medewerker-2")
    as_organisation(elsewhere, childcare_organisation(factory), subject="medewerker-1")
    for client in (second, second, first, first, first):
        assert client.post(f"{HOME}/koppelen", data=attempt).status_code == 400
    refused = first.post(f"{HOME}/koppelen", data=attempt)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Even geduld" in text(refused) and "te vaak geprobeerd" in text(refused)
    assert first.post(f"{HOME}/meerdere", data={"rows-0-bsn": valid_bsn(1)}).status_code == 429  # the same counters
    assert first.get(HOME).status_code == 200  # the pages still show
    # the second employee made two of its three attempts, but the organisation has used its five
    assert second.post(f"{HOME}/koppelen", data=attempt).status_code == 429
    assert elsewhere.post(f"{HOME}/koppelen", data=attempt).status_code == 400


def test_bulk_rows_count_against_the_organisations_daily_rows(limited, organisation):
    """A file of guessed birth dates is no way around the limits: each row counts."""
    first, second = limited.test_client(), limited.test_client()
    as_organisation(first, organisation, subject="medewerker-1")
    as_organisation(second, organisation, subject="medewerker-2")
    lines = "".join(f"{valid_bsn(1)};{day:02d}-05-1990\n" for day in range(1, 5))
    upload = first.post(
        f"{HOME}/meerdere/bestand",
        data={"file": (io.BytesIO(lines.encode()), "gok.csv")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 200 and "0 personen zijn gekoppeld, 4 rijen zijn niet gekoppeld" in text(upload)
    rows = {"rows-0-bsn": valid_bsn(1), "rows-0-birth_date": "1990-05-05", "rows-1-bsn": valid_bsn(1)}
    refused = second.post(f"{HOME}/meerdere", data=rows)  # two more rows: six of five
    assert refused.status_code == 429 and "Even geduld" in text(refused)
    too_big = (lines * 2).encode()
    assert (
        second.post(
            f"{HOME}/meerdere/bestand",
            data={"file": (io.BytesIO(too_big), "gok.csv")},
            content_type="multipart/form-data",
        ).status_code
        == 429
    )
    assert second.post(f"{HOME}/koppelen", data={"bsn": valid_bsn(1), "birth_date": "1990-05-05"}).status_code == 400


def test_employees_linking_one_person_at_once_make_one_link(app, organisation):
    """Eight employees press Koppelen for the same person at the same moment: one link, and the others are told
    the person is already linked (on PostgreSQL the partial unique index refuses the racing inserts)."""
    import threading

    enrolled_person(valid_bsn(1), BIRTH, first_name="Roos", last_name="Winter")
    clients = [app.test_client() for _ in range(8)]
    for number, client in enumerate(clients):
        as_organisation(client, organisation, subject=f"medewerker-{number}")
    responses, start = {}, threading.Barrier(len(clients))

    def attempt(number, client):
        start.wait()
        responses[number] = client.post(f"{HOME}/koppelen", data={"bsn": valid_bsn(1), "birth_date": "17-05-1990"})

    threads = [threading.Thread(target=attempt, args=item) for item in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    statuses = sorted(response.status_code for response in responses.values())
    assert statuses == [303] + [400] * 7
    refused = [text(r) for r in responses.values() if r.status_code == 400]
    assert all("Roos Winter is al gekoppeld aan uw organisatie." in page for page in refused)
    db.session.expire_all()
    assert len(links_of(organisation)) == 1


def test_no_bsn_in_the_audit_trail_or_the_log(employee, organisation, caplog):
    import logging

    from webapp.core.models import AuditEvent

    caplog.set_level(logging.DEBUG)
    roos = enrolled_person(valid_bsn(1), BIRTH, first_name="Roos", last_name="Winter", email="roos@example.org")
    kees = enrolled_person(valid_bsn(2), BIRTH, email="kees@example.org")
    asked = ask(enrolled_person(valid_bsn(3), BIRTH, email="anna@example.org"), organisation)
    refused = ask(kees, organisation)
    employee.post(f"{HOME}/koppelen", data={"bsn": valid_bsn(1), "birth_date": "17-05-1990"})
    employee.post(f"{HOME}/koppelen", data={"bsn": valid_bsn(4), "birth_date": "17-05-1990"})
    employee.post(f"{HOME}/verzoeken/{asked.id}/koppelen")
    employee.post(f"{HOME}/verzoeken/{refused.id}/afwijzen", data={"reason": "Niet bij ons"})
    employee.post(f"{HOME}/meerdere", data={"rows-0-bsn": valid_bsn(2), "rows-0-birth_date": "1990-05-17"})
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.organisation_id == organisation.id)).all()
    actions = sorted(event.action for event in events)
    assert actions == [
        "register.link",
        "register.link",
        "register.link",
        "register.link_many",
        "register.request_accepted",
        "register.request_rejected",
    ]
    assert all(event.level == "EH2+" for event in events)
    trail = " ".join(f"{e.subject} {e.detail} {e.old_state} {e.new_state}" for e in events)
    assert f"link:{links_of(organisation)[0].id}" in trail and "person_id" in trail and str(roos.id) in trail
    assert no_bsn_in(trail + caplog.text, 1, 2, 3, 4)


def test_the_pages_a_post_answers_are_valid_html(employee, organisation, tmp_path):
    """The pages only a post shows (every GET page is checked by tests/browser/test_every_page.py)."""
    from tests.components import nu_html_errors

    enrolled_person(valid_bsn(1), BIRTH)
    request = ask(enrolled_person(valid_bsn(2), BIRTH), organisation)
    csv_file = f"{valid_bsn(1)};17-05-1990;\nx;y\n".encode()
    pages = {
        "form errors": employee.post(f"{HOME}/koppelen", data={"bsn": "1", "birth_date": "x"}),
        "no match": employee.post(f"{HOME}/koppelen", data={"bsn": valid_bsn(3), "birth_date": "1990-05-17"}),
        "confirm many": employee.post(f"{HOME}/verzoeken/selectie", data={"verzoek": [request.id]}),
        "reject error": employee.post(f"{HOME}/verzoeken/{request.id}/afwijzen", data={"reason": valid_bsn(2)}),
        "rows error": employee.post(f"{HOME}/meerdere", data={}),
        "report": employee.post(
            f"{HOME}/meerdere/bestand",
            data={"file": (io.BytesIO(csv_file), "p.csv")},
            content_type="multipart/form-data",
        ),
        "upload error": employee.post(f"{HOME}/meerdere/bestand", data={}, content_type="multipart/form-data"),
    }
    assert nu_html_errors({name: text(response) for name, response in pages.items()}, tmp_path) == []
