"""The onboarding pages through the test client: the page's challenge, the agent's answer (made with a key the
test holds), Volgende, Bevestig, the QR code shown once, the code from the app, Gelukt; then the activation
link, the login with password and authenticator code, and EH2+."""

import re
from urllib.parse import urlsplit

import pyotp
import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from cardagent.testca import create_test_ca
from tests.factories import login
from tests.mail import links
from tests.security.fuzzing import row_counts
from tests.smartcards.onboarding_support import OTHER_SUBSCRIBER, expired_card, make_card, registration_request
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.smartcards.models import RegistrationRequest

ORIGIN = "http://localhost"
NEW_PASSWORD = "Kustlijn-Meeuw-42"


@pytest.fixture(scope="module")
def authority():
    return create_test_ca("UZI-register Test CA")


@pytest.fixture
def portal(app, authority, tmp_path):
    ca_file = tmp_path / "credential-ca.pem"
    ca_file.write_bytes(authority.certificate.public_bytes(serialization.Encoding.PEM))
    app.config["CREDENTIAL_CA_FILE"] = str(ca_file)
    return app


def present(client, card, origin=ORIGIN):
    nonce = client.post("/smartcards/valideren/uitdaging").get_json()["nonce"]
    return client.post(
        "/smartcards/valideren/controle", data=card.answer(nonce, origin), content_type="application/json"
    )


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_the_start_page_explains_the_card_agent_and_needs_javascript(portal, client):
    page = client.get("/smartcards/valideren")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<noscript>" in body and "Voor deze stap is JavaScript nodig" in body
    assert "pip install '.[cardagent]'" in body and "python -m cardagent --origin http://localhost" in body
    assert "Typ uw pincode nooit op deze pagina" in body
    assert 'src="/static/js/smartcard-validate.js"' in body


def test_the_public_start_page_offers_validation(portal, client, factory):
    home = client.get("/")
    assert 'href="/smartcards/valideren"' in home.get_data(as_text=True)
    assert "Ik wil een organisatie valideren" in home.get_data(as_text=True)
    factory.user("kees@voorbeeld.example")
    login(client, "kees@voorbeeld.example")
    assert "Ik wil een organisatie valideren" in client.get("/").get_data(as_text=True)  # logged in too


@pytest.mark.parametrize(
    "case, message",
    [
        ("untrusted", "niet uitgegeven door een instantie die Loket vertrouwt"),
        ("expired", "verlopen"),
        ("employee", "medewerkerspas op naam kunt u geen organisatie valideren"),
        ("other organisation", "geen verwerkte aanvraag voor abonneenummer 90000999"),
        ("relayed", "De kaart kon niet worden gecontroleerd"),
    ],
)
def test_a_refused_card_gets_its_own_message_and_changes_nothing(portal, client, authority, case, message):
    registration_request()
    card = {
        "untrusted": lambda: make_card(create_test_ca("UZI-register Test CA")),
        "expired": lambda: expired_card(authority),
        "employee": lambda: make_card(authority, card_type="N"),
        "other organisation": lambda: make_card(authority, subscriber=OTHER_SUBSCRIBER),
        "relayed": lambda: make_card(authority),
    }[case]()
    before = row_counts()
    answer = present(client, card, origin="https://kwaad.example" if case == "relayed" else ORIGIN)
    assert answer.status_code == 400 and message in answer.get_json()["message"]
    assert row_counts() == before
    next_step = client.get("/smartcards/valideren/organisatie")  # the card was not kept
    assert next_step.status_code == 303 and next_step.headers["Location"] == "/smartcards/valideren"


def test_a_replayed_answer_is_refused(portal, client, authority):
    registration_request()
    card = make_card(authority)
    nonce = client.post("/smartcards/valideren/uitdaging").get_json()["nonce"]
    body = card.answer(nonce, ORIGIN)
    assert client.post("/smartcards/valideren/controle", data=body, content_type="application/json").status_code == 200
    again = client.post("/smartcards/valideren/controle", data=body, content_type="application/json")
    assert again.status_code == 400 and "De kaart kon niet worden gecontroleerd" in again.get_json()["message"]


