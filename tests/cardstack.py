"""Fixtures for the card stack, loaded for the whole suite by tests/conftest.py: pcscd, the virtual card
behind vpcd, the agent process, and Chromium for pages that use the agent.

A missing component skips its tests with what to install, except when CI=true: then it fails.
pcscd is started here (`pcscd -f`, as root) unless one is running already, and stopped again
at the end. vpcd's port is fixed (35963), so one test session at a time holds a file lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cardagent.support import LOCK_FILE, ORIGIN, READER, REPOSITORY, VPCD_DRIVER, missing, wait_for

PCSCD_READY = 60  # seconds for pcscd to show the reader; a busy machine needs far less


def pytest_configure(config):
    config.addinivalue_line("markers", "xdist_group(name): run these tests on one xdist worker")


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist with --dist loadgroup, all tests on the card stack share one worker, so
    only one of them starts pcscd and holds vpcd's fixed port."""
    cardagent_tests = Path(__file__).resolve().parent / "cardagent"
    for item in items:
        uses_stack = {"stack", "pyscard", "agent", "agent_factory", "card_browser"} & set(item.fixturenames)
        if uses_stack or cardagent_tests in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.xdist_group("cardagent"))


def child_environment() -> dict:
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(REPOSITORY)] + [p for p in environment.get("PYTHONPATH", "").split(os.pathsep) if p]
    )
    environment["PYTHONUNBUFFERED"] = "1"
    return environment


def stop_process(process: subprocess.Popen, timeout: float = 5):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def pyscard():
    try:
        from smartcard import scard  # noqa: F401  (is pyscard there?)
    except ImportError:
        missing("pyscard", "the PyPI package pyscard (extra `cardagent`; Debian: libpcsclite-dev and swig to build it)")
    from cardagent.pcsc import Pcsc

    return Pcsc


@pytest.fixture(scope="session")
def ca_dir(tmp_path_factory):
    from cardagent.testca import ensure_test_ca

    directory = tmp_path_factory.mktemp("test-ca")
    ensure_test_ca(directory)
    return directory


@pytest.fixture(scope="session")
def test_ca(ca_dir):
    from cardagent.testca import ensure_test_ca

    return ensure_test_ca(ca_dir)


class Stack:
    """pcscd with vpcd, one virtual card slot."""

    def __init__(self, pcsc, tmp: Path, ca_dir: Path):
        self.pcsc = pcsc
        self.tmp = tmp
        self.ca_dir = ca_dir
        self.card = None

    def card_present(self) -> bool:
        try:
            return any(r.name == READER and r.card_present for r in self.pcsc.readers())
        except Exception:
            return False

    def insert(self, kind: str = "credential", key_type: str = "EC-P256", pin: str = "123456", **uzi):
        """A new virtual card in the reader. `uzi`: a credential card on the UZI profile, with the options of
        `python -m cardagent.virtualcard` as keywords (card_type="Z", subscriber_number="90000001",
        uzi_number=, given_name=, surname=, days=, not_before="YYYY-MM-DD")."""
        self.remove()
        self.card = VirtualCardProcess(self, kind, key_type, pin, uzi)
        return self.card

    def remove(self):
        if self.card is not None:
            self.card.stop()
            self.card = None


