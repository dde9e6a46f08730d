"""Part B, the mentor's: the manual's questions with conditional requiredness that the progress counts, the student
part kept per student and pre-filled for the next dossier (also started before any dossier is in part B), the
snapshot of the student part when part B is sent, sending only at 100% with the mentor's approval and only as the
state table allows (also a hand-made POST), the student's signal mail, autosave and the pages without JavaScript,
"Deel A bekijken" as a PDF, and nobody outside the student's class and school (404)."""

import subprocess

import pytest
from sqlalchemy import select

from tests.dossiers import support
from tests.factories import login
from webapp.core.errors import DomainError
from webapp.dossiers import demo, document, filling, formdef, history, part_a, part_b
from webapp.dossiers.actors import SchoolStaff
from webapp.dossiers.models import Answer, Dossier, Student
from webapp.dossiers.part_b_models import StudentAnswer
from webapp.extensions import db

OPP_CONTACT = {
    "b_opp_contactpersoon": "Els Zorg",
    "b_opp_email": "els@school.example",
    "b_opp_telefoon": "0301234567",
    "b_opp_telefoon_land": "+31",
}


def student_part(answer="nee"):
    return {field.key: answer for field in formdef.PART_B.section("begeleiding").fields if field.kind == "choice"}


def dossier_part(opp="nee"):
    data = {field.key: "Een inschatting." for field in formdef.PART_B.section("inschatting-en-advies").required_fields}
    return data | {"b_opp": opp, "b_nader_contact": "nee"}


@pytest.fixture
def world(app, factory):
    school = support.school(factory)
    mentor = support.staff_member(factory, school, "mentor", email="mentor@school.example", first_name="Anja")
    other_mentor = support.staff_member(factory, school, "mentor", email="ander@school.example")
    counsellor = support.staff_member(factory, school, "counsellor", email="decaan@school.example")
    klass = support.school_class(school, "4a", mentors=[mentor])
    support.school_class(school, "4b", mentors=[other_mentor])
    other_school = support.school(factory)
    support.staff_member(factory, other_school, "counsellor", email="decaan@elders.example")
    user = factory.user("roos@leerling.example", first_name="Roos")
    pupil = support.student(school, klass, last_name="Winter", user=user)
    college = support.college(
        factory, "MBO Utrecht", programmes=(("Juridisch secretaresse", 4, "BOL"), ("Metaalbewerken", 2, "BBL"))
    )
    dossier = support.dossier(pupil, college.programmes[0], state="sent_to_mentor")
    part_a.store_answers(dossier, {"roepnaam": "Roosje", "waarom": "Omdat ik recht wil studeren."})
    history.take(dossier, "start_part_b", mentor)
    db.session.commit()
    membership = mentor.memberships[0]
    return {
        "school": school,
        "other_school": other_school,
        "mentor": mentor,
        "staff": SchoolStaff(mentor, membership, school),
        "counsellor": counsellor,
        "user": user,
        "student": pupil,
        "dossier": dossier,
        "programmes": college.programmes,
    }


def as_staff(app, email, organisation):
    client = app.test_client()
    login(client, email, organisation=organisation.id)
    return client


def url(dossier, tail=""):
    return f"/doorstroomdossier/school/dossiers/{dossier.id}/deel-b{tail}"


def text(response):
    return response.get_data(as_text=True)


def reload(dossier):
    db.session.expire_all()
    return db.session.get(Dossier, dossier.id)


# ---------------------------------------------------------------- the form definition


