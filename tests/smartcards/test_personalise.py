"""ZORG-ID Smartcard aanmaken through the portal's own endpoints, with in-process cards (the agent's answers
signed here as the agent signs them): who may make a card with which credential card, the birth date, the
certificate for the card's key, and that a card becomes active only with the certificate the portal issued."""

from datetime import date, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from tests.factories import login
from tests.smartcards import cards
from webapp.accounts.models import Membership
from webapp.core.models import AuditEvent
from webapp.core.timeutil import utcnow
from webapp.extensions import db
from webapp.smartcards import personalise, trust
from webapp.smartcards.models import CredentialCardSeen, RegistrationRequest, Smartcard, SmartcardEvent

BASE = "/smartcards/aanmaken"


@pytest.fixture
def authority(app, tmp_path):
    return cards.configure(app, tmp_path)


@pytest.fixture
def organisation(app):
    return cards.validated_organisation()


@pytest.fixture
def employee(factory, client):
    user = factory.user("roos@herenbos.example", first_name="Roos", last_name="de Winter")
    login(client, user.email)
    return user


def check_credential(client, card, origin=cards.ORIGIN):
    nonce = client.post(f"{BASE}/uzi-pas/uitdaging").get_json()["nonce"]
    return client.post(f"{BASE}/uzi-pas/controle", data=card.answer(nonce, origin), content_type="application/json")


def up_to_the_card(client, authority, birth_date="1980-01-31", **card):
    response = check_credential(client, cards.credential_card(authority, **card))
    assert response.status_code == 200, response.get_json()
    response = client.post(f"{BASE}/geboortedatum", data={"birth_date": birth_date})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"] == f"{BASE}/kaart"


def make_card(client):
    """Steps 6–7 as the page does them; the key the 'card' made and the certificate the portal issued."""
    assert client.post(f"{BASE}/kaart/start").status_code == 200
    key = ec.generate_private_key(ec.SECP256R1())
    issued = client.post(f"{BASE}/kaart/certificaat", json={"public_key": cards.public_key_b64(key)})
    assert issued.status_code == 200, issued.get_json()
    return key, issued.get_json()["certificate"]


def the_card() -> Smartcard:
    return db.session.execute(select(Smartcard).order_by(Smartcard.id.desc()).limit(1)).scalar_one()


def test_a_visitor_logs_in_first(client):
    response = client.get(BASE)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/inloggen?next=/smartcards/aanmaken")


def test_the_start_page_offers_it_to_visitors(client):
    page = client.get("/").get_data(as_text=True)
    assert "Ik wil een smartcard aanmaken" in page and f'href="{BASE}"' in page


def test_the_intro_tells_what_to_have_and_that_the_card_steps_need_javascript(client, employee):
    page = client.get(BASE).get_data(as_text=True)
    assert "UZI-pas" in page and "lege ZORG-ID Smartcard" in page
    assert "<noscript>" in page and "JavaScript nodig" in page


@pytest.mark.parametrize("card_type", ["N", "Z"])
def test_an_employee_card_of_a_validated_organisation_is_accepted(client, employee, authority, organisation, card_type):
    response = check_credential(client, cards.credential_card(authority, card_type=card_type))
    assert response.get_json() == {"ok": True, "next": f"{BASE}/geboortedatum"}
    [membership] = db.session.scalars(select(Membership).where(Membership.user_id == employee.id)).all()
    assert (membership.organisation_id, membership.role) == (organisation.id, "employee")
    seen = db.session.execute(select(CredentialCardSeen)).scalar_one()
    assert (seen.organisation_id, seen.user_id, seen.holder_name, seen.uzi_number, seen.card_type) == (
        organisation.id,
        employee.id,
        "Roos de Winter",
        "900012345",
        card_type,
    )
    assert seen.expires_at > utcnow()
    page = client.get(f"{BASE}/geboortedatum").get_data(as_text=True)
    assert "Roos de Winter" in page and "900012345" in page and organisation.name in page


