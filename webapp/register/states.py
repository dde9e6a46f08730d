"""The register's things with states: a registered person, a link and a link request. These tables are the one
place the code, the pages and the tests read what may happen to each.

A person: enrolled ⇄ deregistered (deregistering only while no link is active).
A link: linked → unlinked (by the organisation now, or by the periodic job on its planned date). Linking a person
again makes a new link, so a link's history is its rows. "Planned to unlink" is a linked link with `unlink_on`.
A link request (koppelverzoek): open → accepted (the organisation links the person), rejected (with an optional
reason) or withdrawn (by the person).
"""

from webapp.core.statetable import Action, State, follow

PERSON_STATES = {
    "enrolled": State("Ingeschreven"),
    "deregistered": State("Uitgeschreven"),
}
PERSON_ACTIONS = {
    "enrol": Action("Inschrijven", frozenset({"deregistered"}), "enrolled", by="person"),
    "deregister": Action("Uitschrijven", frozenset({"enrolled"}), "deregistered", by="person", asks_first=True),
}

LINK_STATES = {
    "linked": State("Gekoppeld"),
    "unlinked": State("Ontkoppeld"),
}
LINK_ACTIONS = {
    "unlink": Action("Verbreek koppeling", frozenset({"linked"}), "unlinked", by="organisation", asks_first=True),
    "unlink_planned": Action("Ontkoppelen op de geplande datum", frozenset({"linked"}), "unlinked", by="system"),
}

REQUEST_STATES = {
    "open": State("Gevraagd"),
    "accepted": State("Gekoppeld"),
    "rejected": State("Afgewezen"),
    "withdrawn": State("Ingetrokken"),
}
REQUEST_ACTIONS = {
    "accept": Action("Koppelen", frozenset({"open"}), "accepted", by="organisation"),
    "reject": Action("Afwijzen", frozenset({"open"}), "rejected", by="organisation"),
    "withdraw": Action("Intrekken", frozenset({"open"}), "withdrawn", by="person", asks_first=True),
}


def next_person_state(state: str, action: str) -> str:
    return follow(PERSON_STATES, PERSON_ACTIONS, state, action, "Een inschrijving")


def next_link_state(state: str, action: str) -> str:
    return follow(LINK_STATES, LINK_ACTIONS, state, action, "Een koppeling")


def next_request_state(state: str, action: str) -> str:
    return follow(REQUEST_STATES, REQUEST_ACTIONS, state, action, "Een koppelverzoek")