def test_part_b_asks_the_manuals_questions_in_its_two_parts_with_keys_unique_across_a_and_b():
    assert [(group, [s.title for s in sections]) for group, sections in formdef.PART_B.groups()] == [
        ("Leerling-specifiek", ["Begeleiding"]),
        ("Dossier-specifiek", ["Inschatting en advies", "OPP en nader contact"]),
    ]
    keys = [field.key for part in (formdef.PART_A, formdef.PART_B) for s in part.sections for field in s.fields]
    assert len(keys) == len(set(keys)) and all(len(key) <= 60 for key in keys)
    assert not set(formdef.PART_B.fields) & set(formdef.FIELDS)  # part A's look-ups do not take part B's keys
    questions = [f.question for f in formdef.PART_B.section("begeleiding").fields]
    assert "Heeft de leerling op uw school extra ondersteuning gehad bij: Het vak Nederlands" in questions
    assert "Is de leerling in onderzoek of in begeleiding geweest bij Leerplicht of RMC?" in questions
    opp = formdef.PART_B.section("opp-en-nader-contact")
    assert [f.label for f in opp.fields] == [
        "Is er een ontwikkelingsperspectief document (OPP) / warme overdracht?",
        "Contactpersoon",
        "Functie",
        "E-mailadres",
        "Telefoonnummer",
        "Beschikbaar op",
        "Wilt u over deze leerling nader contact hebben met het MBO?",
    ]
    assert formdef.STUDENT_FIELDS == {f.key for f in formdef.PART_B.section("begeleiding").fields}


def test_the_opp_contact_is_required_only_when_there_is_an_opp_and_progress_counts_it():
    opp = formdef.PART_B.section("opp-en-nader-contact")
    given = {"b_opp": "nee", "b_nader_contact": "ja"}
    assert filling.section_progress(opp, given) == 100
    given["b_opp"] = "ja"  # now Contactpersoon, E-mailadres and Telefoonnummer are asked too: 2 of 5
    assert [f.label for f in opp.required_in(given)] == [
        "Is er een ontwikkelingsperspectief document (OPP) / warme overdracht?",
        "Contactpersoon",
        "E-mailadres",
        "Telefoonnummer",
        "Wilt u over deze leerling nader contact hebben met het MBO?",
    ]
    assert filling.section_progress(opp, given) == 40
    assert filling.status(opp, 40, given) == "Bezig"
    given |= {"b_opp_contactpersoon": "Els", "b_opp_email": "els@school.example", "b_opp_telefoon": "+31 301234567"}
    assert filling.section_progress(opp, given) == 100


# ---------------------------------------------------------------- services


def test_the_student_part_is_kept_per_student_and_there_already_for_the_next_dossier(world):
    sheet = part_b.for_dossier(world["staff"], world["dossier"].id)
    part_b.save_section(sheet, sheet.section("begeleiding"), student_part("ja"))
    part_b.save_section(sheet, sheet.section("inschatting-en-advies"), dossier_part())
    db.session.commit()
    assert part_b.student_answers(world["student"])["b_steun_nederlands"] == "ja"
    assert "b_steun_nederlands" not in part_a.answers(world["dossier"])  # not in the dossier until it is sent
    assert part_a.answers(world["dossier"])["b_advies"] == "Een inschatting."

    second = support.dossier(world["student"], world["programmes"][1], state="sent_to_mentor")
    history.take(second, "start_part_b", world["mentor"])
    db.session.commit()
    next_sheet = part_b.for_dossier(world["staff"], second.id)
    given = part_b.answers(next_sheet)
    assert given["b_steun_nederlands"] == "ja" and "b_advies" not in given  # pre-filled; the dossier part anew
    states = {item.section.key: item.percent for item in part_b.section_states(next_sheet, given)}
    assert states == {"begeleiding": 100, "inschatting-en-advies": 0, "opp-en-nader-contact": 0}


def test_the_student_part_can_be_filled_before_any_dossier_is_in_part_b(world):
    early = support.student(world["school"], world["student"].school_class, first_name="Mirjam")
    sheet = part_b.for_student(world["staff"], early.id)
    assert [s.key for s in sheet.sections] == ["begeleiding"]
    with pytest.raises(part_b.NotFound):
        sheet.section("inschatting-en-advies")  # the dossier part waits for a dossier in part B
    part_b.save_field(sheet, sheet.section("begeleiding"), "b_lwoo", {"b_lwoo": "ja"})
    db.session.commit()
    assert db.session.get(StudentAnswer, (early.id, "b_lwoo")).value == "ja"
    dossier = support.dossier(early, world["programmes"][0], state="sent_to_mentor")
    history.take(dossier, "start_part_b", world["mentor"])
    assert part_b.answers(part_b.for_dossier(world["staff"], dossier.id))["b_lwoo"] == "ja"


