"""Input an attacker or a slip of the keyboard sends to the courses pages: a clear Dutch 400 (a 404 where the
answer would say whether someone exists), never a 500, and nothing stored."""

import io

import pytest
from sqlalchemy import func, select

from tests.factories import login
from webapp.courses.models import Course, Enrollment, Event, Message
from webapp.extensions import db


def count(model):
    return db.session.execute(select(func.count(model.id))).scalar_one()


def main_content(response) -> str:
    return response.get_data(as_text=True).split("<main", 1)[1].split("</main>", 1)[0]


@pytest.fixture
def roc(factory):
    organisation = factory.organisation("ROC Kop van Noord-Holland")
    admin = factory.user("beheerder@roc.example", first_name="Rita", last_name="Roc")
    colleague = factory.user("docent@roc.example", first_name="Dirk", last_name="Docent")
    factory.member(admin, organisation, role="admin")
    factory.member(colleague, organisation, role="employee")
    outsider = factory.user("jan.visser@example.nl", first_name="Jan", last_name="Visser")
    return organisation, admin, colleague, outsider


@pytest.fixture
def staff(app, factory):
    client = app.test_client()
    login(client, factory.user("beheer@loket.example", is_staff=True).email)
    return client


def test_admin_enrol_page_names_only_the_organisations_persons(app, roc, make_event):
    organisation, admin, colleague, outsider = roc
    event = make_event()
    client = app.test_client()
    login(client, admin.email, organisation=organisation.id)
    page = f"/cursussen/evenement/{event.id}/inschrijven"
    chosen = client.get(f"{page}?deelnemer={colleague.id}")
    assert chosen.status_code == 200 and "ROC Kop van Noord-Holland - Dirk Docent" in chosen.get_data(as_text=True)
    # A user with no tie to ROC and an id that belongs to nobody give the same 404: nothing says who exists.
    missing_id = outsider.id + 1000
    no_tie, missing = client.get(f"{page}?deelnemer={outsider.id}"), client.get(f"{page}?deelnemer={missing_id}")
    assert no_tie.status_code == missing.status_code == 404
    assert main_content(no_tie) == main_content(missing) and "Pagina niet gevonden" in main_content(missing)
    assert "Visser" not in no_tie.get_data(as_text=True)


@pytest.mark.parametrize("value", ["²", "2147483648", "abc", "-1", "99999999999999999999"])
def test_admin_enrol_page_refuses_a_malformed_participant(app, roc, make_event, value):
    organisation, admin, _, _ = roc
    event = make_event()
    client = app.test_client()
    login(client, admin.email, organisation=organisation.id)
    response = client.get(f"/cursussen/evenement/{event.id}/inschrijven", query_string={"deelnemer": value})
    assert response.status_code == 400
    assert "Deze deelnemer bestaat niet" in response.get_data(as_text=True)


def test_admin_person_search_refuses_a_nul(app, roc, make_event):
    organisation, admin, _, _ = roc
    event = make_event()
    client = app.test_client()
    login(client, admin.email, organisation=organisation.id)
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(
            f"/cursussen/evenement/{event.id}/inschrijven",
            query_string={"deelnemer": "0", "zoek": "Do\x00"},
            headers=headers,
        )
        assert response.status_code == 400
        assert "De zoekterm bevat een ongeldig teken." in response.get_data(as_text=True)


@pytest.mark.parametrize("value", ["²", "99999999999999999999", "2147483648", "abc"])
def test_enrol_post_with_a_malformed_participant_stores_nothing(app, roc, make_event, value):
    organisation, admin, _, outsider = roc
    event = make_event()
    for user, acting_for in ((outsider, "person"), (admin, organisation.id)):
        client = app.test_client()
        login(client, user.email, organisation=acting_for)
        response = client.post(f"/cursussen/evenement/{event.id}/inschrijven", data={"participant_id": value})
        assert response.status_code == 400
        assert "Kies de deelnemer opnieuw" in response.get_data(as_text=True)
    assert count(Enrollment) == 0


def test_agenda_refuses_a_page_that_is_no_number(client, make_event):
    make_event()
    response = client.get("/cursusagenda?pagina=%C2%B2")
    assert response.status_code == 400 and "Deze pagina van de cursusagenda bestaat niet" in response.get_data(
        as_text=True
    )
    assert client.get("/cursusagenda?pagina=2").status_code == 200


