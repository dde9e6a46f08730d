"""python -m cardagent.virtualcard --state FILE [--blank | --credential [--card-type Z|N|M --subscriber-number N
...]] [--host H --port P]"""

from __future__ import annotations

import argparse
import logging
import secrets
import signal
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path

from ..testca import ensure_test_ca
from . import blank_state, credential_state, open_card
from . import state as state_file
from .vpcd import run_forever


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m cardagent.virtualcard", description="A virtual PIV card that plugs into vpcd."
    )
    parser.add_argument("--state", required=True, type=Path, help="JSON file that holds the card; created when missing")
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument(
        "--blank",
        action="store_const",
        dest="kind",
        const="blank",
        help="a new card is blank: default PIN, PUK and management key (default)",
    )
    kind.add_argument(
        "--credential",
        action="store_const",
        dest="kind",
        const="credential",
        help="a new card holds a key and a certificate from the test CA",
    )
    parser.add_argument("--reset", action="store_true", help="recreate the card even if the state file exists")
    parser.add_argument(
        "--ca-dir", type=Path, default=None, help="test CA directory (ca.pem, ca-key.pem); default: next to --state"
    )
    parser.add_argument("--key-type", choices=["EC-P256", "RSA-2048"], default="EC-P256")
    parser.add_argument("--name", default="Test Zorgverlener", help="certificate common name")
    parser.add_argument("--pin", default="123456", help="PIN of a new credential card")
    uzi = parser.add_argument_group(
        "credential card on the UZI profile",
        "with --card-type, the certificate is a UZI-pas's (subjectAltName 2.5.5.5)",
    )
    uzi.add_argument(
        "--card-type",
        choices=["Z", "N", "M"],
        help="Z zorgverlenerspas (may validate an organisation), N medewerkerspas op naam, M niet op naam",
    )
    uzi.add_argument("--subscriber-number", default="90000001", help="the organisation's abonneenummer")
    uzi.add_argument("--uzi-number", default="", help="the card's UZI number (default: random)")
    uzi.add_argument("--given-name", default="Test")
    uzi.add_argument("--surname", default="Zorgverlener")
    uzi.add_argument("--days", type=int, default=825, help="days of validity from --not-before")
    uzi.add_argument(
        "--not-before",
        type=_utc_date,
        default=None,
        help="YYYY-MM-DD the certificate starts (default now); an early date with few --days makes an expired card",
    )
    parser.add_argument(
        "--trace", type=Path, default=None, help="append each command's header (CLA INS P1 P2, no data) to FILE"
    )
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--port", type=int, default=35963)
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser.parse_args(argv)


def _utc_date(text: str) -> datetime:
    return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)


def _uzi(arguments) -> dict | None:
    if arguments.card_type is None:
        return None
    return {
        "given_name": arguments.given_name,
        "surname": arguments.surname,
        "uzi_number": arguments.uzi_number or f"{secrets.randbelow(10**9):09d}",
        "card_type": arguments.card_type,
        "subscriber_number": arguments.subscriber_number,
        "days": arguments.days,
        "not_before": arguments.not_before,
    }


def main(argv=None) -> int:
    arguments = parse_arguments(argv)
    logging.basicConfig(
        level=logging.DEBUG if arguments.verbose else logging.INFO,
        format="%(asctime)s virtualcard %(levelname)s %(message)s",
    )
    if arguments.reset or not arguments.state.exists():
        if arguments.kind == "credential":
            ca = ensure_test_ca(arguments.ca_dir or arguments.state.parent / "test-ca")
            new_state = credential_state(ca, arguments.name, arguments.key_type, arguments.pin, uzi=_uzi(arguments))
        else:
            new_state = blank_state()
        state_file.save(arguments.state, new_state)
    card = open_card(arguments.state, arguments.trace)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(
        f"virtual card ready ({card.state.profile}, {'personalised' if card.state.personalised else 'blank'})",
        flush=True,
    )
    try:
        run_forever(card, arguments.host, arguments.port)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
