"""Validating an organisation (Organisatie valideren, steps 1-3) through the real stack, as the page does it:

    python benchmarks/smartcards_validation_bench.py [--runs 20]

The portal serves on 127.0.0.1 (werkzeug, SQLite, CSRF on); a WebSocket client stands in for the browser's
cardagent.js: load the page (its CSRF token), POST the challenge, ask the agent to sign in (PIN from a scripted
prompt; VERIFY and ECDSA P-256 on the virtual care-provider card behind pcscd and vpcd), POST the answer (the
server checks signature, origin, challenge, chain, dates, card type and the accepted request), load the
organisation's page, and POST Volgende. Before each run (not timed) the request for the card's subscriber
number is made accepted again; after the first run its organisation exists (found by its KvK number).
Prints the median, minimum and p90 of 20 runs; the goal is a median under 300 ms.
Needs pcscd and vsmartcard-vpcd (pcscd is started here as root when none runs) and the `cardagent` extra.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path[0] = str(REPOSITORY)  # as a script, benchmarks/ would come first on sys.path

import argparse  # noqa: E402 (after the sys.path fix above)
import json  # noqa: E402
import re  # noqa: E402
import socket  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
import urllib.request  # noqa: E402
from http.cookiejar import CookieJar  # noqa: E402

from benchmarks.cardagent_bench import Card, card_stack, start_agent, summary  # noqa: E402

SUBSCRIBER = "90000123"
PIN = "582914"
CARD = (
    "--pin",
    PIN,
    "--card-type",
    "Z",
    "--subscriber-number",
    SUBSCRIBER,
    "--given-name",
    "Anne",
    "--surname",
    "de Vries",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_portal(directory: Path, port: int):
    """The portal on a migrated SQLite database, serving on a thread; returns the app and the server."""
    import logging

    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from webapp import create_app

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = create_app(
        {
            "SECRET_KEY": "bench-secret",
            "DATA_KEY": "bench-data",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory / 'portal.sqlite'}",
            "PUBLIC_URL": f"http://127.0.0.1:{port}",
            "CREDENTIAL_CA_FILE": str(directory / "ca" / "ca.pem"),
            "RATELIMIT_ENABLED": False,
            "REDIS_URL": None,
            "MAIL_SERVER": None,
            "MAIL_OUTBOX_DIR": str(directory / "outbox"),
            "STORAGE_DIR": str(directory / "storage"),
            "PERIODIC_TIMER": False,
        }
    )
    logging.disable(logging.INFO)  # the migrations' log lines (alembic sets its own levels)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory, revision="heads")
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, server


def accept_the_request(app, run: int) -> None:
    """The card's subscriber number has one open request: made accepted by the first run, set back to accepted
    (and its organisation unlinked) before each later one."""
    from tests.smartcards.onboarding_support import registration_request
    from webapp.extensions import db
    from webapp.smartcards.models import RegistrationRequest

    with app.app_context():
        request = db.session.execute(db.select(RegistrationRequest)).scalar_one_or_none()
        if request is None:
            registration_request(state="accepted", subscriber=SUBSCRIBER)  # the tests' accepted request (commits)
            return
        request.state, request.organisation_id, request.validated_at = "accepted", None, None
        db.session.commit()


class Browser:
    """What the page and cardagent.js do, over HTTP and the agent's WebSocket."""

    def __init__(self, base: str, agent):
        self.base, self.agent = base, agent
        self.http = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def fetch(self, path: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, str]:
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        with self.http.open(request) as response:
            return response.status, response.read().decode()

    def validate(self, request_id: int) -> None:
        _, page = self.fetch("/smartcards/valideren")
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        json_headers = {"Content-Type": "application/json", "X-CSRFToken": token}
        _, issued = self.fetch("/smartcards/valideren/uitdaging", b"{}", json_headers)
        nonce = json.loads(issued)["nonce"]
        self.agent.send(json.dumps({"v": 1, "id": request_id, "op": "sign_in", "params": {"nonce": nonce}}))
        reply = json.loads(self.agent.recv(timeout=30))
        if not reply["ok"]:
            raise SystemExit(f"sign-in failed: {reply['error']}")
        answer = json.dumps({"nonce": nonce, "result": reply["result"]}).encode()
        _, checked = self.fetch("/smartcards/valideren/controle", answer, json_headers)
        following = json.loads(checked)["next"]
        _, organisation = self.fetch(following)
        form_token = re.search(r'name="csrf_token" value="([^"]+)"', organisation).group(1)
        _, done = self.fetch(following, urllib.parse.urlencode({"csrf_token": form_token}).encode())
        if "Uw organisatie is gevalideerd" not in done:
            raise SystemExit("the organisation was not validated")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    from websockets.sync.client import connect

    timings = []
    with card_stack() as pcsc, tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        port = free_port()
        origin = f"http://127.0.0.1:{port}"
        card = Card(pcsc, directory, "credential", *CARD)
        app, server = start_portal(directory, port)
        agent, agent_port, answers = start_agent(directory, origin)
        answers.write_text(json.dumps({"pin": PIN}))
        try:
            with connect(f"ws://127.0.0.1:{agent_port}", origin=origin) as socket_to_agent:
                for run in range(runs + 1):  # the first run warms up (imports, caches, the first connection)
                    accept_the_request(app, run)
                    browser = Browser(origin, socket_to_agent)
                    started = time.perf_counter()
                    browser.validate(run)
                    if run:
                        timings.append(time.perf_counter() - started)
        finally:
            agent.terminate()
            agent.wait()
            server.shutdown()
            card.remove()
    print(f"validating an organisation, {runs} runs, through HTTP + the agent + pcscd + vpcd + virtual card")
    summary("validate organisation", timings, 0.300)
    return 0


if __name__ == "__main__":
    sys.exit(main())
