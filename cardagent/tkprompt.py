"""The PIN window: reads one question as JSON on stdin, writes the answer as JSON on stdout.

Run by cardagent.prompt.WindowPrompt in a child process, because Tk wants the main thread.
"""

from __future__ import annotations

import json
import sys
import tkinter as tk

from .prompt import PromptRequest, describe

TITLES = {"pin": "Pincode", "puk": "Pukcode", "new_pin": "Nieuwe pincode", "show_puk": "Uw nieuwe pukcode"}


class PinWindow:
    """One question in a small window that stays on top. `answer` holds the result:
    {"value": ...} (and "repeat" for a new PIN), {"seen": True} for a shown PUK, or
    {"cancelled": True}."""

    def __init__(self, root: tk.Tk, kind: str, request: PromptRequest, puk: str | None = None):
        self.root = root
        self.kind = kind
        self.answer: dict = {"cancelled": True}
        self.entries: list[tk.Entry] = []
        root.title("Kaartlezer-app – " + TITLES[kind])
        root.attributes("-topmost", True)
        root.resizable(False, False)
        frame = tk.Frame(root, padx=16, pady=12)
        frame.pack()
        tk.Label(frame, text=describe(request), justify="left").pack(anchor="w", pady=(0, 8))

        if kind == "show_puk":
            tk.Label(frame, text="Uw eenmalige pukcode:").pack(anchor="w")
            tk.Label(frame, text=puk, font=("TkFixedFont", 20, "bold")).pack(pady=6)
            tk.Label(
                frame,
                text="Bewaar deze goed! Zonder pukcode kunt u de pincode\nvan uw kaart niet meer resetten.",
                justify="left",
            ).pack(anchor="w")
        else:
            labels = ["Nieuwe pincode", "Herhaal de nieuwe pincode"] if kind == "new_pin" else [TITLES[kind]]
            for label in labels:
                tk.Label(frame, text=label).pack(anchor="w")
                entry = tk.Entry(frame, show="•", width=20)
                entry.pack(anchor="w", pady=(0, 6))
                self.entries.append(entry)
            self.entries[0].focus_set()

        buttons = tk.Frame(frame)
        buttons.pack(fill="x", pady=(8, 0))
        self.ok_button = tk.Button(
            buttons, command=self.accept, text="Ik heb hem bewaard" if kind == "show_puk" else "OK"
        )
        self.ok_button.pack(side="right")
        self.cancel_button = None
        if kind != "show_puk":
            self.cancel_button = tk.Button(buttons, text="Annuleren", command=self.cancel)
            self.cancel_button.pack(side="right", padx=6)
        root.bind("<Return>", self.accept)
        root.bind("<Escape>", self.cancel)
        root.protocol("WM_DELETE_WINDOW", self.cancel)

    def accept(self, _event=None):
        if self.kind == "show_puk":
            self.answer = {"seen": True}
        else:
            self.answer = {"value": self.entries[0].get() or None}
            if len(self.entries) > 1:
                self.answer["repeat"] = self.entries[1].get()
        self.root.destroy()

    def cancel(self, _event=None):
        self.answer = {"cancelled": True}
        self.root.destroy()


def main() -> int:
    question = json.loads(sys.stdin.read())
    root = tk.Tk()
    window = PinWindow(root, question["kind"], PromptRequest(**question["request"]), question.get("puk"))
    root.mainloop()
    sys.stdout.write(json.dumps(window.answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
