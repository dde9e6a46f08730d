"""The PIV client against the in-process virtual card, at APDU level."""

import os

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from hypothesis import given, settings
from hypothesis import strategies as st

from cardagent import piv, tlv
from cardagent.testca import create_test_ca
from cardagent.virtualcard import VirtualPivCard, blank_state, credential_state
from cardagent.virtualcard import state as state_file
from cardagent.virtualcard.card import parse_apdu


class RecordingTransport:
    def __init__(self, card):
        self.card = card
        self.commands = []
        self.answers = []

    def transmit(self, apdu):
        self.commands.append(bytes(apdu))
        data, sw = self.card.transmit(apdu)
        self.answers.append(sw)
        return data, sw


@pytest.fixture(scope="module")
def ca():
    return create_test_ca()


@pytest.fixture
def blank():
    card = VirtualPivCard(blank_state())
    transport = RecordingTransport(card)
    session = piv.PivSession(transport)
    session.select()
    return session, transport, card


@pytest.fixture
def credential(ca):
    card = VirtualPivCard(credential_state(ca))
    session = piv.PivSession(RecordingTransport(card))
    session.select()
    return session, card


def test_select_answers_the_application_property_template(blank):
    session, _, _ = blank
    template = tlv.find(session.select(), 0x61)
    fields = tlv.as_dict(template)
    assert fields[0x4F] == bytes.fromhex("000010000100")
    assert tlv.find(fields[0x79], 0x4F) == bytes.fromhex("A000000308")
    algorithms = [value[0] for tag, value in tlv.parse(fields[0xAC]) if tag == 0x80]
    assert set(algorithms) >= {piv.ALG_3DES, piv.ALG_AES128, piv.ALG_RSA2048, piv.ALG_ECCP256}


def test_commands_before_select_and_other_applications_are_refused():
    card = VirtualPivCard(blank_state())
    session = piv.PivSession(card)
    with pytest.raises(piv.NotPivCard):
        session.get_data(piv.OBJECT_DISCOVERY)
    assert card.process(bytes.fromhex("00A4040007A0000000041010")) == b"\x6a\x82"


def test_discovery_object_names_the_piv_application_and_pin_policy(blank):
    session, _, _ = blank
    discovery = tlv.as_dict(session.get_data(piv.OBJECT_DISCOVERY))
    assert discovery[0x4F] == piv.PIV_AID
    assert discovery[0x5F2F] == b"\x40\x00"


def test_large_certificate_is_written_with_chaining_and_read_with_get_response(blank, ca):
    session, transport, _ = blank
    session.authenticate_management_key(piv.DEFAULT_MANAGEMENT_KEY, piv.ALG_3DES)
    key = session.generate_key(piv.SLOT_SIGNATURE, piv.ALG_RSA2048)
    certificate = ca.issue(key, "Een naam")
    assert len(certificate.public_bytes(serialization.Encoding.DER)) > 600

    transport.commands.clear()
    session.write_certificate(certificate, piv.SLOT_SIGNATURE)
    chained = [apdu for apdu in transport.commands if apdu[0] == 0x10]
    assert len(chained) >= 2 and all(apdu[1] == piv.INS_PUT_DATA for apdu in chained)
    assert transport.commands[-1][0] == 0x00

    transport.commands.clear()
    assert session.read_certificate(piv.SLOT_SIGNATURE) == certificate
    assert sum(apdu[1] == piv.INS_GET_RESPONSE for apdu in transport.commands) >= 2


def test_extended_length_get_data_returns_everything_at_once(credential):
    _, card = credential
    short = card.process(bytes.fromhex("00CB3FFF055C035FC10500"))
    assert short[-2] == 0x61
    extended = card.process(bytes.fromhex("00CB3FFF0000055C035FC1050000"))
    assert extended[-2:] == b"\x90\x00" and len(extended) > 258


def test_verify_without_data_tells_tries_left_without_spending_one(blank):
    session, _, _ = blank
    assert session.pin_tries_left() == 3
    assert session.pin_tries_left() == 3
    session.verify_pin("123456")
    assert session.pin_tries_left() == -1  # verified in this session


