"""The school's pages: the staff's start, Klassen, Leerlingen (a mentor sees only their classes' students), a
student added, edited, removed (asked first) and imported by a counsellor; another class's or school's student is
a 404, also to a hand-made POST."""

import io

from sqlalchemy import func, select

from tests.dossiers import support
from tests.factories import login
from webapp.dossiers.models import ClassMentor, SchoolClass, Student
from webapp.extensions import db

STUDENT_FORM = dict(
    first_name="Mirjam",
    infix="",
    last_name="Hoenderloo",
    bsn="111 222 333",
    birth_date="02-11-2009",
    email="m.hoenderloo@leerling.example",
    year="4",
)


def _world(factory):
    school = support.school(factory, "Vakcollege De Brug")
    counsellor = support.staff_member(factory, school, "counsellor", first_name="Henk", last_name="Jansen")
    mentor = support.staff_member(factory, school, "mentor", first_name="Anja", last_name="Vries", infix="de")
    klass_a = support.school_class(school, "4a", mentors=[mentor])
    klass_b = support.school_class(school, "4b")
    roos = support.student(school, klass_a, first_name="Roos", last_name="Winter", email="roos@leerling.example")
    jaap = support.student(school, klass_b, first_name="Jaap", infix="", last_name="Rierink")
    return dict(
        school=school, counsellor=counsellor, mentor=mentor, klass_a=klass_a, klass_b=klass_b, roos=roos, jaap=jaap
    )


def _client(app, user, organisation):
    client = app.test_client()
    login(client, user.email, organisation=organisation.id)
    return client


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_the_start_page_links_students_classes_and_codes(app, factory):
    world = _world(factory)
    client = _client(app, world["counsellor"], world["school"])
    assert client.get("/doorstroomdossier/").headers["Location"] == "/doorstroomdossier/school/"
    page = _text(client.get("/doorstroomdossier/school/"))
    assert "Vakcollege De Brug" in page and "/doorstroomdossier/school/leerlingen" in page
    assert "/doorstroomdossier/school/klassen" in page
    assert "/doorstroomdossier/school/activatiecodes" in page


def test_the_front_door_sends_a_visitor_to_the_students_start(app, client):
    response = client.get("/doorstroomdossier/")
    assert response.status_code == 302 and response.headers["Location"] == "/doorstroomdossier/start"


def test_a_mentor_sees_only_their_classes_students(app, factory):
    world = _world(factory)
    mentor = _client(app, world["mentor"], world["school"])
    page = _text(mentor.get("/doorstroomdossier/school/leerlingen"))
    assert "Roos de Winter" in page and "Rierink" not in page and "1 leerling gevonden" in page
    assert "Leerling toevoegen" not in page
    assert mentor.get(f"/doorstroomdossier/school/leerlingen/{world['roos'].id}").status_code == 200
    assert mentor.get(f"/doorstroomdossier/school/leerlingen/{world['jaap'].id}").status_code == 404
    assert mentor.get(f"/doorstroomdossier/school/leerlingen/{world['roos'].id}/wijzigen").status_code == 404
    assert mentor.post(f"/doorstroomdossier/school/leerlingen/{world['roos'].id}/verwijderen").status_code == 404
    assert mentor.post("/doorstroomdossier/school/klassen", data={"name": "4c", "year": "4"}).status_code == 404

    counsellor = _client(app, world["counsellor"], world["school"])
    page = _text(counsellor.get("/doorstroomdossier/school/leerlingen"))
    assert "Roos de Winter" in page and "Jaap Rierink" in page and "geen e-mailadres" in page
    fragment = counsellor.get(
        f"/doorstroomdossier/school/leerlingen?klas={world['klass_b'].id}", headers={"HX-Request": "true"}
    )
    assert "<html" not in _text(fragment) and "Jaap Rierink" in _text(fragment) and "Roos" not in _text(fragment)
    assert "Vary" in fragment.headers and "HX-Request" in fragment.headers["Vary"]
    assert "Jaap" in _text(counsellor.get("/doorstroomdossier/school/leerlingen?zoek=rier"))
    assert "Jaap" not in _text(counsellor.get("/doorstroomdossier/school/leerlingen?zoek=winter"))


def test_another_schools_counsellor_finds_nothing_also_by_a_hand_made_post(app, factory):
    world = _world(factory)
    other_school = support.school(factory)
    other = _client(app, support.staff_member(factory, other_school, "counsellor"), other_school)
    roos = world["roos"]
    base = f"/doorstroomdossier/school/leerlingen/{roos.id}"
    assert other.get(base).status_code == 404
    assert other.get(base + "/wijzigen").status_code == 404
    assert other.post(base + "/wijzigen", data=STUDENT_FORM | {"bsn": ""}).status_code == 404
    assert other.post(base + "/verwijderen").status_code == 404
    mentor_membership = world["mentor"].memberships[0].id
    klass = world["klass_a"].id
    assert (
        other.post(f"/doorstroomdossier/school/klassen/{klass}/mentoren/{mentor_membership}/verwijderen").status_code
        == 404
    )
    assert (
        other.post(
            f"/doorstroomdossier/school/klassen/{klass}/mentoren", data={"membership_id": mentor_membership}
        ).status_code
        == 404
    )
    db.session.expire_all()
    assert db.session.get(Student, roos.id).name == "Roos de Winter"
    assert db.session.scalar(select(func.count()).select_from(ClassMentor)) == 1
    assert "Roos" not in _text(other.get("/doorstroomdossier/school/leerlingen"))

    company = factory.organisation(kind="company")
    contact = factory.user()
    factory.member(contact, company, role="contact")
    assert _client(app, contact, company).get("/doorstroomdossier/school/").status_code == 404