@pytest.mark.parametrize(
    "path", ["/smartcards/valideren/organisatie", "/smartcards/administrator", "/smartcards/koppelen"]
)
def test_a_later_step_without_a_checked_card_starts_again(portal, client, path):
    response = client.get(path)
    assert response.status_code == 303 and response.headers["Location"] == "/smartcards/valideren"
    assert "Begin opnieuw met het valideren" in text(client.get("/smartcards/valideren"))
    assert client.get("/smartcards/koppelen/gelukt").headers["Location"] == "/smartcards/valideren"


def validate(client, authority):
    request = registration_request()
    assert present(client, make_card(authority)).get_json() == {"ok": True, "next": "/smartcards/valideren/organisatie"}
    page = text(client.get("/smartcards/valideren/organisatie"))
    for shown in ("Zorggroep Duinzicht", "12345678", "90000123", "Duinweg 12, 1781 AB Den Helder", "Anne de Vries"):
        assert shown in page
    validated = client.post("/smartcards/valideren/organisatie")
    assert validated.headers["Location"] == "/smartcards/administrator"
    return request


def test_volgende_validates_and_a_second_volgende_does_not(portal, client, authority):
    request = validate(client, authority)
    assert "Uw organisatie is gevalideerd" in text(client.get("/smartcards/administrator"))
    assert db.session.get(RegistrationRequest, request.id).state == "validated"
    # another session with the same card finds no accepted request any more
    other = portal.test_client()
    assert "geen verwerkte aanvraag" in present(other, make_card(authority)).get_json()["message"]


def register(client, birth_date="14-03-1980", email="anne@duinzicht.example"):
    return client.post("/smartcards/administrator", data={"birth_date": birth_date, "email": email})


def test_the_administrator_page_shows_the_card_and_refuses_a_bad_birth_date(portal, client, authority):
    validate(client, authority)
    page = client.get("/smartcards/administrator")
    body = text(page)
    assert "Anne de Vries" in body and "123456782" in body and "zorgverlenerspas" in body
    assert 'value="anne@duinzicht.example"' in page.get_data(as_text=True)  # the request's address
    before = row_counts()
    refused = register(client, birth_date="31-02-1980")
    assert refused.status_code == 400 and "Vul een geldige datum in" in text(refused), text(refused)
    assert row_counts() == before


def qr_secret_of(page) -> str | None:
    found = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page.get_data(as_text=True))
    return found.group(1) if found else None


