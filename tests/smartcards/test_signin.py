"""Inloggen met smartcard and the smartcard step-up, with in-process cards: an active card starts a session at
EH3; a blocked card is refused until it is unblocked; a revoked card for good; an expired or unknown card, a
replayed or relayed challenge, and another user's card at the step-up are each refused with their message."""

import secrets
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from tests.factories import login
from tests.smartcards import cards
from webapp.accounts.models import LoginSession
from webapp.core.models import AuditEvent
from webapp.core.timeutil import utcnow
from webapp.extensions import db
from webapp.smartcards import ca, history, signin, trust
from webapp.smartcards.models import Smartcard

SIGN_IN = "/smartcards/inloggen"
STEP_UP = "/smartcards/verificatie"


@pytest.fixture
def organisation(app, tmp_path):
    cards.configure(app, tmp_path)
    return cards.validated_organisation()


@pytest.fixture
def holder(factory):
    return factory.user("roos@herenbos.example", first_name="Roos", last_name="de Winter")


def smartcard(holder, organisation, *, now=None, valid_for=timedelta(days=1095), state="active", record=True):
    """A card the portal issued: its key (the 'card') and its record."""
    now = now or utcnow()
    key = ec.generate_private_key(ec.SECP256R1())
    serial = secrets.token_hex(8).upper()
    certificate = ca.issue(
        trust.issuing_ca(),
        key.public_key(),
        holder_name="Roos de Winter",
        organisation_name=organisation.name,
        card_serial=serial,
        now=now,
        valid_for=valid_for,
        crl_url=trust.crl_url(),
    )
    card = Smartcard(
        organisation_id=organisation.id,
        holder_id=holder.id,
        holder_name="Roos de Winter",
        card_serial=serial,
        certificate=certificate.public_bytes(serialization.Encoding.DER),
        certificate_serial=format(certificate.serial_number, "x"),
        state=state,
        issued_on=now.date(),
        expires_on=certificate.not_valid_after_utc.date(),
    )
    if record:
        db.session.add(card)
        db.session.commit()
    return cards.Card(key, certificate), card


def sign_in(client, card, base=SIGN_IN, origin=cards.ORIGIN, query=""):
    nonce = client.post(f"{base}/uitdaging").get_json()["nonce"]
    return client.post(f"{base}/controle{query}", data=card.answer(nonce, origin), content_type="application/json")


def refused(response) -> str:
    assert response.status_code == 400, response.get_json()
    return response.get_json()["message"]


def logins(user) -> list[LoginSession]:
    return db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)).all()


def test_the_login_page_links_to_it(client):
    assert f'href="{SIGN_IN}"' in client.get("/inloggen").get_data(as_text=True)
    page = client.get(SIGN_IN).get_data(as_text=True)
    assert "Inloggen met smartcard" in page and "<noscript>" in page


def test_an_active_card_starts_a_session_at_eh3(client, holder, organisation):
    key, card = smartcard(holder, organisation)
    client.get(SIGN_IN)
    response = sign_in(client, key, query="?next=/mijn-gegevens")
    assert response.get_json() == {"ok": True, "next": "/mijn-gegevens"}
    [login_session] = logins(holder)
    assert login_session.level == "EH3"
    assert client.get("/mijn-gegevens").status_code == 200
    db.session.refresh(card)
    assert card.last_used_at is not None
    assert "smartcard.sign_in" in db.session.scalars(select(AuditEvent.action)).all()


def test_an_open_redirect_is_not_followed(client, holder, organisation):
    key, _ = smartcard(holder, organisation)
    assert sign_in(client, key, query="?next=https://elders.example/").get_json()["next"] == "/"


def test_the_session_id_changes_at_sign_in(client, factory, holder, organisation):
    other = factory.user("ander@herenbos.example")
    login(client, other.email)
    key, _ = smartcard(holder, organisation)
    assert sign_in(client, key).status_code == 200
    assert logins(other)[0].level == "EH1"  # the other's session row is left; this browser's cookie changed
    assert [s.level for s in logins(holder)] == ["EH3"]
    assert "Roos de Winter" in client.get("/mijn-gegevens").get_data(as_text=True)


def test_a_blocked_card_is_refused_until_it_is_unblocked(client, holder, organisation):
    key, card = smartcard(holder, organisation)
    history.move(card, "block", actor_id=None, reason="lost")
    db.session.commit()
    assert refused(sign_in(client, key)) == signin.BLOCKED
    assert logins(holder) == []
    history.move(db.session.get(Smartcard, card.id), "unblock", actor_id=None)
    db.session.commit()
    assert sign_in(client, key).status_code == 200