def test_sending_copies_the_student_part_into_the_dossier_which_later_changes_do_not_touch(world, outbox):
    dossier = world["dossier"]
    sheet = part_b.for_dossier(world["staff"], dossier.id)
    part_b.save_section(sheet, sheet.section("begeleiding"), student_part("nee"))
    part_b.save_section(sheet, sheet.section("inschatting-en-advies"), dossier_part())
    part_b.save_section(sheet, sheet.section("opp-en-nader-contact"), dossier_part("ja") | OPP_CONTACT)
    before = document.content_hash(dossier)
    part_b.send_to_student(sheet, world["staff"], agreed=True)
    db.session.commit()
    dossier = reload(dossier)
    assert dossier.state == "part_b_sent"
    assert part_a.answers(dossier)["b_steun_nederlands"] == "nee"  # the snapshot
    assert document.content_hash(dossier) != before
    hashed = document.content_hash(dossier)

    early = part_b.for_student(world["staff"], world["student"].id)  # the student part changes for the next dossier
    part_b.save_field(early, early.section("begeleiding"), "b_steun_nederlands", {"b_steun_nederlands": "ja"})
    db.session.commit()
    dossier = reload(dossier)
    assert part_a.answers(dossier)["b_steun_nederlands"] == "nee" and document.content_hash(dossier) == hashed
    assert part_b.answers(part_b.for_dossier(world["staff"], dossier.id))["b_steun_nederlands"] == "nee"
    [b_part] = document.filled(dossier, ("B",))
    rows = dict(row for shown in b_part.sections for row in shown.rows)
    assert rows["Contactpersoon"] == "Els Zorg" and rows["Telefoonnummer"] == "+31 301234567"


def test_sending_is_refused_below_100_percent_without_approval_and_outside_part_b(world):
    dossier = world["dossier"]
    sheet = part_b.for_dossier(world["staff"], dossier.id)
    part_b.save_section(sheet, sheet.section("begeleiding"), student_part())
    with pytest.raises(DomainError, match="alle verplichte onderdelen van deel B"):
        part_b.send_to_student(sheet, world["staff"], agreed=True)
    part_b.save_section(sheet, sheet.section("inschatting-en-advies"), dossier_part())
    part_b.save_section(sheet, sheet.section("opp-en-nader-contact"), dossier_part("ja"))  # the OPP contact missing
    with pytest.raises(DomainError, match="alle verplichte onderdelen van deel B"):
        part_b.send_to_student(sheet, world["staff"], agreed=True)
    part_b.save_section(sheet, sheet.section("opp-en-nader-contact"), {"b_opp": "nee"})
    with pytest.raises(DomainError, match="Geef uw akkoord"):
        part_b.send_to_student(sheet, world["staff"], agreed=False)
    assert reload(dossier).state == "part_b"

    early = support.dossier(world["student"], world["programmes"][1], state="sent_to_mentor")
    sheet = part_b.for_dossier(world["staff"], early.id)
    with pytest.raises(DomainError, match="status verstuurd naar mentor kunt u niet opsturen naar leerling"):
        part_b.send_to_student(sheet, world["staff"], agreed=True)
    with pytest.raises(DomainError, match="kunt u niet wijzigen"):
        part_b.save_field(sheet, sheet.section("inschatting-en-advies"), "b_advies", {"b_advies": "x"})
    assert "b_advies" not in part_a.answers(early)


# ---------------------------------------------------------------- pages


def test_the_overview_shows_the_manuals_header_both_parts_and_deel_a_bekijken(app, world):
    client = as_staff(app, "mentor@school.example", world["school"])
    page = text(client.get(url(world["dossier"])))
    for words in (
        "Naam",
        "Roos de Winter",
        "Klas",
        "4a",
        "Opleiding",
        "Juridisch secretaresse",
        "Keuze",
        "MBO Utrecht",
    ):
        assert words in page
    assert "<h2>Leerling-specifiek</h2>" in page and "<h2>Dossier-specifiek</h2>" in page
    assert "Nog niet begonnen (0%)" in page and "Opslaan en sluiten" in page
    assert "Opsturen naar leerling" not in page  # not at 0%
    pdf = client.get(f"/doorstroomdossier/school/dossiers/{world['dossier'].id}/deel-a.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("inline")
    pdf_text = subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True).stdout.decode()
    assert "Deel A" in pdf_text and "Roosje" in pdf_text and "Omdat ik recht wil studeren." in pdf_text
    assert "Deel B" not in pdf_text


