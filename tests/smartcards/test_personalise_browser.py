"""ZORG-ID Smartcard aanmaken in Chromium through the real stack (page → cardagent.js → agent → pcscd → vpcd →
virtual card): the employee signs in with their credential card, enters their birth date, swaps the credential
card for a blank card (the page sees both), and the agent personalises it; the card is active with a certificate
from the portal's CA, and signs in at EH3. The PIN and the PUK reach no page, request, response, log, audit row or
database column. A card pulled out half-way ends as failed, and nothing is active."""

import base64
import logging

import pytest
from cryptography import x509
from sqlalchemy import select

from tests.browser.fixtures import assert_accessible
from tests.cardagent.support import wait_for
from tests.components import nu_html_errors
from tests.factories import PASSWORD, Factory
from tests.smartcards import cards
from webapp.extensions import db
from webapp.smartcards import trust
from webapp.smartcards.models import Smartcard

pytestmark = pytest.mark.browser

CREDENTIAL_PIN = "246813"
NEW_PIN = "97531864"
EMAIL = "roos@herenbos.example"


class Recorder:
    """Every request and response body the portal handled (WSGI middleware)."""

    def __init__(self, app):
        self.wsgi = app.wsgi_app
        self.seen: list[bytes] = []
        app.wsgi_app = self

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        self.seen.append(environ.get("PATH_INFO", "").encode() + b"?" + environ.get("QUERY_STRING", "").encode())
        self.seen.append(body)
        import io

        environ["wsgi.input"] = io.BytesIO(body)
        for chunk in self.wsgi(environ, start_response):
            self.seen.append(chunk)
            yield chunk

    def text(self) -> str:
        return b"\n".join(self.seen).decode("utf-8", "replace")


@pytest.fixture
def portal(live_server, ca_dir, tmp_path):
    app = live_server.app
    app.config["CREDENTIAL_CA_FILE"] = str(ca_dir / "ca.pem")
    app.config["SMARTCARD_CA_KEY_FILE"] = str(tmp_path / "smartcard-ca" / "ca-key.pem")
    app.config["SMARTCARD_CA_CERT_FILE"] = str(tmp_path / "smartcard-ca" / "ca.pem")
    with app.app_context():
        Factory(app).user(EMAIL, first_name="Roos", last_name="de Winter")
        cards.validated_organisation()
    live_server.recorder = Recorder(app)
    return live_server


@pytest.fixture
def agent(portal, agent_factory):
    agent = agent_factory(origins=(portal.url,))
    portal.app.config["CARDAGENT_PORT"] = agent.port
    return agent


def watch_frames(websocket, frames):
    websocket.on("framesent", lambda payload: frames.append(payload))
    websocket.on("framereceived", lambda payload: frames.append(payload))


def keep(page, name):
    """The page as it is now, for the secrets search and the Nu checker; axe judges it here."""
    page.pages_seen[name] = page.content()
    assert_accessible(page)


def open_card_step(browser, url):
    """Log in, find the agent, sign in with the credential card, give the birth date: on the card page."""

    def run(browser):
        from playwright.sync_api import expect

        page = browser.new_page()
        page.pages_seen = {}
        page.frames_seen = []
        page.on("websocket", lambda ws: watch_frames(ws, page.frames_seen))
        page.goto(url + "/")
        page.get_by_role("link", name="Ik wil een smartcard aanmaken").click()
        page.fill("#email", EMAIL)
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="Inloggen").click()
        page.wait_for_url("**/smartcards/aanmaken")
        expect(page.locator("#agent-status")).to_contain_text("De Kaartlezer-app is gevonden", timeout=10000)
        keep(page, "intro")
        page.get_by_role("link", name="Volgende").click()
        page.get_by_role("button", name="Inloggen met UZI-pas").click()
        page.wait_for_url("**/smartcards/aanmaken/geboortedatum", timeout=20000)
        keep(page, "birth date")
        page.fill("#birth_date", "1980-01-31")
        page.get_by_role("button", name="Volgende").click()
        page.wait_for_url("**/smartcards/aanmaken/kaart")
        expect(page.locator("#reader-status")).to_contain_text("Haal die eruit", timeout=10000)
        keep(page, "card")
        return page

    return browser.run(run)


def see_reader(browser, page, text):
    def run(browser):
        from playwright.sync_api import expect

        expect(page.locator("#reader-status")).to_contain_text(text, timeout=15000)
        keep(page, text)

    browser.run(run)


def click_create(browser, page):
    browser.run(lambda browser: page.get_by_role("button", name="Smartcard aanmaken").click())


