"""The demo data: a validated care organisation whose administrator (with a coupled authenticator) sees a list
of cards in every state, with their history; loading it again changes nothing."""

import time

import pyotp
from sqlalchemy import func, select

from tests.factories import login
from webapp.core.modules import registry
from webapp.extensions import db
from webapp.smartcards import demo
from webapp.smartcards.models import CredentialCardSeen, RegistrationRequest, Smartcard, SmartcardEvent


def load_demo():
    """What `flask demo-data` does: each module's loader, then its commit."""
    lines = []
    for load in registry().each("demo"):
        lines += load()
        db.session.commit()
    return lines


def counts():
    return [
        db.session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (Smartcard, SmartcardEvent, CredentialCardSeen, RegistrationRequest)
    ]


def test_the_demo_shows_a_populated_list_to_its_administrator(app):
    lines = load_demo()
    assert any(demo.DEMO_TOTP_SECRET in line for line in lines)
    first = counts()
    load_demo()
    assert counts() == first
    request = db.session.execute(
        select(RegistrationRequest).where(RegistrationRequest.subscriber_number == demo.SUBSCRIBER_NUMBER)
    ).scalar_one()
    assert request.state == "validated" and request.organisation.name == "Zorggroep Duinstreek"
    assert {card.state for card in db.session.execute(select(Smartcard)).scalars()} >= {
        "active",
        "blocked",
        "revoked",
        "personalising",
        "failed",
    }

    client = app.test_client()
    login(client, demo.ADMINISTRATOR["email"], password=demo.DEMO_PASSWORD, organisation=request.organisation_id)
    code = pyotp.TOTP(demo.DEMO_TOTP_SECRET).at(time.time())
    assert client.post("/verificatie", data={"code": code}).status_code == 303
    page = client.get("/smartcards/beheer").get_data(as_text=True)
    for shown in ("Carla Jansen", "Geblokkeerd", "Ingetrokken", "Verlopen", "Wordt aangemaakt", "Karin Vos"):
        assert shown in page, shown
    revoked = db.session.execute(select(Smartcard).where(Smartcard.state == "revoked")).scalars().first()
    card_page = client.get(f"/smartcards/beheer/kaarten/{revoked.id}").get_data(as_text=True)
    assert "Uit dienst" in card_page and "Sanne de Graaf" in card_page