def test_autosave_stores_one_field_and_answers_its_fragment_with_the_progress(app, world):
    client = as_staff(app, "mentor@school.example", world["school"])
    dossier = world["dossier"]
    response = client.post(
        url(dossier, "/opp-en-nader-contact/veld/b_opp"), data={"b_opp": "ja"}, headers={"HX-Request": "true"}
    )
    body = text(response)
    assert response.status_code == 200 and "<html" not in body and 'id="veld-b_opp-wrapper"' in body
    assert 'data-hx-swap-oob="true"' in body and "Bezig (20%)" in body  # 1 of 5: the OPP contact now counts
    bad = client.post(
        url(dossier, "/opp-en-nader-contact/veld/b_opp_email"),
        data={"b_opp_email": "geen adres"},
        headers={"HX-Request": "true"},
    )
    assert "Vul een geldig e-mailadres in." in text(bad) and 'value="geen adres"' in text(bad)
    assert part_a.answers(reload(dossier)).get("b_opp") == "ja" and "b_opp_email" not in part_a.answers(dossier)
    student_field = client.post(
        url(dossier, "/begeleiding/veld/b_absentie"), data={"b_absentie": "nee"}, headers={"HX-Request": "true"}
    )
    assert student_field.status_code == 200
    assert db.session.get(StudentAnswer, (world["student"].id, "b_absentie")).value == "nee"
    wrong_section = client.post(url(dossier, "/begeleiding/veld/b_opp"), data={"b_opp": "nee"})
    assert wrong_section.status_code == 404


def test_without_javascript_a_section_is_saved_whole_and_sent_with_a_plain_post(app, world, outbox):
    client = as_staff(app, "mentor@school.example", world["school"])
    dossier = world["dossier"]
    section = text(client.get(url(dossier, "/begeleiding")))
    assert "Heeft de leerling op uw school extra ondersteuning gehad bij:" in section
    assert 'data-hx-post="' in section and "Opslaan en sluiten</button>" in section
    problem = client.post(url(dossier, "/opp-en-nader-contact"), data=dossier_part("ja") | {"b_opp_email": "nee"})
    assert problem.status_code == 400 and "Vul een geldig e-mailadres in." in text(problem)
    for key, data in (
        ("begeleiding", student_part()),
        ("inschatting-en-advies", dossier_part()),
        ("opp-en-nader-contact", dossier_part("ja") | OPP_CONTACT),
    ):
        response = client.post(url(dossier, f"/{key}"), data=data)
        assert response.status_code == 303 and response.headers["Location"] == url(dossier)
    overview = text(client.get(url(dossier)))
    assert "Deel B totaal: 100% ingevuld" in overview and "Opsturen naar leerling" in overview
    check = text(client.get(url(dossier, "/controleren")))
    assert "Ik ga akkoord met deel B" in check and "Els Zorg" in check

    refused = client.post(url(dossier, "/opsturen"), data={})
    assert refused.status_code == 409 and "Geef uw akkoord op deel B" in text(refused)
    assert outbox.messages == []
    sent = client.post(url(dossier, "/opsturen"), data={"akkoord": "ja"})
    assert sent.status_code == 303
    assert reload(dossier).state == "part_b_sent"
    (mail,) = outbox.to("roos@leerling.example")
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "deel B" in body and "Start de akkoordverklaring" in body and "Juridisch secretaresse" in body

    again = client.post(url(dossier, "/opsturen"), data={"akkoord": "ja"})  # a hand-made POST after sending
    assert again.status_code == 409
    assert "status deel b verstuurd naar leerling kunt u niet opsturen naar leerling" in text(again)
    changed = client.post(url(dossier, "/inschatting-en-advies"), data={"b_advies": "Anders"})
    assert changed.status_code == 303
    assert part_a.answers(reload(dossier))["b_advies"] == "Een inschatting."
    autosave = client.post(url(dossier, "/inschatting-en-advies/veld/b_advies"), data={"b_advies": "Anders"})
    assert autosave.status_code == 409
    page = text(client.get(url(dossier, "/inschatting-en-advies")))
    assert "<textarea" not in page and "Een inschatting." in page
    assert len(outbox.messages) == 1