def test_an_existing_membership_is_kept_and_a_card_seen_again_is_refreshed(
    client, factory, employee, authority, organisation
):
    factory.member(employee, organisation, role="contact")
    assert check_credential(client, cards.credential_card(authority)).status_code == 200
    assert check_credential(client, cards.credential_card(authority, days=30)).status_code == 200
    [membership] = db.session.scalars(select(Membership).where(Membership.user_id == employee.id)).all()
    assert membership.role == "contact"
    seen = db.session.execute(select(CredentialCardSeen)).scalar_one()
    assert seen.expires_at < utcnow() + timedelta(days=31)


def refused(response) -> str:
    assert response.status_code == 400
    assert response.get_json()["ok"] is False
    return response.get_json()["message"]


def nothing_stored(user):
    assert db.session.scalars(select(Membership).where(Membership.user_id == user.id)).all() == []
    assert db.session.scalars(select(CredentialCardSeen)).all() == []


def test_a_card_not_on_name_is_refused(client, employee, authority, organisation):
    message = refused(check_credential(client, cards.credential_card(authority, card_type="M")))
    assert message == personalise.NOT_ON_NAME
    nothing_stored(employee)


def test_an_organisation_that_is_not_validated_is_refused(client, employee, authority, organisation):
    db.session.execute(db.update(RegistrationRequest).values(state="accepted"))
    db.session.commit()
    message = refused(check_credential(client, cards.credential_card(authority)))
    assert "nog niet gevalideerd" in message and cards.SUBSCRIBER in message
    message = refused(check_credential(client, cards.credential_card(authority, subscriber="90000999")))
    assert "90000999" in message
    nothing_stored(employee)


def test_an_expired_or_untrusted_credential_card_is_refused(client, employee, authority, organisation):
    from cardagent.testca import create_test_ca

    expired = cards.credential_card(authority, not_before=utcnow() - timedelta(days=40), days=30)
    assert "De kaart kon niet worden gecontroleerd" in refused(check_credential(client, expired))
    other = cards.credential_card(create_test_ca("Andere CA"))
    assert "De kaart kon niet worden gecontroleerd" in refused(check_credential(client, other))
    nothing_stored(employee)


def test_a_replayed_or_relayed_answer_is_refused(client, employee, authority, organisation):
    card = cards.credential_card(authority)
    nonce = client.post(f"{BASE}/uzi-pas/uitdaging").get_json()["nonce"]
    answer = card.answer(nonce)
    assert client.post(f"{BASE}/uzi-pas/controle", data=answer, content_type="application/json").status_code == 200
    assert "gecontroleerd" in refused(
        client.post(f"{BASE}/uzi-pas/controle", data=answer, content_type="application/json")
    )
    relayed = check_credential(client, card, origin="https://elders.example")
    assert "gecontroleerd" in refused(relayed)


def test_without_a_checked_credential_card_the_later_steps_send_back_to_it(client, employee):
    for path in ("geboortedatum", "kaart"):
        response = client.get(f"{BASE}/{path}")
        assert (response.status_code, response.headers["Location"]) == (303, f"{BASE}/uzi-pas")
    assert refused(client.post(f"{BASE}/kaart/start")) == personalise.EXPIRED_ATTEMPT


def test_the_check_lasts_fifteen_minutes(client, employee, authority, organisation, monkeypatch):
    assert check_credential(client, cards.credential_card(authority)).status_code == 200
    later = utcnow() + personalise.ATTEMPT_LIFETIME + timedelta(seconds=1)
    monkeypatch.setattr("webapp.smartcards.personalise_views.utcnow", lambda: later)
    response = client.get(f"{BASE}/geboortedatum")
    assert response.headers["Location"] == f"{BASE}/uzi-pas"


def test_a_birth_date_is_stored_when_the_account_has_none(client, employee, authority, organisation):
    up_to_the_card(client, authority, birth_date="31-01-1980")
    db.session.refresh(employee)
    assert employee.birth_date == date(1980, 1, 31)
    page = client.get(f"{BASE}/kaart").get_data(as_text=True)
    assert "Haal uw UZI-pas uit de paslezer en stop uw lege smartcard erin." in page
    assert "Haal de smartcard er niet uit tot het proces is afgerond!" in page


