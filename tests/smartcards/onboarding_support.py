"""Credential cards for the onboarding tests without the card stack: a key we hold, a certificate from a test CA
on the UZI profile, and the answer the card agent would give for a sign-in (cardagent.verify's signed data)."""

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cardagent.verify import sign_in_payload
from webapp.extensions import db
from webapp.smartcards.models import RegistrationRequest

SUBSCRIBER = "90000123"
OTHER_SUBSCRIBER = "90000999"


@dataclass
class Card:
    key: ec.EllipticCurvePrivateKey
    certificate: object

    def answer(self, origin: str, nonce: str) -> dict:
        """The agent's sign_in result: the card signed SHA-256(origin) || SHA-256(nonce)."""
        signature = self.key.sign(sign_in_payload(origin, nonce), ec.ECDSA(hashes.SHA256()))
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        return {
            "origin": origin,
            "algorithm": "ES256",
            "signature": base64.b64encode(signature).decode(),
            "certificate": base64.b64encode(der).decode(),
        }

    def body(self, origin: str, nonce: str) -> bytes:
        """What the page posts: the challenge and the agent's answer."""
        return json.dumps({"nonce": nonce, "result": self.answer(origin, nonce)}).encode()


def make_card(authority, *, card_type="Z", subscriber=SUBSCRIBER, days=825, not_before=None) -> Card:
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = authority.issue_credential(
        key.public_key(),
        given_name="Anne",
        surname="de Vries",
        uzi_number="123456782",
        card_type=card_type,
        subscriber_number=subscriber,
        days=days,
        not_before=not_before,
    )
    return Card(key, certificate)


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
