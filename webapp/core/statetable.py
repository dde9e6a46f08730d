"""The shape of a state table: a thing's states, the actions between them, and the one step that follows it.

Each module that has a thing with states writes its table with these (smartcards.states, register.states) and
moves its things only through `follow`, so the code, the pages and the tests read the same table."""

from dataclasses import dataclass

from webapp.core.errors import DomainError


@dataclass(frozen=True)
class State:
    label: str  # Dutch, for pages


@dataclass(frozen=True)
class Action:
    label: str  # Dutch, the button
    sources: frozenset[str]
    target: str
    by: str  # who takes it, in the module's words ("administrator", "organisation", "person", "system" …)
    needs_reason: bool = False  # the action asks why
    asks_first: bool = False  # a confirmation page before its post


def follow(states: dict[str, State], actions: dict[str, Action], state: str, action: str, thing: str) -> str:
    """Where `action` leads from `state` in a state table; "<thing> met de status … kunt u niet …" otherwise."""
    if action not in actions:
        raise DomainError("Deze actie bestaat niet.")
    if state not in actions[action].sources:
        step = actions[action].label.lower()
        raise DomainError(f"{thing} met de status {states[state].label.lower()} kunt u niet {step}.")
    return actions[action].target