def test_three_wrong_pins_block_and_the_puk_unblocks(blank):
    session, _, card = blank
    with pytest.raises(piv.WrongPin) as first:
        session.verify_pin("000000")
    assert first.value.tries_left == 2
    with pytest.raises(piv.WrongPin) as second:
        session.verify_pin("000000")
    assert second.value.tries_left == 1
    with pytest.raises(piv.PinBlocked):
        session.verify_pin("000000")
    with pytest.raises(piv.PinBlocked):
        session.verify_pin("123456")  # the right PIN no longer helps
    assert session.pin_tries_left() == 0

    with pytest.raises(piv.WrongPuk) as wrong_puk:
        session.unblock_pin("87654321", "246810")
    assert wrong_puk.value.tries_left == 2
    session.unblock_pin("12345678", "246810")
    assert session.pin_tries_left() == 3
    session.verify_pin("246810")
    assert card.state.pin == "246810"


def test_puk_blocks_after_three_wrong_tries(blank):
    session, _, _ = blank
    for _ in range(2):
        with pytest.raises(piv.WrongPuk):
            session.unblock_pin("00000000", "246810")
    with pytest.raises(piv.PukBlocked):
        session.unblock_pin("00000000", "246810")
    with pytest.raises(piv.PukBlocked):
        session.unblock_pin("12345678", "246810")


def test_change_pin_and_puk(blank):
    session, _, card = blank
    with pytest.raises(piv.WrongPin):
        session.change_pin("654321", "111111")
    session.change_pin("123456", "13572468")
    session.change_puk("12345678", "24681357")
    assert (card.state.pin, card.state.puk) == ("13572468", "24681357")
    assert card.state.pin_tries == 3
    with pytest.raises(ValueError):
        session.change_pin("13572468", "123")


@pytest.mark.parametrize(
    "algorithm,key",
    [
        (piv.ALG_3DES, piv.DEFAULT_MANAGEMENT_KEY),
        (piv.ALG_AES128, bytes(range(16))),
    ],
)
@pytest.mark.parametrize("mutual", [True, False])
def test_management_key_authentication(blank, algorithm, key, mutual):
    session, _, card = blank
    card.state.management_algorithm = algorithm
    card.state.management_key = key
    session.authenticate_management_key(key, algorithm, mutual=mutual)
    assert card.management_authenticated
    wrong = bytes(len(key))
    with pytest.raises(piv.ManagementKeyRejected):
        session.authenticate_management_key(wrong, algorithm, mutual=mutual)
    assert not card.management_authenticated


def test_key_generation_and_writing_need_the_management_key(blank, ca):
    session, _, card = blank
    with pytest.raises(piv.AuthenticationRequired):
        session.generate_key(piv.SLOT_AUTHENTICATION, piv.ALG_ECCP256)
    with pytest.raises(piv.AuthenticationRequired):
        session.put_data(piv.OBJECT_CHUID, piv.new_chuid())
    assert card.state.keys == {} and not card.state.personalised


def test_new_management_key_replaces_the_default(blank):
    session, _, card = blank
    session.authenticate_management_key(piv.DEFAULT_MANAGEMENT_KEY)
    new_key = os.urandom(16)
    session.set_management_key(new_key, piv.ALG_AES128)
    session.select()
    with pytest.raises(piv.ManagementKeyRejected):
        session.authenticate_management_key(piv.DEFAULT_MANAGEMENT_KEY)
    session.authenticate_management_key(new_key, piv.ALG_AES128)


def test_ecdsa_and_rsa_signatures_need_the_pin(blank):
    session, _, _ = blank
    session.authenticate_management_key(piv.DEFAULT_MANAGEMENT_KEY)
    ec_key = session.generate_key(piv.SLOT_AUTHENTICATION, piv.ALG_ECCP256)
    rsa_key = session.generate_key(piv.SLOT_KEY_MANAGEMENT, piv.ALG_RSA2048)
    with pytest.raises(piv.AuthenticationRequired):
        session.sign(piv.SLOT_AUTHENTICATION, piv.ALG_ECCP256, b"message")
    session.verify_pin("123456")
    signature = session.sign(piv.SLOT_AUTHENTICATION, piv.ALG_ECCP256, b"message")
    ec_key.verify(signature, b"message", ec.ECDSA(hashes.SHA256()))
    signature = session.sign(piv.SLOT_KEY_MANAGEMENT, piv.ALG_RSA2048, b"message")
    rsa_key.verify(signature, b"message", padding.PKCS1v15(), hashes.SHA256())


