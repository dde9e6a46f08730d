"""The real stack: agent process -> pyscard -> pcscd -> vpcd -> virtual card process."""

import base64
import json
import socket

import pytest
from cryptography.hazmat.primitives import serialization

from cardagent.verify import Challenges, verify_sign_in

from .support import wait_for

READER = "Virtual PCD 00 00"


def assert_no_secret(agent, *secrets):
    text = agent.log() + "\n".join(agent.frames)
    for secret in secrets:
        assert secret not in text


def test_list_readers_shows_the_card_and_its_state(credential_card, agent):
    reply = agent.call("list_readers")
    readers = {reader["name"]: reader for reader in reply["result"]["readers"]}
    assert readers[READER] == {
        "name": READER,
        "card_present": True,
        "piv": True,
        "personalised": True,
        "blank": False,
        "has_certificate": True,
        "pin_tries_left": 3,
        "pin_blocked": False,
    }
    assert readers["Virtual PCD 00 01"]["card_present"] is False


def test_sign_in_through_pcscd(credential_card, agent, test_ca):
    challenges = Challenges()
    nonce = challenges.issue()
    agent.answer(pin="123456")
    reply = agent.call("sign_in", {"nonce": nonce})
    assert reply["ok"], reply
    certificate = verify_sign_in(
        reply["result"],
        expected_origin=agent.origin,
        nonce=nonce,
        challenges=challenges,
        trusted_cas=[test_ca.certificate],
    )
    assert certificate.serial_number
    [question] = agent.transcript()
    assert (question["origin"], question["operation"]) == (agent.origin, "Inloggen met uw kaart")
    assert_no_secret(agent, "123456")
    assert "sign_in" in agent.log()  # the log is captured, so the check above means something


def test_wrong_pin_three_times_blocks_and_the_puk_unblocks(credential_card, agent):
    agent.answer(pin="000000")
    tries = []
    for _ in range(3):
        error = agent.call("sign_in", {"nonce": "C" * 43})["error"]
        tries.append((error["code"], error.get("tries_left")))
    assert tries == [("pin_wrong", 2), ("pin_wrong", 1), ("pin_blocked", None)]
    [status] = [r for r in agent.call("list_readers")["result"]["readers"] if r["name"] == READER]
    assert status["pin_blocked"] and status["pin_tries_left"] == 0

    agent.answer(puk="12345678", new_pin="86420975")
    assert agent.call("unblock_pin")["result"] == {"unblocked": True}
    agent.answer(pin="86420975")
    assert agent.call("sign_in", {"nonce": "C" * 43})["ok"]
    assert credential_card.state()["pin_tries"] == 3
    assert_no_secret(agent, "000000", "12345678", "86420975")


def test_personalise_a_blank_card_then_sign_in(blank_card, agent, test_ca):
    agent.answer(new_pin="97531864")
    reply = agent.call("personalise", {"algorithm": "EC-P256"})
    assert reply["ok"], reply
    shown = agent.transcript()
    puk = shown[-1]["puk"]
    assert [entry["kind"] for entry in shown] == ["new_pin", "show_puk"]

    public_key = serialization.load_der_public_key(base64.b64decode(reply["result"]["public_key"]))
    certificate = test_ca.issue(public_key, "Nieuwe Kaarthouder")
    agent.answer(pin="97531864")
    stored = agent.call(
        "store_certificate",
        {"certificate": base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()},
    )
    assert stored["ok"], stored

    challenges = Challenges()
    nonce = challenges.issue()
    signed = agent.call("sign_in", {"nonce": nonce})
    verify_sign_in(
        signed["result"],
        expected_origin=agent.origin,
        nonce=nonce,
        challenges=challenges,
        trusted_cas=[test_ca.certificate],
    )
    state = blank_card.state()
    assert state["personalised"] and state["puk"] == puk
    assert_no_secret(agent, "97531864", puk)


def test_change_pin(credential_card, agent):
    agent.answer(pin="123456", new_pin="24681357")
    assert agent.call("change_pin")["ok"]
    assert credential_card.state()["pin"] == "24681357"
    assert_no_secret(agent, "123456", "24681357")


def test_refused_pages_leave_the_card_untouched(credential_card, agent, handshake):
    agent.call("list_readers")
    commands = credential_card.commands()
    state = credential_card.state()
    assert handshake(
        agent.port, {"Host": f"127.0.0.1:{agent.port}", "Origin": "https://portal.example.evil"}
    ).startswith("HTTP/1.1 403")
    assert handshake(agent.port, {"Host": f"rebind.example:{agent.port}", "Origin": agent.origin}).startswith(
        "HTTP/1.1 403"
    )
    assert agent.call("transmit", {"apdu": "00200080"})["error"]["code"] == "unknown_op"
    assert credential_card.commands() == commands
    assert credential_card.state() == state


def test_agent_listens_on_loopback_only(agent):
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent; this only picks an interface
        address = probe.getsockname()[0]
    except OSError:
        address = None
    finally:
        probe.close()
    if not address or address.startswith("127."):
        pytest.skip("this machine has no non-loopback address to try")
    with pytest.raises(OSError):
        socket.create_connection((address, agent.port), timeout=2).close()


def test_no_card_is_reported(stack, agent):
    stack.remove()
    reply = agent.call("sign_in", {"nonce": "D" * 43})
    assert reply["error"]["code"] == "no_card"
    assert agent.transcript() == []  # nobody was asked for a PIN


def test_pcsc_errors_become_clear_card_errors(pyscard):
    from smartcard import scard

    from cardagent import pcsc, piv

    assert isinstance(pcsc._error(scard.SCARD_W_REMOVED_CARD), piv.CardRemoved)
    assert isinstance(pcsc._error(scard.SCARD_E_NO_SMARTCARD), piv.CardRemoved)
    assert isinstance(pcsc._error(scard.SCARD_E_NO_SERVICE), pcsc.PcscUnavailable)
    assert isinstance(pcsc._error(scard.SCARD_E_UNKNOWN_READER), pcsc.NoReader)
    assert isinstance(pcsc._error(scard.SCARD_E_SHARING_VIOLATION), pcsc.CardBusy)


def test_card_pulled_while_the_user_types_the_pin_is_reported(stack, agent):
    """The card leaves the reader while the prompt is open: a clear error, no hang."""
    card = stack.insert("credential")
    agent.answer(pin="123456", delay=1.5)
    with agent.connect() as connection:
        connection.send(json.dumps({"v": 1, "id": 1, "op": "sign_in", "params": {"nonce": "H" * 43}}))
        wait_for(lambda: agent.transcript(), 5, "the PIN prompt")
        stack.remove()
        reply = json.loads(connection.recv(timeout=10))
    assert reply["error"]["code"] in ("card_removed", "no_card")
    assert card.state()["pin_tries"] == 3
