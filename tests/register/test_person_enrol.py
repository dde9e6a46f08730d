"""The person's side, behind DigiD: enrolling (name and birth date from the token, or typed where it lacks them),
the e-mail address for notices, the page after enrolling, deregistering (not while an organisation links them)
and enrolling again. On SQLite and PostgreSQL, through the test client and a DigiD session as the login opens it."""

import json
from datetime import date, timedelta

from sqlalchemy import select

from tests.register.support import as_person, childcare_organisation, enrolled_person
from webapp.core.models import AuditEvent
from webapp.core.timeutil import today_local, utcnow
from webapp.extensions import db
from webapp.register.models import Link, LinkRequest, RegisteredPerson

BSN = "111222333"
HOME = "/personenregister/persoon"


def person_with(bsn=BSN):
    return db.session.scalar(select(RegisteredPerson).where(RegisteredPerson.bsn_is(bsn)))


def audit_rows():
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()


def assert_no_bsn(*texts):
    for text in texts:
        assert BSN not in text and "111 222 333" not in text


def test_without_a_digid_session_the_pages_lead_to_the_start_page(client):
    for path in (HOME, f"{HOME}/uitschrijven", f"{HOME}/organisatie-zoeken", f"{HOME}/e-mailadres"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.location.startswith("/personenregister?")
    assert client.post(f"{HOME}/inschrijven", data={"email": "a@example.nl"}).status_code == 404
    assert client.post(f"{HOME}/uitschrijven").status_code == 404


def test_enrol_with_the_name_and_birth_date_from_digid(client, outbox):
    as_person(client, BSN, first_name="Roos", infix="de", last_name="Winter", birth_date=date(1990, 5, 17))
    page = client.get(HOME).get_data(as_text=True)
    assert "Inschrijven in het Personenregister kinderopvang" in page
    assert "Roos de Winter" in page and "17-05-1990" in page and "Deze gegevens komen van DigiD." in page
    assert 'name="birth_date"' not in page and 'name="first_name"' not in page
    assert "Zonder e-mailadres krijgt u van ons geen berichten" in page

    response = client.post(f"{HOME}/inschrijven", data={"email": " roos@example.nl "})
    assert response.status_code == 303 and response.location.endswith(HOME)

    person = person_with()
    assert (person.name, person.birth_date, person.email, person.state) == (
        "Roos de Winter",
        date(1990, 5, 17),
        "roos@example.nl",
        "enrolled",
    )
    page = client.get(HOME).get_data(as_text=True)
    assert "U bent ingeschreven in het Personenregister kinderopvang." in page
    assert "<h1>Mijn koppelingen</h1>" in page and "U bent nog niet gekoppeld." in page
    assert "U hebt geen koppelverzoeken gedaan." in page and "roos@example.nl" in page
    assert_no_bsn(page)

    [mail] = outbox.to("roos@example.nl")
    assert mail["Subject"] == "U bent ingeschreven in het Personenregister kinderopvang"
    assert_no_bsn(mail.as_string())
    [event] = [row for row in audit_rows() if row.action == "register.enrol"]
    assert event.subject == f"person:{person.id}" and event.organisation_id is None and event.actor_id is None
    assert event.level == "DigiD" and json.loads(event.detail)["via"] == "digid"

    # enrolling twice (another tab) changes nothing
    assert client.post(f"{HOME}/inschrijven", data={"email": "ander@example.nl"}).status_code == 303
    assert person_with().email == "roos@example.nl"
    assert "U staat al ingeschreven" in client.get(HOME).get_data(as_text=True)


def test_enrol_types_what_the_token_lacks_and_refuses_bad_input(client, outbox):
    as_person(client, BSN, first_name="", last_name="", birth_date=None)
    page = client.get(HOME).get_data(as_text=True)
    assert 'name="first_name"' in page and 'name="last_name"' in page and 'name="birth_date"' in page

    typed = {
        "first_name": "Sem",
        "infix": "",
        "last_name": "Kok",
        "birth_date": "02-03-1995",
        "email": "sem@example.nl",
    }
    tomorrow = (today_local() + timedelta(days=1)).strftime("%d-%m-%Y")
    for bad, message in (
        ({"birth_date": tomorrow}, "Uw geboortedatum kan niet in de toekomst liggen."),
        ({"birth_date": "31-02-1995"}, "Vul een geldige datum in als dd-mm-jjjj."),
        ({"birth_date": ""}, "Vul uw geboortedatum in."),
        ({"birth_date": "   "}, "Vul uw geboortedatum in."),
        ({"last_name": "  "}, "Vul uw achternaam in."),
        ({"email": "sem@"}, "Vul een geldig e-mailadres in."),
    ):
        response = client.post(f"{HOME}/inschrijven", data={**typed, **bad})
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
        assert person_with() is None

    assert client.post(f"{HOME}/inschrijven", data=typed).status_code == 303
    person = person_with()
    assert (person.name, person.birth_date, person.email) == ("Sem Kok", date(1995, 3, 2), "sem@example.nl")


def test_enrol_without_an_email_address_sends_nothing(client, outbox):
    as_person(client, BSN)
    assert client.post(f"{HOME}/inschrijven", data={"email": ""}).status_code == 303
    assert person_with().email == ""
    assert "Geen: u krijgt van ons geen berichten" in client.get(HOME).get_data(as_text=True)
    assert outbox.messages == []


def test_the_page_after_enrolling_shows_links_with_history_and_requests(client, factory):
    zonnebloem = childcare_organisation(factory, "Kinderopvang De Zonnebloem")
    nest = factory.organisation("Gastouderbureau Het Nest", kind="host_parent_agency", kvk_number="69599085")
    roos = enrolled_person(BSN, first_name="Roos", last_name="Winter")
    now = utcnow()
    planned = today_local() + timedelta(days=10)
    db.session.add_all(
        [
            Link(
                person=roos,
                organisation=zonnebloem,
                state="unlinked",
                linked_at=now - timedelta(days=400),
                unlinked_at=now - timedelta(days=200),
                unlinked_by="unlink",
            ),
            Link(person=roos, organisation=zonnebloem, linked_at=now - timedelta(days=100), unlink_on=planned),
            LinkRequest(person=roos, organisation=nest, state="rejected", reason="Onbekend bij ons", created_at=now),
        ]
    )
    db.session.commit()
    as_person(client, BSN)
    page = client.get(HOME).get_data(as_text=True)
    assert page.count("Kinderopvang De Zonnebloem") == 2  # linked again: the earlier link is history
    assert "Ontkoppeld" in page and f"Gekoppeld tot {planned.strftime('%d-%m-%Y')}" in page
    assert "Gastouderbureau Het Nest" in page and "Afgewezen" in page and "Onbekend bij ons" in page
    assert "Intrekken" not in page  # only an open request can be withdrawn


def test_change_the_email_address(client, outbox):
    enrolled_person(BSN, email="oud@example.nl")
    as_person(client, BSN)
    page = client.get(f"{HOME}/e-mailadres").get_data(as_text=True)
    assert 'value="oud@example.nl"' in page and "Opslaan" in page
    fragment = client.get(f"{HOME}/e-mailadres", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'id="email-section"' in fragment

    response = client.post(f"{HOME}/e-mailadres", data={"email": "geen-adres"})
    assert response.status_code == 400 and "Vul een geldig e-mailadres in." in response.get_data(as_text=True)
    assert person_with().email == "oud@example.nl"

    assert client.post(f"{HOME}/e-mailadres", data={"email": "nieuw@example.nl"}).status_code == 303
    assert person_with().email == "nieuw@example.nl"
    assert "Uw e-mailadres is aangepast." in client.get(HOME).get_data(as_text=True)
    assert client.post(f"{HOME}/e-mailadres", data={"email": ""}).status_code == 303
    assert person_with().email == ""


def test_cannot_deregister_while_an_organisation_links_them(client, factory):
    zonnebloem = childcare_organisation(factory, "Kinderopvang De Zonnebloem")
    person = enrolled_person(BSN, email="roos@example.nl")
    planned = today_local() + timedelta(days=30)
    db.session.add(Link(person=person, organisation=zonnebloem, unlink_on=planned))
    db.session.commit()
    as_person(client, BSN)

    page = client.get(f"{HOME}/uitschrijven").get_data(as_text=True)
    assert "U kunt zich nog niet uitschrijven" in page and "Kinderopvang De Zonnebloem" in page
    assert f"u wordt ontkoppeld op {planned.strftime('%d-%m-%Y')}" in page and "Ja, uitschrijven" not in page

    response = client.post(f"{HOME}/uitschrijven")
    assert response.status_code == 409
    assert "U bent nog gekoppeld aan Kinderopvang De Zonnebloem." in response.get_data(as_text=True)
    person = person_with()
    assert person.state == "enrolled" and person.email == "roos@example.nl"


def test_deregister_when_unlinked_then_enrol_again(client, factory, outbox):
    zonnebloem = childcare_organisation(factory, "Kinderopvang De Zonnebloem")
    nest = factory.organisation("Gastouderbureau Het Nest", kind="host_parent_agency", kvk_number="69599085")
    person = enrolled_person(BSN, first_name="Roos", last_name="Winter", email="roos@example.nl")
    db.session.add_all(
        [
            Link(person=person, organisation=zonnebloem, state="unlinked", unlinked_at=utcnow(), unlinked_by="unlink"),
            LinkRequest(person=person, organisation=nest),
        ]
    )
    db.session.commit()
    person_id = person.id
    as_person(client, BSN, first_name="Roos", last_name="Winter")

    page = client.get(f"{HOME}/uitschrijven").get_data(as_text=True)
    assert "Weet u zeker dat u zich wilt uitschrijven uit het Personenregister kinderopvang?" in page
    assert 'action="/personenregister/persoon/uitschrijven"' in page and "Ja, uitschrijven" in page

    response = client.post(f"{HOME}/uitschrijven")
    assert response.status_code == 303 and response.location.endswith(HOME)
    page = client.get(HOME).get_data(as_text=True)
    assert "U bent uitgeschreven uit het Personenregister kinderopvang." in page
    assert "U hebt zich eerder uitgeschreven." in page and "Inschrijven" in page

    person = person_with()
    assert (person.state, person.email) == ("deregistered", "")
    assert person.deregistered_at is not None
    assert db.session.scalar(select(LinkRequest.state)) == "withdrawn"
    [mail] = outbox.to("roos@example.nl")
    assert mail["Subject"] == "U bent uitgeschreven uit het Personenregister kinderopvang"
    assert "register.deregister" in [row.action for row in audit_rows()]
    assert_no_bsn(*(f"{row.subject} {row.detail} {row.old_state} {row.new_state}" for row in audit_rows()))

    # a deregistered person's other pages lead back to enrolling
    assert client.get(f"{HOME}/organisatie-zoeken").location.endswith(HOME)

    # enrolling again: the same row, the earlier link still in the history
    assert client.post(f"{HOME}/inschrijven", data={"email": "roos.nieuw@example.nl"}).status_code == 303
    person = person_with()
    assert (person.id, person.state, person.email, person.deregistered_at) == (
        person_id,
        "enrolled",
        "roos.nieuw@example.nl",
        None,
    )
    assert db.session.scalar(select(db.func.count()).select_from(RegisteredPerson)) == 1
    page = client.get(HOME).get_data(as_text=True)
    assert "Kinderopvang De Zonnebloem" in page and "Ontkoppeld" in page
    assert "register.enrol_again" in [row.action for row in audit_rows()]


def test_a_link_planned_to_end_today_still_holds_until_the_job_ends_it(client, factory):
    nest = factory.organisation("Gastouderbureau Het Nest", kind="host_parent_agency", kvk_number="69599085")
    person = enrolled_person(BSN)
    db.session.add(Link(person=person, organisation=nest, unlink_on=today_local()))
    db.session.commit()
    as_person(client, BSN)
    page = client.get(f"{HOME}/uitschrijven").get_data(as_text=True)
    assert "Gastouderbureau Het Nest: u wordt vandaag ontkoppeld. Probeer het straks opnieuw." in page
    assert client.post(f"{HOME}/uitschrijven").status_code == 409
    assert person_with().state == "enrolled"
