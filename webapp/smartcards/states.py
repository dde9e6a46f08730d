"""A smartcard's states and the actions between them: the one table the code, the pages and the tests read.

blank → personalising → active; personalising → failed (the card was pulled out half-way), and a failed or
blank card may be personalised again; active ⇄ blocked; active or blocked → revoked, which is final (the
certificate goes on the CRL). Expired is not stored: it follows from the certificate's date.
"""

from dataclasses import dataclass
from datetime import date

from webapp.core.statetable import Action, follow


@dataclass(frozen=True)
class State:
    label: str  # Dutch, for pages
    can_sign_in: bool = False


STATES = {
    "blank": State("Blanco"),
    "personalising": State("Wordt aangemaakt"),
    "active": State("Actief", can_sign_in=True),
    "blocked": State("Geblokkeerd"),
    "revoked": State("Ingetrokken"),
    "failed": State("Aanmaken mislukt"),
}
EXPIRED = State("Verlopen")  # shown for an active or blocked card past its date; never stored

ACTIONS = {
    "personalise": Action("Aanmaken", frozenset({"blank", "failed"}), "personalising", by="holder"),
    "complete": Action("Gelukt", frozenset({"personalising"}), "active", by="system"),
    "fail": Action("Mislukt", frozenset({"personalising"}), "failed", by="system"),
    "block": Action("Blokkeren", frozenset({"active"}), "blocked", by="administrator", needs_reason=True),
    "unblock": Action("Deblokkeren", frozenset({"blocked"}), "active", by="administrator"),
    "revoke": Action(
        "Intrekken", frozenset({"active", "blocked"}), "revoked", by="administrator", needs_reason=True, asks_first=True
    ),
}

# Why a card is blocked or revoked; "other" asks for a note.
REASONS = {
    "lost": "Verloren",
    "stolen": "Gestolen",
    "damaged": "Beschadigd",
    "left": "Uit dienst",
    "other": "Anders",
}


def allowed(state: str, action: str) -> bool:
    return state in ACTIONS[action].sources


def next_state(state: str, action: str) -> str:
    """The state the action leads to; a Dutch refusal where the table does not allow it from `state`."""
    return follow(STATES, ACTIONS, state, action, "Een kaart")


def shown(state: str, expires_on: date | None, today: date) -> State:
    """The state as pages show it: an active or blocked card past its date is Verlopen."""
    if state in ("active", "blocked") and expires_on is not None and expires_on < today:
        return EXPIRED
    return STATES[state]