def test_a_hand_made_send_below_100_percent_or_before_part_b_changes_nothing(app, world, outbox):
    client = as_staff(app, "decaan@school.example", world["school"])
    dossier = world["dossier"]
    below = client.post(url(dossier, "/opsturen"), data={"akkoord": "ja"})
    assert below.status_code == 409 and "alle verplichte onderdelen van deel B" in text(below)
    early = support.dossier(world["student"], world["programmes"][1], state="sent_to_mentor")
    refused = client.post(url(early, "/opsturen"), data={"akkoord": "ja"})
    assert refused.status_code == 409
    assert "status verstuurd naar mentor kunt u niet opsturen naar leerling" in text(refused)
    overview = text(client.get(url(early)))
    assert "kunnen pas als de leerling deel A heeft afgerond" in overview
    assert reload(dossier).state == "part_b" and reload(early).state == "sent_to_mentor"
    assert db.session.scalar(select(Answer).where(Answer.dossier_id == early.id)) is None
    assert outbox.messages == []


def test_the_student_page_fills_the_student_part_early(app, world):
    client = as_staff(app, "mentor@school.example", world["school"])
    student_url = f"/doorstroomdossier/school/leerlingen/{world['student'].id}/deel-b"
    page = text(client.get(student_url))
    assert "Begeleiding" in page and "Inschatting en advies" not in page
    assert url(world["dossier"]) in page  # the dossier already in part B
    response = client.post(f"{student_url}/begeleiding", data=student_part("ja"))
    assert response.status_code == 303 and response.headers["Location"] == student_url
    assert client.get(f"{student_url}/inschatting-en-advies").status_code == 404
    assert "Klaar (100%)" in text(client.get(url(world["dossier"])))  # pre-filled in the dossier


def test_nobody_outside_the_students_class_and_school_finds_part_b(app, world):
    dossier, student = world["dossier"], world["student"]
    addresses = [
        ("get", url(dossier)),
        ("get", url(dossier, "/begeleiding")),
        ("post", url(dossier, "/begeleiding")),
        ("post", url(dossier, "/begeleiding/veld/b_absentie")),
        ("get", url(dossier, "/controleren")),
        ("post", url(dossier, "/opsturen")),
        ("get", f"/doorstroomdossier/school/dossiers/{dossier.id}/deel-a.pdf"),
        ("get", f"/doorstroomdossier/school/leerlingen/{student.id}/deel-b"),
        ("post", f"/doorstroomdossier/school/leerlingen/{student.id}/deel-b/begeleiding/veld/b_absentie"),
    ]
    visitors = [
        as_staff(app, "ander@school.example", world["school"]),  # the mentor of another class
        as_staff(app, "decaan@elders.example", world["other_school"]),  # another school's counsellor
    ]
    for client in visitors:
        for method, address in addresses:
            response = getattr(client, method)(address, data={"b_absentie": "ja", "akkoord": "ja"})
            assert response.status_code == 404, (method, address)
    roos = app.test_client()
    login(roos, "roos@leerling.example")  # the student herself acts for no school: off to Organisatie kiezen
    for method, address in addresses:
        response = getattr(roos, method)(address, data={"b_absentie": "ja", "akkoord": "ja"})
        assert response.status_code == 302 and response.headers["Location"].startswith("/organisatie-kiezen")
    assert reload(dossier).state == "part_b"
    assert db.session.scalar(select(StudentAnswer)) is None
    counsellor = as_staff(app, "decaan@school.example", world["school"])
    assert counsellor.get(url(dossier)).status_code == 200  # the school's counsellor sees the whole school


def test_the_demo_world_has_a_dossier_in_part_b_whose_part_a_is_filled(app):
    demo.load_demo()
    db.session.commit()
    mirjam = db.session.scalar(select(Student).where(Student.email == "m.hoenderloo@leerling.example"))
    (dossier,) = db.session.scalars(select(Dossier).where(Dossier.student_id == mirjam.id)).all()
    assert dossier.state == "part_b" and part_a.complete(dossier)
    assert dossier.mentor.user.email == "mentor4a@debrug.example"
    assert [step.action for step in history.steps(dossier)] == ["send_to_mentor", "start_part_b"]
