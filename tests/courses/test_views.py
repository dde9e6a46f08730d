"""The pages over HTTP: catalogue, enrolment (tampered forms too), Mijn Onderwijsgroep, 404s."""

import pytest
from sqlalchemy import func, select

from tests.factories import login
from webapp.courses.models import Enrollment
from webapp.extensions import db


@pytest.fixture
def herenbos(factory):
    organisation = factory.organisation("Herenbos Schagen", street="Herenweg", house_number="12", city="Schagen")
    deby = factory.user("deby@herenbos.example", first_name="Deby", last_name="Rummens - Heijnen")
    martin = factory.user("martin@herenbos.example", first_name="Martin", last_name="Sommer")
    factory.member(deby, organisation, role="admin")
    factory.member(martin, organisation, role="employee")
    return organisation, deby, martin


def enrolments():
    return db.session.execute(select(func.count(Enrollment.id))).scalar_one()


def test_public_agenda_and_course_page(client, make_event):
    event = make_event()
    page = client.get("/cursusagenda").get_data(as_text=True)
    assert "LV Optimaal bespuiten (VT)" in page and "Beschikbare plaatsen" in page
    course = client.get(f"/cursussen/{event.course_id}").get_data(as_text=True)
    assert "Agro &amp; Groen" in course and "Licentieverlengingen Gewasbescherming" in course
    # Enrolling needs a login.
    assert client.get(f"/cursussen/evenement/{event.id}/inschrijven").status_code == 302


def test_admin_enrols_a_colleague_and_tampering_changes_nothing(client, herenbos, factory, outbox, make_event):
    organisation, deby, martin = herenbos
    outsider = factory.user("olga@elders.example")
    event = make_event()
    login(client, deby.email, organisation=organisation.id)
    page = client.get(f"/cursussen/evenement/{event.id}/inschrijven").get_data(as_text=True)
    assert (
        "Herenbos Schagen - Deby Rummens - Heijnen" in page and "Verwijder Deby Rummens - Heijnen als deelnemer" in page
    )
    search = client.get(f"/cursussen/evenement/{event.id}/inschrijven?deelnemer=0&zoek=somm").get_data(as_text=True)
    assert "Martin Sommer" in search and "Deby" not in search.split('id="person-results"')[1]
    fragment = client.get(
        f"/cursussen/evenement/{event.id}/inschrijven?deelnemer=0&zoek=somm", headers={"HX-Request": "true"}
    )
    assert "Martin Sommer" in fragment.get_data(as_text=True) and "<html" not in fragment.get_data(as_text=True)
    # Tampered: an outsider, a non-number, a digit that is not a number, a number beyond any id.
    for bad in (str(outsider.id), "abc", "²", "9" * 30):
        response = client.post(f"/cursussen/evenement/{event.id}/inschrijven", data={"participant_id": bad})
        assert response.status_code == 400
        page = client.get(f"/cursussen/evenement/{event.id}/inschrijven?deelnemer={bad}")
        # an outsider is nobody here (404); what is no id at all is refused (400): never the outsider's name
        assert page.status_code == (404 if bad == str(outsider.id) else 400)
        assert outsider.full_name not in page.get_data(as_text=True)
    assert enrolments() == 0
    response = client.post(
        f"/cursussen/evenement/{event.id}/inschrijven",
        data={"participant_id": str(martin.id), "debtor_reference": "PO-1"},
    )
    assert response.status_code == 303
    confirmation = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Herenbos Schagen - Martin Sommer" in confirmation and "Nog iemand inschrijven" in confirmation
    assert outbox.to(martin.email)
    invoices = client.get("/mijn-onderwijsgroep/facturen").get_data(as_text=True)
    assert "PO-1" in invoices
    overview = client.get("/mijn-onderwijsgroep/cursussen/organisatie").get_data(as_text=True)
    assert "Martin Sommer" in overview