class VirtualCardProcess:
    count = 0

    def __init__(self, stack: Stack, kind: str, key_type: str, pin: str, uzi: dict | None = None):
        VirtualCardProcess.count += 1
        self.stack = stack
        self.state_path = stack.tmp / f"card-{VirtualCardProcess.count}.json"
        self.trace_path = stack.tmp / f"card-{VirtualCardProcess.count}.trace"
        self.trace_path.touch()
        self.log_path = stack.tmp / f"card-{VirtualCardProcess.count}.log"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cardagent.virtualcard",
                "--state",
                str(self.state_path),
                f"--{kind}",
                "--reset",
                "--ca-dir",
                str(stack.ca_dir),
                "--key-type",
                key_type,
                "--pin",
                pin,
                "--trace",
                str(self.trace_path),
                *[part for name, value in (uzi or {}).items() for part in (f"--{name.replace('_', '-')}", str(value))],
            ],
            env=child_environment(),
            stdout=subprocess.DEVNULL,
            stderr=open(self.log_path, "w"),
        )
        try:
            wait_for(stack.card_present, 20, "the virtual card to appear in " + READER)
        except TimeoutError:
            stop_process(self.process)
            raise

    def state(self) -> dict:
        return json.loads(self.state_path.read_text())

    def commands(self) -> list[str]:
        return self.trace_path.read_text().split()

    def stop(self):
        stop_process(self.process)
        wait_for(lambda: not self.stack.card_present(), 10, "the virtual card to go away")


@pytest.fixture(scope="session")
def stack(pyscard, tmp_path_factory, ca_dir):
    if not shutil.which("pcscd"):
        missing("pcscd", "the Debian package pcscd")
    if not VPCD_DRIVER.exists():
        missing("vpcd", "the Debian package vsmartcard-vpcd")
    lock = open(LOCK_FILE, "w")
    try:
        wait_for(lambda: _try_lock(lock), 600, f"another test session to release {LOCK_FILE}", interval=0.5)
    except TimeoutError as error:
        pytest.fail(str(error), pytrace=False)
    pcscd = None
    try:
        pcsc = pyscard()
        tmp = tmp_path_factory.mktemp("card-stack")
        pcscd = _pcscd_with_the_reader(pcsc, tmp)
        stack = Stack(pcsc, tmp, ca_dir)
        yield stack
        stack.remove()
    finally:
        if pcscd is not None:
            stop_process(pcscd)
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


def _pcscd_with_the_reader(pcsc, tmp: Path) -> subprocess.Popen | None:
    """The pcscd that runs already, or one started here (returned, to stop at the end). A pcscd killed a
    moment ago leaves its socket until its process is gone, and a new one refuses to start until then:
    retry. On failure the message carries pcscd's own log."""
    if _pcscd_answers(pcsc):
        try:
            wait_for(lambda: _has_reader(pcsc), PCSCD_READY, f"the running pcscd to show the reader {READER!r}")
        except TimeoutError as error:
            raise TimeoutError(f"{error}: it started before vsmartcard-vpcd was installed? Restart it.") from None
        return None
    if os.geteuid() != 0:
        missing("a running pcscd", "pcscd and start it, or run the tests as root")
    log = tmp / "pcscd.log"
    deadline = time.monotonic() + PCSCD_READY
    while True:
        process = _start_pcscd(pcsc, log, deadline)
        if process.poll() is None:
            return process
        if time.monotonic() >= deadline:
            raise TimeoutError(
                f"pcscd did not show the reader {READER!r} within {PCSCD_READY} s; its log:\n{log.read_text()}"
            )
        time.sleep(0.5)


def _start_pcscd(pcsc, log: Path, deadline: float) -> subprocess.Popen:
    """pcscd, running with the reader, or exited (or stopped) when the deadline passed without it."""
    process = subprocess.Popen(["pcscd", "-f"], stdout=subprocess.DEVNULL, stderr=open(log, "w"))
    with contextlib.suppress(TimeoutError):
        wait_for(
            lambda: process.poll() is not None or _has_reader(pcsc), max(deadline - time.monotonic(), 0.1), "pcscd"
        )
    if process.poll() is None and not _has_reader(pcsc):
        stop_process(process)
    return process


def _has_reader(pcsc) -> bool:
    return any(r.name == READER for r in _readers(pcsc))


def _try_lock(handle) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _readers(pcsc):
    try:
        return pcsc.readers()
    except Exception:
        return []


def _pcscd_answers(pcsc) -> bool:
    try:
        pcsc.readers()
        return True
    except Exception:
        return False