@pytest.mark.parametrize("price", ["Infinity", "-Infinity", "NaN", "1e309", "99999999999999999999", "100000.01"])
def test_event_price_out_of_range_is_refused(staff, make_event, price):
    event = make_event()
    before = count(Event)
    form = {
        "name": "Nieuwe datum",
        "starts_on": "2030-01-02",
        "location": "Incompany",
        "price": price,
        "vat_rate": "21",
        "places": "5",
    }
    created = staff.post(
        f"/beheer/cursussen/{event.course_id}", data={"action": "event", **{f"event-{k}": v for k, v in form.items()}}
    )
    assert created.status_code == 400
    assert "Vul een prijs in van 0 tot en met 100.000 euro." in created.get_data(as_text=True)
    assert count(Event) == before
    changed = staff.post(f"/beheer/cursussen/evenementen/{event.id}", data=form)
    assert changed.status_code == 400
    assert "Vul een prijs in van 0 tot en met 100.000 euro." in changed.get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.get(Event, event.id)
    assert (stored.name, stored.price_cents) == ("LV Optimaal bespuiten (VT)", 25000)


@pytest.mark.parametrize("subject", ["Uw certificaat\r\nBcc: iedereen@example.nl", "Regel\neen", "Regel\rtwee"])
def test_staff_message_subject_with_a_line_break_is_refused(staff, roc, outbox, subject):
    response = staff.post(
        "/beheer/cursussen/bericht",
        data={"to": "person", "person_email": "jan.visser@example.nl", "subject": subject, "body": "Tekst"},
    )
    assert response.status_code == 400
    assert "Het onderwerp mag geen regelovergang bevatten." in response.get_data(as_text=True)
    assert count(Message) == 0 and not outbox.to("jan.visser@example.nl")


@pytest.mark.parametrize("action", [None, "", "verwijderen"])
def test_course_page_post_without_a_known_action_is_refused(staff, make_event, action):
    """The course page has two forms, told apart by their hidden `action`: a post with neither is refused."""
    event = make_event()
    before = count(Event)
    form = {"name": "Andere naam", "category_id": "0", "custom_for_id": "0"}
    form.update(
        {"event-name": "Nieuwe datum", "event-starts_on": "2030-01-02", "event-price": "10", "event-places": "5"}
    )
    response = staff.post(
        f"/beheer/cursussen/{event.course_id}", data=form if action is None else {**form, "action": action}
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Het formulier is niet geldig. Probeer het opnieuw." in body and "Nieuw evenement" in body
    db.session.expire_all()
    assert db.session.get(Course, event.course_id).name == "Licentieverlenging Gewasbescherming"
    assert count(Event) == before


@pytest.mark.parametrize(
    "name, message",
    [("vat_rate", "Nummer moet tussen 0 en 100 liggen."), ("places", "Nummer moet tussen 1 en 10000 liggen.")],
)
@pytest.mark.parametrize("value", ["9" * 400, "101000", "-99999999999999999999999"])
def test_event_number_far_out_of_range_is_refused(staff, make_event, name, message, value):
    event = make_event()
    before = count(Event)
    form = {"name": "Nieuwe datum", "starts_on": "2030-01-02", "price": "10", "vat_rate": "21", "places": "5"}
    form[name] = value
    created = staff.post(
        f"/beheer/cursussen/{event.course_id}", data={"action": "event", **{f"event-{k}": v for k, v in form.items()}}
    )
    assert created.status_code == 400 and message in created.get_data(as_text=True)
    assert count(Event) == before
    changed = staff.post(f"/beheer/cursussen/evenementen/{event.id}", data=form)
    assert changed.status_code == 400 and message in changed.get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.get(Event, event.id)
    assert (stored.name, stored.vat_rate, stored.places) == ("LV Optimaal bespuiten (VT)", 21, 10)


def test_staff_message_attachment_with_a_very_long_name_is_sent_shortened(staff, roc, outbox):
    """A filename longer than the archive keeps (200 characters) is shortened, its extension kept."""
    long_name = "certificaat-" + "x" * 300 + ".pdf"
    response = staff.post(
        "/beheer/cursussen/bericht",
        content_type="multipart/form-data",
        data={
            "to": "person",
            "person_email": "jan.visser@example.nl",
            "subject": "Uw certificaat",
            "body": "Zie de bijlage.",
            "attachments": [(io.BytesIO(b"%PDF-1.4"), long_name)],
        },
    )
    assert response.status_code == 303
    [attachment] = db.session.execute(select(Message)).scalar_one().attachments
    assert len(attachment.filename) == 200 and attachment.filename.startswith("certificaat-xxx")
    assert attachment.filename.endswith(".pdf") and attachment.mimetype == "application/pdf"
    [mail] = outbox.to("jan.visser@example.nl")
    assert [part.get_filename() for part in mail.iter_attachments()] == [attachment.filename]
