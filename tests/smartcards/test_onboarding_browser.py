"""Organisatie valideren, Registreren administrator and Koppelen smartphone in Chromium through the real card
stack (page → cardagent.js → agent → pcscd → vpcd → the virtual care-provider card → the portal's checks); the
QR code is read from the page's image, the code computed from its secret; then the mailed activation link, a
login with password and authenticator code, and an EH2+ page. Each page of the flow passes axe and the Nu
checker and fits at 390 px."""

import io
import time
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest

from tests.browser.fixtures import assert_accessible, assert_fits
from tests.components import nu_checker_available, nu_html_errors
from tests.mail import links
from tests.smartcards.onboarding_support import SUBSCRIBER, registration_request

pytestmark = pytest.mark.browser
PIN = "582914"  # not a part of any number the pages show
EMAIL = "anne@duinzicht.example"
PASSWORD = "Kustlijn-Meeuw-42"


@pytest.fixture
def portal(live_server, ca_dir):
    live_server.app.config["CREDENTIAL_CA_FILE"] = str(ca_dir / "ca.pem")
    with live_server.app.app_context():
        registration_request()
    return live_server


def secret_from_qr(png: bytes) -> str:
    import zxingcpp
    from PIL import Image

    [result] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    uri = urlsplit(result.text)
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    return parse_qs(uri.query)["secret"][0]


def checked(page, pages: dict, name: str):
    """axe, the fit at 390 px, and the HTML kept for the Nu checker."""
    assert_accessible(page)
    assert_fits(page, 390)
    page.set_viewport_size({"width": 1280, "height": 900})
    pages[name] = page.content()


def test_validate_register_couple_then_log_in_at_eh2_plus(card_browser, portal, stack, agent_factory, smtp, tmp_path):
    stack.insert(
        "credential", pin=PIN, card_type="Z", subscriber_number=SUBSCRIBER, given_name="Anne", surname="de Vries"
    )
    agent = agent_factory(origins=(portal.url,))
    portal.app.config["CARDAGENT_PORT"] = agent.port
    agent.answer(pin=PIN)
    pages: dict[str, str] = {}

    def validate_and_register(browser):
        from playwright.sync_api import expect

        context = browser.new_context(locale="nl-NL")
        page = context.new_page()
        page.set_default_timeout(20_000)
        problems = []
        page.on("console", lambda message: message.type == "error" and problems.append(message.text))
        page.goto(portal.url + "/")
        page.get_by_role("link", name="Ik wil een organisatie valideren").click()
        expect(page.locator("#agent-status")).to_contain_text("De Kaartlezer-app is gevonden")
        checked(page, pages, "start")
        page.get_by_role("button", name="Organisatie valideren").click()
        page.wait_for_url("**/smartcards/valideren/organisatie")
        expect(page.locator("main")).to_contain_text("Zorggroep Duinzicht")
        checked(page, pages, "organisation")
        page.get_by_role("button", name="Volgende").click()
        page.wait_for_url("**/smartcards/administrator")
        expect(page.locator("#flashes")).to_contain_text("Uw organisatie is gevalideerd")
        expect(page.locator("main")).to_contain_text("zorgverlenerspas")
        checked(page, pages, "administrator")
        page.get_by_label("Geboortedatum").fill("1980-03-14")
        expect(page.get_by_label("E-mailadres")).to_have_value(EMAIL)
        page.get_by_role("button", name="Bevestig").click()
        page.wait_for_url("**/smartcards/koppelen")
        checked(page, pages, "couple")
        secret = secret_from_qr(page.locator("img.qr").screenshot())
        page.reload()  # shown once: the reload shows no QR code, and the code from the app still couples
        expect(page.locator("main")).to_contain_text("wordt niet opnieuw getoond")
        assert page.locator("img.qr").count() == 0
        checked(page, pages, "couple, reloaded")
        page.get_by_label("Code uit uw authenticator-app").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Volgende").click()
        page.wait_for_url("**/smartcards/koppelen/gelukt")
        expect(page.get_by_role("heading", level=1)).to_have_text("Gelukt!")
        checked(page, pages, "done")
        html = "".join(pages.values())
        context.close()
        return secret, problems, html

    secret, problems, html = card_browser.run(validate_and_register)
    assert not problems
    [question] = agent.transcript()
    assert question["origin"] == portal.url  # the agent's own prompt named the portal
    assert PIN not in html and PIN not in agent.log()

    mail = smtp.wait_for(EMAIL, "Activeer")
    activation = next(link for link in links(mail) if "/activeren/" in link)

    def activate_and_log_in(browser):
        from playwright.sync_api import expect

        context = browser.new_context(locale="nl-NL")
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(activation)
        page.get_by_label("Nieuw wachtwoord", exact=True).fill(PASSWORD)
        page.get_by_label("Bevestig nieuw wachtwoord").fill(PASSWORD)
        page.get_by_role("button", name="Activeren").click()
        page.wait_for_load_state()
        context.close()

        context = browser.new_context(locale="nl-NL")  # a new visit: password, then the code from the app
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(portal.url + "/inloggen")
        page.fill("#email", EMAIL)
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="Inloggen").click()
        page.wait_for_url("**/organisatie-kiezen**")
        page.get_by_label("Zorggroep Duinzicht", exact=True).check()
        page.get_by_role("button", name="OK").click()
        page.locator(".acting-banner").wait_for()
        page.goto(portal.url + "/authenticator/ontkoppelen")  # a page that needs EH2+
        page.wait_for_url("**/verificatie**")
        totp = pyotp.TOTP(secret)
        page.get_by_label("Code uit uw authenticator-app").fill(totp.at(time.time() + totp.interval))
        page.get_by_role("button", name="Verifiëren").click()
        expect(page.locator("#flashes")).to_contain_text("EH2+")
        banner = page.text_content(".acting-banner")
        heading = page.text_content("h1")
        context.close()
        return banner, heading

    banner, heading = card_browser.run(activate_and_log_in)
    assert "Zorggroep Duinzicht" in banner and "beheerder" in banner
    assert heading == "Weet u zeker dat u uw authenticator wilt ontkoppelen?"  # the EH2+ page opened
    if nu_checker_available():
        assert nu_html_errors(pages, tmp_path) == []


