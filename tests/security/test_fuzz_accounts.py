"""Fuzz every form and query parameter of accounts (login, reset, activation, Organisatie kiezen, Mijn gegevens,
password, authenticator, verification), on both databases: see tests/security/fuzzing.py for what is checked."""

import pytest

from tests.factories import PASSWORD
from tests.security.fuzzing import Target, fuzz, visit

NEW_PASSWORD = "Kompas-Roer-Vlag-93"
PERSONAL = (
    "salutation",
    "initials",
    "first_name",
    "infix",
    "last_name",
    "birth_date",
    "street",
    "house_number",
    "postcode",
    "city",
    "country",
    "phone",
    "mobile",
)
EMPLOYEE = ("first_name", "infix", "last_name", "job_title", "department", "work_email", "work_phone")


def _token(name):
    return lambda world: {"token": world.ids[name]}


TARGETS = [
    Target("anonymous", "GET", "accounts.login", ("next",)),
    Target(
        "anonymous",
        "POST",
        "accounts.login",
        ("email", "password", "remember", "?next"),
        valid=lambda world: {"email": world.ids["person_email"], "password": PASSWORD},
    ),
    Target("anonymous", "GET", "accounts.request_reset"),
    Target(
        "anonymous",
        "POST",
        "accounts.request_reset",
        ("email",),
        valid=lambda world: {"email": world.ids["person_email"]},
    ),
    Target("anonymous", "GET", "accounts.reset_password", args=_token("reset_token")),
    Target(
        "anonymous",
        "POST",
        "accounts.reset_password",
        ("password", "confirm", "?next"),
        args=_token("reset_token"),
        valid=lambda world: {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    ),
    Target("anonymous", "GET", "accounts.activate", args=_token("activation_token")),
    Target(
        "anonymous",
        "POST",
        "accounts.activate",
        ("password", "confirm", "?next"),
        args=_token("activation_token"),
        valid=lambda world: {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    ),
    Target("admin", "GET", "accounts.choose_organisation", ("next", "organisatie")),
    Target(
        "admin",
        "POST",
        "accounts.choose_organisation",
        ("context", "?next", "?organisatie"),
        valid=lambda world: {"context": str(world.ids["organisation_id"])},
    ),
    Target(
        "person",
        "POST",
        "accounts.choose_organisation",
        ("context", "?next", "?organisatie"),
        valid=lambda world: {"context": "person"},
    ),
    Target("person", "GET", "accounts.my_data"),
    Target("admin", "GET", "accounts.my_data"),
    Target("person", "GET", "accounts.edit_my_data"),
    Target(
        "person",
        "POST",
        "accounts.edit_my_data",
        PERSONAL,
        valid=lambda world: {
            "first_name": "Kees",
            "last_name": "Jansen",
            "postcode": "1741 AB",
            "birth_date": "1980-05-01",
        },
    ),
    Target("admin", "GET", "accounts.edit_my_data"),
    Target(
        "admin",
        "POST",
        "accounts.edit_my_data",
        EMPLOYEE,
        valid=lambda world: {"first_name": "Deby", "last_name": "Rummens", "work_email": "deby@herenbos.example"},
    ),
    Target("person", "GET", "accounts.change_password"),
    Target(
        "person",
        "POST",
        "accounts.change_password",
        ("current", "password", "confirm"),
        valid=lambda world: {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    ),
    Target("person", "GET", "accounts.authenticator"),
    Target("person", "POST", "accounts.authenticator", ("code",), valid=lambda world: {"code": "123456"}),
    Target("person", "GET", "accounts.decouple_authenticator"),
    Target("person", "POST", "accounts.decouple_authenticator"),
    Target("person", "GET", "accounts.step_up", ("level", "next")),
    Target("person", "POST", "accounts.step_up", ("code", "?level", "?next"), valid=lambda world: {"code": "123456"}),
    Target("person", "POST", "accounts.logout"),
]


WITH_FIELDS = [target for target in TARGETS if target.fields]


@pytest.mark.parametrize("target", WITH_FIELDS, ids=[target.id for target in WITH_FIELDS])
def test_fuzz(fuzz_world, target):
    fuzz(fuzz_world, target)


def test_endpoints_without_fields(fuzz_world):
    visit(fuzz_world, [target for target in TARGETS if not target.fields])
