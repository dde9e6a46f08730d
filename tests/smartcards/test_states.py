"""The smartcard state table, every pair of state and action tested from the table itself."""

from datetime import date, timedelta

import pytest

from webapp.core.errors import DomainError
from webapp.smartcards import request_states, states

PAIRS = [(state, action) for state in states.STATES for action in states.ACTIONS]


@pytest.mark.parametrize(("state", "action"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
def test_every_state_and_action(state, action):
    rule = states.ACTIONS[action]
    if state in rule.sources:
        assert states.next_state(state, action) == rule.target
    else:
        with pytest.raises(DomainError) as refused:
            states.next_state(state, action)
        assert states.STATES[state].label.lower() in refused.value.message


def test_the_table_says_what_the_manual_says():
    follows = {(state, states.ACTIONS[action].target) for state, action in PAIRS if states.allowed(state, action)}
    assert follows == {
        ("blank", "personalising"),
        ("failed", "personalising"),
        ("personalising", "active"),
        ("personalising", "failed"),
        ("active", "blocked"),
        ("blocked", "active"),
        ("active", "revoked"),
        ("blocked", "revoked"),
    }
    assert not any(states.allowed("revoked", action) for action in states.ACTIONS)  # final
    assert [name for name, state in states.STATES.items() if state.can_sign_in] == ["active"]
    revoke = states.ACTIONS["revoke"]
    assert revoke.needs_reason and revoke.asks_first and states.ACTIONS["block"].needs_reason


def test_an_unknown_action_is_refused_in_dutch():
    with pytest.raises(DomainError, match="bestaat niet"):
        states.next_state("active", "delete")


def test_expired_follows_from_the_date():
    today = date(2026, 12, 5)
    assert states.shown("active", today - timedelta(days=1), today) is states.EXPIRED
    assert states.shown("blocked", today - timedelta(days=1), today) is states.EXPIRED
    assert states.shown("active", today, today) is states.STATES["active"]
    assert states.shown("revoked", today - timedelta(days=1), today) is states.STATES["revoked"]
    assert not states.EXPIRED.can_sign_in


REQUEST_PAIRS = [(state, action) for state in request_states.STATES for action in request_states.ACTIONS]


@pytest.mark.parametrize(("state", "action"), REQUEST_PAIRS, ids=[f"{s}-{a}" for s, a in REQUEST_PAIRS])
def test_every_request_state_and_action(state, action):
    rule = request_states.ACTIONS[action]
    if state in rule.sources:
        assert request_states.next_state(state, action) == rule.target
    else:
        with pytest.raises(DomainError) as refused:
            request_states.next_state(state, action)
        assert refused.value.message.startswith(
            "Een aanvraag met de status " + request_states.STATES[state].label.lower()
        )


def test_a_request_is_decided_once_and_validated_only_after_acceptance():
    follows = {
        (state, request_states.ACTIONS[action].target)
        for state, action in REQUEST_PAIRS
        if state in request_states.ACTIONS[action].sources
    }
    assert follows == {("submitted", "accepted"), ("submitted", "rejected"), ("accepted", "validated")}
