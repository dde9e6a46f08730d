"""The agent's card operations with the in-process virtual card and a scripted prompt, and the
server-side check of a sign-in."""

import base64
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from cardagent import piv
from cardagent.operations import CardOperations, OperationError
from cardagent.prompt import ScriptedPrompt
from cardagent.testca import create_test_ca
from cardagent.verify import Challenges, SignInInvalid, verify_sign_in
from cardagent.virtualcard import VirtualPivCard, VirtualReader, blank_state, credential_state

ORIGIN = "https://portal.example"


@pytest.fixture(scope="module")
def ca():
    return create_test_ca()


class Setup:
    def __init__(self, tmp_path, state):
        self.card = VirtualPivCard(state)
        self.answers = tmp_path / "answers.json"
        self.prompt = ScriptedPrompt(self.answers)
        self.operations = CardOperations(VirtualReader(self.card), self.prompt)

    def answer(self, **answers):
        self.answers.write_text(json.dumps(answers))

    def shown(self):
        if not self.prompt.transcript.exists():
            return []
        return [json.loads(line) for line in self.prompt.transcript.read_text().splitlines()]


@pytest.fixture
def credential(tmp_path, ca):
    return Setup(tmp_path, credential_state(ca))


@pytest.fixture
def blank(tmp_path):
    return Setup(tmp_path, blank_state())


def test_sign_in_verifies_on_the_server_and_names_the_origin_in_the_prompt(credential, ca):
    challenges = Challenges()
    nonce = challenges.issue()
    credential.answer(pin="123456")
    result = credential.operations.sign_in(ORIGIN, {"nonce": nonce})
    certificate = verify_sign_in(
        result, expected_origin=ORIGIN, nonce=nonce, challenges=challenges, trusted_cas=[ca.certificate]
    )
    assert certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "Test Zorgverlener"
    assert result["common_name"] == "Test Zorgverlener"
    assert credential.shown() == [
        {
            "kind": "pin",
            "origin": ORIGIN,
            "operation": "Inloggen met uw kaart",
            "reader": "Virtual PCD 00 00",
            "tries_left": 3,
        }
    ]
    assert "123456" not in json.dumps(result)


def test_replayed_sign_in_fails(credential, ca):
    challenges = Challenges()
    nonce = challenges.issue()
    credential.answer(pin="123456")
    result = credential.operations.sign_in(ORIGIN, {"nonce": nonce})
    verify_sign_in(result, expected_origin=ORIGIN, nonce=nonce, challenges=challenges, trusted_cas=[ca.certificate])
    with pytest.raises(SignInInvalid, match="challenge"):
        verify_sign_in(result, expected_origin=ORIGIN, nonce=nonce, challenges=challenges, trusted_cas=[ca.certificate])


def test_challenge_relayed_through_a_foreign_origin_fails(credential, ca):
    """A phishing site passes our nonce to the agent: the card signs the phishing origin."""
    challenges = Challenges()
    nonce = challenges.issue()
    credential.answer(pin="123456")
    result = credential.operations.sign_in("https://portal.example.evil", {"nonce": nonce})
    result["origin"] = ORIGIN  # lying about it does not help
    with pytest.raises(SignInInvalid, match="signature"):
        verify_sign_in(result, expected_origin=ORIGIN, nonce=nonce, challenges=challenges, trusted_cas=[ca.certificate])


def test_sign_in_with_an_untrusted_ca_or_an_unissued_nonce_fails(credential, ca):
    challenges = Challenges()
    nonce = challenges.issue()
    credential.answer(pin="123456")
    result = credential.operations.sign_in(ORIGIN, {"nonce": nonce})
    with pytest.raises(SignInInvalid, match="trusted CA"):
        verify_sign_in(result, expected_origin=ORIGIN, nonce=nonce, trusted_cas=[create_test_ca().certificate])
    with pytest.raises(SignInInvalid, match="challenge"):
        verify_sign_in(
            result, expected_origin=ORIGIN, nonce="x" * 43, challenges=challenges, trusted_cas=[ca.certificate]
        )


def test_expired_challenge_fails():
    now = [0.0]
    challenges = Challenges(lifetime_seconds=60, clock=lambda: now[0])
    nonce = challenges.issue()
    now[0] = 61
    assert not challenges.take(nonce)


def test_rsa_credential_signs_in(tmp_path, ca):
    setup = Setup(tmp_path, credential_state(ca, algorithm="RSA-2048"))
    setup.answer(pin="123456")
    challenges = Challenges()
    nonce = challenges.issue()
    result = setup.operations.sign_in(ORIGIN, {"nonce": nonce})
    assert result["algorithm"] == "RS256"
    verify_sign_in(result, expected_origin=ORIGIN, nonce=nonce, challenges=challenges, trusted_cas=[ca.certificate])


def test_wrong_pin_reports_tries_left_and_blocks_after_three(credential):
    credential.answer(pin="999999")
    for expected in (2, 1):
        with pytest.raises(piv.WrongPin) as wrong:
            credential.operations.sign_in(ORIGIN, {"nonce": "n" * 43})
        assert wrong.value.tries_left == expected
    with pytest.raises(piv.PinBlocked):
        credential.operations.sign_in(ORIGIN, {"nonce": "n" * 43})
    # Blocked: the agent says so without asking for a PIN again.
    asked = len(credential.shown())
    with pytest.raises(piv.PinBlocked):
        credential.operations.sign_in(ORIGIN, {"nonce": "n" * 43})
    assert len(credential.shown()) == asked
    assert [entry["tries_left"] for entry in credential.shown()] == [3, 2, 1]

    credential.answer(puk="12345678", new_pin="24681357")
    assert credential.operations.unblock_pin(ORIGIN, {}) == {"unblocked": True}
    credential.answer(pin="24681357")
    credential.operations.sign_in(ORIGIN, {"nonce": "n" * 43})