def test_person_enrols_sees_courses_invoice_pdf_and_archive_others_404(client, herenbos, factory, make_event, settle):
    _, deby, martin = herenbos
    event = make_event()
    past = make_event(days=-10, name="Voorbij")
    login(client, martin.email, organisation="person")
    assert client.post(f"/cursussen/evenement/{past.id}/inschrijven", data={}).status_code == 400
    response = client.post(f"/cursussen/evenement/{event.id}/inschrijven", data={})
    assert response.status_code == 303
    mine = client.get("/mijn-onderwijsgroep/cursussen").get_data(as_text=True)
    assert "LV Optimaal bespuiten (VT)" in mine and "Bevestiging verzonden" in mine
    assert "Inschrijven cursussen organisatie" not in mine
    assert client.get("/mijn-onderwijsgroep/cursussen/organisatie").status_code in (302, 404)
    enrollment = db.session.execute(select(Enrollment)).scalar_one()
    pdf = client.get(f"/mijn-onderwijsgroep/facturen/{enrollment.invoice_id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    settle()  # the confirmation is mailed and archived by a job after the commit
    archive = client.get("/mijn-onderwijsgroep/dossier").get_data(as_text=True)
    assert "Bevestiging inschrijving" in archive
    client.post("/uitloggen")
    login(client, deby.email, organisation="person")
    assert client.get(f"/mijn-onderwijsgroep/facturen/{enrollment.invoice_id}.pdf").status_code == 404
    assert client.get("/mijn-onderwijsgroep/dossier/1").status_code == 404
    assert "Verwijder" not in client.get(f"/cursussen/evenement/{event.id}/inschrijven").get_data(as_text=True)


def test_staff_backoffice(client, factory, herenbos, make_event):
    staff = factory.user("beheer@loket.example", is_staff=True)
    event = make_event()
    login(client, herenbos[1].email, organisation="person")
    assert client.get("/beheer/cursussen").status_code == 404
    client.post("/uitloggen")
    login(client, staff.email)
    assert "Licentieverlenging Gewasbescherming" in client.get("/beheer/cursussen").get_data(as_text=True)
    response = client.post(
        f"/beheer/cursussen/{event.course_id}",
        data={
            "action": "event",
            "event-name": "Nieuwe datum",
            "event-starts_on": "2030-01-02",
            "event-location": "Incompany",
            "event-price": "100.00",
            "event-vat_rate": "21",
            "event-places": "5",
        },
    )
    assert response.status_code == 303
    assert "Nieuwe datum" in client.get(f"/beheer/cursussen/{event.course_id}").get_data(as_text=True)
    assert client.get(f"/beheer/cursussen/evenementen/{event.id}").status_code == 200
    assert client.get("/beheer/cursussen/facturen").status_code == 200


def test_full_event_waiting_list_and_cancellation_over_http(app, herenbos, factory, outbox, make_event, settle):
    _, deby, martin = herenbos
    event = make_event(places=1)
    login(client := app.test_client(), deby.email, organisation="person")
    assert client.post(f"/cursussen/evenement/{event.id}/inschrijven", data={}).status_code == 303
    first = db.session.execute(select(Enrollment)).scalar_one()
    other = app.test_client()
    login(other, martin.email, organisation="person")
    refused = other.post(f"/cursussen/evenement/{event.id}/inschrijven", data={})
    assert refused.status_code == 400 and "vol" in refused.get_data(as_text=True)
    assert enrolments() == 1
    waiting = other.post(f"/cursussen/evenement/{event.id}/inschrijven", data={"waiting_list": "y"})
    assert "wachtlijst" in other.get(waiting.headers["Location"]).get_data(as_text=True)
    settle()  # Martin has his waiting-list mail before a place comes free
    # Martin cannot cancel Deby's place; Deby can, and Martin gets it.
    assert other.post(f"/cursussen/inschrijving/{first.id}/afmelden").status_code == 404
    assert client.post(f"/cursussen/inschrijving/{first.id}/afmelden").status_code == 303
    assert "vrijgekomen" in outbox.to(martin.email)[-1]["Subject"]
    assert "Ingeschreven" in other.get("/mijn-onderwijsgroep/cursussen").get_data(as_text=True)
