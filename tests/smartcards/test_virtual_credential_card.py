"""`python -m cardagent.virtualcard --credential --card-type …` makes a credential card on the UZI profile for
any organisation, which the portal reads as such through the real stack (agent, pcscd, vpcd)."""

import base64
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509

from webapp.smartcards import credentials


def card_certificate(agent) -> x509.Certificate:
    reply = agent.call("read_certificate")
    assert reply["ok"], reply
    return x509.load_der_x509_certificate(base64.b64decode(reply["result"]["certificate"]))


@pytest.mark.parametrize("card_type", ["Z", "N"])
def test_the_virtual_card_is_a_credential_card_of_the_organisation_asked(stack, agent, test_ca, card_type):
    stack.insert(
        "credential", card_type=card_type, subscriber_number="12345678", uzi_number="900012345", surname="Jansen"
    )
    card = credentials.read(card_certificate(agent), [test_ca.certificate], datetime.now(UTC))
    assert (card.card_type, card.subscriber_number, card.uzi_number) == (card_type, "12345678", "900012345")
    assert card.holder_name == "Test Jansen"


def test_an_expired_virtual_credential_card_is_refused(stack, agent, test_ca):
    started = (datetime.now(UTC) - timedelta(days=40)).date().isoformat()
    stack.insert("credential", card_type="Z", not_before=started, days=30)
    with pytest.raises(credentials.Expired):
        credentials.read(card_certificate(agent), [test_ca.certificate], datetime.now(UTC))


def test_without_a_card_type_the_virtual_card_is_no_credential_card(stack, agent, test_ca):
    stack.insert("credential")
    with pytest.raises(credentials.NotACredentialCard):
        credentials.read(card_certificate(agent), [test_ca.certificate], datetime.now(UTC))