def test_a_birth_date_that_differs_from_the_accounts_is_refused(client, employee, authority, organisation):
    employee.birth_date = date(1979, 5, 4)
    db.session.commit()
    assert check_credential(client, cards.credential_card(authority)).status_code == 200
    response = client.post(f"{BASE}/geboortedatum", data={"birth_date": "1980-01-31"})
    assert response.status_code == 400
    assert personalise.BIRTH_DATE_DIFFERS in response.get_data(as_text=True)
    db.session.refresh(employee)
    assert employee.birth_date == date(1979, 5, 4)
    assert client.get(f"{BASE}/kaart").headers["Location"] == f"{BASE}/geboortedatum"
    response = client.post(f"{BASE}/geboortedatum", data={"birth_date": "04-05-1979"})
    assert response.status_code == 303


def test_a_card_is_made_active_with_the_certificate_the_portal_issued(client, app, employee, authority, organisation):
    up_to_the_card(client, authority)
    key, certificate_b64 = make_card(client)
    card = the_card()
    assert card.state == "personalising"
    certificate = x509.load_der_x509_certificate(card.certificate)
    certificate.verify_directly_issued_by(trust.issuing_ca().certificate)
    assert certificate.public_key().public_numbers() == key.public_key().public_numbers()
    subject = certificate.subject
    assert subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "Roos de Winter"
    assert subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)[0].value == organisation.name
    assert subject.get_attributes_for_oid(x509.NameOID.SERIAL_NUMBER)[0].value == card.card_serial
    assert card.certificate_serial == format(certificate.serial_number, "x")
    assert card.expires_on == (utcnow() + timedelta(days=app.config["SMARTCARD_VALID_DAYS"])).date()
    assert (card.holder_id, card.holder_name, card.credential_number) == (employee.id, "Roos de Winter", "900012345")

    response = client.post(f"{BASE}/kaart/opgeslagen", json={"result": {"certificate": certificate_b64}})
    assert response.get_json() == {"ok": True, "next": f"{BASE}/gelukt"}
    db.session.refresh(card)
    assert card.state == "active"
    assert [(e.action, e.to_state) for e in card.events] == [("personalise", "personalising"), ("complete", "active")]
    page = client.get(f"{BASE}/gelukt").get_data(as_text=True)
    assert "Gelukt!" in page and card.card_serial in page
    # The attempt is over: the same answer cannot complete anything again.
    assert refused(client.post(f"{BASE}/kaart/opgeslagen", json={"result": {"certificate": certificate_b64}}))


def test_a_card_never_becomes_active_without_the_issued_certificate(client, employee, authority, organisation):
    up_to_the_card(client, authority)
    assert client.post(f"{BASE}/kaart/start").status_code == 200
    assert refused(client.post(f"{BASE}/kaart/opgeslagen", json={"result": {}})) == personalise.NOT_STORED
    make_card_key = ec.generate_private_key(ec.SECP256R1())
    client.post(f"{BASE}/kaart/certificaat", json={"public_key": cards.public_key_b64(make_card_key)})
    other = cards.credential_card(authority).certificate.public_bytes(serialization.Encoding.DER)
    message = refused(client.post(f"{BASE}/kaart/opgeslagen", json={"result": {"certificate": cards.b64(other)}}))
    assert message == personalise.NOT_STORED
    assert the_card().state == "personalising"


def test_a_second_certificate_or_a_weak_key_is_refused(client, employee, authority, organisation):
    up_to_the_card(client, authority)
    assert client.post(f"{BASE}/kaart/start").status_code == 200
    weak = ec.generate_private_key(ec.SECP192R1()) if hasattr(ec, "SECP192R1") else None
    if weak is not None:
        body = {"public_key": cards.public_key_b64(weak)}
        assert refused(client.post(f"{BASE}/kaart/certificaat", json=body)) == personalise.BAD_PUBLIC_KEY
    assert refused(client.post(f"{BASE}/kaart/certificaat", json={"public_key": "geen sleutel"}))
    key = ec.generate_private_key(ec.SECP256R1())
    assert client.post(f"{BASE}/kaart/certificaat", json={"public_key": cards.public_key_b64(key)}).status_code == 200
    again = client.post(f"{BASE}/kaart/certificaat", json={"public_key": cards.public_key_b64(key)})
    assert refused(again) == personalise.ALREADY_ISSUED


