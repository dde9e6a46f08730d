"""The dossiers' demo world: what the other parts' tests and pages rely on, made once however often it is loaded."""

from sqlalchemy import func, select

from webapp.accounts.models import Organisation
from webapp.core.bsn import BSN
from webapp.dossiers import codes, demo
from webapp.dossiers import students as students_service
from webapp.dossiers.models import College, Dossier, SchoolClass, Student
from webapp.dossiers.school import school_year
from webapp.extensions import db


def test_the_demo_world_is_the_manuals_and_loads_once(app, client):
    demo.load_demo()
    db.session.commit()
    again = demo.load_demo()
    db.session.commit()
    assert again == ["Doorstroomdossier: Vakcollege De Brug staat er al."]

    school = db.session.scalar(select(Organisation).where(Organisation.name == "Vakcollege De Brug"))
    assert school.kind == "school"
    classes = db.session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id)).all()
    assert sorted((k.name, k.year, k.school_year) for k in classes) == [
        ("4a", 4, school_year()),
        ("4b", 4, school_year()),
    ]
    mentors = {k.name: [m.user.email for m in k.mentors] for k in classes}
    assert mentors == {"4a": ["mentor4a@debrug.example"], "4b": ["mentor4b@debrug.example"]}

    students = {s.name: s for s in db.session.scalars(select(Student).where(Student.school_id == school.id))}
    mentors_students = sorted(f"{first} {last}" for first, _, last, *_ in demo.MENTOR_STUDENTS)  # the dashboards'
    expected = [
        "Jaap Rierink",
        "Mirjam Hoenderloo",
        "Noor Vermeulen",
        "Roos de Winter",
        *mentors_students,
    ]  # Noor: finished
    assert sorted(students) == sorted(expected)
    roos, jaap = students["Roos de Winter"], students["Jaap Rierink"]
    assert roos.bsn == BSN("123456782") and roos.user.email == "r.dewinter@leerling.example"
    assert jaap.email == "" and jaap.user is None and jaap.school_class.name == "4b"
    (dossier,) = db.session.scalars(
        select(Dossier).where(Dossier.student_id == roos.id, Dossier.state == "part_a")
    ).all()
    assert dossier.state == "part_a" and dossier.programme.label == (
        "Juridisch secretaresse (4 - BOL - Australiëlaan 23 - 95392)"
    )
    assert dossier.programme.college.organisation.name == "MBO Utrecht (Is nieuwe naam ROC ASA)"
    assert students_service.has_activated(roos) and codes.code_status(roos).used  # she entered her code
    taking_part = dict(
        db.session.execute(select(Organisation.name, College.takes_part).join(College.organisation)).all()
    )
    assert taking_part == {
        "MBO Utrecht (Is nieuwe naam ROC ASA)": True,
        "ROC van Twente": True,
        "Grafisch Lyceum Rotterdam": False,
    }
    assert db.session.scalar(select(func.count()).select_from(Student)) == 4 + len(demo.MENTOR_STUDENTS)

    login = client.post("/inloggen", data={"email": "r.dewinter@leerling.example", "password": demo.DEMO_PASSWORD})
    assert login.status_code == 303
