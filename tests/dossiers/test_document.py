"""The dossier as one document: its parts with the answers as shown, the content hash approvals are tied to (it
changes with any answer), and the PDF whose text holds the answers."""

import subprocess

from tests.dossiers import support
from webapp.dossiers import document, part_a
from webapp.dossiers.models import Answer
from webapp.extensions import db


def _dossier(factory):
    school = support.school(factory)
    klass = support.school_class(school)
    student = support.student(school, klass, first_name="Roos", infix="de", last_name="Winter")
    college = support.college(factory, "MBO Utrecht")
    return support.dossier(student, college.programmes[0])


def test_parts_show_the_answers_as_the_pages_do(app, factory):
    dossier = _dossier(factory)
    db.session.add_all(
        [
            Answer(dossier_id=dossier.id, field="roepnaam", value="Roos"),
            Answer(dossier_id=dossier.id, field="geslacht", value="vrouw"),
        ]
    )
    db.session.commit()
    [shown] = document.filled(dossier)
    personal = shown.sections[0]
    assert shown.part.title == "Deel A" and personal.section.key == "persoonlijke-gegevens"
    rows = dict(personal.rows)
    assert rows["Roepnaam"] == "Roos" and rows["Geslacht"] == "vrouw" and rows["Achternaam"] == ""
    assert document.filled(dossier, ("B",)) == []


def test_the_content_hash_changes_with_any_answer_and_only_then(app, factory):
    dossier = _dossier(factory)
    empty = document.content_hash(dossier)
    part_a.save_field(dossier, "roepnaam", {"roepnaam": "Roos"})
    db.session.commit()
    first = document.content_hash(dossier)
    assert first != empty and document.content_hash(dossier) == first
    part_a.save_field(dossier, "roepnaam", {"roepnaam": "Rosa"})
    db.session.commit()
    assert document.content_hash(dossier) not in (first, empty)
    part_a.save_field(dossier, "roepnaam", {"roepnaam": "Roos"})
    db.session.commit()
    assert document.content_hash(dossier) == first


def test_the_pdf_holds_the_header_and_the_answers(app, factory):
    dossier = _dossier(factory)
    part_a.save_field(dossier, "roepnaam", {"roepnaam": "Roosje"})
    db.session.commit()
    data = document.pdf(dossier)
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    assert data.startswith(b"%PDF") and "Roos de Winter" in text and "MBO Utrecht" in text
    assert "Roepnaam" in text and "Roosje" in text and "Deel A" in text
