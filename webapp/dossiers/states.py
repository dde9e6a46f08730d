"""The dossier's one state table: the code, the pages, the history and the tests read what may happen to a dossier
here and nowhere else.

part A in progress → sent to mentor → part B in progress → part B sent to the student → approval in progress →
finished. The mentor may reset a dossier to part A before part B has started; the student may go back to part A
from the approval, which starts the cycle again. Archiving is a flag beside the state (dossier.archived).
"""

from dataclasses import dataclass

from webapp.core.errors import DomainError
from webapp.core.statetable import Action, State, follow

STATES = {
    "part_a": State("Deel A invullen"),
    "sent_to_mentor": State("Verstuurd naar mentor"),
    "part_b": State("Deel B invullen"),
    "part_b_sent": State("Deel B verstuurd naar leerling"),
    "approval": State("In akkoordverklaring"),
    "finished": State("Afgerond"),
}

ACTIONS = {
    "send_to_mentor": Action("Versturen naar mentor", frozenset({"part_a"}), "sent_to_mentor", by="student"),
    "reset_to_part_a": Action(
        "Terugzetten naar deel A", frozenset({"sent_to_mentor"}), "part_a", by="mentor", asks_first=True
    ),
    "start_part_b": Action("Start deel B", frozenset({"sent_to_mentor"}), "part_b", by="mentor"),
    "send_to_student": Action("Opsturen naar leerling", frozenset({"part_b"}), "part_b_sent", by="mentor"),
    "start_approval": Action("Start de akkoordverklaring", frozenset({"part_b_sent"}), "approval", by="student"),
    "back_to_part_a": Action(
        "Terug naar deel A", frozenset({"part_b_sent", "approval"}), "part_a", by="student", asks_first=True
    ),
    "finish": Action("Afronden", frozenset({"approval"}), "finished", by="student", asks_first=True),
}

# The states in which the student may change part A.
PART_A_OPEN = frozenset({"part_a"})
# The state in which the receiving college sees a dossier (and from which it counts as finished on a date).
COLLEGE_SEES = "finished"


def next_state(state: str, action: str) -> str:
    return follow(STATES, ACTIONS, state, action, "Een dossier")


# The states in which the mentor may change part B of the dossier, and those in which it has been sent (the dossier
# then holds the snapshot of the student part that the student approves).
PART_B_OPEN = frozenset({"part_b"})
PART_B_SENT = frozenset({"part_b_sent", "approval", "finished"})


# ---------------------------------------------------------------- the archive flag

# Archiving is a flag beside the state (dossier.archived), not a state: an archived dossier keeps its state, leaves
# the school's overviews, and takes no step of the table above until the student activates it again. Its two
# actions, who takes them and in which states, are read by the code, the pages and the tests as the table above is.


@dataclass(frozen=True)
class FlagAction:
    label: str  # Dutch, the button
    sources: frozenset[str]  # the states in which it may be taken
    archived: bool  # the flag it sets (it may only be taken when the flag is the other way)
    by: str
    asks_first: bool = False


FLAG_ACTIONS = {
    # a finished dossier is the one the receiving college has: it stays in the overviews
    "archive": FlagAction("Archiveren", frozenset(STATES) - {"finished"}, True, by="mentor", asks_first=True),
    "reactivate": FlagAction("Activeren", frozenset(STATES), False, by="student"),
}
ALREADY = {True: "Dit dossier is al gearchiveerd.", False: "Dit dossier is niet gearchiveerd."}


def next_flag(state: str, archived: bool, action: str) -> bool:
    """The archive flag after `action`, if the flag table allows it from this state and flag (a DomainError with the
    table's Dutch message otherwise)."""
    if action not in FLAG_ACTIONS:
        raise DomainError("Deze actie bestaat niet.")
    flag = FLAG_ACTIONS[action]
    if bool(archived) == flag.archived:
        raise DomainError(ALREADY[flag.archived])
    if state not in flag.sources:
        raise DomainError(f"Een dossier met de status {STATES[state].label.lower()} kunt u niet {flag.label.lower()}.")
    return flag.archived


def check_step(state: str, archived: bool, action: str) -> str:
    """Where a step of the state table leads for a dossier with this flag: an archived dossier takes none."""
    if archived and action in ACTIONS:
        raise DomainError(
            f"Dit dossier is gearchiveerd. {ACTIONS[action].label} kan pas weer als de leerling het dossier heeft "
            "geactiveerd."
        )
    return next_state(state, action)


def action_label(action: str) -> str:
    """The Dutch label of a step or flag action (the history names both)."""
    found = ACTIONS.get(action) or FLAG_ACTIONS.get(action)
    return found.label if found is not None else action


def allowed(state: str, archived: bool, by: str) -> list[str]:
    """The actions (steps and flag actions) `by` may take on a dossier in this state with this flag, in table order."""
    steps = [] if archived else [key for key, a in ACTIONS.items() if a.by == by and state in a.sources]
    flags = [key for key, f in FLAG_ACTIONS.items() if f.by == by and f.archived != archived and state in f.sources]
    return steps + flags
