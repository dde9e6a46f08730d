"""The agent's own prompt for PIN and PUK: a small window, the terminal, or a script for tests.

The web page never sees these values: the prompt runs in the agent, shows which website asks
for which operation, and hands the answer straight to the card.
"""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class PromptRequest:
    origin: str
    operation: str  # what the user is asked to allow, in Dutch
    reader: str
    tries_left: int | None = None


class PinMismatch(Exception):
    """The new PIN and its repetition differ, or the new PIN breaks the rules."""


def check_new_pin(pin: str, repeat: str) -> str:
    if pin != repeat:
        raise PinMismatch("de twee pincodes zijn niet gelijk")
    if not (pin.isascii() and pin.isdigit() and 6 <= len(pin) <= 8):
        raise PinMismatch("een pincode heeft 6 tot 8 cijfers")
    if is_trivial(pin):
        raise PinMismatch("deze pincode is te makkelijk te raden, zoals 000000 of 123456")
    return pin


def is_trivial(pin: str) -> bool:
    """A PIN anyone tries first: a run up or down (123456, 654321, 890123), or a group of one to three
    digits repeated (000000, 121212, 123123)."""
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:], strict=False)}
    if steps in ({1}, {9}):
        return True
    return any(pin == (pin[:size] * len(pin))[: len(pin)] for size in (1, 2, 3))


class Prompt:
    """Each ask_* returns the typed value, or None when the user cancels."""

    def ask_pin(self, request: PromptRequest) -> str | None:
        raise NotImplementedError

    def ask_new_pin(self, request: PromptRequest) -> str | None:
        """Ask a new PIN twice; raises PinMismatch when the two differ or break the rules."""
        raise NotImplementedError

    def ask_puk(self, request: PromptRequest) -> str | None:
        raise NotImplementedError

    def show_puk(self, request: PromptRequest, puk: str) -> None:
        """Show the new one-time PUK until the user confirms they wrote it down."""
        raise NotImplementedError


def describe(request: PromptRequest) -> str:
    lines = [f"Website: {request.origin}", f"Vraagt: {request.operation}", f"Kaartlezer: {request.reader}"]
    if request.tries_left is not None:
        lines.append(f"Pogingen over: {request.tries_left}")
    return "\n".join(lines)


class TerminalPrompt(Prompt):
    """Asks on the controlling terminal (/dev/tty), never echoing the digits."""

    def __init__(self, tty_path: str = "/dev/tty"):
        self.tty_path = tty_path
        self._lock = threading.Lock()

    def _ask(self, request: PromptRequest, question: str) -> str | None:
        if os.name == "nt":  # the console; getpass reads it without echo
            print("\n== Kaartlezer-app ==\n" + describe(request), file=sys.stderr)
            return getpass.getpass(question + " (leeg = annuleren): ") or None
        with self._lock, _Terminal(self.tty_path) as tty:
            tty.write("\n== Kaartlezer-app ==\n" + describe(request) + "\n")
            return tty.read_secret(question + " (leeg = annuleren): ") or None

    def ask_pin(self, request):
        return self._ask(request, "Pincode")

    def ask_puk(self, request):
        return self._ask(request, "Pukcode")

    def ask_new_pin(self, request):
        pin = self._ask(request, "Nieuwe pincode")
        if pin is None:
            return None
        repeat = self._ask(request, "Herhaal de nieuwe pincode")
        if repeat is None:
            return None
        return check_new_pin(pin, repeat)

    def show_puk(self, request, puk):
        if os.name == "nt":
            print(
                "\n== Kaartlezer-app ==\n" + describe(request) + f"\nUw eenmalige pukcode: {puk}\nBewaar deze goed!",
                file=sys.stderr,
            )
            input("Druk op Enter als u hem hebt bewaard.")
            return
        with self._lock, _Terminal(self.tty_path) as tty:
            tty.write(
                "\n== Kaartlezer-app ==\n" + describe(request) + "\n"
                f"\nUw eenmalige pukcode: {puk}\n"
                "Bewaar deze goed! Zonder pukcode kunt u de pincode niet meer resetten.\n"
                "Druk op Enter als u hem hebt bewaard."
            )
            tty.read_line()
            tty.write("\n")


