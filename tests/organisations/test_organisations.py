"""Organisatie kiezen, Mijn gegevens, Mijn organisatie, contact persons and mandates."""

import pytest
from sqlalchemy import select

from tests.accounts.helpers import mailed_path, new_password_post
from tests.factories import PASSWORD, login
from webapp.accounts.models import Membership, User
from webapp.core.auth import mandate_required
from webapp.extensions import db


@pytest.fixture
def herenbos(app, factory):
    """Deby: admin of Herenbos and Heerhugowaard, contact of ROC with passes; Martin: employee of Herenbos."""
    herenbos = factory.organisation("Herenbos Schagen")
    heerhugowaard = factory.organisation("Gemeente Heerhugowaard")
    roc = factory.organisation("ROC Kop van Noord-Holland")
    deby = factory.user("deby@herenbos.example", first_name="Deby", last_name="Rummens - Heijnen")
    martin = factory.user("martin.sommer@herenbos.example", first_name="Martin", last_name="Sommer")
    factory.member(deby, herenbos, role="admin")
    factory.member(deby, heerhugowaard, role="admin")
    factory.member(deby, roc, role="contact", services=("passes",))
    factory.member(martin, herenbos, role="employee")

    @app.get("/_test/passes")
    @mandate_required("passes")
    def needs_passes():
        return "mandate ok"

    return {"herenbos": herenbos, "heerhugowaard": heerhugowaard, "roc": roc, "deby": deby, "martin": martin}


def test_choose_organisation_after_login_and_switching(app, client, herenbos):
    response = client.post("/inloggen", data={"email": "deby@herenbos.example", "password": "Zeilboot-Anker-77"})
    choose_url = response.headers["Location"]
    assert choose_url.startswith("/organisatie-kiezen")
    page = client.get(choose_url).get_data(as_text=True)
    for name in ("Deby Rummens - Heijnen", "Herenbos Schagen", "Gemeente Heerhugowaard", "ROC Kop van Noord-Holland"):
        assert name in page
    # a foreign organisation id is refused and changes nothing
    stranger = User(email="x@y.example")
    other = herenbos["roc"].__class__(name="Vreemde Organisatie")
    db.session.add_all([stranger, other])
    db.session.commit()
    refused = client.post(choose_url, data={"context": str(other.id)})
    assert refused.status_code == 400
    assert "Vreemde Organisatie" not in client.get("/").get_data(as_text=True)

    client.post(choose_url, data={"context": str(herenbos["herenbos"].id)})
    home = client.get("/").get_data(as_text=True)
    assert "U handelt namens <strong>Herenbos Schagen</strong> als beheerder" in home
    assert "Organisatiegegevens aanpassen" in client.get("/mijn-organisatie").get_data(as_text=True)

    # switch from the name menu: the rights follow the choice
    assert 'href="/organisatie-kiezen?next=' in home
    client.post("/organisatie-kiezen?next=/mijn-organisatie", data={"context": str(herenbos["roc"].id)})
    page = client.get("/mijn-organisatie").get_data(as_text=True)
    assert "U handelt namens <strong>ROC Kop van Noord-Holland</strong> als contactpersoon" in page
    assert "Organisatiegegevens aanpassen" not in page
    assert client.get("/mijn-organisatie/aanpassen").status_code == 404
    assert client.get("/_test/passes").get_data(as_text=True) == "mandate ok"

    client.post("/organisatie-kiezen", data={"context": "person"})
    home = client.get("/").get_data(as_text=True)
    assert "U handelt op eigen naam" in home and "Deby Rummens - Heijnen" in home
    assert client.get("/mijn-organisatie").status_code == 302  # off to Organisatie kiezen
    assert client.get("/_test/passes").status_code == 302


def test_person_without_organisation_is_not_asked_to_choose(app, client, factory):
    user = factory.user("jan.visser@example.nl", first_name="Jan", last_name="Visser")
    response = client.post("/inloggen", data={"email": user.email, "password": "Zeilboot-Anker-77"})
    assert response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "U handelt op eigen naam: <strong>Jan Visser</strong>" in home
    assert "Organisatie kiezen" not in home and "Mijn organisatie" not in home


