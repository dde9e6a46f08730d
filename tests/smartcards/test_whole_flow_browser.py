"""Manual 002 from end to end in Chromium through the real stack (the live portal, real SMTP, the card agent
with its scripted prompt, pcscd, vpcd and virtual cards): a representative asks to register, the staff accept,
the representative validates the organisation with a care-provider card, registers as administrator and couples
an authenticator (the code computed from the QR code's image); the administrator activates, logs in with password
and authenticator code; an employee makes a smartcard (credential card out, blank card in); the administrator
sees it, blocks it (its sign-in is refused), unblocks it (it signs in), and revokes it (refused for good, and
`openssl verify -crl_check` with the published CRL refuses its certificate). Then the same road with JavaScript
off, as far as it goes: the forms work, and each card step says it needs JavaScript."""

import re
import subprocess
import time
import urllib.request
import uuid

import pyotp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from tests.factories import PASSWORD, Factory
from tests.mail import links
from tests.smartcards.test_onboarding_browser import secret_from_qr
from tests.smartcards.test_requests_browser import fill_request
from webapp.extensions import db
from webapp.smartcards import signin, trust
from webapp.smartcards.models import Smartcard

pytestmark = pytest.mark.browser

SUBSCRIBER = "90000777"
REPRESENTATIVE_PIN = "582914"
EMPLOYEE_PIN = "246813"
SMARTCARD_PIN = "97531864"
ADMIN_PASSWORD = "Kustlijn-Meeuw-42"
STAFF = "staf.smartcards@loket.example"
EMPLOYEE = "daan.peters@voorbeeld.example"


@pytest.fixture
def portal(live_server, ca_dir, tmp_path):
    app = live_server.app
    app.config["CREDENTIAL_CA_FILE"] = str(ca_dir / "ca.pem")
    app.config["SMARTCARD_CA_KEY_FILE"] = str(tmp_path / "smartcard-ca" / "ca-key.pem")
    app.config["SMARTCARD_CA_CERT_FILE"] = str(tmp_path / "smartcard-ca" / "ca.pem")
    app.config["STORAGE_DIR"] = str(tmp_path / "storage")
    with app.app_context():
        factory = Factory(app)
        factory.user(STAFF, is_staff=True, first_name="Sam")
        factory.user(EMPLOYEE, first_name="Daan", last_name="Peters")
    return live_server


def new_page(browser, javascript: bool = True):
    page = browser.new_context(locale="nl-NL", java_script_enabled=javascript).new_page()
    page.set_default_timeout(20_000)
    return page