class _Terminal:
    """A terminal opened for one question; echo is off while a secret is typed."""

    def __init__(self, path: str):
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        os.close(self.fd)

    def write(self, text: str):
        os.write(self.fd, text.replace("\n", "\r\n").encode())

    def read_line(self) -> str:
        line = bytearray()
        while True:
            byte = os.read(self.fd, 1)
            if not byte or byte in b"\r\n":
                return line.decode(errors="replace")
            line += byte

    def read_secret(self, question: str) -> str:
        import termios  # POSIX only; Windows goes through getpass

        saved = termios.tcgetattr(self.fd)
        quiet = termios.tcgetattr(self.fd)
        quiet[3] &= ~termios.ECHO
        # Echo off (dropping type-ahead) before the question shows, so nothing typed after
        # it is lost or echoed.
        termios.tcsetattr(self.fd, termios.TCSAFLUSH, quiet)
        self.write(question)
        try:
            return self.read_line()
        finally:
            termios.tcsetattr(self.fd, termios.TCSAFLUSH, saved)
            self.write("\n")


class WindowPrompt(Prompt):
    """A Tk window, run in a child process (Tk wants the main thread, the agent has asyncio). The child
    reads the question as JSON on stdin and writes the answer as JSON on stdout."""

    def __init__(self, command: list[str] | None = None):
        self.command = command or [sys.executable, "-m", "cardagent.tkprompt"]

    def _run(self, kind: str, request: PromptRequest, puk: str | None = None) -> dict:
        message = json.dumps({"kind": kind, "request": asdict(request), "puk": puk})
        completed = subprocess.run(self.command, input=message, capture_output=True, text=True)
        if completed.returncode != 0:
            return {"cancelled": True}
        return json.loads(completed.stdout or '{"cancelled": true}')

    def ask_pin(self, request):
        return self._run("pin", request).get("value")

    def ask_puk(self, request):
        return self._run("puk", request).get("value")

    def ask_new_pin(self, request):
        answer = self._run("new_pin", request)
        if answer.get("value") is None:
            return None
        return check_new_pin(answer["value"], answer.get("repeat", ""))

    def show_puk(self, request, puk):
        self._run("show_puk", request, puk)


class ScriptedPrompt(Prompt):
    """For tests: answers come from a JSON file that is read at every question, e.g.
    {"pin": "123456", "new_pin": "246810", "new_pin_repeat": "246810", "puk": "12345678"}.
    A missing answer or {"cancel": true} cancels; {"delay": seconds} waits before answering,
    like a user typing. Every question (and a shown PUK) is appended
    as a JSON line to FILE.transcript, so a test can check what the user was shown."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.transcript = self.path.with_name(self.path.name + ".transcript")

    def _answers(self) -> dict:
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}

    def _record(self, kind: str, request: PromptRequest, **extra):
        with open(self.transcript, "a") as handle:
            handle.write(json.dumps({"kind": kind, **asdict(request), **extra}) + "\n")

    def _ask(self, kind: str, request: PromptRequest) -> str | None:
        self._record(kind, request)
        answers = self._answers()
        if answers.get("delay"):
            time.sleep(float(answers["delay"]))
        return None if answers.get("cancel") else answers.get(kind)

    def ask_pin(self, request):
        return self._ask("pin", request)

    def ask_puk(self, request):
        return self._ask("puk", request)

    def ask_new_pin(self, request):
        pin = self._ask("new_pin", request)
        if pin is None:
            return None
        return check_new_pin(pin, self._answers().get("new_pin_repeat", pin))

    def show_puk(self, request, puk):
        self._record("show_puk", request, puk=puk)


def make_prompt(spec: str | None) -> Prompt:
    """gui, tty, script:FILE, or None for the best one available here."""
    if spec and spec.startswith("script:"):
        return ScriptedPrompt(Path(spec[len("script:") :]))
    if spec == "tty":
        return TerminalPrompt()
    if spec == "gui" or (spec is None and os.environ.get("DISPLAY") and _has_tk()):
        return WindowPrompt()
    return TerminalPrompt()


def _has_tk() -> bool:
    try:
        import tkinter  # noqa: F401
    except ImportError:
        return False
    return True
