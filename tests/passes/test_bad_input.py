"""Bad input on the passes pages: a clear Dutch error or a 404, never a 500, never half-stored."""
import base64
import io
import json

import pytest

from tests.factories import login
from webapp.extensions import db
from webapp.passes import services
from webapp.passes.models import Holder, PassRequest, Qualification, SelectionItem

BEYOND_INTEGER = "3000000000"  # past PostgreSQL's INTEGER
BEYOND_BIGINT = "99999999999999999999"  # past SQLite's 64-bit integers
ENDLESS = "9" * 5000  # past the digits int() will read


def key(*values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.fixture
def no_build(monkeypatch):
    """Submitted requests are stored but not built (these tests look at what was stored)."""
    monkeypatch.setattr(services, "_start_build", lambda request_id: None)


def select_knightley(world):
    services.add_to_selection(world.contact.id, [world.link(world.knightley).id])


def stored_requests() -> int:
    return db.session.query(PassRequest).count()


def selected() -> int:
    return db.session.query(SelectionItem).count()


@pytest.mark.parametrize("huge", [BEYOND_INTEGER, BEYOND_BIGINT, ENDLESS], ids=["integer", "bigint", "endless"])
def test_ids_beyond_the_database_column_are_not_found(contact_client, world, huge):
    client = contact_client
    assert client.get(f"/pasjes/houders/{huge}").status_code == 404
    assert client.get(f"/pasjes/houders/{huge}", headers={"HX-Request": "true"}).status_code == 404
    assert client.post(f"/pasjes/selectie/{huge}/toevoegen").status_code == 404
    assert client.post(f"/pasjes/selectie/{huge}/verwijderen").status_code == 404
    assert client.get(f"/pasjes/verzoeken/{huge}").status_code == 404
    assert client.get(f"/pasjes/verzoeken/{huge}/download").status_code == 404
    assert client.post(f"/pasjes/verzoeken/{huge}/opnieuw").status_code == 404
    assert client.get(f"/aanbod/{huge}").status_code == 404  # the courses module's routes share the converter

