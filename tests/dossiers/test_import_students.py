"""The school's student import (VMBO format): idempotent on the BSN, a changed row updates, a new class is made for
the current school year, broken rows are reported by line while the good ones are stored, a wrong file stores
nothing, and no report repeats a BSN."""

import io
import json
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.dossiers import support
from webapp.core.errors import NotFound
from webapp.core.models import AuditEvent
from webapp.dossiers import importer
from webapp.dossiers.actors import SchoolStaff
from webapp.dossiers.models import SchoolClass, Student
from webapp.dossiers.school import school_year
from webapp.extensions import db

HEADER = "roepnaam;tussenvoegsel;achternaam;bsn;geboortedatum;email;klas;leerjaar\n"
ROOS = "Roos;de;Winter;123456782;14-03-2009;r.dewinter@leerling.example;4a;4\n"
JAAP = "Jaap;;Rierink;999999990;21-06-2008;;4b;4\n"


def _staff(factory, role="counsellor"):
    school = support.school(factory)
    user = support.staff_member(factory, school, role)
    return SchoolStaff(user, user.memberships[0], school)


def _import(staff, text: str) -> importer.ImportReport:
    report = importer.import_file(staff, io.BytesIO(text.encode("utf-8")))
    db.session.commit()
    return report


def _students(staff) -> dict[str, Student]:
    return {s.name: s for s in db.session.scalars(select(Student).where(Student.school_id == staff.school_id))}


def test_the_same_file_twice_changes_nothing_and_a_changed_row_updates(app, factory):
    staff = _staff(factory)
    first = _import(staff, HEADER + ROOS + JAAP)
    assert (first.added, first.updated, first.unchanged, first.errors) == (2, 0, 0, [])
    assert sorted(first.classes_made) == ["4a", "4b"]

    second = _import(staff, HEADER + ROOS + JAAP)
    assert (second.added, second.updated, second.unchanged, second.classes_made) == (0, 0, 2, [])
    assert db.session.scalar(select(func.count()).select_from(Student)) == 2

    moved = ROOS.replace("4a;4", "5b;5").replace("r.dewinter@", "roos@")
    third = _import(staff, HEADER + moved.replace("123456782", "1234.56.782") + JAAP)
    assert (third.added, third.updated, third.unchanged, third.classes_made) == (0, 1, 1, ["5b"])
    roos = _students(staff)["Roos de Winter"]
    assert (roos.email, roos.school_class.name, roos.year, roos.birth_date) == (
        "roos@leerling.example",
        "5b",
        5,
        date(2009, 3, 14),
    )
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "dossiers.students_imported")).all()
    assert [json.loads(e.detail)["added"] for e in events] == [2, 0, 0]
    assert all("123456782" not in e.detail and "999999990" not in e.detail for e in events)


def test_a_class_named_in_the_file_is_made_for_the_current_school_year_once(app, factory):
    staff = _staff(factory)
    existing = support.school_class(staff.school, "4A")
    existing.school_year = school_year()
    db.session.commit()
    report = _import(staff, HEADER + ROOS + JAAP + JAAP.replace("999999990", "111222333").replace("Jaap", "Mirjam"))
    assert report.classes_made == ["4b"]  # 4a is the existing 4A: names match whatever their case
    classes = db.session.scalars(select(SchoolClass).where(SchoolClass.school_id == staff.school_id)).all()
    assert sorted((k.name, k.school_year) for k in classes) == [("4A", school_year()), ("4b", school_year())]
    assert {s.school_class.name for s in _students(staff).values()} == {"4A", "4b"}


def test_broken_rows_are_reported_by_line_and_the_good_rows_stored(app, factory):
    staff = _staff(factory)
    text = (
        HEADER
        + ROOS
        + "Fout;;Bsn;123456789;01-01-2009;;4a;4\n"  # fails the 11-proef
        + ";;Zondernaam;111222333;01-01-2009;;4a;4\n"
        + "Piet;;Datum;100000009;31-02-2009;;4a;4\n"
        + "Kees;;Jaar;100000010;01-01-2009;kees@;4a;negen\n"
        + "Roos;;Dubbel;123456782;14-03-2009;;4a;4\n"  # the BSN of line 2 again
        + JAAP
    )
    report = _import(staff, text)
    assert (report.added, report.updated) == (2, 0)
    lines = dict(report.errors)
    assert sorted(lines) == [3, 4, 5, 6, 7]
    assert "elfproef" in lines[3]
    assert "roepnaam ontbreekt" in lines[4]
    assert "geboortedatum '31-02-2009' is geen datum" in lines[5]
    assert "leerjaar" in lines[6] and "e-mailadres 'kees@' is ongeldig" in lines[6]
    assert "regel 2" in lines[7]
    assert all("123456789" not in message and "123456782" not in message for message in lines.values())
    assert sorted(_students(staff)) == ["Jaap Rierink", "Roos de Winter"]


@pytest.mark.parametrize(
    "content, says",
    [
        ("naam;bsn;klas\nRoos;123456782;4a\n", "mist de kolom(men) roepnaam, achternaam, geboortedatum, leerjaar"),
        ("", "leeg"),
        ("%PDF-1.4\x00\x01binary", "geen CSV-bestand"),
    ],
)
def test_a_wrong_file_stores_nothing_and_says_why(app, factory, content, says):
    staff = _staff(factory)
    report = _import(staff, content)
    assert report.refused_file and says in report.errors[0][1]
    assert report.stored == 0
    assert db.session.scalar(select(func.count()).select_from(Student)) == 0
    assert db.session.scalar(select(func.count()).select_from(SchoolClass)) == 0


def test_header_words_and_separators_schools_use(app, factory):
    staff = _staff(factory)
    text = "Voornaam,Tussenvoegsel,Achternaam,BSN,Geboortedatum,E-mail,Klas,Leerjaar\n" + ROOS.replace(";", ",")
    report = _import(staff, "\ufeff" + text)
    assert (report.added, report.errors) == (1, [])


def test_the_template_imports_nothing(app, factory):
    staff = _staff(factory)
    report = _import(staff, importer.template_csv())
    assert report.stored == 0 and [line for line, _ in report.errors] == [2]


def test_the_same_bsn_at_another_school_is_another_student(app, factory):
    staff, other = _staff(factory), _staff(factory)
    _import(staff, HEADER + ROOS)
    report = _import(other, HEADER + ROOS)
    assert report.added == 1
    assert db.session.scalar(select(func.count()).select_from(Student)) == 2


def test_a_mentor_cannot_import(app, factory):
    mentor = _staff(factory, "mentor")
    with pytest.raises(NotFound):
        importer.import_file(mentor, io.BytesIO((HEADER + ROOS).encode()))