def test_my_data_as_person_shows_and_edits_the_address(app, client, herenbos):
    login(client, "martin.sommer@herenbos.example", organisation="person")
    page = client.get("/mijn-gegevens").get_data(as_text=True)
    assert "ingelogd als persoon" in page and "Aanpassen" in page
    bad = client.post("/mijn-gegevens/aanpassen", data={"first_name": "Martin", "last_name": "", "postcode": "12"})
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Dit veld is verplicht." in text and "Vul een postcode in als 1234 AB." in text
    ok = client.post(
        "/mijn-gegevens/aanpassen",
        data={
            "salutation": "Dhr.",
            "initials": "M.",
            "first_name": "Martin",
            "last_name": "Sommer",
            "birth_date": "1980-05-17",
            "street": "Dorpsstraat",
            "house_number": "12a",
            "postcode": "1741ab",
            "city": "Schagen",
            "country": "Nederland",
            "phone": "0224-123456",
            "mobile": "",
        },
    )
    assert ok.status_code == 303
    page = client.get("/mijn-gegevens").get_data(as_text=True)
    assert "Dorpsstraat 12a, 1741 AB Schagen" in page and "17-05-1980" in page


def test_my_data_as_employee_shows_and_edits_the_organisations_data(app, client, herenbos):
    login(client, "martin.sommer@herenbos.example", organisation=herenbos["herenbos"].id)
    page = client.get("/mijn-gegevens").get_data(as_text=True)
    assert "ingelogd via Herenbos Schagen" in page and "Medewerker" in page
    form = client.get("/mijn-gegevens/aanpassen", headers={"HX-Request": "true"})
    assert form.status_code == 200 and "<html" not in form.get_data(as_text=True)  # the htmx fragment
    assert "Straat" not in form.get_data(as_text=True)
    assert (
        client.post(
            "/mijn-gegevens/aanpassen", data={"first_name": "Martin", "last_name": "Sommer", "work_email": "geen"}
        ).status_code
        == 400
    )
    ok = client.post(
        "/mijn-gegevens/aanpassen",
        data={
            "first_name": "Martin",
            "last_name": "Sommer",
            "job_title": "Teamleider",
            "department": "Zorg",
            "work_email": "m.sommer@herenbos.example",
            "work_phone": "0224 999",
        },
    )
    assert ok.status_code == 303
    page = client.get("/mijn-gegevens").get_data(as_text=True)
    assert "Teamleider" in page and "m.sommer@herenbos.example" in page
    assert db.session.get(User, herenbos["martin"].id).street == ""  # the private data stay as they were


def test_my_organisation_is_read_only_for_non_admins(app, client, herenbos):
    login(client, "martin.sommer@herenbos.example", organisation=herenbos["herenbos"].id)
    page = client.get("/mijn-organisatie").get_data(as_text=True)
    assert "Herenbos Schagen" in page and "Deby Rummens - Heijnen" in page
    assert "aanpassen" not in page.lower() and "Verwijderen" not in page and "Nieuwe contactpersoon" not in page
    deby_membership = herenbos["deby"].memberships[0]
    for url in (
        "/mijn-organisatie/aanpassen",
        "/mijn-organisatie/contactpersonen/nieuw",
        f"/mijn-organisatie/contactpersonen/{deby_membership.id}/aanpassen",
    ):
        assert client.get(url).status_code == 404
        assert (
            client.post(
                url,
                data={"name": "Gekaapt", "email": "a@b.example", "first_name": "A", "last_name": "B", "role": "admin"},
            ).status_code
            == 404
        )
    assert client.get(f"/mijn-organisatie/contactpersonen/{deby_membership.id}/verwijderen").status_code == 404
    assert client.post(f"/mijn-organisatie/contactpersonen/{deby_membership.id}/verwijderen").status_code == 404
    db.session.expire_all()
    assert herenbos["herenbos"].name == "Herenbos Schagen"
    assert db.session.get(Membership, deby_membership.id) is not None
    assert client.get("/_test/passes").status_code == 404  # an employee without the mandate


