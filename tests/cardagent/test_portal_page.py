"""The portal's own test page (Kaartlezer testen) signs in with the virtual card through the
real stack: Chromium → cardagent.js → agent → pcscd → vpcd → card, and the portal verifies the
signature against the certificate and the trusted CA."""

import pytest

from tests.factories import PASSWORD, Factory

pytestmark = pytest.mark.browser
PIN = "123456"


@pytest.fixture
def portal(live_server, ca_dir):
    live_server.app.config["CARDAGENT_CA_FILE"] = str(ca_dir / "ca.pem")
    with live_server.app.app_context():
        Factory(live_server.app).user("staf@loket.example", is_staff=True)
    return live_server


def sign_in_on_test_page(browser, portal_url):
    def run(browser):
        from playwright.sync_api import expect

        page = browser.new_page()
        problems = []
        page.on("console", lambda message: message.type == "error" and problems.append(message.text))
        page.goto(portal_url + "/inloggen")
        page.fill("#email", "staf@loket.example")
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="Inloggen").click()
        page.goto(portal_url + "/beheer/kaartlezer")
        page.get_by_role("button", name="Inloggen met smartcard").click()
        expect(page.locator("#card-status")).not_to_contain_text("Bezig", timeout=20000)
        outcome = {
            "status": page.text_content("#card-status"),
            "name": page.text_content("#card-name"),
            "issuer": page.text_content("#card-issuer"),
            "html": page.content(),
            "problems": problems,
        }
        page.close()
        return outcome

    return browser.run(run)


def test_portal_page_signs_in_with_the_card(card_browser, portal, credential_card, agent_factory, test_ca):
    agent = agent_factory(origins=(portal.url,))
    portal.app.config["CARDAGENT_PORT"] = agent.port
    agent.answer(pin=PIN)
    outcome = sign_in_on_test_page(card_browser, portal.url)
    assert outcome["status"] == "Gelukt: de kaart is gecontroleerd."
    assert outcome["name"]  # the card holder's name from the verified certificate
    assert outcome["issuer"] == test_ca.certificate.subject.rfc4514_string()
    [question] = agent.transcript()
    assert question["origin"] == portal.url  # the agent's prompt named the portal
    assert PIN not in agent.log() and PIN not in outcome["html"]
    assert not outcome["problems"]


def test_portal_refuses_a_card_from_an_untrusted_ca(card_browser, portal, credential_card, agent_factory, tmp_path):
    from cardagent.testca import ensure_test_ca

    other = tmp_path / "other-ca"
    ensure_test_ca(other)
    portal.app.config["CARDAGENT_CA_FILE"] = str(other / "ca.pem")
    agent = agent_factory(origins=(portal.url,))
    portal.app.config["CARDAGENT_PORT"] = agent.port
    agent.answer(pin=PIN)
    outcome = sign_in_on_test_page(card_browser, portal.url)
    assert outcome["status"].startswith("De kaart kon niet worden gecontroleerd")
