"""In-process cards for the smartcard tests: a credential card (UZI profile) from a test CA the portal trusts,
a smartcard key, answers signed as the card agent signs them, and a validated organisation."""

import base64
import json
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cardagent.testca import create_test_ca
from cardagent.verify import sign_in_payload
from webapp.accounts.models import Organisation
from webapp.core.timeutil import utcnow
from webapp.extensions import db
from webapp.smartcards.models import RegistrationRequest

ORIGIN = "http://localhost"  # the test app's PUBLIC_URL
SUBSCRIBER = "90000123"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass
class Card:
    """A key and its certificate, as a card holds them; it signs a challenge as the card agent does."""

    key: object
    certificate: object

    def answer(self, nonce: str, origin: str = ORIGIN) -> bytes:
        """The page's post after the agent's sign_in: the nonce and the agent's result."""
        signature = self.key.sign(sign_in_payload(origin, nonce), ec.ECDSA(hashes.SHA256()))
        result = {
            "origin": origin,
            "algorithm": "ES256",
            "signature": b64(signature),
            "certificate": b64(self.certificate.public_bytes(serialization.Encoding.DER)),
        }
        return json.dumps({"nonce": nonce, "result": result}).encode()


def configure(app, tmp_path):
    """Trust a fresh credential test CA and give the portal its own issuing CA in tmp_path; the test CA."""
    authority = create_test_ca("UZI-register Test CA")
    path = tmp_path / "credential-ca.pem"
    path.write_bytes(authority.certificate.public_bytes(serialization.Encoding.PEM))
    app.config["CREDENTIAL_CA_FILE"] = str(path)
    app.config["SMARTCARD_CA_KEY_FILE"] = str(tmp_path / "smartcard-ca" / "ca-key.pem")
    app.config["SMARTCARD_CA_CERT_FILE"] = str(tmp_path / "smartcard-ca" / "ca.pem")
    return authority


def credential_card(
    authority,
    card_type="N",
    subscriber=SUBSCRIBER,
    uzi_number="900012345",
    given_name="Roos",
    surname="de Winter",
    **extra,
) -> Card:
    """A credential card (UZI profile) from `authority`; extra goes to TestCA.issue_credential (days, ...)."""
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = authority.issue_credential(
        key.public_key(),
        given_name=given_name,
        surname=surname,
        uzi_number=uzi_number,
        card_type=card_type,
        subscriber_number=subscriber,
        **extra,
    )
    return Card(key, certificate)


def validated_organisation(name="Herenbos Schagen", subscriber=SUBSCRIBER) -> Organisation:
    organisation = Organisation(name=name, kind="care")
    db.session.add(organisation)
    db.session.flush()
    db.session.add(
        RegistrationRequest(
            organisation_name=name,
            kvk_number="12345678",
            subscriber_number=subscriber,
            street="Dorpsstraat",
            house_number="1",
            postcode="1741 AA",
            city="Schagen",
            representative_name="Anne de Vries",
            email="anne@herenbos.example",
            phone="0224 123456",
            state="validated",
            validated_at=utcnow(),
            organisation_id=organisation.id,
        )
    )
    db.session.commit()
    return organisation


def public_key_b64(key) -> str:
    return b64(
        key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
