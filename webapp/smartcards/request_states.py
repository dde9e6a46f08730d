"""A registration request's states and the actions between them: the one table the code, the pages and the
tests read. submitted → accepted or rejected (by staff; a rejection gives a reason); accepted → validated
(the representative, with a care-provider card of the request's subscriber number)."""

from webapp.core.statetable import Action, follow
from webapp.smartcards.states import State

STATES = {
    "submitted": State("Ontvangen"),
    "accepted": State("Verwerkt"),
    "rejected": State("Afgewezen"),
    "validated": State("Gevalideerd"),
}

ACTIONS = {
    "accept": Action("Accepteren", frozenset({"submitted"}), "accepted", by="staff"),
    "reject": Action("Afwijzen", frozenset({"submitted"}), "rejected", by="staff", needs_reason=True),
    "validate": Action("Valideren", frozenset({"accepted"}), "validated", by="representative"),
}


def next_state(state: str, action: str) -> str:
    return follow(STATES, ACTIONS, state, action, "Een aanvraag")
