"""Part A in headless Chromium: a student fills Persoonlijke gegevens field by field, each field saving itself as
she leaves it, reloads between fields and finds her answers, reaches 100%, checks her answers and sends part A to
her class's mentor, who receives the signal mail on the SMTP server; and once with JavaScript disabled, a section
saved with "Opslaan en sluiten". The pages pass axe and fit at 1024 and 390 px."""

from datetime import timedelta

import pytest

from tests.browser.fixtures import assert_accessible, assert_accessible_and_fits
from tests.dossiers import support
from tests.dossiers.test_part_a import valid_post
from tests.factories import PASSWORD, Factory
from webapp.dossiers import formdef, part_a
from webapp.dossiers.models import Dossier
from webapp.extensions import db

pytestmark = pytest.mark.browser


@pytest.fixture
def roos(live_server):
    """Roos with an account, in class 4a whose mentor is Anja; her dossier for Juridisch secretaresse in part A."""
    app = live_server.app
    with app.app_context():
        factory = Factory(app)
        _school, _mentor, pupil = support.roos_in_4a(factory)
        programme = support.college(factory, "MBO Utrecht").programmes[0]
        dossier_id = support.dossier(pupil, programme).id
        db.session.remove()
    return dossier_id


def log_in(page, base):
    page.goto(f"{base}/inloggen")
    page.get_by_label("Gebruikersnaam (e-mailadres)").fill("r.dewinter@leerling.example")
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.locator(".acting-banner").wait_for()


def fill_the_other_sections(app, dossier_id):
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        for section in formdef.SECTIONS[1:]:
            part_a.save_section(dossier, section, valid_post(section))
        db.session.commit()
        db.session.remove()


def autosaved(page, field_key, action):
    """Do `action` and wait for the field's autosave to come back."""
    with page.expect_response(lambda response: response.url.endswith(f"/veld/{field_key}")) as saved:
        action()
    assert saved.value.status == 200


def test_a_student_fills_part_a_with_autosave_and_sends_it_to_her_mentor(live_server, roos, page, smtp):
    base = live_server.url
    log_in(page, base)
    page.goto(f"{base}/doorstroomdossier/dossier/{roos}")
    assert "Juridisch secretaresse" in page.content()
    assert_accessible_and_fits(page)
    page.get_by_role("link", name="Persoonlijke gegevens").click()
    assert_accessible_and_fits(page)

    typed = {
        "Roepnaam": "Roos",
        "Voornamen": "Roos Maria",
        "Voorletters": "R.M.",
        "Achternaam": "Winter",
    }
    for label, value in typed.items():
        field = page.get_by_label(label, exact=True)
        autosaved(page, label.lower(), lambda field=field, value=value: (field.fill(value), field.press("Tab")))
        page.reload()  # what was saved is there after a reload
        assert page.get_by_label(label, exact=True).input_value() == value
    autosaved(page, "geslacht", lambda: page.get_by_label("vrouw", exact=True).check())
    phone = page.get_by_label("Telefoonnummer zonder landnummer")
    autosaved(page, "telefoonnummer", lambda: (phone.fill("0612345678"), phone.press("Tab")))
    autosaved(page, "telefoonnummer_geheim", lambda: page.locator("#veld-telefoonnummer_geheim-2").check())
    assert "Klaar (100%)" in page.locator("#section-progress").inner_text()  # the out-of-band progress
    page.reload()
    assert page.get_by_label("vrouw", exact=True).is_checked()
    assert page.get_by_label("Telefoonnummer zonder landnummer").input_value() == "612345678"

    autosaved(page, "telefoonnummer", lambda: (phone.fill("12ab"), phone.press("Tab")))  # a bad one: its message
    assert "Vul een geldig telefoonnummer in" in page.locator("#veld-telefoonnummer-wrapper").inner_text()
    assert "Klaar (100%)" in page.locator("#section-progress").inner_text()  # nothing stored for the bad one
    autosaved(page, "telefoonnummer", lambda: (phone.fill("0612345678"), phone.press("Tab")))
    assert "Klaar (100%)" in page.locator("#section-progress").inner_text()

    fill_the_other_sections(live_server.app, roos)
    page.goto(f"{base}/doorstroomdossier/dossier/{roos}")
    assert page.content().count("Klaar (100%)") == len(formdef.SECTIONS)
    page.get_by_role("link", name="Antwoorden controleren").click()
    assert_accessible_and_fits(page)
    assert "de Winter" in page.content() and page.get_by_role("link", name="Wijzigen").count() == len(formdef.SECTIONS)
    page.get_by_label("Anja de Vries (mentor)").check()
    page.get_by_role("button", name="Versturen naar mentor").click()
    page.wait_for_url(f"**/doorstroomdossier/dossier/{roos}")
    assert "Deel A is verstuurd naar Anja de Vries" in page.content()
    mail = smtp.wait_for(to="mentor4a@debrug.example", subject="Deel A van Roos de Winter")
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Juridisch secretaresse" in body and f"{base}/doorstroomdossier/" in body
    page.get_by_role("link", name="Persoonlijke gegevens").click()
    assert page.locator("[name=roepnaam]").count() == 0 and "Roos Maria" in page.content()