def test_cancelled_prompt_touches_nothing(credential):
    credential.answer(cancel=True)
    before = credential.card.state.to_json()
    with pytest.raises(OperationError) as error:
        credential.operations.sign_in(ORIGIN, {"nonce": "n" * 43})
    assert error.value.code == "cancelled"
    assert credential.card.state.to_json() == before


def test_personalise_a_blank_card(blank, ca):
    blank.answer(new_pin="13572468")
    result = blank.operations.personalise(ORIGIN, {"algorithm": "EC-P256"})
    state = blank.card.state
    shown = blank.shown()
    assert [entry["kind"] for entry in shown] == ["new_pin", "show_puk"]
    puk = shown[1]["puk"]
    assert len(puk) == 8 and puk.isdigit() and puk != piv.DEFAULT_PUK
    assert puk not in json.dumps(result)  # the PUK is shown to the user, never returned
    assert (state.pin, state.puk) == ("13572468", puk)
    assert state.personalised
    assert state.management_key != piv.DEFAULT_MANAGEMENT_KEY

    public_key = serialization.load_der_public_key(base64.b64decode(result["public_key"]))
    certificate = ca.issue(public_key, "Nieuwe Kaarthouder")
    blank.answer(pin="13572468")
    der = certificate.public_bytes(serialization.Encoding.DER)
    stored = blank.operations.store_certificate(ORIGIN, {"certificate": base64.b64encode(der).decode()})
    assert stored["common_name"] == "Nieuwe Kaarthouder"

    challenges = Challenges()
    nonce = challenges.issue()
    signed = blank.operations.sign_in(ORIGIN, {"nonce": nonce})
    verify_sign_in(signed, expected_origin=ORIGIN, nonce=nonce, challenges=challenges, trusted_cas=[ca.certificate])

    with pytest.raises(OperationError) as again:
        blank.operations.personalise(ORIGIN, {})
    assert again.value.code == "not_blank"


def test_store_certificate_refuses_a_certificate_for_another_key(tmp_path, ca):
    setup = Setup(tmp_path, credential_state(ca))
    other = ca.issue(create_test_ca().key.public_key(), "Iemand anders")
    setup.answer(pin="123456")
    before = setup.card.state.objects.get("5FC105")
    der = other.public_bytes(serialization.Encoding.DER)
    with pytest.raises(OperationError) as error:
        setup.operations.store_certificate(ORIGIN, {"certificate": base64.b64encode(der).decode()})
    assert error.value.code == "certificate_mismatch"
    assert setup.card.state.objects.get("5FC105") == before


def test_personalise_refuses_mismatched_new_pins(blank):
    blank.answer(new_pin="13572468", new_pin_repeat="13572469")
    with pytest.raises(OperationError) as error:
        blank.operations.personalise(ORIGIN, {})
    assert error.value.code == "pin_rejected"
    assert not blank.card.state.personalised


@pytest.mark.parametrize("pin", ["000000", "123456", "111111"])
def test_personalise_refuses_a_trivial_new_pin(blank, pin):
    blank.answer(new_pin=pin, new_pin_repeat=pin)
    with pytest.raises(OperationError) as error:
        blank.operations.personalise(ORIGIN, {})
    assert error.value.code == "pin_rejected"
    assert not blank.card.state.personalised


def test_change_pin(credential):
    credential.answer(pin="123456", new_pin="97531864")
    assert credential.operations.change_pin(ORIGIN, {}) == {"changed": True}
    assert credential.card.state.pin == "97531864"


def test_status_of_blank_and_credential_cards(blank, credential):
    [reader] = blank.operations.list_readers(ORIGIN, {})["readers"]
    assert reader["blank"] and reader["pin_tries_left"] == 3
    [reader] = credential.operations.list_readers(ORIGIN, {})["readers"]
    assert reader["personalised"] and reader["has_certificate"]


def test_no_card_in_the_reader(tmp_path):
    operations = CardOperations(VirtualReader(None), ScriptedPrompt(tmp_path / "a.json"))
    with pytest.raises(OperationError) as error:
        operations.read_certificate(ORIGIN, {})
    assert error.value.code == "no_card"


def test_read_certificate(credential):
    result = credential.operations.read_certificate(ORIGIN, {})
    certificate = x509.load_der_x509_certificate(base64.b64decode(result["certificate"]))
    assert certificate.issuer.rfc4514_string() == result["issuer"]


def test_card_swapped_while_the_prompt_is_open_gets_no_pin(tmp_path, ca):
    first = VirtualPivCard(credential_state(ca, pin="11112222"))
    second = VirtualPivCard(credential_state(ca, pin="33334444"))
    reader = VirtualReader(first)

    class SwappingPrompt(ScriptedPrompt):
        def ask_pin(self, request):
            reader.card = second  # the user swaps cards while typing the first card's PIN
            return "11112222"

    operations = CardOperations(reader, SwappingPrompt(tmp_path / "a.json"))
    with pytest.raises(OperationError) as error:
        operations.sign_in(ORIGIN, {"nonce": "n" * 43})
    assert error.value.code == "card_changed"
    assert second.state.pin_tries == 3  # the second card never saw the first card's PIN