@pytest.fixture
def credential_card(stack):
    card = stack.insert("credential")
    yield card
    stack.remove()


@pytest.fixture
def blank_card(stack):
    card = stack.insert("blank")
    yield card
    stack.remove()


class AgentProcess:
    """`python -m cardagent` with a scripted prompt; records every frame it exchanged."""

    def __init__(self, tmp: Path, origins=(ORIGIN,), sign_in_limit: str = "10/60"):
        self.answers_path = tmp / "answers.json"
        self.answers_path.write_text("{}")
        self.log_path = tmp / "agent.log"
        self.origin = origins[0]
        self.frames: list[str] = []
        command = [
            sys.executable,
            "-m",
            "cardagent",
            "--port",
            "0",
            "--prompt",
            f"script:{self.answers_path}",
            "--log-level",
            "DEBUG",
            "--sign-in-limit",
            sign_in_limit,
        ]
        for origin in origins:
            command += ["--origin", origin]
        self.process = subprocess.Popen(
            command, env=child_environment(), stdout=subprocess.PIPE, text=True, stderr=open(self.log_path, "w")
        )
        ready, _, _ = select.select([self.process.stdout], [], [], 20)
        line = self.process.stdout.readline() if ready else ""
        if not line.startswith("cardagent listening on port"):
            stop_process(self.process)
            raise RuntimeError("agent did not start: " + self.log_path.read_text())
        self.port = int(line.split()[-1])
        self.url = f"ws://127.0.0.1:{self.port}"

    def answer(self, **answers):
        self.answers_path.write_text(json.dumps(answers))

    def transcript(self) -> list[dict]:
        path = self.answers_path.with_name(self.answers_path.name + ".transcript")
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]

    def log(self) -> str:
        return self.log_path.read_text()

    @contextlib.contextmanager
    def connect(self, origin: str | None = None):
        from websockets.sync.client import connect

        with connect(self.url, origin=origin or self.origin, open_timeout=5, max_size=2**20) as connection:
            yield connection

    def send(self, connection, message) -> dict:
        text = message if isinstance(message, str) else json.dumps(message)
        self.frames.append(text)
        connection.send(text)
        reply = connection.recv(timeout=30)
        self.frames.append(reply)
        return json.loads(reply)

    def call(self, op: str, params: dict | None = None, origin: str | None = None) -> dict:
        with self.connect(origin) as connection:
            return self.send(connection, {"v": 1, "id": 1, "op": op, "params": params or {}})

    def stop(self):
        stop_process(self.process)


@pytest.fixture
def agent_factory(tmp_path):
    try:
        import websockets  # noqa: F401
    except ImportError:
        missing("websockets", "the PyPI package websockets (extra `cardagent`)")
    started = []

    def start(**options):
        directory = tmp_path / f"agent-{len(started)}"
        directory.mkdir()
        agent = AgentProcess(directory, **options)
        started.append(agent)
        return agent

    yield start
    for agent in started:
        agent.stop()


@pytest.fixture
def agent(agent_factory, pyscard):
    return agent_factory()


def raw_handshake(port: int, headers: dict[str, str | None], path: str = "/") -> str:
    """Send a WebSocket upgrade request with exactly these headers; return the status line."""
    lines = [
        f"GET {path} HTTP/1.1",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
    ]
    lines += [f"{name}: {value}" for name, value in headers.items() if value is not None]
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return sock.makefile("rb").readline().decode().strip()


@pytest.fixture
def handshake():
    return raw_handshake


@pytest.fixture(scope="session")
def card_browser():
    """Chromium on a thread of its own (see BrowserThread), for pages that use the agent."""
    from tests.cardagent.support import CHROMIUM, BrowserThread

    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("playwright", "the PyPI package playwright (extra `test`)")
    if not Path(CHROMIUM).exists():
        missing("chromium", "the Debian package chromium")
    browser = BrowserThread()
    yield browser
    browser.close()
