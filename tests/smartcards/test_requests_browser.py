"""Registreren organisatie, aanvragen, in headless Chromium against the live portal with real SMTP: a visitor
finds the request on the start page and sends it (once with JavaScript off), the receipt arrives; the staff find
the request on their dashboard, filter the list (htmx), accept it, and the mail with the next steps' link arrives.
The pages with errors are checked with axe too."""

import re
import uuid

import pytest

from tests.browser.fixtures import assert_accessible
from tests.factories import PASSWORD, Factory
from tests.mail import links

pytestmark = pytest.mark.browser


@pytest.fixture
def staff_email(live_server):
    with live_server.app.app_context():
        return Factory(live_server.app).user("staf.aanvragen@loket.example", is_staff=True, first_name="Sam").email


def fill_request(page, email, subscriber):
    page.get_by_label("Naam organisatie").fill("Zorggroep De Linde")
    page.get_by_label("KvK-nummer").fill("41234567")
    page.get_by_label("Abonneenummer").fill(subscriber)
    page.get_by_label("Straat").fill("Lindelaan")
    page.get_by_label("Huisnummer").fill("12")
    page.get_by_label("Postcode").fill("1741 ab")
    page.get_by_label("Plaats").fill("Schagen")
    page.get_by_label("Naam vertegenwoordiger").fill("Anna de Vries")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Telefoonnummer").fill("0224-123456")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_visitor_asks_and_the_staff_accept(live_server, browser, smtp, staff_email, javascript):
    base = live_server.url
    email = f"anna-{uuid.uuid4().hex[:8]}@delinde.example"
    subscriber = f"9{uuid.uuid4().int % 10_000_000:07d}"
    visitor = browser.new_context(locale="nl-NL", java_script_enabled=javascript).new_page()
    visitor.set_default_timeout(10_000)

    visitor.goto(base + "/")
    visitor.get_by_role("link", name="Registratie aanvragen").click()
    visitor.get_by_role("button", name="Aanvraag versturen").click()  # nothing filled in
    visitor.get_by_text("Controleer de gemarkeerde velden.").wait_for()
    assert visitor.get_by_text("Dit veld is verplicht.").count() >= 8
    if javascript:
        assert_accessible(visitor)

    fill_request(visitor, email, subscriber)
    visitor.get_by_label("KvK-nummer").fill("4123")
    visitor.get_by_role("button", name="Aanvraag versturen").click()
    visitor.get_by_text("Een KvK-nummer heeft 8 cijfers.").wait_for()
    assert visitor.get_by_label("Naam organisatie").input_value() == "Zorggroep De Linde"  # the rest is kept
    visitor.get_by_label("KvK-nummer").fill("41234567")
    visitor.get_by_role("button", name="Aanvraag versturen").click()
    visitor.get_by_role("heading", name="Aanvraag ontvangen").wait_for()
    assert "Dit kan een paar dagen duren." in visitor.content()
    receipt = smtp.wait_for(to=email, subject="ontvangen")
    assert subscriber in receipt.get_body().get_content()
    visitor.context.close()

    staff = browser.new_context(locale="nl-NL", java_script_enabled=javascript).new_page()
    staff.set_default_timeout(10_000)
    staff.goto(base + "/inloggen")
    staff.get_by_label("Gebruikersnaam (e-mailadres)").fill(staff_email)
    staff.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    staff.get_by_role("button", name="Inloggen").click()
    staff.wait_for_load_state()
    staff.goto(base + "/beheer")
    assert staff.get_by_text("1 aanvraag te beoordelen").is_visible()
    staff.get_by_role("link", name="Aanvragen registratie").click()
    staff.get_by_label("Status").select_option("rejected")
    if javascript:  # the list follows the filter by itself, and the address says which filter it shows
        staff.wait_for_url(re.compile(r"status=rejected"))
    else:
        staff.get_by_role("button", name="Filteren").click()
    staff.get_by_text("Geen aanvragen gevonden").wait_for()
    staff.get_by_label("Status").select_option("submitted")
    if not javascript:
        staff.get_by_role("button", name="Filteren").click()
    staff.get_by_role("link", name="Zorggroep De Linde").click()
    staff.get_by_role("button", name="Afwijzen").click()  # without a reason
    staff.get_by_text("Geef een reden op").first.wait_for()
    if javascript:
        assert_accessible(staff)
    staff.get_by_role("button", name="Accepteren").click()
    staff.get_by_text("is geaccepteerd").wait_for()
    assert staff.get_by_role("button", name="Accepteren").count() == 0

    accepted = smtp.wait_for(to=email, subject="Uw aanvraag is verwerkt")
    assert f"{base}/smartcards/valideren" in links(accepted)
    staff.context.close()
