"""python -m cardagent.virtualcard --state FILE [--blank | --credential] [--host H --port P]"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
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
    parser.add_argument(
        "--trace", type=Path, default=None, help="append each command's header (CLA INS P1 P2, no data) to FILE"
    )
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--port", type=int, default=35963)
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    arguments = parse_arguments(argv)
    logging.basicConfig(
        level=logging.DEBUG if arguments.verbose else logging.INFO,
        format="%(asctime)s virtualcard %(levelname)s %(message)s",
    )
    if arguments.reset or not arguments.state.exists():
        if arguments.kind == "credential":
            ca = ensure_test_ca(arguments.ca_dir or arguments.state.parent / "test-ca")
            new_state = credential_state(ca, arguments.name, arguments.key_type, arguments.pin)
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
