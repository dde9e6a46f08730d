"""Fuzz every form and query parameter of courses (Cursusagenda, aanbod, enrolment, Mijn Onderwijsgroep; the
staff's catalogue, events, results, invoices and messages), on both databases: see tests/security/fuzzing.py
for what is checked."""

import io
from datetime import timedelta

from tests.security.fuzzing import Target, fuzz_tests
from webapp.core.timeutil import today_local

COURSE = ("name", "category_id", "custom_for_id", "description", "cancellation_rules")
EVENT = ("name", "starts_on", "ends_on", "location", "price", "vat_rate", "places", "cancellation_rules")
MESSAGE = ("to", "person_email", "organisation_id", "subject", "body", "attachments")


def _ids(*names):
    return lambda world: {name: world.ids[name] for name in names}


def _event(prefix=""):
    def valid(world):
        starts = today_local() + timedelta(days=60)
        values = {"name": "LV Optimaal bespuiten", "starts_on": starts.isoformat(), "price": "250.00"}
        values.update({"vat_rate": "21", "places": "20", "location": "Den Helder"})
        return {prefix + name: value for name, value in values.items()}

    return valid


def with_attachments(values):
    """The message form, its attachments as uploaded files named by the values."""
    names = values.pop("attachments", [])
    files = [(io.BytesIO(b"Inhoud van de bijlage"), name) for name in (names if isinstance(names, list) else [names])]
    return {"data": {**values, "attachments": files}}


TARGETS = [
    Target("anonymous", "GET", "courses.agenda", ("pagina",)),
    Target("anonymous", "GET", "courses.offer"),
    Target("anonymous", "GET", "courses.category", args=_ids("category_id")),
    Target("anonymous", "GET", "courses.course", args=_ids("course_id")),
    Target("person", "GET", "courses.enrol", ("deelnemer", "zoek"), args=_ids("event_id")),
    Target(
        "admin",
        "GET",
        "courses.enrol",
        ("deelnemer", "zoek"),
        label="chosen",
        args=_ids("event_id"),
        valid=lambda world: {"deelnemer": str(world.ids["employee_id"])},
    ),
    Target(
        "admin",
        "GET",
        "courses.enrol",
        ("deelnemer", "zoek"),
        label="search",
        args=_ids("event_id"),
        valid=lambda world: {"deelnemer": "0", "zoek": "Bakker"},
    ),
    Target(
        "person",
        "POST",
        "courses.enrol",
        ("participant_id", "debtor_reference", "waiting_list", "?deelnemer", "?zoek"),
        args=_ids("event_id"),
        valid=lambda world: {"debtor_reference": "PO-1234"},
    ),
    Target(
        "admin",
        "POST",
        "courses.enrol",
        ("participant_id", "debtor_reference", "waiting_list", "?deelnemer", "?zoek"),
        args=_ids("event_id"),
        valid=lambda world: {"participant_id": str(world.ids["employee_id"]), "debtor_reference": "PO-1234"},
    ),
    Target("person", "GET", "courses.confirmation", args=_ids("enrollment_id")),
    Target("person", "GET", "courses.cancel", ("terug",), args=_ids("enrollment_id")),
    Target(
        "person",
        "POST",
        "courses.cancel",
        ("terug", "?terug"),
        args=_ids("enrollment_id"),
        valid=lambda world: {"?terug": "organisatie"},
    ),
    Target("person", "GET", "courses.my_courses"),
    Target("admin", "GET", "courses.organisation_courses"),
    Target("person", "GET", "courses.invoices"),
    Target("person", "GET", "courses.invoice_pdf", args=_ids("invoice_id")),
    Target("person", "GET", "courses.message_archive"),
    Target("person", "GET", "courses.message", args=_ids("message_id")),
    Target("person", "GET", "courses.attachment", args=_ids("message_id", "attachment_id")),
    Target("staff", "GET", "courses_staff.index"),
    Target(
        "staff",
        "POST",
        "courses_staff.index",
        COURSE,
        valid=lambda world: {"name": "Nieuwe cursus", "category_id": "0", "custom_for_id": "0"},
    ),
    Target("staff", "GET", "courses_staff.course", args=_ids("course_id")),
    Target(
        "staff",
        "POST",
        "courses_staff.course",
        ("action", *COURSE),
        label="course",
        args=_ids("course_id"),
        valid=lambda world: {
            "action": "course",
            "name": "Licentieverlenging",
            "category_id": "0",
            "custom_for_id": "0",
        },
    ),
    Target(
        "staff",
        "POST",
        "courses_staff.course",
        ("action", *(f"event-{name}" for name in EVENT)),
        label="event",
        args=_ids("course_id"),
        valid=lambda world: {"action": "event", **_event("event-")(world)},
    ),
    Target("staff", "GET", "courses_staff.event", args=_ids("event_id")),
    Target("staff", "POST", "courses_staff.event", EVENT, args=_ids("event_id"), valid=_event()),
    Target("staff", "POST", "courses_staff.invite", args=_ids("event_id")),
    Target(
        "staff",
        "POST",
        "courses_staff.result",
        ("result", "attended"),
        args=_ids("enrollment_id"),
        valid=lambda world: {"result": "Geslaagd", "attended": "y"},
    ),
    Target("staff", "GET", "courses_staff.invoices", ("open",)),
    Target("staff", "GET", "courses_staff.invoice_pdf", args=_ids("invoice_id")),
    Target(
        "staff",
        "POST",
        "courses_staff.mark_paid",
        ("paid", "open"),
        args=_ids("invoice_id"),
        valid=lambda world: {"paid": "1", "open": "1"},
    ),
    Target("staff", "GET", "courses_staff.message", ("email",)),
    Target(
        "staff",
        "POST",
        "courses_staff.message",
        MESSAGE,
        body=with_attachments,
        sends=MESSAGE,
        valid=lambda world: {
            "to": "person",
            "person_email": world.ids["person_email"],
            "organisation_id": "0",
            "subject": "Uw certificaat",
            "body": "Zie de bijlage.",
            "attachments": "certificaat.txt",
        },
    ),
]


test_fuzz, test_endpoints_without_fields = fuzz_tests(TARGETS)