def outcome(browser, page, selector):
    def run(browser):
        from playwright.sync_api import expect

        expect(page.locator(selector)).to_be_visible(timeout=30000)
        keep(page, selector)
        return page.url, page.text_content("#main")

    return browser.run(run)


def everything_stored(app) -> str:
    with app.app_context():
        rows = []
        for table in db.metadata.sorted_tables:
            rows += [repr(tuple(row)) for row in db.session.execute(table.select())]
        return "\n".join(rows)


def test_an_employee_makes_a_smartcard_and_signs_in_with_it(card_browser, portal, agent, stack, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    stack.insert("credential", pin=CREDENTIAL_PIN, card_type="N", subscriber_number=cards.SUBSCRIBER)
    agent.answer(pin=CREDENTIAL_PIN)
    page = open_card_step(card_browser, portal.url)

    stack.remove()
    see_reader(card_browser, page, "Uw UZI-pas is uit de lezer")
    stack.insert("blank")
    see_reader(card_browser, page, "Lege smartcard gevonden")
    agent.answer(pin=NEW_PIN, new_pin=NEW_PIN, new_pin_repeat=NEW_PIN)
    click_create(card_browser, page)
    url, text = outcome(card_browser, page, "text=Gelukt!")
    assert url.endswith("/smartcards/aanmaken/gelukt")

    with portal.app.app_context():
        card = db.session.execute(select(Smartcard)).scalar_one()
        assert card.state == "active"
        certificate = x509.load_der_x509_certificate(card.certificate)
        certificate.verify_directly_issued_by(trust.issuing_ca().certificate)
    on_card = agent.call("read_certificate", origin=portal.url)["result"]["certificate"]
    assert base64.b64decode(on_card) == card.certificate

    [puk] = [entry["puk"] for entry in agent.transcript() if entry["kind"] == "show_puk"]
    kinds = [entry["kind"] for entry in agent.transcript()]
    assert kinds == ["pin", "new_pin", "show_puk", "pin"]
    assert all(entry["origin"] == portal.url for entry in agent.transcript())
    places = {
        "pages": "\n".join(page.pages_seen.values()),
        "requests and responses": portal.recorder.text(),
        "websocket frames": "\n".join(str(frame) for frame in page.frames_seen),
        "portal log": caplog.text,
        "agent log": agent.log(),
        "database": everything_stored(portal.app),
    }
    assert places["requests and responses"] and places["websocket frames"] and places["database"]
    for secret in (puk, NEW_PIN, CREDENTIAL_PIN):
        for place, text in places.items():
            assert secret not in text, f"a PIN or PUK in the {place}"

    assert nu_html_errors(page.pages_seen, tmp_path) == []

    # The new card signs in at EH3.
    agent.answer(pin=NEW_PIN)

    def sign_in(browser):
        from playwright.sync_api import expect

        fresh = browser.new_context().new_page()
        fresh.goto(portal.url + "/inloggen")
        fresh.get_by_role("link", name="Inloggen met smartcard").click()
        fresh.get_by_role("button", name="Inloggen met smartcard").click()
        expect(fresh.locator(".acting-banner")).to_contain_text("Roos de Winter", timeout=20000)
        fresh.context.close()

    card_browser.run(sign_in)
    with portal.app.app_context():
        from webapp.accounts.models import LoginSession

        assert "EH3" in db.session.scalars(select(LoginSession.level)).all()


@pytest.mark.parametrize("moment", ["new_pin", "pin"], ids=["while-choosing-the-pin", "between-personalise-and-store"])
def test_a_card_pulled_out_half_way_ends_as_failed(card_browser, portal, agent, stack, moment):
    stack.insert("credential", pin=CREDENTIAL_PIN, card_type="Z", subscriber_number=cards.SUBSCRIBER)
    agent.answer(pin=CREDENTIAL_PIN)
    page = open_card_step(card_browser, portal.url)
    stack.insert("blank")
    see_reader(card_browser, page, "Lege smartcard gevonden")
    agent.answer(pin=NEW_PIN, new_pin=NEW_PIN, new_pin_repeat=NEW_PIN, delay=2)
    click_create(card_browser, page)
    wait_for(
        lambda: any(entry["kind"] == moment for entry in agent.transcript()[1:]), 20, f"the agent's {moment} prompt"
    )
    stack.remove()  # while the agent's prompt is open
    url, text = outcome(card_browser, page, "#card-failed")
    assert "afgebroken" in text and "andere lege smartcard" in text
    with portal.app.app_context():
        [card] = db.session.scalars(select(Smartcard)).all()
        assert card.state == "failed"
        assert (card.revoked_at is not None) == (moment == "pin")  # an issued certificate is withdrawn
