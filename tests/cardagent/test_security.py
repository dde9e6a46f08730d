"""Who may talk to the agent and what a page may ask, against an agent served in this process
with the in-process virtual card: refused requests leave the card untouched, and no PIN shows
up in a frame or a log line."""

import asyncio
import json
import logging
import threading

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from cardagent.agent import Agent, RateLimit, RequestError, parse_message
from cardagent.operations import CardOperations
from cardagent.prompt import ScriptedPrompt
from cardagent.testca import create_test_ca
from cardagent.verify import Challenges, verify_sign_in
from cardagent.virtualcard import VirtualPivCard, VirtualReader, credential_state

ORIGIN = "https://portal.example"
PIN = "31415926"


class CapturedLogs(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        if not record.name.startswith("websockets.client"):  # the test's own client
            self.lines.append(self.format(record))

    def text(self):
        return "\n".join(self.lines)


class ServedAgent:
    def __init__(self, tmp_path, ca, sign_in_limit=(10, 60.0)):
        self.card = VirtualPivCard(credential_state(ca, pin=PIN))
        self.answers = tmp_path / "answers.json"
        self.answers.write_text(json.dumps({"pin": PIN}))
        self.agent = Agent(
            CardOperations(VirtualReader(self.card), ScriptedPrompt(self.answers)),
            [ORIGIN, "http://127.0.0.1:8000"],
            sign_in_limit=sign_in_limit,
        )
        self.frames = []
        self.loop = asyncio.new_event_loop()
        self.stopped = asyncio.Event()
        started = threading.Event()
        self.thread = threading.Thread(
            target=self.loop.run_until_complete,
            args=(self.agent.serve(0, ready=lambda port: started.set(), stop=self.stopped),),
            daemon=True,
        )
        self.thread.start()
        assert started.wait(5)
        self.port = self.agent.port

    def card_snapshot(self):
        return self.card.commands_seen, self.card.state.to_json()

    def exchange(self, message, origin=ORIGIN):
        with connect(f"ws://127.0.0.1:{self.port}", origin=origin) as connection:
            text = message if isinstance(message, (str, bytes)) else json.dumps(message)
            self.frames.append(text)
            connection.send(text)
            reply = connection.recv(timeout=10)
            self.frames.append(reply)
            return json.loads(reply)

    def stop(self):
        self.loop.call_soon_threadsafe(self.stopped.set)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture(scope="module")
def ca():
    return create_test_ca()


@pytest.fixture
def logs():
    handler = CapturedLogs()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(previous)


@pytest.fixture
def served(tmp_path, ca, logs):
    served = ServedAgent(tmp_path, ca)
    yield served
    served.stop()
    assert PIN not in logs.text()
    assert not any(PIN in (frame if isinstance(frame, str) else frame.decode("latin-1")) for frame in served.frames)


@pytest.mark.parametrize(
    "origin",
    [
        "https://portal.example.evil",  # starts with the allowed origin
        "https://evil.example",
        "http://portal.example",  # other scheme
        "https://portal.example:8443",
        "https://portal.example/",
        "https://PORTAL.example",
        "null",
        None,  # no Origin header at all
    ],
)
def test_only_listed_origins_may_connect(served, handshake, origin):
    before = served.card_snapshot()
    status = handshake(served.port, {"Host": f"127.0.0.1:{served.port}", "Origin": origin})
    assert status.startswith("HTTP/1.1 403")
    assert served.card_snapshot() == before


def test_listed_origin_may_connect_on_all_loopback_names(served, handshake):
    for host in (f"127.0.0.1:{served.port}", f"localhost:{served.port}", f"[::1]:{served.port}"):
        assert handshake(served.port, {"Host": host, "Origin": ORIGIN}).startswith("HTTP/1.1 101")


@pytest.mark.parametrize(
    "host",
    [
        "evil.example:{port}",  # DNS rebinding: evil.example resolved to 127.0.0.1
        "127.0.0.1",  # no port
        "127.0.0.1:1",  # another port
        "localhost.evil.example:{port}",
        None,
    ],
)
def test_foreign_host_header_is_refused(served, handshake, host):
    before = served.card_snapshot()
    headers = {"Host": host.format(port=served.port) if host else None, "Origin": ORIGIN}
    assert handshake(served.port, headers).startswith("HTTP/1.1 403")
    assert served.card_snapshot() == before


def test_two_origin_headers_are_refused(served):
    import socket

    request = (
        f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        f"Sec-WebSocket-Version: 13\r\nOrigin: https://evil.example\r\n"
        f"Origin: {ORIGIN}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", served.port)) as sock:
        sock.sendall(request.encode())
        assert sock.recv(100).startswith(b"HTTP/1.1 403")


