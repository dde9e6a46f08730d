"""Fuzz every form and query parameter of organisations (Mijn organisatie, its contact persons and Logboek; the
staff's organisation pages), on both databases: see tests/security/fuzzing.py for what is checked."""

from tests.security.fuzzing import Target, fuzz_tests

ORGANISATION = ("name", "kvk_number", "email", "phone", "street", "house_number", "postcode", "city")
CONTACT = (
    "email",
    "salutation",
    "initials",
    "first_name",
    "infix",
    "last_name",
    "job_title",
    "work_phone",
    "role",
    "services",
)
LOG_FILTERS = ("gebruiker", "actie", "van", "tot", "pagina")


def _membership(world):
    return {"membership_id": world.ids["membership_id"]}


def _invitation(world):
    return {"invitation_id": world.ids["invitation_id"]}


def _contact(role):
    return lambda world: {
        "email": "nieuw.contact@herenbos.example",
        "first_name": "Nina",
        "last_name": "Nieuw",
        "role": role,
        "services": "passes",
    }


TARGETS = [
    Target("admin", "GET", "organisations.show"),
    Target("admin", "GET", "organisations.edit"),
    Target(
        "admin",
        "POST",
        "organisations.edit",
        ORGANISATION,
        valid=lambda world: {"name": "Herenbos Schagen", "kvk_number": "12345678", "postcode": "1741 AB"},
    ),
    Target("admin", "GET", "organisations.add_contact"),
    Target("admin", "POST", "organisations.add_contact", CONTACT, valid=_contact("contact")),
    Target("admin", "GET", "organisations.edit_contact", args=_membership),
    Target(
        "admin",
        "POST",
        "organisations.edit_contact",
        CONTACT,
        args=_membership,
        valid=lambda world: {"first_name": "Jan", "last_name": "Visser", "role": "contact", "services": "courses"},
    ),
    Target("admin", "GET", "organisations.remove_contact", args=_membership),
    Target("admin", "POST", "organisations.remove_contact", args=_membership),
    Target("admin", "POST", "organisations.resend_invitation", args=_invitation),
    Target("admin", "GET", "organisations.revoke_invitation", args=_invitation),
    Target("admin", "POST", "organisations.revoke_invitation", args=_invitation),
    Target("invitee", "GET", "organisations.invitation", args=lambda world: {"token": world.ids["invitation_token"]}),
    Target("invitee", "POST", "organisations.invitation", args=lambda world: {"token": world.ids["invitation_token"]}),
    Target("admin", "GET", "organisations.audit_log", LOG_FILTERS, valid=lambda world: {"van": "01-01-2020"}),
    Target("staff", "GET", "organisations_staff.index"),
    Target("staff", "GET", "organisations_staff.new"),
    Target(
        "staff",
        "POST",
        "organisations_staff.new",
        (*ORGANISATION, "kind"),
        valid=lambda world: {"name": "Zorggroep Noord", "kind": "care"},
    ),
    Target(
        "staff",
        "GET",
        "organisations_staff.organisation",
        args=lambda world: {"organisation_id": world.ids["organisation_id"]},
    ),
    Target(
        "staff",
        "POST",
        "organisations_staff.organisation",
        CONTACT,
        args=lambda world: {"organisation_id": world.ids["organisation_id"]},
        valid=_contact("admin"),
    ),
]


test_fuzz, test_endpoints_without_fields = fuzz_tests(TARGETS)
