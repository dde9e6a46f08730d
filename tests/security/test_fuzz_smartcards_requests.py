"""Fuzz every form and query parameter of the registration requests (the public form Registratie aanvragen, and
the staff's list and decision), on both databases: see tests/security/fuzzing.py for what is checked."""

from tests.security.fuzzing import Target, fuzz_tests
from tests.smartcards.test_requests_form import GOOD
from webapp.extensions import db
from webapp.smartcards import requests

FORM = requests.FIELDS  # every field of the public form
SUBSCRIBERS = {"accept": "70000001", "reject": "70000002", "show": "70000003"}


def _request(key):
    """The id of a submitted request of the fuzz world's own (made on first use: the shared world has none)."""

    def args(world):
        name = f"registration_request_{key}"
        if name not in world.ids:
            registration = requests.submit(
                {
                    **_valid(world),
                    "subscriber_number": SUBSCRIBERS[key],
                    "kvk_number": "12345678",
                    "postcode": "1741 AB",
                }
            )
            db.session.commit()
            world.ids[name] = registration.id
        return {"request_id": world.ids[name]}

    return args


def _valid(world):
    return {**GOOD, "subscriber_number": "80000001"}  # the form test's good request, another number


TARGETS = [
    Target("anonymous", "GET", "smartcard_requests.new"),
    Target("anonymous", "POST", "smartcard_requests.new", FORM, valid=_valid),
    Target("anonymous", "GET", "smartcard_requests.received"),
    Target(
        "staff",
        "GET",
        "smartcards_staff.requests_list",
        ("status", "pagina"),
        valid=lambda world: {"status": "submitted", "pagina": "1"},
    ),
    Target("staff", "GET", "smartcards_staff.request_page", args=_request("show")),
    Target("staff", "POST", "smartcards_staff.accept", args=_request("accept")),
    Target(
        "staff",
        "POST",
        "smartcards_staff.reject",
        ("reason",),
        args=_request("reject"),
        valid=lambda world: {"reason": "Het abonneenummer hoort niet bij deze organisatie."},
    ),
]


test_fuzz, test_endpoints_without_fields = fuzz_tests(TARGETS)
