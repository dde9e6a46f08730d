"""Fuzz every form and query parameter of the person register, on both databases: the organisation's pages as its
eHerkenning employee, the person's pages as the DigiD person (see tests/security/fuzzing.py for what is
checked)."""

import pytest

from tests.security.conftest import World
from tests.security.fuzzing import Target, fuzz_tests

TARGETS = [
    Target("anonymous", "GET", "register_login.start"),
    Target("register_org", "GET", "register_links.index"),
    # the person's pages, as Daan (enrolled, linked to Alfa; the world's open request is another person's)
    Target("register_person", "GET", "register_person.home"),
    Target("register_person", "POST", "register_person.enrol", label="enrolled"),  # enrolled already: home again
    # enrolling, with the name and birth date typed (the token lacks them); without the birth date a case is
    # refused, so the newcomer stays unenrolled for most of the sweep
    Target("register_newcomer", "GET", "register_person.home"),
    Target(
        "register_newcomer",
        "POST",
        "register_person.enrol",
        ("first_name", "infix", "last_name", "birth_date", "email"),
        valid=lambda world: {"first_name": "Lotte", "last_name": "Visser", "email": "lotte@voorbeeld.example"},
    ),
    Target("register_person", "GET", "register_person.email"),
    Target(
        "register_person",
        "POST",
        "register_person.email",
        ("email",),
        valid=lambda world: {"email": "daan@voorbeeld.example"},
    ),
    Target(
        "register_person",
        "GET",
        "register_person.find_organisation",
        ("zoek", "pagina"),
        valid=lambda world: {"zoek": "alfa"},
    ),
    Target(
        "register_person",
        "GET",
        "register_person.request_link",
        args=lambda world: {"organisation_id": world.ids["organisation_id"]},
    ),
    Target(  # Alfa links Daan already: refused
        "register_person",
        "POST",
        "register_person.request_link",
        args=lambda world: {"organisation_id": world.ids["organisation_id"]},
    ),
    Target(  # another person's request: a 404
        "register_person",
        "GET",
        "register_person.withdraw",
        args=lambda world: {"request_id": world.ids["request_id"]},
    ),
    Target(
        "register_person",
        "POST",
        "register_person.withdraw",
        args=lambda world: {"request_id": world.ids["request_id"]},
    ),
    Target("register_person", "GET", "register_person.deregister"),
    Target("register_person", "POST", "register_person.deregister"),  # still linked: refused
]


@pytest.fixture
def fuzz_world(register_world) -> World:
    return register_world


test_fuzz, test_endpoints_without_fields = fuzz_tests(TARGETS)
