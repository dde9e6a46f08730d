"""The dossier's one state table: the code, the pages, the history and the tests read what may happen to a dossier
here and nowhere else.

part A in progress → sent to mentor → part B in progress → part B sent to the student → approval in progress →
finished. The mentor may reset a dossier to part A before part B has started; the student may go back to part A
from the approval, which starts the cycle again. Archiving is a flag beside the state (dossier.archived).
"""

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
