"""The colleges' catalogue (staff): the programmes' import, idempotent on (college, code), making a college it does
not know; the "neemt deel aan het DDD" flag; staff only."""

import io

from sqlalchemy import func, select

from tests.dossiers import support
from tests.factories import login
from webapp.accounts.models import Organisation
from webapp.dossiers import catalogue
from webapp.dossiers.models import College, Programme
from webapp.extensions import db

HEADER = "instelling;kvk;opleiding;niveau;leerweg;locatie;code\n"
JURIDISCH = "MBO Utrecht;30000001;Juridisch secretaresse;4;BOL;Australiëlaan 23;95392\n"
METAAL = "MBO Utrecht;30000001;Metaalbewerken (Constructiewerker);2;bbl;Vondellaan 178;25290\n"


def _import(text: str) -> catalogue.CatalogueReport:
    report = catalogue.import_csv(text)
    db.session.commit()
    return report


def test_the_import_is_idempotent_on_college_and_code_and_makes_a_new_college(app):
    first = _import(HEADER + JURIDISCH + METAAL)
    assert (first.added, first.updated, first.unchanged, first.colleges_made, first.errors) == (
        2,
        0,
        0,
        ["MBO Utrecht"],
        [],
    )
    college = db.session.scalar(select(Organisation).where(Organisation.name == "MBO Utrecht"))
    assert college.kind == "college" and college.kvk_number == "30000001"
    assert db.session.get(College, college.id).takes_part

    again = _import(HEADER + JURIDISCH + METAAL)
    assert (again.added, again.updated, again.unchanged, again.colleges_made) == (0, 0, 2, [])
    renamed = _import(
        HEADER + JURIDISCH.replace("Australiëlaan 23", "Australiëlaan 25").replace("MBO Utrecht", "mbo utrecht")
    )
    assert (renamed.added, renamed.updated) == (0, 1)
    labels = sorted(p.label for p in db.session.scalars(select(Programme)))
    assert labels == [
        "Juridisch secretaresse (4 - BOL - Australiëlaan 25 - 95392)",
        "Metaalbewerken (Constructiewerker) (2 - BBL - Vondellaan 178 - 25290)",
    ]
    # the same code at another college is another programme
    other = _import(HEADER + JURIDISCH.replace("MBO Utrecht;30000001", "ROC van Twente;30000002"))
    assert (other.added, other.colleges_made) == (1, ["ROC van Twente"])
    assert db.session.scalar(select(func.count()).select_from(Organisation).where(Organisation.kind == "college")) == 2


def test_broken_rows_are_reported_and_a_wrong_header_stores_nothing(app):
    report = _import(
        HEADER
        + JURIDISCH
        + "MBO Utrecht;30000001;Zonder niveau;;BOL;Australiëlaan 23;1\n"
        + "MBO Utrecht;30000001;Verkeerde leerweg;3;BOX;Australiëlaan 23;2\n"
        + "MBO Utrecht;123;Foute kvk;3;BOL;Australiëlaan 23;3\n"
    )
    assert report.added == 1
    lines = dict(report.errors)
    assert "niveau ontbreekt" in lines[3] and "leerweg moet BOL of BBL zijn" in lines[4] and "kvk" in lines[5]

    wrong = _import("naam;code\nJuridisch;1\n")
    assert wrong.refused_file and "mist de kolom(men)" in wrong.errors[0][1]
    assert db.session.scalar(select(func.count()).select_from(Programme)) == 1


def test_staff_import_and_set_the_flag_and_nobody_else_may(app, factory):
    staff = app.test_client()
    login(staff, factory.user(is_staff=True).email)
    page = staff.get("/beheer/doorstroomdossier/opleidingen/importeren")
    assert page.status_code == 200 and "Opleidingen importeren" in page.get_data(as_text=True)
    response = staff.post(
        "/beheer/doorstroomdossier/opleidingen/importeren",
        data={"bestand": (io.BytesIO((HEADER + JURIDISCH).encode()), "opleidingen.csv")},
        content_type="multipart/form-data",
    )
    assert "1 opleiding(en) toegevoegd" in response.get_data(as_text=True)
    college = db.session.scalar(select(College))
    overview = staff.get("/beheer/doorstroomdossier/").get_data(as_text=True)
    assert "MBO Utrecht" in overview and "Zet op niet deelnemen" in overview
    assert "Juridisch secretaresse (4 - BOL - Australiëlaan 23 - 95392)" in staff.get(
        f"/beheer/doorstroomdossier/instellingen/{college.organisation_id}"
    ).get_data(as_text=True)

    school = support.school(factory)
    counsellor = app.test_client()
    login(counsellor, support.staff_member(factory, school, "counsellor").email, organisation=school.id)
    url = f"/beheer/doorstroomdossier/instellingen/{college.organisation_id}/deelname"
    assert counsellor.post(url, data={"deelname": "nee"}).status_code == 404
    assert staff.post(url, data={"deelname": "nee"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(College, college.organisation_id).takes_part is False
    assert "Zet op deelnemen" in staff.get("/beheer/doorstroomdossier/").get_data(as_text=True)
    assert (
        staff.post("/beheer/doorstroomdossier/instellingen/999999/deelname", data={"deelname": "ja"}).status_code == 404
    )
