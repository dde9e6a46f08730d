"""Registreren organisatie, aanvragen: the public request form, its receipt, the duplicate rule and the rate
limit, on both databases."""

import uuid

import pytest
from sqlalchemy import func, select

from tests.conftest import make_app
from webapp.extensions import db
from webapp.smartcards.models import RegistrationRequest

GOOD = {
    "organisation_name": "Zorggroep De Linde",
    "kvk_number": "1234 5678",
    "subscriber_number": "90001234",
    "street": "Lindelaan",
    "house_number": "12a",
    "postcode": "1741ab",
    "city": "Schagen",
    "representative_name": "Anna de Vries",
    "email": "anna@delinde.example",
    "phone": "0224-123456",
}


def stored() -> int:
    return db.session.execute(select(func.count()).select_from(RegistrationRequest)).scalar_one()


def test_the_form_asks_for_the_organisation_address_and_representative(client):
    page = client.get("/smartcards/aanvragen").get_data(as_text=True)
    for label in ["Naam organisatie", "KvK-nummer", "Abonneenummer", "Straat", "Huisnummer", "Postcode", "Plaats"]:
        assert label in page
    for label in ["Naam vertegenwoordiger", "E-mailadres", "Telefoonnummer"]:
        assert label in page
    assert "UZI-zorgverlenerspas" in page  # what they will need, before they start


def test_a_good_request_is_stored_mailed_and_explained(client, outbox):
    response = client.post("/smartcards/aanvragen", data=GOOD)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/smartcards/aanvragen/ontvangen")

    [request] = db.session.execute(select(RegistrationRequest)).scalars().all()
    assert request.state == "submitted"
    assert (request.organisation_name, request.kvk_number, request.subscriber_number) == (
        "Zorggroep De Linde",
        "12345678",
        "90001234",
    )
    assert (request.street, request.house_number, request.postcode, request.city) == (
        "Lindelaan",
        "12a",
        "1741 AB",
        "Schagen",
    )
    assert (request.representative_name, request.email, request.phone) == (
        "Anna de Vries",
        "anna@delinde.example",
        "0224-123456",
    )

    [receipt] = outbox.to("anna@delinde.example")
    body = receipt.get_body(preferencelist=("plain",)).get_content()
    assert "ontvangen" in receipt["Subject"].lower()
    assert "Zorggroep De Linde" in body and "90001234" in body
    assert "U ontvangt een bevestiging zodra uw aanvraag verwerkt is" in body

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "U ontvangt een bevestiging zodra uw aanvraag verwerkt is. Dit kan een paar dagen duren." in page
    for needed in ["paslezer", "smartphone", "UZI-zorgverlenerspas", "Kaartlezer-app"]:
        assert needed in page


BAD = [
    ("organisation_name", "", "Dit veld is verplicht."),
    ("kvk_number", "1234567", "Een KvK-nummer heeft 8 cijfers."),
    ("kvk_number", "١٢٣٤٥٦٧٨", "Een KvK-nummer heeft 8 cijfers."),
    ("kvk_number", "12345678\n", None),  # a trailing newline is whitespace, stripped: accepted
    ("subscriber_number", "9000123", "Een abonneenummer heeft 8 cijfers."),
    ("subscriber_number", "", "Dit veld is verplicht."),
    ("street", "", "Dit veld is verplicht."),
    ("house_number", "", "Dit veld is verplicht."),
    ("postcode", "12345", "Vul een postcode in als 1234 AB."),
    ("city", "", "Dit veld is verplicht."),
    ("representative_name", "", "Dit veld is verplicht."),
    ("email", "anna@", "Vul een geldig e-mailadres in."),
    ("phone", "bel mij", "Een telefoonnummer bevat alleen cijfers, spaties en + ( ) -."),
    ("phone", "", "Dit veld is verplicht."),
    ("organisation_name", "x" * 161, "Veld mag niet langer zijn dan 160 karakters."),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD, ids=[f"{n}={v[:12]!r}" for n, v, _ in BAD])
def test_bad_input_says_why_in_dutch_and_stores_nothing(client, outbox, name, value, message):
    response = client.post("/smartcards/aanvragen", data={**GOOD, name: value})
    if message is None:
        assert response.status_code == 303
        return
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'aria-invalid="true"' in page
    assert stored() == 0
    assert outbox.messages == []


