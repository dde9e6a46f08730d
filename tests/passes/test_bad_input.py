"""Bad input on the passes pages: a clear Dutch error or a 404, never a 500, never half-stored."""
import base64
import io
import json
from urllib.parse import urlsplit

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


@pytest.mark.parametrize("query", ["pagina=²", "details=²", "organisatie=²", "examentype=²", "pagina=" + "9" * 10_000])
def test_superscript_and_endless_digits_in_the_list_query_are_ignored(contact_client, world, query):
    response = contact_client.get(f"/pasjes?{query}")
    assert response.status_code == 200
    assert "Mevr. K.C. Knightley" in response.get_data(as_text=True)


def test_a_superscript_exam_type_on_submit_is_ignored(contact_client, world, no_build):
    select_knightley(world)
    response = contact_client.post("/pasjes/verzoek", data={"sleutel": "k1", "examentypes": ["²", "9" * 10_000]})
    assert response.status_code == 303
    assert db.session.query(PassRequest).one().options["exam_types"] == []


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


@pytest.mark.parametrize("field", ["organisatie", "examentype", "details"])
@pytest.mark.parametrize("huge", [BEYOND_INTEGER, BEYOND_BIGINT])
def test_huge_numbers_in_the_list_query_are_ignored(contact_client, world, field, huge):
    response = contact_client.get(f"/pasjes?{field}={huge}")
    assert response.status_code == 200
    assert "Mevr. K.C. Knightley" in response.get_data(as_text=True)


@pytest.mark.parametrize("bad_key", [
    key("73029884", int(BEYOND_INTEGER)), key("73029884", int(BEYOND_BIGINT)), key("7302\x00", 1),
])
def test_a_tampered_page_key_gives_the_page_by_number(contact_client, world, bad_key):
    for boundary in ("na", "voor"):
        response = contact_client.get(f"/pasjes?pagina=2&{boundary}={bad_key}")
        assert response.status_code == 200
        assert "Mevr. K.C. Knightley" in response.get_data(as_text=True)  # the one page there is


def test_a_tampered_name_key_with_a_nul_gives_the_page_by_number(contact_client, world):
    name_key = key("knight\x00", "73029884", 1)
    response = contact_client.get(f"/pasjes?sort=naam&pagina=2&na={name_key}")
    assert response.status_code == 200 and "Mevr. K.C. Knightley" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["zoek=%00", "examennummer=%00", "zoek=Knight%00ley"])
def test_a_nul_in_a_filter_drops_that_filter(contact_client, world, query):
    response = contact_client.get(f"/pasjes?{query}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Mevr. K.C. Knightley" in body and "Dhr. TT Te Tester" in body


def test_add_all_with_a_nul_in_the_filter_adds_by_the_other_filters(contact_client, world):
    response = contact_client.post("/pasjes/selectie/alle-toevoegen", data={"zoek": "\x00", "organisatie": str(world.roc.id)})
    assert response.status_code == 303
    assert selected() == 1


@pytest.mark.parametrize("field,value", [("kenmerk", "groep\x00a"), ("sleutel", "k\x00")])
def test_a_submit_with_a_nul_stores_nothing_and_says_why(contact_client, world, no_build, field, value):
    select_knightley(world)
    response = contact_client.post("/pasjes/verzoek", data={"sleutel": "k2", **{field: value}})
    assert response.status_code == 400
    assert 'class="form-errors"' in response.get_data(as_text=True)
    assert stored_requests() == 0 and selected() == 1


def test_a_kenmerk_longer_than_100_characters_is_refused(contact_client, world, no_build):
    select_knightley(world)
    page = contact_client.get("/pasjes/verzoek").get_data(as_text=True)
    assert 'name="kenmerk" maxlength="100"' in page
    response = contact_client.post("/pasjes/verzoek", data={"sleutel": "k3", "kenmerk": "x" * 101})
    assert response.status_code == 400
    assert "Het kenmerk mag maximaal 100 tekens lang zijn." in response.get_data(as_text=True)
    assert stored_requests() == 0 and selected() == 1
    assert contact_client.post("/pasjes/verzoek", data={"sleutel": "k3", "kenmerk": "x" * 100}).status_code == 303
    assert db.session.query(PassRequest).one().reference == "x" * 100


@pytest.mark.parametrize("terug", ["zoek=a\r\nSet-Cookie: x=y", "zoek=a\nb", "zoek=a\x00", "zoek=\x7f\x1b"])
def test_control_characters_in_terug_never_reach_the_location(contact_client, world, terug):
    link = world.link(world.knightley).id
    response = contact_client.post(f"/pasjes/selectie/{link}/toevoegen", data={"terug": terug})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/pasjes") and not any(ord(c) < 32 or ord(c) == 127 for c in location)
    assert "Set-Cookie" not in response.headers and selected() == 1
    row = contact_client.post(f"/pasjes/selectie/{link}/verwijderen", data={"terug": terug}, headers={"HX-Request": "true"})
    assert row.status_code == 200 and selected() == 0


@pytest.mark.parametrize("terug", ["//evil.example", "https://evil.example", "/\\evil.example", "zoek=a&x=https://evil.example"])
def test_terug_never_leaves_the_list(contact_client, world, terug):
    link = world.link(world.knightley).id
    response = contact_client.post(f"/pasjes/selectie/{link}/toevoegen", data={"terug": terug})
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("", "", "/pasjes")
    assert "evil.example" not in location.query

