"""Bad input on the passes pages: a clear Dutch error or a 404, never a 500, never half-stored."""

import io
from urllib.parse import urlsplit

import pytest

from tests.factories import login
from tests.passes.conftest import page_key
from webapp.extensions import db
from webapp.passes import services
from webapp.passes.models import Holder, PassRequest, Qualification, SelectionItem

BEYOND_INTEGER = "3000000000"  # past PostgreSQL's INTEGER
BEYOND_BIGINT = "99999999999999999999"  # past SQLite's 64-bit integers
ENDLESS = "9" * 5000  # past the digits int() will read


def select_knightley(world):
    services.add_to_selection(world.acting(), [world.holder_organisation(world.knightley).id])
    db.session.commit()


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


@pytest.mark.parametrize(
    "bad_key",
    [
        page_key("73029884", int(BEYOND_INTEGER)),
        page_key("73029884", int(BEYOND_BIGINT)),
        page_key("7302\x00", 1),
    ],
)
def test_a_tampered_page_key_gives_the_page_by_number(contact_client, world, bad_key):
    for boundary in ("na", "voor"):
        response = contact_client.get(f"/pasjes?pagina=2&{boundary}={bad_key}")
        assert response.status_code == 200
        assert "Mevr. K.C. Knightley" in response.get_data(as_text=True)  # the one page there is


def test_a_tampered_name_key_with_a_nul_gives_the_page_by_number(contact_client, world):
    name_key = page_key("knight\x00", "73029884", 1)
    response = contact_client.get(f"/pasjes?sort=naam&pagina=2&na={name_key}")
    assert response.status_code == 200 and "Mevr. K.C. Knightley" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["zoek=%00", "examennummer=%00", "zoek=Knight%00ley"])
def test_a_nul_in_a_filter_drops_that_filter(contact_client, world, query):
    response = contact_client.get(f"/pasjes?{query}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Mevr. K.C. Knightley" in body and "Dhr. TT Te Tester" in body


def test_add_all_with_a_nul_in_the_filter_adds_by_the_other_filters(contact_client, world):
    response = contact_client.post(
        "/pasjes/selectie/alle-toevoegen", data={"zoek": "\x00", "organisatie": str(world.roc.id)}
    )
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
    holder_organisation = world.holder_organisation(world.knightley).id
    response = contact_client.post(f"/pasjes/selectie/{holder_organisation}/toevoegen", data={"terug": terug})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/pasjes") and not any(ord(c) < 32 or ord(c) == 127 for c in location)
    assert "Set-Cookie" not in response.headers and selected() == 1
    row = contact_client.post(
        f"/pasjes/selectie/{holder_organisation}/verwijderen", data={"terug": terug}, headers={"HX-Request": "true"}
    )
    assert row.status_code == 200 and selected() == 0


@pytest.mark.parametrize(
    "terug", ["//evil.example", "https://evil.example", "/\\evil.example", "zoek=a&x=https://evil.example"]
)
def test_terug_never_leaves_the_list(contact_client, world, terug):
    holder_organisation = world.holder_organisation(world.knightley).id
    response = contact_client.post(f"/pasjes/selectie/{holder_organisation}/toevoegen", data={"terug": terug})
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("", "", "/pasjes")
    assert "evil.example" not in location.query


# --- the back-office import ----------------------------------------------------------------------

HEADER = (
    "kwalificatienummer;aanhef;voorletters;tussenvoegsel;achternaam;geboortedatum;email;telefoon;mobiel;"
    "organisatie;extern_nummer;kwalificatie;type;examentype;examennummer;examendatum;vervaldatum;hoort_bij\n"
)


def row(number, last_name, qualification, parent=""):
    return (
        f"{number};Mevr.;A.;;{last_name};01-01-2000;;;;ROC Kop van Noord-Holland;;{qualification};Diploma;"
        f"{qualification};EX1;01-01-2020;01-01-2030;{parent}\n"
    )


@pytest.fixture
def staff_client(client, factory, world):
    login(client, factory.user(email="beheer@loket.example", is_staff=True).email)
    return client


def upload(client, data: bytes):
    return client.post(
        "/beheer/pasjes/import", data={"bestand": (io.BytesIO(data), "houders.csv")}, content_type="multipart/form-data"
    )


def test_an_import_over_the_limit_is_refused_whole(staff_client, world):
    """Over 20 MB, the file is refused: not cut at 20 MB, where a half row and (cut inside the 'ë') a
    failed UTF-8 decode would import the rest as latin-1."""
    limit = 20 * 1024 * 1024
    head = (HEADER + row("12345678", "Brontë", "Eerste Hulp")).encode()
    tail = row("12345679", "Brontë", "Eerste Hulp").encode()
    cut_at = tail.index("ë".encode()) + 1  # the limit falls inside the ë of the last row
    data = head + b"\n" * (limit - len(head) - cut_at) + tail
    response = upload(staff_client, data)
    assert response.status_code == 400
    assert "groter dan 20 MB" in response.get_data(as_text=True)
    assert db.session.query(Holder).filter(Holder.number.in_(["12345678", "12345679"])).count() == 0


def test_an_unknown_hoort_bij_is_a_row_error(staff_client, world):
    data = (
        HEADER
        + row("12345678", "Brontë", "Eerste Hulp")
        + row("12345678", "Brontë", "Reanimatie", parent="Eerste Hulp")
        + row("12345678", "Brontë", "Verkeersregelaar", parent="Onbekende Kwalificatie")
    ).encode()
    response = upload(staff_client, data)
    body = response.get_data(as_text=True)
    assert "2 regel(s) geïmporteerd, 1 regel(s) met fouten" in body
    assert "Onbekende Kwalificatie" in body
    names = {q.name: q for q in db.session.query(Qualification).join(Holder).filter(Holder.number == "12345678")}
    assert set(names) == {"Eerste Hulp", "Reanimatie"}
    assert names["Reanimatie"].parent is names["Eerste Hulp"]
    assert db.session.query(Holder).filter_by(number="12345678").one().last_name == "Brontë"


def test_a_file_the_csv_reader_cannot_read_imports_nothing(staff_client, world):
    data = (HEADER + row("12345678", "Brontë", "Eerste Hulp") + row("12345679", "x" * 200_000, "Eerste Hulp")).encode()
    response = upload(staff_client, data)
    assert response.status_code == 400
    assert "kon niet worden gelezen" in response.get_data(as_text=True)
    assert db.session.query(Holder).filter_by(number="12345678").count() == 0


def test_old_mac_line_ends_are_rows(staff_client, world):
    data = (HEADER + row("12345678", "Brontë", "Eerste Hulp")).replace("\n", "\r").encode()
    assert "1 regel(s) geïmporteerd, 0 regel(s) met fouten" in upload(staff_client, data).get_data(as_text=True)


@pytest.mark.parametrize(
    "bad_row,message",
    [
        (row("1234567²", "Brontë", "Eerste Hulp"), "kwalificatienummer moet 8 cijfers zijn"),
        (row("12345678", "Bron\x00të", "Eerste Hulp"), "ongeldig teken"),
    ],
)
def test_a_row_with_a_bad_character_is_a_row_error(staff_client, world, bad_row, message):
    response = upload(staff_client, (HEADER + bad_row).encode())
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.query(Holder).filter(Holder.number.in_(["1234567²", "12345678"])).count() == 0