def test_a_second_open_request_for_the_same_subscriber_number_is_refused(client, outbox):
    assert client.post("/smartcards/aanvragen", data=GOOD).status_code == 303
    again = client.post(
        "/smartcards/aanvragen", data={**GOOD, "organisation_name": "Iemand Anders", "email": "ander@example.nl"}
    )
    assert again.status_code == 400
    assert "Voor dit abonneenummer loopt al een aanvraag" in again.get_data(as_text=True)
    assert stored() == 1
    assert outbox.to("ander@example.nl") == []


@pytest.mark.parametrize("state", ["accepted", "validated"])
def test_an_accepted_or_validated_request_also_blocks_a_second(client, state):
    assert client.post("/smartcards/aanvragen", data=GOOD).status_code == 303
    db.session.execute(db.update(RegistrationRequest).values(state=state))
    db.session.commit()
    assert client.post("/smartcards/aanvragen", data=GOOD).status_code == 400
    assert stored() == 1


def test_after_a_rejection_the_organisation_may_ask_again(client):
    assert client.post("/smartcards/aanvragen", data=GOOD).status_code == 303
    db.session.execute(db.update(RegistrationRequest).values(state="rejected", reason="Onvolledig"))
    db.session.commit()
    assert client.post("/smartcards/aanvragen", data=GOOD).status_code == 303
    assert stored() == 2


def test_the_database_itself_refuses_two_open_requests_for_one_subscriber_number(app):
    """Two submissions at the same moment both pass the service's check; the partial unique index holds."""
    from sqlalchemy.exc import IntegrityError

    fields = {**GOOD, "kvk_number": "12345678", "postcode": "1741 AB"}
    db.session.add(RegistrationRequest(**fields))
    db.session.commit()
    db.session.add(RegistrationRequest(**fields))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(RegistrationRequest(**fields, state="rejected"))
    db.session.commit()


def test_the_start_page_offers_the_request_to_visitors(client):
    page = client.get("/").get_data(as_text=True)
    assert "Registratie aanvragen" in page
    assert 'href="/smartcards/aanvragen"' in page


@pytest.fixture
def limited_app(app, database_url, tmp_path):
    from webapp.extensions import limiter

    limited = make_app(
        tmp_path,
        database_url,
        RATELIMIT_ENABLED=True,
        SMARTCARD_REQUEST_LIMITS="3 per minute",
        RATELIMIT_STORAGE_URI="memory://",
    )
    yield limited
    limiter.reset()


def test_the_form_is_rate_limited_per_address(limited_app):
    client = limited_app.test_client()
    tag = uuid.uuid4().hex[:6]
    address = {"REMOTE_ADDR": f"10.{int(tag[:2], 16)}.{int(tag[2:4], 16)}.{int(tag[4:6], 16)}"}
    for _ in range(3):
        assert client.post("/smartcards/aanvragen", data={}, environ_base=address).status_code == 400
    limited = client.post("/smartcards/aanvragen", data=GOOD, environ_base=address)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert "Even geduld" in limited.get_data(as_text=True)
    with limited_app.app_context():
        assert stored() == 0
    # the page itself, and another address, are not limited
    assert client.get("/smartcards/aanvragen", environ_base=address).status_code == 200
    assert client.post("/smartcards/aanvragen", data={}, environ_base={"REMOTE_ADDR": "192.0.2.9"}).status_code == 400


def test_a_request_that_loses_the_race_gets_the_same_dutch_message(app, monkeypatch):
    """Two submissions for one number at once: both pass the service's look-up, the database refuses the second,
    and the service turns that into the duplicate's message (the first stays, the session stays usable)."""
    from webapp.core.errors import DomainError
    from webapp.smartcards import requests

    fields = {**GOOD, "kvk_number": "12345678", "postcode": "1741 AB"}
    with app.test_request_context():
        requests.submit(fields)
        db.session.commit()
        monkeypatch.setattr(requests, "_holds_number", lambda number: False)  # the look-up ran before the commit
        with pytest.raises(DomainError) as refused:
            requests.submit(fields)
        assert refused.value.field == "subscriber_number"
        assert "Voor dit abonneenummer loopt al een aanvraag" in refused.value.message
        db.session.commit()
    assert stored() == 1
