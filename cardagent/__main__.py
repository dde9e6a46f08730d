"""python -m cardagent --port N --origin https://portal.example [--origin ...] [--prompt ...]"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from . import DEFAULT_PORT


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m cardagent", description="Offer the portal's pages PIV card operations on a localhost WebSocket."
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port on 127.0.0.1 and ::1 (default {DEFAULT_PORT}; 0 = any free)",
    )
    parser.add_argument(
        "--origin",
        action="append",
        required=True,
        dest="origins",
        help="a portal origin allowed to connect, e.g. https://portal.example (exact match; repeat for more)",
    )
    parser.add_argument(
        "--prompt", default=None, help="gui, tty or script:FILE (default: gui with a display, else tty)"
    )
    parser.add_argument(
        "--sign-in-limit",
        default="10/60",
        metavar="COUNT/SECONDS",
        help="sign-ins allowed per origin per period (default 10/60)",
    )
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser.parse_args(argv)


def main(argv=None) -> int:
    arguments = parse_arguments(argv)
    logging.basicConfig(
        level=arguments.log_level, stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    try:
        from .agent import Agent
    except ImportError:
        print("cardagent: the websockets package is missing (pip install 'loket[cardagent]')", file=sys.stderr)
        return 2
    from .operations import CardOperations
    from .pcsc import Pcsc, PcscUnavailable
    from .prompt import make_prompt

    count, _, seconds = arguments.sign_in_limit.partition("/")
    try:
        agent = Agent(
            CardOperations(Pcsc(), make_prompt(arguments.prompt)),
            arguments.origins,
            sign_in_limit=(int(count), float(seconds)),
        )
    except (ValueError, PcscUnavailable) as error:
        print(f"cardagent: {error}", file=sys.stderr)
        return 2

    def announce(port):
        print(f"cardagent listening on port {port}", flush=True)

    try:
        asyncio.run(agent.serve(arguments.port, ready=announce))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
