"""Making a ZORG-ID Smartcard end to end, through the real stack: the portal (Flask test client, SQLite) and a
WebSocket client in the page's place → agent → pyscard → pcscd → vpcd → virtual card.

    python benchmarks/smartcards_create_bench.py [--runs 20]

One run is the machine's part of manual steps 3–7: the credential card signs the portal's challenge and the
portal checks it (chain, UZI profile, validated organisation) and takes the birth date; then, with the blank
card in the reader, the portal starts the card, the agent personalises it (EC P-256 key pair on the card, new
PIN and PUK), the portal issues the certificate, the agent stores it, and the portal completes the card. The
person's part (typing the PIN, swapping the cards) is left out: the scripted prompt answers at once and the
card swap is not timed. Prints the median, minimum and 90th percentile; goal: under 2 s.

Needs pcscd and vsmartcard-vpcd (started here as root if no pcscd runs) and the `cardagent` extra.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path[0] = str(REPOSITORY)

import argparse  # noqa: E402 (after the sys.path fix above)
import json  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from benchmarks.cardagent_bench import READER, Card, card_stack, start_agent, summary  # noqa: E402

ORIGIN = "http://localhost"  # the portal's PUBLIC_URL below, as the agent's --origin
SUBSCRIBER = "90000123"
PASSWORD = "Zeilboot-Anker-77"
EMAIL = "roos@herenbos.example"
CREDENTIAL_PIN = "246813"
NEW_PIN = "97531864"
BASE = "/smartcards/aanmaken"


def portal(directory: Path):
    """The portal on a fresh SQLite database, trusting the virtual card's test CA; a validated organisation and
    a logged-in employee (the test client keeps the session)."""
    from flask_migrate import upgrade

    from cardagent.testca import ensure_test_ca
    from tests.smartcards.cards import validated_organisation
    from webapp import create_app
    from webapp.accounts.models import User
    from webapp.core.passwords import hash_password
    from webapp.core.timeutil import utcnow
    from webapp.extensions import db

    ensure_test_ca(directory / "ca")
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "DATA_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory / 'bench.sqlite'}",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "REDIS_URL": None,
            "MAIL_SERVER": None,
            "MAIL_OUTBOX_DIR": str(directory / "outbox"),
            "PUBLIC_URL": ORIGIN,
            "PERIODIC_TIMER": False,
            "CREDENTIAL_CA_FILE": str(directory / "ca" / "ca.pem"),
            "SMARTCARD_CA_KEY_FILE": str(directory / "smartcard-ca" / "ca-key.pem"),
            "SMARTCARD_CA_CERT_FILE": str(directory / "smartcard-ca" / "ca.pem"),
        }
    )
    with app.app_context():
        upgrade(directory=str(REPOSITORY / "migrations"), revision="heads")
        validated_organisation(subscriber=SUBSCRIBER)  # the tests' validated care provider (commits)
        db.session.add(
            User(
                email=EMAIL,
                first_name="Roos",
                last_name="de Winter",
                password_hash=hash_password(PASSWORD),
                activated_at=utcnow(),
            )
        )
        db.session.commit()
    client = app.test_client()
    response = client.post("/inloggen", data={"email": EMAIL, "password": PASSWORD})
    if response.status_code != 303:
        raise SystemExit("could not log in to the portal")
    return app, client


def checked(response):
    if response.status_code not in (200, 303):
        raise SystemExit(f"the portal refused: {response.status_code} {response.get_data(as_text=True)[:300]}")
    return response.get_json(silent=True) or {}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    from websockets.sync.client import connect

    totals, credential_parts, card_parts = [], [], []
    with card_stack() as pcsc, tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        app, client = portal(directory)
        agent, port, answers = start_agent(directory, origin=ORIGIN)
        try:
            with connect(f"ws://127.0.0.1:{port}", origin=ORIGIN) as socket:
                ids = iter(range(1, 10**6))

                def request(op, params):
                    socket.send(json.dumps({"v": 1, "id": next(ids), "op": op, "params": params}))
                    reply = json.loads(socket.recv(timeout=30))
                    if not reply["ok"]:
                        raise SystemExit(f"{op} failed: {reply['error']}")
                    return reply["result"]

                answers.write_text(json.dumps({"pin": NEW_PIN, "new_pin": NEW_PIN}))
                for run in range(runs + 1):  # the first run warms up and is not counted
                    credential = Card(
                        pcsc,
                        directory,
                        "credential",
                        *("--card-type", "N", "--subscriber-number", SUBSCRIBER, "--pin", NEW_PIN),
                    )
                    started = time.perf_counter()
                    nonce = checked(client.post(f"{BASE}/uzi-pas/uitdaging"))["nonce"]
                    result = request("sign_in", {"nonce": nonce})
                    body = json.dumps({"nonce": nonce, "result": result})
                    checked(client.post(f"{BASE}/uzi-pas/controle", data=body, content_type="application/json"))
                    checked(client.post(f"{BASE}/geboortedatum", data={"birth_date": "1980-01-31"}))
                    credential_part = time.perf_counter() - started
                    credential.remove()

                    blank = Card(pcsc, directory, "blank")
                    started = time.perf_counter()
                    checked(client.post(f"{BASE}/kaart/start"))
                    made = request("personalise", {"algorithm": "EC-P256", "reader": READER})
                    issued = checked(client.post(f"{BASE}/kaart/certificaat", json={"public_key": made["public_key"]}))
                    stored = request("store_certificate", {"certificate": issued["certificate"], "reader": READER})
                    done = checked(client.post(f"{BASE}/kaart/opgeslagen", json={"result": stored}))
                    card_part = time.perf_counter() - started
                    blank.remove()
                    if not done.get("ok"):
                        raise SystemExit("the card was not completed")
                    if run:
                        credential_parts.append(credential_part)
                        card_parts.append(card_part)
                        totals.append(credential_part + card_part)
        finally:
            agent.terminate()
            agent.wait()
        with app.app_context():
            from sqlalchemy import func, select

            from webapp.extensions import db
            from webapp.smartcards.models import Smartcard

            active = db.session.scalar(select(func.count()).where(Smartcard.state == "active"))
    print(f"smartcard aanmaken benchmark, {runs} runs, portal + agent + pcscd + vpcd + virtual card ({active} active)")
    summary("credential card check", credential_parts, 0.5)
    summary("personalise+certificate", card_parts, 1.5)
    summary("whole smartcard", totals, 2.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