def test_a_counsellor_adds_edits_and_removes_a_student(app, factory):
    world = _world(factory)
    client = _client(app, world["counsellor"], world["school"])
    form = STUDENT_FORM | {"class_id": str(world["klass_a"].id)}
    added = client.post("/doorstroomdossier/school/leerlingen/nieuw", data=form)
    assert added.status_code == 303
    page = _text(client.get(added.headers["Location"]))
    assert "Mirjam Hoenderloo" in page and "******333" in page and "111222333" not in page

    again = client.post("/doorstroomdossier/school/leerlingen/nieuw", data=form | {"first_name": "Ander"})
    assert again.status_code == 400 and "Er staat al een leerling met dit BSN bij uw school." in _text(again)
    wrong = client.post("/doorstroomdossier/school/leerlingen/nieuw", data=form | {"bsn": "123456789"})
    assert wrong.status_code == 400 and "elfproef" in _text(wrong) and "123456789" in _text(wrong)

    mirjam = db.session.scalar(select(Student).where(Student.last_name == "Hoenderloo"))
    edit_url = f"/doorstroomdossier/school/leerlingen/{mirjam.id}/wijzigen"
    assert "111222333" not in _text(client.get(edit_url))  # a stored BSN is never written into a form
    edited = client.post(edit_url, data=form | {"bsn": "", "email": "", "class_id": str(world["klass_b"].id)})
    assert edited.status_code == 303
    db.session.expire_all()
    mirjam = db.session.get(Student, mirjam.id)
    assert (mirjam.email, mirjam.class_id, mirjam.bsn.digits) == ("", world["klass_b"].id, "111222333")

    remove_url = f"/doorstroomdossier/school/leerlingen/{mirjam.id}/verwijderen"
    question = client.get(remove_url)
    assert "Weet u zeker dat u Mirjam Hoenderloo wilt verwijderen?" in _text(question)
    mirjam_id = mirjam.id
    assert client.post(remove_url).status_code == 303
    db.session.expire_all()
    assert db.session.get(Student, mirjam_id) is None


def test_classes_a_counsellor_adds_and_a_mentor_reads(app, factory):
    world = _world(factory)
    client = _client(app, world["counsellor"], world["school"])
    assert client.post("/doorstroomdossier/school/klassen", data={"name": "4c", "year": "4"}).status_code == 303
    refused = client.post("/doorstroomdossier/school/klassen", data={"name": "4C", "year": "4"})
    assert refused.status_code == 400 and "al een klas 4C" in _text(refused)
    assert client.post("/doorstroomdossier/school/klassen", data={"name": "4d", "year": "9"}).status_code == 400
    klass_c = db.session.scalar(select(SchoolClass).where(SchoolClass.name == "4c"))
    membership = world["mentor"].memberships[0].id
    assigned = client.post(
        f"/doorstroomdossier/school/klassen/{klass_c.id}/mentoren", data={"membership_id": membership}
    )
    assert assigned.status_code == 303
    db.session.expire_all()
    assert [m.id for m in db.session.get(SchoolClass, klass_c.id).mentors] == [membership]

    remove_url = f"/doorstroomdossier/school/klassen/{klass_c.id}/mentoren/{membership}/verwijderen"
    question = client.get(remove_url)
    assert "Weet u zeker dat u Anja de Vries wilt verwijderen als mentor van klas 4c?" in _text(question)
    assert client.post(remove_url).status_code == 303
    db.session.expire_all()
    assert db.session.get(SchoolClass, klass_c.id).mentors == []
    assert client.get(remove_url).status_code == 404  # no longer its mentor: nothing to ask
    client.post(f"/doorstroomdossier/school/klassen/{klass_c.id}/mentoren", data={"membership_id": membership})

    mentor = _client(app, world["mentor"], world["school"])
    page = _text(mentor.get("/doorstroomdossier/school/klassen"))
    assert "Klas 4a" in page and "Klas 4c" in page and "Anja de Vries" in page
    assert "Klas toevoegen" not in page and "Verwijder" not in page
    assert mentor.get(remove_url).status_code == 404


def test_the_import_page_stores_the_good_rows_and_reports_the_broken(app, factory):
    world = _world(factory)
    client = _client(app, world["counsellor"], world["school"])
    assert "roepnaam" in client.get("/doorstroomdossier/school/leerlingen/importeren/sjabloon.csv").get_data(
        as_text=True
    )
    text = (
        "roepnaam;tussenvoegsel;achternaam;bsn;geboortedatum;email;klas;leerjaar\n"
        "Mirjam;;Hoenderloo;111222333;02-11-2009;;4a;4\n"
        "Fout;;Regel;123456789;02-11-2009;;4a;4\n"
    )
    response = client.post(
        "/doorstroomdossier/school/leerlingen/importeren",
        data={"bestand": (io.BytesIO(text.encode()), "leerlingen.csv")},
        content_type="multipart/form-data",
    )
    page = _text(response)
    assert response.status_code == 200
    assert "1 leerling(en) toegevoegd" in page and "1 regel(s) geweigerd" in page and "elfproef" in page
    assert db.session.scalar(select(func.count()).where(Student.last_name == "Hoenderloo")) == 1

    wrong = client.post(
        "/doorstroomdossier/school/leerlingen/importeren",
        data={"bestand": (io.BytesIO(b"naam\nRoos\n"), "leerlingen.csv")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 400 and "er is niets geïmporteerd" in _text(wrong)
    mentor = _client(app, world["mentor"], world["school"])
    assert mentor.get("/doorstroomdossier/school/leerlingen/importeren").status_code == 404
