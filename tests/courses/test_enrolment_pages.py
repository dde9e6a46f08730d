"""What a person sees around an enrolment: the confirmation's sentences, the waiting list as an action and
a place, "already enrolled" at once, Afmelden that asks first, Facturen that says who may see them, and the
agenda's dates and prices on one line."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import login
from webapp.courses.models import Enrollment
from webapp.extensions import db


@pytest.fixture
def herenbos(factory):
    organisation = factory.organisation("Herenbos Schagen", street="Herenweg", house_number="12", city="Schagen")
    deby = factory.user("deby@herenbos.example", first_name="Deby", last_name="Rummens - Heijnen")
    martin = factory.user("martin@herenbos.example", first_name="Martin", last_name="Sommer")
    anna = factory.user("anna@herenbos.example", first_name="Anna", last_name="Aalders")
    factory.member(deby, organisation, role="admin")
    factory.member(martin, organisation, role="employee")
    factory.member(anna, organisation, role="employee")
    return organisation, deby, martin, anna


def logged_in(app, user, organisation="person"):
    client = app.test_client()
    login(client, user.email, organisation=organisation)
    return client


def status_of(enrollment_id):
    db.session.expire_all()
    return db.session.get(Enrollment, enrollment_id).status


def test_the_confirmation_reads_as_sentences(app, herenbos, make_event, settle):
    _, _, martin, _ = herenbos
    event = make_event()
    client = logged_in(app, martin)
    response = client.post(f"/cursussen/evenement/{event.id}/inschrijven", data={})
    settle()  # the confirmation mail has gone
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Martin Sommer is ingeschreven. Er is een bevestiging gestuurd naar martin@herenbos.example." in page


def test_a_full_event_offers_the_waiting_list_and_shows_the_place(app, herenbos, make_event, settle):
    organisation, deby, martin, anna = herenbos
    event = make_event(places=1)
    deby_client, martin_client, anna_client = logged_in(app, deby), logged_in(app, martin), logged_in(app, anna)
    page = f"/cursussen/evenement/{event.id}/inschrijven"
    first = deby_client.get(page).get_data(as_text=True)
    assert ">Inschrijven</button>" in first and "wachtlijst</button>" not in first
    assert deby_client.post(page, data={}).status_code == 303

    full = martin_client.get(page).get_data(as_text=True)
    assert 'name="waiting_list" value="y"' in full and ">Inschrijven op de wachtlijst</button>" in full
    assert ">Inschrijven</button>" not in full and 'type="checkbox"' not in full
    # What the button sends: a place on the waiting list, without ticking anything.
    martin_confirmation = martin_client.post(page, data={"waiting_list": "y"})
    anna_confirmation = anna_client.post(page, data={"waiting_list": "y"})
    assert "Martin Sommer staat op de wachtlijst, op plaats 1." in martin_client.get(
        martin_confirmation.headers["Location"]
    ).get_data(as_text=True)
    assert "Anna Aalders staat op de wachtlijst, op plaats 2." in anna_client.get(
        anna_confirmation.headers["Location"]
    ).get_data(as_text=True)
    assert "Wachtlijst (plaats 2)" in anna_client.get("/mijn-onderwijsgroep/cursussen").get_data(as_text=True)

    # The enrolment page says at once that one is enrolled or waiting, and offers no second enrolment.
    again = martin_client.get(page).get_data(as_text=True)
    assert "Martin Sommer staat al op de wachtlijst voor dit evenement (plaats 1)." in again
    assert "<button" not in again.split("<main", 1)[1].split("</main>", 1)[0]
    assert "Deby Rummens - Heijnen staat al ingeschreven voor dit evenement." in deby_client.get(page).get_data(
        as_text=True
    )
    admin = logged_in(app, deby, organisation.id)
    chosen = admin.get(f"{page}?deelnemer={anna.id}").get_data(as_text=True)
    assert "Anna Aalders staat al op de wachtlijst voor dit evenement (plaats 2)." in chosen

    # Deby gives up her place: Martin gets it, Anna moves up.
    deby_place = db.session.execute(select(Enrollment).where(Enrollment.participant_id == deby.id)).scalar_one()
    assert deby_client.post(f"/cursussen/inschrijving/{deby_place.id}/afmelden").status_code == 303
    settle()
    assert "Wachtlijst (plaats 1)" in anna_client.get("/mijn-onderwijsgroep/cursussen").get_data(as_text=True)


def test_afmelden_asks_first_and_works_without_javascript(app, herenbos, make_event):
    organisation, deby, martin, _ = herenbos
    event = make_event()
    martin_client = logged_in(app, martin)
    assert martin_client.post(f"/cursussen/evenement/{event.id}/inschrijven", data={}).status_code == 303
    enrollment = db.session.execute(select(Enrollment)).scalar_one()
    confirm_url = f"/cursussen/inschrijving/{enrollment.id}/afmelden"

    mine = martin_client.get("/mijn-onderwijsgroep/cursussen").get_data(as_text=True)
    assert f'href="{confirm_url}"' in mine and f'action="{confirm_url}"' not in mine  # a link to a question, no post
    question = martin_client.get(confirm_url)
    text = question.get_data(as_text=True)
    assert question.status_code == 200 and status_of(enrollment.id) == "enrolled"  # asking changes nothing
    assert f"Weet u zeker dat u zich wilt afmelden voor {event.name}?" in text
    assert f'<form method="post" action="{confirm_url}?terug=mijn"' in text and ">Ja, afmelden</button>" in text
    assert '<a href="/mijn-onderwijsgroep/cursussen">Annuleren</a>' in text
    assert "Kosteloos annuleren tot 14 dagen voor aanvang." in text  # the rules that apply

    done = martin_client.post(f"{confirm_url}?terug=mijn")
    assert done.status_code == 303 and done.headers["Location"] == "/mijn-onderwijsgroep/cursussen"
    assert status_of(enrollment.id) == "cancelled"
    assert "Deze inschrijving is al geannuleerd." in martin_client.get(confirm_url).get_data(as_text=True)


def test_an_admin_cancels_a_colleague_after_a_question_and_returns_to_the_organisation(app, herenbos, make_event):
    organisation, deby, martin, _ = herenbos
    event = make_event()
    admin = logged_in(app, deby, organisation.id)
    page = f"/cursussen/evenement/{event.id}/inschrijven"
    assert admin.post(page, data={"participant_id": str(martin.id)}).status_code == 303
    enrollment = db.session.execute(select(Enrollment)).scalar_one()
    confirm_url = f"/cursussen/inschrijving/{enrollment.id}/afmelden"
    overview = admin.get("/mijn-onderwijsgroep/cursussen/organisatie").get_data(as_text=True)
    assert f'href="{confirm_url}?terug=organisatie"' in overview
    text = admin.get(f"{confirm_url}?terug=organisatie").get_data(as_text=True)
    assert f"Weet u zeker dat u Martin Sommer wilt afmelden voor {event.name}?" in text
    assert f'<form method="post" action="{confirm_url}?terug=organisatie"' in text
    assert "wordt gecrediteerd met een creditfactuur" in text
    done = admin.post(f"{confirm_url}?terug=organisatie")
    assert done.headers["Location"] == "/mijn-onderwijsgroep/cursussen/organisatie"
    assert status_of(enrollment.id) == "cancelled"


def test_facturen_says_who_may_see_the_organisations_invoices(app, factory, herenbos, make_event):
    organisation, deby, martin, anna = herenbos
    fien = factory.user("fien@herenbos.example", first_name="Fien", last_name="Financiën")
    factory.member(fien, organisation, role="contact", services=("courses",))
    event = make_event()
    admin = logged_in(app, deby, organisation.id)
    for person in (martin, anna):
        admin.post(f"/cursussen/evenement/{event.id}/inschrijven", data={"participant_id": str(person.id)})
    assert admin.get("/mijn-onderwijsgroep/facturen").get_data(as_text=True).count("(PDF)") == 2

    employee = logged_in(app, martin, organisation.id)
    page = employee.get("/mijn-onderwijsgroep/facturen").get_data(as_text=True)
    assert "Er zijn geen facturen" not in page
    assert "U kunt de facturen van Herenbos Schagen niet inzien" in page
    assert "Fien Financiën, Deby Rummens - Heijnen" in page  # the mandate holder and the admin
    assert "Martin Sommer" not in page.split("<main", 1)[1]
    # Fien, with the mandate, sees them.
    assert (
        logged_in(app, fien, organisation.id).get("/mijn-onderwijsgroep/facturen").get_data(as_text=True).count("(PDF)")
        == 2
    )


def test_agenda_keeps_dates_and_prices_on_one_line(client, make_event):
    event = make_event(price_cents=29500)
    page = client.get("/cursusagenda").get_data(as_text=True)
    row = page.split(event.name, 1)[0].rsplit("<tr>", 1)[1] + page.split(event.name, 1)[1].split("</tr>", 1)[0]
    assert re.search(r'<td class="nowrap">\d\d-\d\d-\d{4}</td>', row)
    assert re.search(r'<td class="nowrap">€\s?295,00</td>', row)


def test_facturen_shows_each_invoices_due_date_on_one_line(app, herenbos, make_event):
    from webapp.core.timeutil import today_local

    organisation, deby, martin, anna = herenbos
    event = make_event()
    admin = logged_in(app, deby, organisation.id)
    admin.post(f"/cursussen/evenement/{event.id}/inschrijven", data={"participant_id": str(martin.id)})
    page = admin.get("/mijn-onderwijsgroep/facturen").get_data(as_text=True)
    due = (today_local() + timedelta(days=app.config["INVOICE_PAYMENT_DAYS"])).strftime("%d-%m-%Y")
    assert '<th scope="col">Vervaldatum</th>' in page
    assert f'<td class="nowrap">{due}</td>' in page