def log_in(page, url: str, email: str, password: str = PASSWORD):
    page.goto(url + "/inloggen")
    page.fill("#email", email)
    page.fill("#password", password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state()


def ask_and_accept(browser, url: str, email: str, javascript: bool):
    """Registratie aanvragen as a visitor; the staff accept the request."""
    page = new_page(browser, javascript)
    page.goto(url + "/")
    page.get_by_role("link", name="Registratie aanvragen").click()
    fill_request(page, email, SUBSCRIBER)
    page.get_by_role("button", name="Aanvraag versturen").click()
    page.wait_for_url("**/smartcards/aanvragen/ontvangen")
    page.context.close()

    page = new_page(browser, javascript)
    log_in(page, url, STAFF)
    page.goto(url + "/beheer/smartcards/aanvragen")
    page.get_by_role("link", name="Zorggroep De Linde").first.click()
    page.get_by_role("button", name="Accepteren").click()
    page.wait_for_load_state()
    page.context.close()


def sign_in_with_smartcard(browser, url: str) -> str:
    """The card holder signs in with the smartcard in the reader: "Ingelogd als <name>", or the page's refusal."""
    from playwright.sync_api import expect

    page = new_page(browser)
    page.goto(url + "/smartcards/inloggen")
    page.get_by_role("button", name="Inloggen met smartcard").click()
    logged_in = page.get_by_text("Mijn account:")
    refused = page.locator("#card-status").filter(has_text=re.compile("smartcard|niet", re.IGNORECASE))
    expect(logged_in.or_(refused)).to_be_visible()
    outcome = (
        "Ingelogd als " + page.text_content("header") if logged_in.is_visible() else page.text_content("#card-status")
    )
    page.context.close()
    return outcome


def card_action(page, url: str, card_id: int, button: str, reason: str | None = None, confirm: str | None = None):
    """On the card's page, an administrator's action (with its reason, and the question before it when asked)."""
    page.goto(f"{url}/smartcards/beheer/kaarten/{card_id}")
    page.get_by_role("link", name=button, exact=True).or_(page.get_by_role("button", name=button, exact=True)).click()
    if reason is not None:
        page.get_by_label(reason, exact=True).check()
        page.get_by_role("button", name=confirm or button).click()
    page.wait_for_url(f"**/smartcards/beheer/kaarten/{card_id}")
    return page.text_content("main")


def test_register_validate_couple_make_a_smartcard_then_block_unblock_and_revoke_it(
    card_browser, portal, stack, agent_factory, smtp, tmp_path
):
    url = portal.url
    representative = f"anna-{uuid.uuid4().hex[:8]}@delinde.example"
    agent = agent_factory(origins=(url,))
    portal.app.config["CARDAGENT_PORT"] = agent.port

    card_browser.run(ask_and_accept, url, representative, True)
    receipt, accepted = smtp.wait_for(representative, "ontvangen"), smtp.wait_for(representative, "verwerkt")
    assert receipt and f"{url}/smartcards/valideren" in links(accepted)

    # Valideren, Registreren administrator, Koppelen smartphone with the representative's care-provider card.
    stack.insert("credential", pin=REPRESENTATIVE_PIN, card_type="Z", subscriber_number=SUBSCRIBER, surname="de Vries")
    agent.answer(pin=REPRESENTATIVE_PIN)

    def validate_register_couple(browser):
        from playwright.sync_api import expect

        page = new_page(browser)
        page.goto(f"{url}/smartcards/valideren")
        expect(page.locator("#agent-status")).to_contain_text("De Kaartlezer-app is gevonden")
        page.get_by_role("button", name="Organisatie valideren").click()
        page.wait_for_url("**/smartcards/valideren/organisatie")
        expect(page.locator("main")).to_contain_text("Zorggroep De Linde")
        page.get_by_role("button", name="Volgende").click()
        page.wait_for_url("**/smartcards/administrator")
        page.get_by_label("Geboortedatum").fill("1975-06-02")
        page.get_by_role("button", name="Bevestig").click()
        page.wait_for_url("**/smartcards/koppelen")
        secret = secret_from_qr(page.locator("img.qr").screenshot())
        page.get_by_label("Code uit uw authenticator-app").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Volgende").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Gelukt!")
        page.context.close()
        return secret

    secret = card_browser.run(validate_register_couple)
    activation = next(link for link in links(smtp.wait_for(representative, "Activeer")) if "/activeren/" in link)

    # The administrator activates, logs in with password and authenticator code (EH2+) and opens the card list.
    def administrator_at_eh2_plus(browser):
        from playwright.sync_api import expect

        page = new_page(browser)
        page.goto(activation)
        page.get_by_label("Nieuw wachtwoord", exact=True).fill(ADMIN_PASSWORD)
        page.get_by_label("Bevestig nieuw wachtwoord").fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="Activeren").click()
        page.wait_for_load_state()
        page.context.close()
        page = new_page(browser)
        log_in(page, url, representative, ADMIN_PASSWORD)
        page.wait_for_url("**/organisatie-kiezen**")
        page.get_by_label("Zorggroep De Linde", exact=True).check()
        page.get_by_role("button", name="OK").click()
        page.locator(".acting-banner").wait_for()
        page.goto(f"{url}/smartcards/beheer")
        page.wait_for_url("**/verificatie**")
        totp = pyotp.TOTP(secret)
        page.get_by_label("Code uit uw authenticator-app").fill(totp.at(time.time() + totp.interval))
        page.get_by_role("button", name="Verifiëren").click()
        page.wait_for_url("**/smartcards/beheer")
        expect(page.locator("main")).to_contain_text("Zorggroep De Linde")
        return page

    admin = card_browser.run(administrator_at_eh2_plus)

    # An employee of the organisation makes a smartcard: credential card in, birth date, credential card out,
    # blank card in, the PIN chosen in the agent's prompt.
    stack.insert("credential", pin=EMPLOYEE_PIN, card_type="N", subscriber_number=SUBSCRIBER, given_name="Daan",
                 surname="Peters")  # fmt: skip
    agent.answer(pin=EMPLOYEE_PIN)

    def up_to_the_card_swap(browser):
        from playwright.sync_api import expect

        page = new_page(browser)
        page.goto(url + "/")
        page.get_by_role("link", name="Ik wil een smartcard aanmaken").click()
        page.fill("#email", EMPLOYEE)
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="Inloggen").click()
        page.wait_for_url("**/smartcards/aanmaken")
        expect(page.locator("#agent-status")).to_contain_text("De Kaartlezer-app is gevonden")
        page.get_by_role("link", name="Volgende").click()
        page.get_by_role("button", name="Inloggen met UZI-pas").click()
        page.wait_for_url("**/smartcards/aanmaken/geboortedatum")
        page.fill("#birth_date", "1988-11-20")
        page.get_by_role("button", name="Volgende").click()
        page.wait_for_url("**/smartcards/aanmaken/kaart")
        expect(page.locator("#reader-status")).to_contain_text("Haal die eruit")
        return page

    employee = card_browser.run(up_to_the_card_swap)
    stack.remove()
    card_browser.run(lambda browser: employee.locator("#reader-status").filter(has_text="uit de lezer").wait_for())
    stack.insert("blank")
    card_browser.run(lambda browser: employee.locator("#reader-status").filter(has_text="Lege smartcard").wait_for())
    agent.answer(pin=SMARTCARD_PIN, new_pin=SMARTCARD_PIN, new_pin_repeat=SMARTCARD_PIN)
    card_browser.run(lambda browser: employee.get_by_role("button", name="Smartcard aanmaken").click())
    card_browser.run(lambda browser: employee.get_by_text("Gelukt!").first.wait_for(timeout=30_000))
    assert any(entry["kind"] == "show_puk" for entry in agent.transcript())  # in the agent's own window

    with portal.app.app_context():
        card = db.session.execute(select(Smartcard).where(Smartcard.holder_name == "Daan Peters")).scalar_one()
        card_id, certificate = card.id, card.certificate
    agent.answer(pin=SMARTCARD_PIN)
    assert "Ingelogd als" in card_browser.run(sign_in_with_smartcard, url)

    # The administrator sees the card, blocks it, unblocks it, revokes it; the card's sign-in follows each.
    def listed(browser):
        admin.goto(f"{url}/smartcards/beheer")
        return admin.text_content("main")

    listing = card_browser.run(listed)
    assert "Daan Peters" in listing and "Actief" in listing

    blocked = card_browser.run(lambda browser: card_action(admin, url, card_id, "Blokkeren", reason="Verloren"))
    assert "Geblokkeerd" in blocked and "Verloren" in blocked
    assert signin.BLOCKED in card_browser.run(sign_in_with_smartcard, url)

    unblocked = card_browser.run(lambda browser: card_action(admin, url, card_id, "Deblokkeren"))
    assert "Actief" in unblocked
    assert "Ingelogd als" in card_browser.run(sign_in_with_smartcard, url)

    revoked = card_browser.run(
        lambda browser: card_action(admin, url, card_id, "Intrekken", reason="Uit dienst", confirm="Ja, intrekken")
    )
    assert "Ingetrokken" in revoked
    assert signin.REVOKED in card_browser.run(sign_in_with_smartcard, url)
    card_browser.run(lambda browser: admin.context.close())

    # The published CRL lists the revoked card's certificate: openssl refuses it.
    with portal.app.app_context():
        issuing = trust.issuing_ca().certificate.public_bytes(serialization.Encoding.PEM)
    crl = x509.load_der_x509_crl(urllib.request.urlopen(url + trust.CRL_PATH).read())  # noqa: S310 (loopback)
    (tmp_path / "ca.pem").write_bytes(issuing)
    (tmp_path / "crl.pem").write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "card.pem").write_bytes(
        x509.load_der_x509_certificate(certificate).public_bytes(serialization.Encoding.PEM)
    )
    verify = subprocess.run(
        ["openssl", "verify", "-crl_check", "-CAfile", "ca.pem", "-CRLfile", "crl.pem", "card.pem"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert verify.returncode != 0 and "certificate revoked" in verify.stdout + verify.stderr


def test_without_javascript_the_forms_work_and_each_card_step_says_it_needs_javascript(browser, live_server, smtp):
    url = live_server.url
    with live_server.app.app_context():
        Factory(live_server.app).user(STAFF, is_staff=True, first_name="Sam")
        Factory(live_server.app).user(EMPLOYEE, first_name="Daan", last_name="Peters")
    representative = f"anna-{uuid.uuid4().hex[:8]}@delinde.example"
    ask_and_accept(browser, url, representative, javascript=False)
    assert smtp.wait_for(representative, "verwerkt")

    page = new_page(browser, javascript=False)
    for path, button in [
        ("/smartcards/valideren", "Organisatie valideren"),
        ("/smartcards/inloggen", "Inloggen met smartcard"),
    ]:
        page.goto(url + path)
        assert "JavaScript" in page.text_content("main"), path
        usable = page.get_by_role("button", name=button)  # hidden or disabled: it could do nothing
        assert usable.count() == 0 or not usable.first.is_enabled(), path
    page.context.close()
    page = new_page(browser, javascript=False)  # making a smartcard: an employee logs in first
    page.goto(url + "/")
    page.get_by_role("link", name="Ik wil een smartcard aanmaken").click()
    page.fill("#email", EMPLOYEE)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/smartcards/aanmaken")
    assert "JavaScript" in page.text_content("main")
    page.context.close()