def test_a_card_pulled_out_half_way_fails_and_its_certificate_is_withdrawn(client, employee, authority, organisation):
    up_to_the_card(client, authority)
    make_card(client)
    assert client.post(f"{BASE}/kaart/mislukt", json={"code": "card_removed"}).get_json() == {"ok": True}
    card = the_card()
    assert card.state == "failed"
    assert card.revoked_at is not None  # on the revocation list: a half-made card is trusted nowhere
    assert refused(client.post(f"{BASE}/kaart/opgeslagen", json={"result": {}})) == personalise.NO_CARD_IN_PROGRESS

    # Starting again makes a new record: the failed one keeps its withdrawn certificate.
    key, certificate_b64 = make_card(client)
    assert the_card().id != card.id
    client.post(f"{BASE}/kaart/opgeslagen", json={"result": {"certificate": certificate_b64}})
    assert the_card().state == "active"
    assert db.session.get(Smartcard, card.id).state == "failed"


def test_a_failed_attempt_without_a_certificate_is_personalised_again(client, employee, authority, organisation):
    up_to_the_card(client, authority)
    assert client.post(f"{BASE}/kaart/start").status_code == 200
    client.post(f"{BASE}/kaart/mislukt", json={"code": "card_changed"})
    failed = the_card()
    assert (failed.state, failed.revoked_at) == ("failed", None)
    key, certificate_b64 = make_card(client)
    card = the_card()
    assert card.id == failed.id and card.state == "personalising"
    assert [e.to_state for e in card.events] == ["personalising", "failed", "personalising"]


def test_starting_again_fails_an_attempt_left_under_way(client, employee, authority, organisation):
    up_to_the_card(client, authority)
    make_card(client)
    first = the_card()
    assert client.post(f"{BASE}/kaart/start").status_code == 200
    assert db.session.get(Smartcard, first.id).state == "failed"
    states = db.session.scalars(select(Smartcard.state).where(Smartcard.holder_id == employee.id)).all()
    assert sorted(states) == ["failed", "personalising"]


def test_the_periodic_job_fails_cards_left_half_made(client, app, employee, authority, organisation):
    up_to_the_card(client, authority)
    make_card(client)
    card = the_card()
    assert personalise.fail_stale_cards(utcnow() + timedelta(minutes=14)).startswith("0 ")
    assert db.session.get(Smartcard, card.id).state == "personalising"
    said = personalise.fail_stale_cards(utcnow() + personalise.STALE_AFTER + timedelta(minutes=1))
    db.session.commit()
    assert said.startswith("1 ")
    card = db.session.get(Smartcard, card.id)
    assert card.state == "failed" and card.revoked_at is not None
    assert db.session.scalars(select(SmartcardEvent.actor_id).where(SmartcardEvent.action == "fail")).all() == [None]
    assert "personalise.fail_stale_cards" in " ".join(
        task.name for task in app.extensions["loket.modules"].all("periodic")
    )


def test_the_attempt_is_audited_without_secrets(client, employee, authority, organisation):
    up_to_the_card(client, authority)
    key, certificate_b64 = make_card(client)
    client.post(f"{BASE}/kaart/opgeslagen", json={"result": {"certificate": certificate_b64}})
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    for action in (
        "smartcard.credential_checked",
        "membership.added",
        "account.birth_date_set",
        "smartcard.personalise",
        "smartcard.certificate_issued",
        "smartcard.complete",
    ):
        assert action in actions


def test_a_certificate_serial_that_reads_like_a_bsn_does_not_stop_the_card(
    client, employee, authority, organisation, monkeypatch
):
    """The audit trail refuses anything holding a BSN; a serial whose hex has nine such digits must still do."""
    monkeypatch.setattr(x509, "random_serial_number", lambda: int("123456782", 16))
    up_to_the_card(client, authority)
    make_card(client)
    assert the_card().certificate_serial == "123456782"
