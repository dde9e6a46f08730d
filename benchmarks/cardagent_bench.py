"""Card agent speed, through the real stack: WebSocket client -> agent -> pyscard -> pcscd ->
vpcd -> virtual card, and back.

    python benchmarks/cardagent_bench.py [--runs 20]

Needs pcscd and vsmartcard-vpcd (started here as root if no pcscd runs) and the `cardagent`
extra. Prints the median, minimum and 90th percentile of
  - sign-in: one sign_in request on an open connection until the signature is back
    (PIN from a scripted prompt, VERIFY + ECDSA P-256 on the card);
  - personalise: a blank card to a new PIN, PUK, management key and EC P-256 key pair.
Goals: sign-in under 50 ms, personalisation under 1 s.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, Python puts benchmarks/ first on sys.path, where a sibling module may
# shadow the standard library. Put the repository there instead.
REPOSITORY = Path(__file__).resolve().parents[1]
sys.path[0] = str(REPOSITORY)

import argparse  # noqa: E402 (after the sys.path fix above)
import contextlib  # noqa: E402
import fcntl  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import select  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from cardagent.pcsc import Pcsc  # noqa: E402

READER = "Virtual PCD 00 00"
LOCK_FILE = "/tmp/loket-cardagent-vpcd.lock"  # shared with tests/cardagent: vpcd's port is fixed
ORIGIN = "https://portal.example"


def environment():
    return {**os.environ, "PYTHONPATH": str(REPOSITORY), "PYTHONUNBUFFERED": "1"}


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise SystemExit(f"timed out waiting for {what}")


def card_present(pcsc):
    try:
        return any(r.name == READER and r.card_present for r in pcsc.readers())
    except Exception:
        return False


class Card:
    """A virtual card of the given kind ("credential" or "blank") in vpcd's reader until remove(); extra
    arguments go to cardagent.virtualcard (e.g. "--pin", "246813")."""

    def __init__(self, pcsc, directory: Path, kind: str, *extra: str):
        self.pcsc = pcsc
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cardagent.virtualcard",
                "--state",
                str(directory / f"{kind}.json"),
                f"--{kind}",
                "--reset",
                "--ca-dir",
                str(directory / "ca"),
                *extra,
            ],
            env=environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: card_present(pcsc), 20, "the virtual card")

    def remove(self):
        self.process.terminate()
        self.process.wait()
        wait_for(lambda: not card_present(self.pcsc), 10, "the card to go away")


@contextlib.contextmanager
def card_stack():
    """The card stack for one benchmark: the lock the card tests share (vpcd's port is fixed), and pcscd with
    vpcd's reader (pcscd started here, as root, when none runs, and stopped afterwards). Yields the Pcsc."""
    lock = open(LOCK_FILE, "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"waiting for a test session to release {LOCK_FILE} …", flush=True)
        fcntl.flock(lock, fcntl.LOCK_EX)
    pcsc = Pcsc()
    pcscd = None
    try:
        pcsc.readers()
    except Exception:
        if os.geteuid() != 0:
            raise SystemExit("no pcscd running; start it or run this as root") from None
        pcscd = subprocess.Popen(["pcscd", "-f"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: any(r.name == READER for r in _readers(pcsc)), 15, "pcscd and vpcd")
        yield pcsc
    finally:
        if pcscd is not None:
            pcscd.terminate()
            pcscd.wait()
        lock.close()


def start_agent(directory: Path, origin: str = ORIGIN):
    """The card agent for `origin`, its prompts answered from the returned answers file (JSON the caller
    writes, e.g. {"pin": "123456"}). Returns the process, its port and that file."""
    answers = directory / "answers.json"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cardagent",
            "--port",
            "0",
            "--origin",
            origin,
            "--prompt",
            f"script:{answers}",
            "--sign-in-limit",
            "100000/1",
            "--log-level",
            "WARNING",
        ],
        env=environment(),
        stdout=subprocess.PIPE,
        text=True,
    )
    ready, _, _ = select.select([process.stdout], [], [], 20)
    line = process.stdout.readline() if ready else ""
    if not line.startswith("cardagent listening on port"):
        raise SystemExit("the agent did not start")
    return process, int(line.split()[-1]), answers


def summary(name, seconds, goal):
    milliseconds = sorted(s * 1000 for s in seconds)
    median = statistics.median(milliseconds)
    p90 = milliseconds[int(0.9 * (len(milliseconds) - 1))]
    verdict = "ok" if median < goal * 1000 else "SLOWER THAN GOAL"
    print(
        f"{name:<24} median {median:8.1f} ms   min {milliseconds[0]:8.1f} ms   "
        f"p90 {p90:8.1f} ms   goal < {goal * 1000:.0f} ms  {verdict}  (n={len(seconds)})"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    from websockets.sync.client import connect

    with card_stack() as pcsc, tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        agent, port, answers = start_agent(directory)
        try:
            with connect(f"ws://127.0.0.1:{port}", origin=ORIGIN) as socket:

                def request(op, params, request_id):
                    socket.send(json.dumps({"v": 1, "id": request_id, "op": op, "params": params}))
                    reply = json.loads(socket.recv(timeout=30))
                    if not reply["ok"]:
                        raise SystemExit(f"{op} failed: {reply['error']}")
                    return reply

                card = Card(pcsc, directory, "credential")
                answers.write_text(json.dumps({"pin": "123456"}))
                request("sign_in", {"nonce": "W" * 43}, 0)  # warm up
                sign_ins = []
                for run in range(runs):
                    nonce = f"{run:04d}".ljust(43, "N")
                    started = time.perf_counter()
                    request("sign_in", {"nonce": nonce}, run + 1)
                    sign_ins.append(time.perf_counter() - started)
                card.remove()

                answers.write_text(json.dumps({"new_pin": "13572468"}))
                personalisations = []
                for run in range(runs):
                    card = Card(pcsc, directory, "blank")
                    started = time.perf_counter()
                    request("personalise", {"algorithm": "EC-P256"}, 1000 + run)
                    personalisations.append(time.perf_counter() - started)
                    card.remove()
        finally:
            agent.terminate()
            agent.wait()
    print(f"card agent benchmark, {runs} runs each, through pcscd + vpcd + virtual card")
    summary("sign-in round trip", sign_ins, 0.050)
    summary("personalise (EC P-256)", personalisations, 1.0)
    return 0


def _readers(pcsc):
    try:
        return pcsc.readers()
    except Exception:
        return []


if __name__ == "__main__":
    sys.exit(main())
