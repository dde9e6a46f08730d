"""Fuzz every form and query parameter of accounts (login, reset, activation, Organisatie kiezen, Mijn gegevens,
password, authenticator, verification), on both databases: see tests/security/fuzzing.py for what is checked."""

from tests.factories import PASSWORD
from tests.security.fuzzing import Target, fuzz_tests
from webapp.accounts.services import EMPLOYEE_FIELDS, NAME_FIELDS, PERSONAL_FIELDS

NEW_PASSWORD = "Kompas-Roer-Vlag-93"


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
        PERSONAL_FIELDS,
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
        NAME_FIELDS + EMPLOYEE_FIELDS,
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


test_fuzz, test_endpoints_without_fields = fuzz_tests(TARGETS)
