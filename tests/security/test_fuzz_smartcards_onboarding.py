"""Fuzz the pages of Organisatie valideren, Registreren administrator and Koppelen smartphone, on both databases:
see tests/security/fuzzing.py for what is checked. Besides the anonymous visitor the world has three
representatives who got as far as each step with a real (test CA) care-provider card: "representative" (card
checked), "validated" (organisation validated) and "coupling" (administrator registered, QR code pending)."""

import json

import pytest
from cryptography.hazmat.primitives import serialization

from cardagent.testca import create_test_ca
from tests.security.fuzzing import Target, fuzz_tests, row_counts
from tests.smartcards.onboarding_support import make_card, registration_request

ORIGIN = "http://localhost"


def json_body(values):
    return {"data": json.dumps(values), "content_type": "application/json"}


@pytest.fixture
def fuzz_world(fuzz_world, tmp_path):
    """The shared world, plus visitors who reached each step of the onboarding with their own request."""
    app = fuzz_world.app
    authority = create_test_ca("UZI-register Test CA")
    ca_file = tmp_path / "credential-ca.pem"
    ca_file.write_bytes(authority.certificate.public_bytes(serialization.Encoding.PEM))
    app.config["CREDENTIAL_CA_FILE"] = str(ca_file)
    for steps, role in enumerate(("representative", "validated", "coupling"), start=1):
        subscriber = f"9100000{steps}"
        registration_request(subscriber=subscriber, kvk=f"8800000{steps}", name=f"Zorggroep {steps}")
        client = app.test_client()
        nonce = client.post("/smartcards/valideren/uitdaging").get_json()["nonce"]
        body = make_card(authority, subscriber=subscriber).answer(nonce, ORIGIN)
        assert (
            client.post("/smartcards/valideren/controle", data=body, content_type="application/json").status_code == 200
        )
        if steps >= 2:
            assert client.post("/smartcards/valideren/organisatie").status_code == 303
        if steps >= 3:
            registered = client.post(
                "/smartcards/administrator", data={"birth_date": "14-03-1980", "email": f"beheer{steps}@zorg.example"}
            )
            assert registered.headers["Location"] == "/smartcards/koppelen"
        fuzz_world.clients[role] = client
    return fuzz_world


TARGETS = [
    Target("anonymous", "GET", "smartcard_onboarding.start"),
    Target("anonymous", "POST", "smartcard_onboarding.challenge"),
    Target(
        "anonymous",
        "POST",
        "smartcard_onboarding.check",
        ("nonce", "result"),
        body=json_body,
        valid=lambda world: {"nonce": "x", "result": {}},
    ),
    Target("anonymous", "GET", "smartcard_onboarding.organisation"),
    Target("representative", "POST", "smartcard_onboarding.organisation"),
    Target("anonymous", "GET", "smartcard_onboarding.administrator"),
    Target(
        "validated",
        "POST",
        "smartcard_onboarding.administrator",
        ("birth_date", "email"),
        valid=lambda world: {"birth_date": "14-03-1980", "email": "anne@zorg.example"},
    ),
    Target("anonymous", "GET", "smartcard_onboarding.couple"),
    Target("coupling", "POST", "smartcard_onboarding.couple", ("code",)),
    Target("coupling", "POST", "smartcard_onboarding.new_coupling"),
    Target("anonymous", "GET", "smartcard_onboarding.done"),
]


test_fuzz, test_endpoints_without_fields = fuzz_tests(TARGETS)


UNREADABLE = {
    "nested 100,000 deep": '{"result": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "not an object": "[1]",
    "not UTF-8": b"\xff\xfe\xfa",
    "empty": "",
    "too large": '{"nonce": "' + "x" * 70_000 + '"}',
}


@pytest.mark.parametrize("body", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_an_unreadable_card_answer_is_refused_in_dutch(fuzz_world, body):
    visitor = fuzz_world.clients["anonymous"]
    visitor.post("/smartcards/valideren/uitdaging")
    before = row_counts()
    response = visitor.post("/smartcards/valideren/controle", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "De kaart kon niet worden gecontroleerd" in response.get_json()["message"]
    assert row_counts() == before
