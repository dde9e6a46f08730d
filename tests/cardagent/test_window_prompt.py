"""The PIN window (Tk) on a virtual X display: it names the origin and the operation, masks
what is typed, and hands back exactly what the user chose."""

import os
import shutil
import subprocess

import pytest

from cardagent.prompt import PromptRequest, WindowPrompt

from .support import missing

REQUEST = PromptRequest("https://portal.example", "Inloggen met uw kaart", "Lezer 1", 3)


@pytest.fixture(scope="module")
def display():
    try:
        import tkinter  # noqa: F401
    except ImportError:
        missing("tkinter", "the Debian package python3-tk")
    if not shutil.which("Xvfb"):
        missing("Xvfb", "the Debian package xvfb")
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-nolisten", "tcp", "-screen", "0", "800x600x24"],
        pass_fds=[write_end],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as announcement:
        number = announcement.readline().strip()
    yield f":{number}"
    server.terminate()
    server.wait()


@pytest.fixture
def window_factory(display, monkeypatch):
    import tkinter as tk

    from cardagent.tkprompt import PinWindow

    monkeypatch.setenv("DISPLAY", display)
    roots = []

    def make(kind, puk=None):
        root = tk.Tk()
        roots.append(root)
        return PinWindow(root, kind, REQUEST, puk)

    yield make
    for root in roots:
        try:
            root.destroy()
        except tk.TclError:
            pass


def texts(widget):
    found = []
    for child in widget.winfo_children():
        try:
            found.append(child.cget("text"))
        except Exception:
            pass
        found += texts(child)
    return found


def test_pin_window_names_origin_and_operation_and_masks_the_pin(window_factory):
    window = window_factory("pin")
    shown = "\n".join(texts(window.root))
    assert "Website: https://portal.example" in shown
    assert "Vraagt: Inloggen met uw kaart" in shown
    assert "Pogingen over: 3" in shown
    [entry] = window.entries
    assert entry.cget("show") == "•"
    entry.insert(0, "271828")
    window.ok_button.invoke()
    assert window.answer == {"value": "271828"}


def test_new_pin_window_returns_both_entries(window_factory):
    window = window_factory("new_pin")
    first, second = window.entries
    first.insert(0, "13572468")
    second.insert(0, "13572469")
    window.ok_button.invoke()
    assert window.answer == {"value": "13572468", "repeat": "13572469"}


def test_cancel_gives_nothing(window_factory):
    window = window_factory("puk")
    window.entries[0].insert(0, "12345678")
    window.cancel_button.invoke()
    assert window.answer == {"cancelled": True}


def test_puk_window_shows_the_puk(window_factory):
    window = window_factory("show_puk", puk="90817263")
    assert "90817263" in texts(window.root)
    window.ok_button.invoke()
    assert window.answer == {"seen": True}


def test_window_prompt_without_a_working_display_cancels(monkeypatch):
    monkeypatch.setenv("DISPLAY", ":99999")
    assert WindowPrompt().ask_pin(REQUEST) is None


def test_window_prompt_passes_the_question_to_the_window_process(tmp_path):
    """The window runs as a child process that reads the question on stdin and answers on stdout: here a
    stand-in child that records each question and answers as the user would."""
    import json
    import sys

    from cardagent.prompt import PinMismatch

    questions = tmp_path / "questions.jsonl"
    child = tmp_path / "window.py"
    child.write_text(
        "import json, sys\n"
        f"path = {str(questions)!r}\n"
        "question = json.loads(sys.stdin.read())\n"
        "with open(path, 'a') as log:\n"
        "    log.write(json.dumps(question) + '\\n')\n"
        "asked = sum(1 for _ in open(path))\n"
        "answer = {'value': '13572468', 'repeat': '13572468'}\n"
        "if question['kind'] == 'puk':\n"
        "    answer = {'value': '12345678'}\n"
        "if asked == 3:\n"
        "    answer = {'value': '13572468', 'repeat': '86427531'}\n"
        "print(json.dumps(answer))\n"
    )
    window = WindowPrompt(command=[sys.executable, str(child)])
    assert window.ask_new_pin(REQUEST) == "13572468"
    assert window.ask_puk(REQUEST) == "12345678"
    with pytest.raises(PinMismatch):
        window.ask_new_pin(REQUEST)
    assert WindowPrompt().command[1:] == ["-m", "cardagent.tkprompt"]
    question = json.loads(questions.read_text().splitlines()[0])
    assert question == {
        "kind": "new_pin",
        "puk": None,
        "request": {
            "origin": "https://portal.example",
            "operation": "Inloggen met uw kaart",
            "reader": "Lezer 1",
            "tries_left": 3,
        },
    }
