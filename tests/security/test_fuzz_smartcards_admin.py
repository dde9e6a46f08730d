"""Fuzz every form and query parameter of the smartcards beheeromgeving and the public CRL, on both databases
(see tests/security/fuzzing.py for what is checked), as the organisation's administrator at EH2+, in the world
of conftest.smartcards_admin_world (test_fuzz_coverage.py checks these targets with that world too)."""

import pytest

from tests.security.conftest import World
from tests.security.fuzzing import Target, fuzz_tests

LIST = ("status", "zoek", "sort", "richting", "pagina")


def _card(key, word=None):
    def args(world):
        values = {"card_id": world.ids[key]}
        if word:
            values["word"] = word
        return values

    return args


TARGETS = [
    Target("card_admin", "GET", "smartcards.index", LIST, valid=lambda world: {"zoek": "roos", "sort": "verloopt"}),
    Target("card_admin", "GET", "smartcards.card", args=_card("active")),
    Target("card_admin", "GET", "smartcards.card_action", args=_card("active", "blokkeren")),
    Target("card_admin", "GET", "smartcards.card_action", args=_card("active", "intrekken"), label="revoke"),
    # without a reason the valid request is refused too, so the card stays active for every case
    Target(
        "card_admin",
        "POST",
        "smartcards.card_action",
        ("reason", "note"),
        args=_card("active", "blokkeren"),
        valid=lambda world: {"note": "Kwijt"},
    ),
    Target(
        "card_admin",
        "POST",
        "smartcards.card_action",
        ("reason", "note"),
        args=_card("blocked", "intrekken"),
        valid=lambda world: {"reason": "other"},
        label="revoke",
    ),
    Target("card_admin", "POST", "smartcards.card_action", args=_card("blocked", "deblokkeren"), label="unblock"),
    Target("anonymous", "GET", "smartcard_crl.revocation_list"),
]


@pytest.fixture
def fuzz_world(smartcards_admin_world) -> World:
    return smartcards_admin_world


test_fuzz, test_endpoints_without_fields = fuzz_tests(TARGETS)
