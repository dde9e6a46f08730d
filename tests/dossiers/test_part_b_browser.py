"""Part B in headless Chromium: the mentor opens part B of Roos's dossier, fills Begeleiding and OPP en nader contact
field by field (each field saving itself; the OPP contact becomes required when the answer is ja), reloads and finds
the answers, fills the rest, gives their approval and sends part B to Roos, who receives the signal mail on the SMTP
server; and once with JavaScript disabled: the student part started early from the student's page, a section saved
with "Opslaan en sluiten" (a bad e-mail address answered with its message), part B sent. The pages pass axe and fit
at 1024 and 390 px."""

import pytest

from tests.browser.fixtures import assert_accessible, assert_accessible_and_fits
from tests.dossiers import support
from tests.factories import PASSWORD, Factory
from webapp.dossiers import formdef, history, part_b
from webapp.dossiers.models import Dossier
from webapp.extensions import db

pytestmark = pytest.mark.browser


@pytest.fixture
def dossier_id(live_server):
    """Roos's dossier for Juridisch secretaresse, part A sent to Anja (mentor of 4a), who has started part B."""
    app = live_server.app
    with app.app_context():
        factory = Factory(app)
        _school, mentor, pupil = support.roos_in_4a(factory)
        programme = support.college(factory, "MBO Utrecht").programmes[0]
        dossier = support.dossier(pupil, programme, state="sent_to_mentor")
        history.take(dossier, "start_part_b", mentor)
        db.session.commit()
        dossier_id = dossier.id
        db.session.remove()
    return dossier_id


def log_in(page, base):
    page.goto(f"{base}/inloggen")
    page.get_by_label("Gebruikersnaam (e-mailadres)").fill("mentor4a@debrug.example")
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    if "organisatie-kiezen" in page.url:
        page.get_by_label("Vakcollege De Brug", exact=True).check()
        page.get_by_role("button", name="OK").click()
    page.locator(".acting-banner").wait_for()


def autosaved(page, field_key, action):
    """Do `action` and wait for the field's autosave to come back."""
    with page.expect_response(lambda response: response.url.endswith(f"/veld/{field_key}")) as saved:
        action()
    assert saved.value.status == 200


def fill_inschatting(app, dossier_id):
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        sheet = part_b.Sheet(dossier.student, dossier)
        section = formdef.PART_B.section("inschatting-en-advies")
        part_b.save_section(sheet, section, {field.key: "Een inschatting." for field in section.fields})
        db.session.commit()
        db.session.remove()


def test_a_mentor_fills_part_b_with_autosave_and_sends_it_to_the_student(live_server, dossier_id, page, smtp):
    base = live_server.url
    log_in(page, base)
    overview = f"{base}/doorstroomdossier/school/dossiers/{dossier_id}/deel-b"
    page.goto(overview)
    assert "Leerling-specifiek" in page.content() and "Juridisch secretaresse" in page.content()
    assert_accessible_and_fits(page)
    page.get_by_role("link", name="Begeleiding").click()
    assert_accessible_and_fits(page)
    begeleiding = formdef.PART_B.section("begeleiding")
    for number, field in enumerate(f for f in begeleiding.fields if f.kind == "choice"):
        answer = page.locator(f"#veld-{field.key}-2")  # nee
        autosaved(page, field.key, answer.check)
        if number == 0:
            page.reload()  # what was saved is there after a reload
            assert page.locator(f"#veld-{field.key}-2").is_checked()
    assert "Klaar (100%)" in page.locator("#section-progress").inner_text()

    page.goto(overview)
    page.get_by_role("link", name="OPP en nader contact").click()
    autosaved(page, "b_opp", lambda: page.locator("#veld-b_opp-1").check())  # ja: the contact is asked now
    assert "Bezig (20%)" in page.locator("#section-progress").inner_text()
    for label, key, value in (
        ("Contactpersoon", "b_opp_contactpersoon", "Els Zorg"),
        ("E-mailadres", "b_opp_email", "els@debrug.example"),
    ):
        field = page.get_by_label(label)
        autosaved(page, key, lambda field=field, value=value: (field.fill(value), field.press("Tab")))
    phone = page.get_by_label("Telefoonnummer zonder landnummer")
    autosaved(page, "b_opp_telefoon", lambda: (phone.fill("0301234567"), phone.press("Tab")))
    autosaved(page, "b_nader_contact", lambda: page.locator("#veld-b_nader_contact-2").check())
    assert "Klaar (100%)" in page.locator("#section-progress").inner_text()
    assert_accessible_and_fits(page)
    page.reload()
    assert page.get_by_label("Contactpersoon").input_value() == "Els Zorg"

    fill_inschatting(live_server.app, dossier_id)
    page.goto(overview)
    assert "Deel B totaal: 100% ingevuld" in page.content()
    page.get_by_role("link", name="Opsturen naar leerling").click()
    assert_accessible_and_fits(page)
    assert "Els Zorg" in page.content()
    page.get_by_label("Ik ga akkoord met deel B").check()
    page.get_by_role("button", name="Opsturen naar leerling").click()
    page.wait_for_url("**/deel-b")
    assert "Deel B is opgestuurd naar Roos de Winter" in page.content()
    assert_accessible_and_fits(page)
    mail = smtp.wait_for(to="r.dewinter@leerling.example", subject="Deel B van je Digitaal Doorstroomdossier")
    assert "Start de akkoordverklaring" in mail.get_body(preferencelist=("plain",)).get_content()
    page.get_by_role("link", name="OPP en nader contact").click()
    assert page.locator("[name=b_opp_contactpersoon]").count() == 0 and "Els Zorg" in page.content()


