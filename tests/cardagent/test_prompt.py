"""The terminal prompt on a pseudo-terminal: it shows who asks for what, and the PIN typed is
not echoed back."""

import os
import pty
import select
import threading

import pytest

from cardagent.prompt import PinMismatch, PromptRequest, ScriptedPrompt, TerminalPrompt, check_new_pin

REQUEST = PromptRequest("https://portal.example", "Inloggen met uw kaart", "Lezer 1", 2)


class FakeUser:
    """Types lines into a pseudo-terminal and collects everything the prompt writes."""

    def __init__(self):
        self.master, self.slave = pty.openpty()
        self.path = os.ttyname(self.slave)
        self.screen = b""

    def answer(self, ask, *lines):
        result = {}
        thread = threading.Thread(target=lambda: result.update(value=ask()))
        thread.start()
        for number, line in enumerate(lines, start=1):
            self._read_until_question(number)
            os.write(self.master, line.encode() + b"\r")
        thread.join(5)
        self._drain()
        return result.get("value")

    def _read_until_question(self, number):
        """Wait for the number-th question; typing earlier would be flushed, as on a real
        terminal."""
        while self.screen.count(b"(leeg = annuleren): ") < number:
            self.screen += os.read(self.master, 1024)

    def _drain(self):
        while select.select([self.master], [], [], 0.1)[0]:
            self.screen += os.read(self.master, 1024)

    def close(self):
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def user():
    user = FakeUser()
    yield user
    user.close()


def test_terminal_prompt_shows_origin_and_operation_and_hides_the_pin(user):
    prompt = TerminalPrompt(user.path)
    assert user.answer(lambda: prompt.ask_pin(REQUEST), "271828") == "271828"
    screen = user.screen.decode()
    assert "Website: https://portal.example" in screen
    assert "Vraagt: Inloggen met uw kaart" in screen
    assert "Pogingen over: 2" in screen
    assert "271828" not in screen


def test_terminal_prompt_asks_a_new_pin_twice(user):
    prompt = TerminalPrompt(user.path)
    assert user.answer(lambda: prompt.ask_new_pin(REQUEST), "13572468", "13572468") == "13572468"
    assert user.screen.decode().count("pincode") >= 2


def test_empty_answer_cancels(user):
    prompt = TerminalPrompt(user.path)
    assert user.answer(lambda: prompt.ask_pin(REQUEST), "") is None


def test_new_pin_rules():
    assert check_new_pin("135724", "135724") == "135724"
    for pin, repeat in [
        ("123456", "123457"),
        ("12345", "12345"),
        ("12345a", "12345a"),
        ("123456789", "123456789"),
        ("١٢٣٤٥٦", "١٢٣٤٥٦"),
    ]:
        with pytest.raises(PinMismatch):
            check_new_pin(pin, repeat)


def test_trivial_new_pins_are_refused():
    """One digit over and over, a run up or down, or a short group repeated: guessed first by anyone."""
    for pin in ["000000", "111111", "99999999", "123456", "654321", "01234567", "890123", "121212", "123123"]:
        with pytest.raises(PinMismatch, match="te makkelijk"):
            check_new_pin(pin, pin)
    for pin in ["135724", "24681357", "97531864", "271828"]:
        assert check_new_pin(pin, pin) == pin


def test_scripted_prompt_records_questions_and_cancels_without_answer(tmp_path):
    prompt = ScriptedPrompt(tmp_path / "answers.json")
    assert prompt.ask_pin(REQUEST) is None
    (tmp_path / "answers.json").write_text('{"pin": "123456"}')
    assert prompt.ask_pin(REQUEST) == "123456"
    assert prompt.transcript.read_text().count('"kind": "pin"') == 2
