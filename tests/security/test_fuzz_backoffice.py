"""Fuzz every form and query parameter of the back-office (/beheer: the dashboard, outgoing mail, background
jobs, Logboek, Kaartlezer testen, the passes import) and the main pages, on both databases: see
tests/security/fuzzing.py for what is checked."""

import csv
import io
import json

import pytest

from tests.security.fuzzing import Target, fuzz_tests
from webapp.passes.importer import CSV_COLUMNS, template_csv


def json_body(values):
    return {"data": json.dumps(values), "content_type": "application/json"}


def csv_upload(values):
    """The import's CSV file: the template's header and one row of `values` (a list: one row per value)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_COLUMNS)
    rows = max((len(value) for value in values.values() if isinstance(value, list)), default=1)
    for row in range(rows):
        cells = [values.get(column, "") for column in CSV_COLUMNS]
        writer.writerow([cell[row % len(cell)] if isinstance(cell, list) else cell for cell in cells])
    return {"data": {"bestand": (io.BytesIO(out.getvalue().encode()), "houders.csv")}}


def template_row(world):
    header, row = list(csv.reader(io.StringIO(template_csv()), delimiter=";"))[:2]
    return dict(zip(header, row, strict=True))


TARGETS = [
    Target("anonymous", "GET", "main.home"),
    Target("person", "GET", "main.home"),
    Target("anonymous", "GET", "main.outbox"),
    Target("anonymous", "GET", "main.privacy"),
    Target("anonymous", "GET", "main.accessibility"),
    Target("anonymous", "GET", "main.contact"),
    Target("staff", "GET", "backoffice.index"),
    Target("staff", "GET", "backoffice.outgoing_mail"),
    Target("staff", "POST", "backoffice.retry_mail", args=lambda world: {"mail_id": world.ids["mail_id"]}),
    Target("staff", "GET", "backoffice.periodic_runs"),
    Target(
        "staff",
        "GET",
        "backoffice.audit_log",
        ("gebruiker", "actie", "van", "tot", "organisatie", "pagina"),
        valid=lambda world: {"organisatie": str(world.ids["organisation_id"]), "tot": "2030-01-01"},
    ),
    Target("staff", "GET", "cardcheck.index"),
    Target("staff", "POST", "cardcheck.challenge"),
    Target(
        "staff",
        "POST",
        "cardcheck.check",
        ("nonce", "result"),
        body=json_body,
        valid=lambda world: {"nonce": "x", "result": {}},
    ),
    Target("staff", "GET", "passes_staff.import_csv"),
    Target(
        "staff",
        "POST",
        "passes_staff.import_csv",
        tuple(CSV_COLUMNS),
        body=csv_upload,
        sends=("bestand",),
        valid=template_row,
    ),
    Target("staff", "GET", "passes_staff.import_template"),
    Target("staff", "POST", "passes_staff.load_demo"),
]


test_fuzz, test_endpoints_without_fields = fuzz_tests(TARGETS)


UNREADABLE = {
    "nested 5,000 deep": "[" * 5000 + "]" * 5000,
    "nested 100,000 deep": '{"result": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "not an object": "[1]",
    "null": "null",
    "not UTF-8": b"\xff\xfe\xfa",
    "empty": "",
}


@pytest.mark.parametrize("body", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_an_unreadable_card_check_is_refused_in_dutch(fuzz_world, body):
    """A card agent's answer is a small JSON object: anything else (one nested thousands deep, which the parser
    cannot follow) is a Dutch 400, and nothing is kept."""
    from tests.security.fuzzing import row_counts

    staff = fuzz_world.clients["staff"]
    staff.post("/beheer/kaartlezer/uitdaging")
    before = row_counts()
    response = staff.post("/beheer/kaartlezer/controle", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["ok"] is False
    assert "De kaart kon niet worden gecontroleerd" in response.get_json()["message"]
    assert row_counts() == before