def test_register_couple_activate_and_log_in_at_eh2_plus(portal, client, authority, outbox):
    validate(client, authority)
    registered = register(client)
    assert registered.headers["Location"] == "/smartcards/koppelen"
    shown = client.get("/smartcards/koppelen")
    assert 'class="qr" src="data:image/svg+xml' in shown.get_data(as_text=True)
    secret = qr_secret_of(shown)
    reload = client.get("/smartcards/koppelen")
    assert 'class="qr"' not in reload.get_data(as_text=True) and qr_secret_of(reload) is None
    assert "wordt niet opnieuw getoond" in text(reload) and "Nieuwe koppeling starten" in text(reload)

    wrong = str((int(pyotp.TOTP(secret).now()) + 1) % 1_000_000).zfill(6)
    refused = client.post("/smartcards/koppelen", data={"code": wrong})
    assert refused.status_code == 400 and "De code klopt niet" in text(refused)
    assert db.session.execute(select(User.totp_secret)).scalar_one() is None

    coupled = client.post("/smartcards/koppelen", data={"code": pyotp.TOTP(secret).now()})
    assert coupled.headers["Location"] == "/smartcards/koppelen/gelukt"
    done = text(client.get("/smartcards/koppelen/gelukt"))
    for said in ("Gelukt!", "bekijken", "blokkeren", "deblokkeren", "intrekken", "zelf een smartcard aanmaken"):
        assert said in done

    [mail] = outbox.to("anne@duinzicht.example")
    activation = urlsplit(next(link for link in links(mail) if "/activeren/" in link)).path
    visitor = portal.test_client()
    activated = visitor.post(activation, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert activated.status_code == 303

    admin = portal.test_client()
    logged_in = admin.post("/inloggen", data={"email": "anne@duinzicht.example", "password": NEW_PASSWORD})
    assert logged_in.status_code == 303
    if logged_in.headers["Location"].startswith("/organisatie-kiezen"):
        organisation_id = db.session.execute(select(RegistrationRequest.organisation_id)).scalar_one()
        admin.post(logged_in.headers["Location"], data={"context": str(organisation_id)})
    needs_eh2 = admin.get("/authenticator/ontkoppelen")
    assert needs_eh2.headers["Location"].startswith("/verificatie")
    import time

    step = pyotp.TOTP(secret)
    code = step.at(time.time() + step.interval)  # the coupling used this step's code; the next one is new
    stepped = admin.post("/verificatie?level=EH2%2B", data={"code": code})
    assert stepped.status_code == 303
    assert admin.get("/authenticator/ontkoppelen").status_code == 200  # an EH2+ page opens


def test_a_new_coupling_shows_a_new_qr_code_and_the_old_one_is_dead(portal, client, authority):
    validate(client, authority)
    register(client)
    old = qr_secret_of(client.get("/smartcards/koppelen"))
    assert client.post("/smartcards/koppelen/nieuw").headers["Location"] == "/smartcards/koppelen"
    new = qr_secret_of(client.get("/smartcards/koppelen"))
    assert new and new != old
    refused = client.post("/smartcards/koppelen", data={"code": pyotp.TOTP(old).now()})
    assert refused.status_code == 400
    assert client.post("/smartcards/koppelen", data={"code": pyotp.TOTP(new).now()}).status_code == 303


def test_an_existing_account_skips_the_coupling(portal, client, authority, factory, outbox):
    factory.user("anne@duinzicht.example", first_name="Anne", last_name="Bestaand")
    validate(client, authority)
    registered = register(client)
    assert registered.headers["Location"] == "/smartcards/administrator"
    page = text(client.get("/smartcards/administrator"))
    assert "Er bestond al een account met dit e-mailadres" in page and "Mijn gegevens" in page
    assert client.get("/smartcards/koppelen").headers["Location"] == "/smartcards/administrator"
    assert client.post("/smartcards/koppelen/nieuw").status_code == 303
    assert db.session.execute(select(User.totp_secret)).scalar_one() is None
    [mail] = outbox.to("anne@duinzicht.example")
    assert mail["Subject"] == "U bent beheerder voor smartcards"


def test_every_state_of_the_pages_is_valid_html(portal, client, authority, factory, tmp_path):
    """The pages as the browser test does not see them: refusals, the QR code shown already, the existing account."""
    from tests.components import nu_checker_available, nu_html_errors

    if not nu_checker_available():
        pytest.skip("the W3C Nu HTML checker is not installed")
    pages = {}
    validate(client, authority)
    pages["bad birth date"] = register(client, birth_date="31-02-1980").get_data(as_text=True)
    register(client)
    client.get("/smartcards/koppelen")
    pages["QR shown already"] = client.get("/smartcards/koppelen").get_data(as_text=True)
    pages["wrong code"] = client.post("/smartcards/koppelen", data={"code": "12"}).get_data(as_text=True)
    factory.user("bestaand@duinzicht.example")
    other = portal.test_client()
    registration_request(subscriber="90000555", kvk="55555555")
    present(other, make_card(authority, subscriber="90000555"))
    other.post("/smartcards/valideren/organisatie")
    register(other, email="bestaand@duinzicht.example")
    pages["existing account"] = other.get("/smartcards/administrator").get_data(as_text=True)
    pages["start again"] = (
        portal.test_client().get("/smartcards/koppelen", follow_redirects=True).get_data(as_text=True)
    )
    assert nu_html_errors(pages, tmp_path) == []