def test_without_the_card_agent_the_page_says_how_to_start_it(card_browser, live_server):
    from tests.components import free_port

    live_server.app.config["CARDAGENT_PORT"] = free_port()  # nothing listens there

    def visit(browser):
        from playwright.sync_api import expect

        page = browser.new_page()
        page.goto(live_server.url + "/smartcards/valideren")
        expect(page.locator("#agent-status")).to_contain_text("De Kaartlezer-app is niet gevonden", timeout=15_000)
        help_open = page.locator("#agent-help").evaluate("details => details.open")
        command = page.get_by_text("python -m cardagent --origin " + live_server.url).is_visible()
        page.close()
        return help_open, command

    help_open, command = card_browser.run(visit)
    assert help_open and command


def test_without_javascript_the_start_page_says_the_card_step_needs_it(card_browser, live_server):
    def visit(browser):
        context = browser.new_context(locale="nl-NL", java_script_enabled=False)
        page = context.new_page()
        page.goto(live_server.url + "/smartcards/valideren")
        said = "Voor deze stap is JavaScript nodig" in page.locator("main").inner_text()  # as the page shows it
        button = page.get_by_role("button", name="Organisatie valideren").is_visible()
        context.close()
        return said, button

    said, button = card_browser.run(visit)
    assert said and not button


def try_to_validate(browser, url):
    from playwright.sync_api import expect

    page = browser.new_page()
    page.set_default_timeout(20_000)
    page.goto(url + "/smartcards/valideren")
    expect(page.locator("#agent-status")).not_to_contain_text("Bezig met het zoeken")
    page.get_by_role("button", name="Organisatie valideren").click()
    expect(page.locator("#validate-status")).not_to_be_empty()
    outcome = page.text_content("#validate-status"), page.url
    page.close()
    return outcome


def test_an_employee_card_is_refused_on_the_page(card_browser, portal, stack, agent_factory):
    from webapp.extensions import db
    from webapp.smartcards.models import RegistrationRequest

    stack.insert("credential", pin=PIN, card_type="N", subscriber_number=SUBSCRIBER)
    agent = agent_factory(origins=(portal.url,))
    portal.app.config["CARDAGENT_PORT"] = agent.port
    agent.answer(pin=PIN)
    message, url = card_browser.run(try_to_validate, portal.url)
    assert message == "Met een medewerkerspas op naam kunt u geen organisatie valideren. Gebruik uw zorgverlenerspas."
    assert url.endswith("/smartcards/valideren")
    with portal.app.app_context():
        assert db.session.execute(db.select(RegistrationRequest.state)).scalar_one() == "accepted"


def test_without_a_card_in_the_reader_the_page_says_so(card_browser, portal, stack, agent_factory):
    stack.remove()
    agent = agent_factory(origins=(portal.url,))
    portal.app.config["CARDAGENT_PORT"] = agent.port
    message, _url = card_browser.run(try_to_validate, portal.url)
    assert message == "Geen kaart in de lezer."
    assert agent.transcript() == []  # no PIN was asked for
