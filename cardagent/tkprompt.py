"""The PIN window: reads one question as JSON on stdin, writes the answer as JSON on stdout.

Run by cardagent.prompt.WindowPrompt in a child process.
"""
from __future__ import annotations

import json
import sys
import tkinter as tk

from .prompt import PromptRequest, describe

TITLES = {"pin": "Pincode", "puk": "Pukcode", "new_pin": "Nieuwe pincode",
          "show_puk": "Uw nieuwe pukcode"}


def main() -> int:
    question = json.loads(sys.stdin.read())
    kind = question["kind"]
    request = PromptRequest(**question["request"])
    answer: dict = {"cancelled": True}

    root = tk.Tk()
    root.title("Kaartlezer-app – " + TITLES[kind])
    root.attributes("-topmost", True)
    root.resizable(False, False)
    frame = tk.Frame(root, padx=16, pady=12)
    frame.pack()
    tk.Label(frame, text=describe(request), justify="left").pack(anchor="w", pady=(0, 8))

    entries = []
    if kind == "show_puk":
        tk.Label(frame, text="Uw eenmalige pukcode:").pack(anchor="w")
        tk.Label(frame, text=question["puk"], font=("TkFixedFont", 20, "bold")).pack(pady=6)
        tk.Label(frame, text="Bewaar deze goed! Zonder pukcode kunt u de pincode\n"
                             "van uw kaart niet meer resetten.", justify="left").pack(anchor="w")
    else:
        labels = ["Nieuwe pincode", "Herhaal de nieuwe pincode"] if kind == "new_pin" \
            else [TITLES[kind]]
        for label in labels:
            tk.Label(frame, text=label).pack(anchor="w")
            entry = tk.Entry(frame, show="•", width=20)
            entry.pack(anchor="w", pady=(0, 6))
            entries.append(entry)
        entries[0].focus_set()

    def accept(_event=None):
        nonlocal answer
        if kind == "show_puk":
            answer = {"seen": True}
        else:
            answer = {"value": entries[0].get() or None}
            if len(entries) > 1:
                answer["repeat"] = entries[1].get()
        root.destroy()

    buttons = tk.Frame(frame)
    buttons.pack(fill="x", pady=(8, 0))
    tk.Button(buttons, text="Ik heb hem bewaard" if kind == "show_puk" else "OK",
              command=accept).pack(side="right")
    if kind != "show_puk":
        tk.Button(buttons, text="Annuleren", command=root.destroy).pack(side="right", padx=6)
    root.bind("<Return>", accept)
    root.bind("<Escape>", lambda _event: root.destroy())
    root.mainloop()
    sys.stdout.write(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