def test_signature_slot_wants_the_pin_for_every_signature(blank):
    session, _, _ = blank
    session.authenticate_management_key(piv.DEFAULT_MANAGEMENT_KEY)
    session.generate_key(piv.SLOT_SIGNATURE, piv.ALG_ECCP256)
    session.verify_pin("123456")
    session.sign(piv.SLOT_SIGNATURE, piv.ALG_ECCP256, b"one")
    with pytest.raises(piv.AuthenticationRequired):
        session.sign(piv.SLOT_SIGNATURE, piv.ALG_ECCP256, b"two")


def test_reset_drops_the_verified_pin(credential):
    session, card = credential
    session.verify_pin("123456")
    card.reset()
    session.select()
    with pytest.raises(piv.AuthenticationRequired):
        session.sign(piv.SLOT_AUTHENTICATION, piv.ALG_ECCP256, b"x")


def test_protected_management_key_is_readable_only_after_the_pin(credential):
    session, card = credential
    with pytest.raises(piv.AuthenticationRequired):
        session.get_data(piv.OBJECT_PRINTED)
    session.verify_pin("123456")
    key = piv.management_key_from_protected(session.get_data(piv.OBJECT_PRINTED))
    assert key == card.state.management_key


def test_not_a_piv_card():
    class JavaCardWithoutPiv:
        def transmit(self, apdu):
            return b"", 0x6A82

    with pytest.raises(piv.NotPivCard):
        piv.PivSession(JavaCardWithoutPiv()).select()


def test_state_survives_a_restart_through_the_file(tmp_path, ca):
    path = tmp_path / "card.json"
    state_file.save(path, credential_state(ca, pin="24681357"))
    from cardagent.virtualcard import open_card

    card = open_card(path)
    session = piv.PivSession(card)
    session.select()
    with pytest.raises(piv.WrongPin):
        session.verify_pin("000000")
    certificate = session.read_certificate()

    again = open_card(path)
    session = piv.PivSession(again)
    session.select()
    assert session.pin_tries_left() == 2
    session.verify_pin("24681357")
    signature = session.sign(piv.SLOT_AUTHENTICATION, piv.ALG_ECCP256, b"after restart")
    certificate.public_key().verify(signature, b"after restart", ec.ECDSA(hashes.SHA256()))
    assert [p.name for p in tmp_path.iterdir()] == ["card.json"]  # no temporary files left


def test_apdu_parser_handles_all_four_cases():
    assert parse_apdu(bytes.fromhex("00200080")) == (0, 0x20, 0, 0x80, b"", 0)
    assert parse_apdu(bytes.fromhex("00FD000000"))[5] == 256
    assert parse_apdu(bytes.fromhex("00200080023132"))[4:] == (b"12", 0)
    assert parse_apdu(bytes.fromhex("00CB3FFF02AABB10"))[4:] == (b"\xaa\xbb", 0x10)
    assert parse_apdu(bytes.fromhex("00CB3FFF000002AABB0000"))[4:] == (b"\xaa\xbb", 65536)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_card_answers_any_bytes_with_a_status_word(apdu):
    card = VirtualPivCard(blank_state())
    card.process(bytes.fromhex("00A40400 09 A00000030800001000".replace(" ", "")))
    answer = card.process(apdu)
    assert len(answer) >= 2


@given(st.lists(st.tuples(st.sampled_from([0x53, 0x70, 0x5FC105, 0x7F49, 0x82]), st.binary(max_size=400)), max_size=5))
def test_tlv_round_trip(items):
    encoded = b"".join(tlv.tlv(tag, value) for tag, value in items)
    assert tlv.parse(encoded) == [(tag, value) for tag, value in items]
