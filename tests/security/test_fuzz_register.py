"""Fuzz every form and query parameter of the person register, on both databases: the organisation's pages as its
eHerkenning employee, the person's pages as the DigiD person (see tests/security/fuzzing.py for what is
checked)."""

import pytest

from tests.security.conftest import World
from tests.security.fuzzing import Target, fuzz_tests

TARGETS = [
    # logging in (webapp/register/login_views.py): the provider is not reachable here (tests/conftest.py), so a
    # login button ends on the refusal page inside the portal; the callbacks refuse every state they did not send
    Target("anonymous", "GET", "register_login.start", ("volgende",)),
    Target("anonymous", "POST", "register_login.eherkenning", ("volgende",)),
    Target("anonymous", "POST", "register_login.digid", ("volgende",)),
    Target("anonymous", "GET", "register_login.eherkenning_callback", ("code", "state", "error")),
    Target("anonymous", "GET", "register_login.digid_callback", ("code", "state", "error")),
    Target("register_org", "GET", "register_login.eherkenning_callback", ("code", "state", "error")),
    Target("anonymous", "GET", "register_login.refused", args=lambda world: {"reden": "niveau-te-laag"}),
    Target("register_org", "GET", "register_links.index"),
    Target("register_org", "POST", "register_login.organisation_logout"),  # after the organisation's pages
    Target("register_person", "POST", "register_login.person_logout"),
]


@pytest.fixture
def fuzz_world(register_world) -> World:
    return register_world


test_fuzz, test_endpoints_without_fields = fuzz_tests(TARGETS)
