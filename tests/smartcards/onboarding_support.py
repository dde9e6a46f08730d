"""The onboarding tests' credential cards (tests.smartcards.cards, as the representative holds them) and
registration requests, without the card stack."""

from datetime import UTC, datetime, timedelta

from tests.smartcards.cards import SUBSCRIBER, Card, credential_card
from webapp.extensions import db
from webapp.smartcards.models import RegistrationRequest

OTHER_SUBSCRIBER = "90000999"


def make_card(authority, *, card_type="Z", subscriber=SUBSCRIBER, days=825, not_before=None) -> Card:
    """The representative's care-provider card (type Z) by default."""
    return credential_card(
        authority,
        card_type=card_type,
        subscriber=subscriber,
        uzi_number="123456782",
        given_name="Anne",
        surname="de Vries",
        days=days,
        not_before=not_before,
    )


def expired_card(authority) -> Card:
    return make_card(authority, days=30, not_before=datetime.now(UTC) - timedelta(days=60))


def registration_request(state="accepted", subscriber=SUBSCRIBER, name="Zorggroep Duinzicht", kvk="12345678"):
    request = RegistrationRequest(
        organisation_name=name,
        kvk_number=kvk,
        subscriber_number=subscriber,
        street="Duinweg",
        house_number="12",
        postcode="1781 AB",
        city="Den Helder",
        representative_name="Anne de Vries",
        email="anne@duinzicht.example",
        phone="0223 123456",
        state=state,
    )
    db.session.add(request)
    db.session.commit()
    return request