def test_a_section_saved_without_javascript(live_server, roos, page_without_js):
    page = page_without_js
    base = live_server.url
    log_in(page, base)
    page.goto(f"{base}/doorstroomdossier/dossier/{roos}/deel-a/motivatie")
    page.get_by_label("Waarom kies je deze opleiding?").fill("Ik wil advocaat worden.")
    page.get_by_label("Welk beroep wil je later uitoefenen?").fill("")
    page.get_by_role("button", name="Opslaan en sluiten").click()
    assert "Welk beroep" not in page.locator("#flashes").inner_text()
    page.wait_for_url(f"**/doorstroomdossier/dossier/{roos}")
    assert "Motivatie is opgeslagen." in page.content() and "Bezig (50%)" in page.content()
    assert_accessible(page)
    page.get_by_role("link", name="Motivatie").click()
    assert page.get_by_label("Waarom kies je deze opleiding?").input_value() == "Ik wil advocaat worden."
    assert_accessible(page)


def test_the_session_warning_keeps_the_student_logged_in_and_an_ended_session_loses_no_answer(live_server, roos, page):
    """A short session (24 s): the warning shows some seconds before its end and "Blijf ingelogd" extends it; then,
    after the session has ended, leaving a field posts the section through the login and the answer is saved."""
    live_server.app.config["SESSION_IDLE"] = timedelta(seconds=24)
    base = live_server.url
    log_in(page, base)
    page.goto(f"{base}/doorstroomdossier/dossier/{roos}/deel-a/motivatie")
    warning = page.locator("#session-warning")
    warning.wait_for(state="visible", timeout=30_000)
    assert "Je wordt bijna uitgelogd" in warning.inner_text()
    page.get_by_role("button", name="Blijf ingelogd").click()
    warning.wait_for(state="hidden")
    assert page.locator("#session-message").inner_text() == "Je blijft ingelogd."

    reason = page.get_by_label("Waarom kies je deze opleiding?")
    reason.fill("Omdat ik van recht houd.")  # typed, not yet left: then the session ends
    page.get_by_text("Je sessie is verlopen").wait_for(timeout=40_000)
    reason.press("Tab")  # the autosave hears 401; the page posts the section, the portal asks to log in
    page.wait_for_url("**/inloggen?**")
    page.get_by_label("Gebruikersnaam (e-mailadres)").fill("r.dewinter@leerling.example")
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/deel-a/motivatie")
    assert "van voor het inloggen zijn opgeslagen" in page.content()
    assert page.get_by_label("Waarom kies je deze opleiding?").input_value() == "Omdat ik van recht houd."