def test_a_revoked_card_is_refused_for_good(client, holder, organisation):
    key, card = smartcard(holder, organisation)
    history.move(card, "revoke", actor_id=None, reason="stolen")
    card.revoked_at = utcnow()
    db.session.commit()
    assert refused(sign_in(client, key)) == signin.REVOKED
    assert logins(holder) == []


def test_an_expired_card_is_refused(client, holder, organisation):
    key, _ = smartcard(holder, organisation, now=utcnow() - timedelta(days=10), valid_for=timedelta(days=5))
    assert refused(sign_in(client, key)) == signin.EXPIRED


@pytest.mark.parametrize("state", ["personalising", "failed"])
def test_an_unfinished_card_is_refused(client, holder, organisation, state):
    key, _ = smartcard(holder, organisation, state=state)
    assert refused(sign_in(client, key)) == signin.UNFINISHED


def test_an_unknown_card_is_refused(client, holder, organisation):
    unrecorded, _ = smartcard(holder, organisation, record=False)
    assert refused(sign_in(client, unrecorded)) == signin.UNKNOWN
    from cardagent.testca import create_test_ca

    credential = cards.credential_card(create_test_ca("UZI-register Test CA"))
    assert refused(sign_in(client, credential)) == signin.UNKNOWN
    assert logins(holder) == []


def test_a_replayed_or_relayed_challenge_is_refused(client, holder, organisation):
    key, _ = smartcard(holder, organisation)
    relayed = sign_in(client, key, origin="https://elders.example")
    assert "gecontroleerd" in refused(relayed)
    nonce = client.post(f"{SIGN_IN}/uitdaging").get_json()["nonce"]
    answer = key.answer(nonce)
    assert client.post(f"{SIGN_IN}/controle", data=answer, content_type="application/json").status_code == 200
    client.post("/uitloggen")
    again = client.post(f"{SIGN_IN}/controle", data=answer, content_type="application/json")
    assert "gecontroleerd" in refused(again)
    # A challenge for the step-up is no good for signing in.
    login(client, holder.email)
    nonce = client.post(f"{STEP_UP}/uitdaging").get_json()["nonce"]
    assert "gecontroleerd" in refused(
        client.post(f"{SIGN_IN}/controle", data=key.answer(nonce), content_type="application/json")
    )


def test_the_step_up_raises_the_session_to_eh3_with_the_users_own_card(client, holder, organisation):
    key, _ = smartcard(holder, organisation)
    login(client, holder.email)
    page = client.get("/verificatie?level=EH3&next=/mijn-gegevens").get_data(as_text=True)
    assert f'href="{STEP_UP}?next=/mijn-gegevens"' in page
    assert client.get(f"{STEP_UP}?next=/mijn-gegevens").status_code == 200
    response = sign_in(client, key, base=STEP_UP, query="?next=/mijn-gegevens")
    assert response.get_json() == {"ok": True, "next": "/mijn-gegevens"}
    [login_session] = logins(holder)
    assert login_session.level == "EH3"
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "account.step_up")).scalar_one()
    assert '"method": "smartcard"' in event.detail


def test_the_step_up_refuses_another_users_card(client, factory, holder, organisation):
    other = factory.user("ander@herenbos.example")
    key, _ = smartcard(holder, organisation)
    login(client, other.email)
    assert refused(sign_in(client, key, base=STEP_UP)) == signin.NOT_YOURS
    assert [s.level for s in logins(other)] == ["EH1"]


def test_the_step_up_is_offered_only_with_an_active_card(client, holder, organisation):
    login(client, holder.email)
    page = client.get("/verificatie?level=EH3").get_data(as_text=True)
    assert STEP_UP not in page
    smartcard(holder, organisation)
    assert STEP_UP in client.get("/verificatie?level=EH3").get_data(as_text=True)


def test_the_step_up_needs_a_login(client):
    assert client.get(STEP_UP).status_code == 302
    assert client.post(f"{STEP_UP}/controle", data=b"{}", content_type="application/json").status_code == 302


def test_an_expired_or_withdrawn_card_offers_no_step_up(client, holder, organisation):
    smartcard(holder, organisation, now=utcnow() - timedelta(days=10), valid_for=timedelta(days=5))
    _, withdrawn = smartcard(holder, organisation)
    withdrawn.revoked_at = utcnow()
    db.session.commit()
    login(client, holder.email)
    assert STEP_UP not in client.get("/verificatie?level=EH3").get_data(as_text=True)