def test_admin_edits_the_organisation_and_its_contact_persons(app, client, herenbos, outbox):
    organisation = herenbos["herenbos"]
    login(client, "deby@herenbos.example", organisation=organisation.id)
    assert client.post("/mijn-organisatie/aanpassen", data={"name": "", "kvk_number": "12"}).status_code == 400
    assert (
        client.post(
            "/mijn-organisatie/aanpassen",
            data={
                "name": "Herenbos Schagen B.V.",
                "kvk_number": "12345678",
                "email": "info@herenbos.example",
                "phone": "0224 123",
                "street": "Laan",
                "house_number": "1",
                "postcode": "1741 AB",
                "city": "Schagen",
            },
        ).status_code
        == 303
    )
    assert "Herenbos Schagen B.V." in client.get("/mijn-organisatie").get_data(as_text=True)

    # invite a new contact person with a mandate: an activation mail goes out; activating accepts
    response = client.post(
        "/mijn-organisatie/contactpersonen/nieuw",
        data={
            "email": "keira@herenbos.example",
            "salutation": "Mevr.",
            "initials": "K.C.",
            "first_name": "Keira",
            "last_name": "Knightley",
            "job_title": "Planner",
            "role": "contact",
            "services": ["courses"],
        },
    )
    assert response.status_code == 303
    # the same person twice is refused
    again = client.post(
        "/mijn-organisatie/contactpersonen/nieuw",
        data={"email": "keira@herenbos.example", "first_name": "K", "last_name": "K", "role": "contact"},
    )
    assert again.status_code == 400 and "al uitgenodigd" in again.get_data(as_text=True)
    assert new_password_post(app.test_client(), mailed_path(outbox, "keira@herenbos.example", "Activeer"), PASSWORD)
    keira = db.session.execute(select(Membership).join(User).where(User.email == "keira@herenbos.example")).scalar_one()
    assert keira.services == {"courses"}
    again = client.post(
        "/mijn-organisatie/contactpersonen/nieuw",
        data={"email": "keira@herenbos.example", "first_name": "K", "last_name": "K", "role": "contact"},
    )
    assert again.status_code == 400 and "al contactpersoon" in again.get_data(as_text=True)

    # change her mandates: passes as well as courses
    url = f"/mijn-organisatie/contactpersonen/{keira.id}/aanpassen"
    assert client.get(url).status_code == 200
    assert (
        client.post(
            url,
            data={
                "email": "keira@herenbos.example",
                "first_name": "Keira",
                "last_name": "Knightley",
                "role": "contact",
                "services": ["passes", "courses"],
            },
        ).status_code
        == 303
    )
    db.session.expire_all()
    assert db.session.get(Membership, keira.id).services == {"passes", "courses"}
    # a service no installed module offers is not a mandate one can grant
    assert (
        client.post(
            url,
            data={
                "email": "keira@herenbos.example",
                "first_name": "Keira",
                "last_name": "Knightley",
                "role": "contact",
                "services": ["passes", "onbekend"],
            },
        ).status_code
        == 400
    )

    # martin gets the passes mandate and may then use it
    martin = herenbos["martin"].memberships[0]
    martin_client = app.test_client()
    login(martin_client, "martin.sommer@herenbos.example", organisation=organisation.id)
    assert martin_client.get("/_test/passes").status_code == 404
    client.post(
        f"/mijn-organisatie/contactpersonen/{martin.id}/aanpassen",
        data={
            "email": "martin.sommer@herenbos.example",
            "first_name": "Martin",
            "last_name": "Sommer",
            "role": "employee",
            "services": ["passes"],
        },
    )
    assert martin_client.get("/_test/passes").status_code == 200

    # the last admin cannot be demoted or removed; with a second admin it can
    deby_membership = next(m for m in herenbos["deby"].memberships if m.organisation_id == organisation.id)
    demote = client.post(
        f"/mijn-organisatie/contactpersonen/{deby_membership.id}/aanpassen",
        data={
            "email": "deby@herenbos.example",
            "first_name": "Deby",
            "last_name": "Rummens - Heijnen",
            "role": "contact",
        },
    )
    assert demote.status_code == 400 and "minstens één beheerder" in demote.get_data(as_text=True)
    remove = client.post(f"/mijn-organisatie/contactpersonen/{deby_membership.id}/verwijderen")
    assert "minstens één beheerder" in client.get(remove.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Membership, deby_membership.id).role == "admin"

    # remove keira: asked first (a page that works without JavaScript), done by its button
    keira_id = keira.id
    listing = client.get("/mijn-organisatie").get_data(as_text=True)
    assert f'href="/mijn-organisatie/contactpersonen/{keira_id}/verwijderen"' in listing  # a link to the question
    confirm = client.get(f"/mijn-organisatie/contactpersonen/{keira_id}/verwijderen")
    text = confirm.get_data(as_text=True)
    assert "Weet u zeker dat u Keira Knightley wilt verwijderen als contactpersoon?" in text
    assert 'class="button warning">Verwijderen</button>' in text and 'href="/mijn-organisatie">Annuleren</a>' in text
    db.session.expire_all()
    assert db.session.get(Membership, keira_id) is not None  # asking removed nothing
    assert client.post(f"/mijn-organisatie/contactpersonen/{keira_id}/verwijderen").status_code == 303
    db.session.expire_all()
    assert db.session.get(Membership, keira_id) is None

    # another organisation's membership is a 404 for this admin
    roc_membership = next(m for m in herenbos["deby"].memberships if m.organisation_id == herenbos["roc"].id)
    assert client.get(f"/mijn-organisatie/contactpersonen/{roc_membership.id}/aanpassen").status_code == 404
    assert client.get(f"/mijn-organisatie/contactpersonen/{roc_membership.id}/verwijderen").status_code == 404
    assert client.post(f"/mijn-organisatie/contactpersonen/{roc_membership.id}/verwijderen").status_code == 404
    assert db.session.get(Membership, roc_membership.id) is not None