def test_without_javascript_the_student_part_is_started_early_and_part_b_sent(live_server, dossier_id, page_without_js):
    page = page_without_js
    base = live_server.url
    log_in(page, base)
    with live_server.app.app_context():
        student_id = db.session.get(Dossier, dossier_id).student_id
        db.session.remove()
    page.goto(f"{base}/doorstroomdossier/school/leerlingen/{student_id}")
    page.get_by_role("link", name="Deel B alvast invullen").click()
    assert "Inschatting en advies" not in page.content()  # the dossier part waits for a dossier in part B
    assert_accessible(page)
    page.get_by_role("link", name="Begeleiding").click()
    begeleiding = formdef.PART_B.section("begeleiding")
    for field in begeleiding.fields:
        if field.kind == "choice":
            page.locator(f"#veld-{field.key}-2").check()
    page.get_by_role("button", name="Opslaan en sluiten").click()
    page.wait_for_url(f"**/leerlingen/{student_id}/deel-b")
    assert "Begeleiding is opgeslagen." in page.content() and "Klaar (100%)" in page.content()
    assert_accessible(page)

    page.goto(f"{base}/doorstroomdossier/school/dossiers/{dossier_id}/deel-b/opp-en-nader-contact")
    page.locator("#veld-b_opp-1").check()
    page.locator("#veld-b_nader_contact-1").check()
    page.get_by_label("Contactpersoon").fill("Els Zorg")
    page.get_by_label("E-mailadres").fill("geen adres")
    page.get_by_role("button", name="Opslaan en sluiten").click()
    assert "Er is een probleem" in page.content() and "Vul een geldig e-mailadres in." in page.content()
    assert_accessible(page)
    page.get_by_label("E-mailadres").fill("els@debrug.example")
    page.get_by_label("Telefoonnummer zonder landnummer").fill("0301234567")
    page.get_by_role("button", name="Opslaan en sluiten").click()
    page.wait_for_url(f"**/dossiers/{dossier_id}/deel-b")
    assert "OPP en nader contact is opgeslagen." in page.content()

    fill_inschatting(live_server.app, dossier_id)
    page.reload()
    assert page.content().count("Klaar (100%)") == len(formdef.PART_B_SECTIONS)  # the student part was there
    page.get_by_role("link", name="Opsturen naar leerling").click()
    page.get_by_label("Ik ga akkoord met deel B").check()
    page.get_by_role("button", name="Opsturen naar leerling").click()
    page.wait_for_url(f"**/dossiers/{dossier_id}/deel-b")
    assert "Deel B is opgestuurd naar Roos de Winter" in page.content()
    assert_accessible(page)
