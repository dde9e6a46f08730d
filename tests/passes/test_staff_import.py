"""The staff import page: the downloadable template, and the demo data only on developer installs."""

import io

import pytest

from tests.factories import login
from webapp.extensions import db
from webapp.passes.models import Holder


@pytest.fixture
def staff_client(client, factory):
    staff = factory.user(email="beheer@loket.example", is_staff=True)
    login(client, staff.email)
    return client


def import_file(client, data: bytes):
    return client.post(
        "/beheer/pasjes/import",
        data={"bestand": (io.BytesIO(data), "kwalificatiehouders.csv")},
        content_type="multipart/form-data",
    )


def holders_as_stored() -> list[tuple]:
    db.session.expire_all()
    return sorted(
        (holder.number, holder.last_name, holder.email, tuple((q.name, q.expires_on) for q in holder.qualifications))
        for holder in db.session.query(Holder)
    )


def test_importing_the_template_unchanged_changes_no_holder(staff_client, world):
    """The template's example row must not be a real holder (it was the demo's Knightley, with an old expiry)."""
    before = holders_as_stored()
    template = staff_client.get("/beheer/pasjes/import/sjabloon.csv")
    assert template.status_code == 200
    assert "voorbeeld" in template.get_data(as_text=True).lower()
    response = import_file(staff_client, template.data)
    body = response.get_data(as_text=True)
    assert "0 regel(s) geïmporteerd" in body
    assert "voorbeeldregel" in body  # the staff member is told why
    assert holders_as_stored() == before


def test_the_template_is_not_kept_by_caches(staff_client):
    response = staff_client.get("/beheer/pasjes/import/sjabloon.csv")
    assert "no-store" in response.headers["Cache-Control"]


def test_demo_data_exists_only_with_debug_pages(app, staff_client):
    assert "Demogegevens laden" not in staff_client.get("/beheer/pasjes/import").get_data(as_text=True)
    assert staff_client.post("/beheer/pasjes/demo").status_code == 404
    assert db.session.query(Holder).count() == 0

    app.config["DEBUG_PAGES"] = True
    assert "Demogegevens laden" in staff_client.get("/beheer/pasjes/import").get_data(as_text=True)
    assert staff_client.post("/beheer/pasjes/demo").status_code == 303
