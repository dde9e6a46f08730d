"""Fuzz every form and query parameter of the person register, on both databases: the organisation's pages as its
eHerkenning employee, the person's pages as the DigiD person (see tests/security/fuzzing.py for what is
checked)."""

import pytest

from tests.security.conftest import World
from tests.security.fuzzing import Target, fuzz_tests

TARGETS = [
    Target("anonymous", "GET", "register_login.start"),
    Target("register_org", "GET", "register_links.index"),
]


@pytest.fixture
def fuzz_world(register_world) -> World:
    return register_world


test_fuzz, test_endpoints_without_fields = fuzz_tests(TARGETS)