def test_oversized_frame_closes_the_connection(served):
    before = served.card_snapshot()
    message = json.dumps({"v": 1, "id": 1, "op": "sign_in", "params": {"nonce": "A" * 43, "reader": "x" * 70_000}})
    with connect(f"ws://127.0.0.1:{served.port}", origin=ORIGIN) as connection:
        connection.send(message)
        with pytest.raises(ConnectionClosed) as closed:
            connection.recv(timeout=10)
    assert closed.value.rcvd.code == 1009  # message too big
    assert served.card_snapshot() == before


@pytest.mark.parametrize("op", ["transmit", "apdu", "send_apdu", "raw", "__init__", "list_readers "])
def test_unknown_operations_and_raw_apdus_are_refused(served, op):
    before = served.card_snapshot()
    reply = served.exchange({"v": 1, "id": 7, "op": op, "params": {"apdu": "00A4040009A00000030800001000"}})
    assert reply == {"id": 7, "ok": False, "error": {"code": "unknown_op", "message": "unknown operation"}}
    assert served.card_snapshot() == before


def test_raw_apdu_smuggled_into_a_known_operation_is_refused(served):
    before = served.card_snapshot()
    reply = served.exchange({"v": 1, "id": 8, "op": "read_certificate", "params": {"apdu": "0020008008" + "31" * 8}})
    assert reply["error"]["code"] == "bad_request"
    assert "0020" not in json.dumps(reply)
    assert served.card_snapshot() == before


def test_a_pin_sent_by_a_page_is_refused_and_not_echoed(served, logs):
    before = served.card_snapshot()
    served.frames.clear()  # the page's own frame holds the PIN; only the agent's answer counts
    with connect(f"ws://127.0.0.1:{served.port}", origin=ORIGIN) as connection:
        connection.send(json.dumps({"v": 1, "id": 9, "op": "sign_in", "params": {"nonce": "A" * 43, "pin": PIN}}))
        reply = connection.recv(timeout=10)
    served.frames.append(reply)
    assert json.loads(reply)["error"]["code"] == "bad_request"
    assert served.card_snapshot() == before


@pytest.mark.parametrize(
    "message,code",
    [
        ("not json", "bad_request"),
        ("[1, 2]", "bad_request"),
        ('{"v": 1, "op": "hello"}', "bad_request"),  # no id
        ('{"v": 2, "id": 1, "op": "hello"}', "unsupported_version"),
        ('{"v": 1, "id": 1, "op": "sign_in", "params": {"nonce": "short"}}', "bad_request"),
        ('{"v": 1, "id": 1, "op": "sign_in", "params": {}}', "bad_request"),
        ('{"v": 1, "id": 1, "op": "hello", "extra": true}', "bad_request"),
        (b"\x00\x20\x00\x80", "bad_request"),  # a binary frame
    ],
)
def test_malformed_messages_get_an_error(served, message, code):
    before = served.card_snapshot()
    assert served.exchange(message)["error"]["code"] == code
    assert served.card_snapshot() == before


def test_sign_in_through_the_websocket_verifies(served, ca):
    challenges = Challenges()
    nonce = challenges.issue()
    reply = served.exchange({"v": 1, "id": "a-1", "op": "sign_in", "params": {"nonce": nonce}})
    assert reply["id"] == "a-1" and reply["ok"], reply
    verify_sign_in(
        reply["result"], expected_origin=ORIGIN, nonce=nonce, challenges=challenges, trusted_cas=[ca.certificate]
    )


def test_sign_in_is_rate_limited_per_origin(tmp_path, ca, logs):
    served = ServedAgent(tmp_path, ca, sign_in_limit=(2, 60.0))
    try:
        request = {"v": 1, "id": 1, "op": "sign_in", "params": {"nonce": "B" * 43}}
        assert served.exchange(request)["ok"]
        assert served.exchange(request)["ok"]
        before = served.card_snapshot()
        refused = served.exchange(request)
        assert refused["error"]["code"] == "rate_limited"
        assert refused["error"]["retry_after"] > 0
        assert served.card_snapshot() == before
        # another allowed origin has its own budget
        assert served.exchange(request, origin="http://127.0.0.1:8000")["ok"]
    finally:
        served.stop()
    assert PIN not in logs.text()


def test_rate_limit_window_slides():
    now = [0.0]
    limit = RateLimit(2, 10, clock=lambda: now[0])
    assert limit.allow("a") == 0 and limit.allow("a") == 0
    assert limit.allow("a") == pytest.approx(10)
    now[0] = 10.5
    assert limit.allow("a") == 0


def test_parse_message_never_repeats_a_bad_id():
    with pytest.raises(RequestError) as error:
        parse_message(json.dumps({"v": 1, "id": "<script>", "op": "hello"}))
    assert error.value.request_id is None
