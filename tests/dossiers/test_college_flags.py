"""Part B's OPP and nader-contact answers on the dossier's row, which the receiving college's list shows and filters
on: they are what the mentor sent to the student (Opsturen naar leerling), stay so while part B is changed again after
the student went back to part A, and follow the next sending."""

import re
from datetime import date

from tests.dossiers import support
from tests.factories import login
from webapp.dossiers import approval, formdef, history, part_a, part_b
from webapp.dossiers.actors import SchoolStaff
from webapp.dossiers.models import Dossier
from webapp.extensions import db

LIST = "/doorstroomdossier/vervolgopleiding/"
OPP_CONTACT = {
    "b_opp_contactpersoon": "Els Zorg",
    "b_opp_email": "els@school.example",
    "b_opp_telefoon": "0301234567",
    "b_opp_telefoon_land": "+31",
}


def _fill_part_b(staff, dossier, opp, contact):
    sheet = part_b.for_dossier(staff, dossier.id)
    student_part = {field.key: "nee" for field in sheet.section("begeleiding").fields if field.kind == "choice"}
    part_b.save_section(sheet, sheet.section("begeleiding"), student_part)
    advice = {field.key: "Een inschatting." for field in sheet.section("inschatting-en-advies").required_fields}
    part_b.save_section(sheet, sheet.section("inschatting-en-advies"), advice)
    flags = {"b_opp": opp, "b_nader_contact": contact} | (OPP_CONTACT if opp == "ja" else {})
    part_b.save_section(sheet, sheet.section("opp-en-nader-contact"), flags)
    return sheet


def _row(page: str, name: str) -> str:
    start = page.index(name)
    return page[start : page.index("</tr>", start)]


def _reload(dossier) -> Dossier:
    db.session.expire_all()
    return db.session.get(Dossier, dossier.id)


def test_the_rows_flags_follow_the_part_b_that_was_sent_through_a_back_to_part_a_cycle(app, factory):
    school = support.school(factory, "Vakcollege De Brug")
    mentor = support.staff_member(factory, school, "mentor", email="mentor@school.example")
    klass = support.school_class(school, "4a", mentors=[mentor])
    user = factory.user("roos@leerling.example", first_name="Roos")
    roos = support.student(school, klass, last_name="Winter", user=user, birth_date=date(2000, 1, 1))
    utrecht = support.college(factory, "MBO Utrecht")
    contact = factory.user("toelating@mboutrecht.example")
    factory.member(contact, utrecht.organisation, role="contact")
    staff = SchoolStaff(mentor, mentor.memberships[0], school)
    dossier = support.dossier(roos, utrecht.programmes[0], state="sent_to_mentor")
    history.take(dossier, "start_part_b", mentor)
    assert (dossier.warm_handover, dossier.further_contact) == (None, None)  # nothing sent yet

    part_b.send_to_student(_fill_part_b(staff, dossier, opp="ja", contact="nee"), staff, agreed=True)
    db.session.commit()
    dossier = _reload(dossier)
    assert (dossier.warm_handover, dossier.further_contact) == (True, False)

    # the student goes back to part A; the cycle repeats, and the mentor changes part B before sending it again
    approval.start(dossier, user)
    approval.back_to_part_a(dossier, user)
    history.take(dossier, "send_to_mentor", user)
    history.take(dossier, "start_part_b", mentor)
    sheet = _fill_part_b(staff, dossier, opp="nee", contact="ja")
    db.session.commit()
    dossier = _reload(dossier)
    assert (dossier.warm_handover, dossier.further_contact) == (True, False)  # still what the student was sent
    part_b.send_to_student(sheet, staff, agreed=True)
    approval.start(dossier, user)
    approval.finish(dossier, user)
    db.session.commit()
    dossier = _reload(dossier)
    assert dossier.state == "finished" and (dossier.warm_handover, dossier.further_contact) == (False, True)

    # the college sees the part B that was sent last, and filters on it
    client = app.test_client()
    login(client, contact.email, organisation=utrecht.organisation_id)
    page = client.get(LIST).get_data(as_text=True)
    assert re.findall(r"<td>([^<]*)</td>", _row(page, "Roos"))[-2:] == ["nee", "ja"]  # OPP, nader contact
    assert "Roos" in client.get(LIST, query_string={"contact": "ja"}).get_data(as_text=True)
    assert "Roos" not in client.get(LIST, query_string={"opp": "ja"}).get_data(as_text=True)
    shown = client.get(f"{LIST}dossiers/{dossier.id}").get_data(as_text=True)
    assert (
        "<dt>OPP / warme overdracht</dt><dd>nee</dd>" in shown and "<dt>Nader contact gewenst</dt><dd>ja</dd>" in shown
    )


def test_the_flags_are_kept_from_the_answers_the_fields_take():
    dossier = Dossier()
    dossier.take_part_b_flags({"b_opp": "ja", "b_nader_contact": "nee"})
    assert (dossier.warm_handover, dossier.further_contact) == (True, False)
    dossier.take_part_b_flags({})  # no part B: not filled in
    assert (dossier.warm_handover, dossier.further_contact) == (None, None)
    assert {value for value, _ in formdef.YES_NO} == {"ja", "nee"}  # the only answers the two fields take


def test_the_migration_fills_the_flags_of_the_dossiers_whose_part_b_was_sent(app, factory):
    """dossiers_0016 on a database with dossiers: a sent part B's answers become the row's flags; a part B that was
    never sent (or has no answer to them) leaves them empty."""
    from flask_migrate import downgrade, upgrade

    school = support.school(factory)
    utrecht = support.college(factory, "MBO Utrecht")
    made = {}
    for name, answers, sent in (
        ("sent", {"b_opp": "ja", "b_nader_contact": "nee"}, True),
        ("sent_without_flags", {}, True),
        ("not_sent", {"b_opp": "ja", "b_nader_contact": "ja"}, False),
    ):
        dossier = support.dossier(support.student(school), utrecht.programmes[0], state="sent_to_mentor")
        history.take(dossier, "start_part_b", None)
        part_a.store_answers(dossier, answers)
        if sent:
            history.take(dossier, "send_to_student", None)
        made[name] = dossier.id
    db.session.commit()
    db.session.remove()
    directory = app.extensions["migrate"].directory
    try:
        downgrade(directory=directory, revision="0015")  # before the flags
    finally:
        upgrade(directory=directory, revision="heads")
    rows = {name: db.session.get(Dossier, dossier_id) for name, dossier_id in made.items()}
    flags = {name: (row.warm_handover, row.further_contact) for name, row in rows.items()}
    assert flags == {"sent": (True, False), "sent_without_flags": (None, None), "not_sent": (None, None)}
