"""Manual 004, chapter 4, in headless Chromium on the demo world, with the portal's mail going to a real SMTP server
on loopback: Roos de Winter (17) has her Art & Design dossier in akkoordverklaring. She views parts B and A, comments
on part B, sends her parent the link; her parent opens the mailed link, reads the dossier and approves; Roos finishes
("Afronden", after its confirmation) and she and her mentor get the signal mail. axe and the page widths on each
page."""

import re

import pytest
from sqlalchemy import update

from tests.browser.fixtures import assert_accessible_and_fits, log_in_demo
from tests.dossiers.test_approval import born_years_ago
from tests.dossiers.test_whole_flow_browser import demo_with_smtp  # noqa: F401  (the fixture)
from tests.mail import links

pytestmark = pytest.mark.browser

ROOS = "r.dewinter@leerling.example"
MENTOR_4A = "mentor4a@debrug.example"
PARENT = "marieke.dewinter@thuis.example"


def make_roos_17(app):
    """The demo's birth date is fixed; the test needs her under 18 on the day it runs."""
    from webapp.dossiers.models import Student
    from webapp.extensions import db

    with app.app_context():
        db.session.execute(update(Student).where(Student.email == ROOS).values(birth_date=born_years_ago(17)))
        db.session.commit()


def test_a_17_year_old_and_her_parent_approve_and_the_dossier_is_finished(demo_with_smtp, browser, smtp):  # noqa: F811
    base = demo_with_smtp.url
    make_roos_17(demo_with_smtp.app)
    student = browser.new_context(locale="nl-NL").new_page()
    parent = browser.new_context(locale="nl-NL").new_page()
    for page in (student, parent):
        page.set_default_timeout(15_000)

    log_in_demo(student, base, ROOS)
    student.goto(f"{base}/doorstroomdossier/mijn-dossiers")
    assert_accessible_and_fits(student)
    student.get_by_role("link", name=re.compile(r"^Akkoordverklaring.*Art & Design")).click()
    student.get_by_role("heading", name="Akkoordverklaring").wait_for()
    assert_accessible_and_fits(student)

    student.get_by_role("link", name="Deel B bekijken").click()
    student.get_by_role("heading", name="Deel B", exact=True).wait_for()
    assert_accessible_and_fits(student)
    student.go_back()
    student.get_by_role("link", name="Deel A bekijken").click()
    student.get_by_role("heading", name="Deel A", exact=True).wait_for()
    assert "posters voor het schoolfeest" in student.content()
    assert_accessible_and_fits(student)
    student.go_back()

    student.get_by_label("Opmerking over deel B (niet verplicht)").fill("Mijn stage was bij een drukkerij.")
    student.get_by_role("button", name="Opmerking opslaan").click()
    student.get_by_text("Je opmerking over deel B is opgeslagen.").wait_for()
    student.get_by_label("E-mailadres van je ouder/verzorger").fill(PARENT)
    student.get_by_role("button", name="Link sturen naar ouder/verzorger").click()
    student.get_by_text(f"Er is een e-mail met een link gestuurd naar {PARENT}.").wait_for()
    assert_accessible_and_fits(student)

    # Afronden waits for the parent.
    student.get_by_text("Je kunt afronden zodra je ouder/verzorger akkoord heeft gegeven").wait_for()

    mail = smtp.wait_for(PARENT, "Roos de Winter")
    (link,) = [each for each in links(mail) if "/ouder/" in each]
    parent.goto(link)
    parent.get_by_role("heading", name="Digitaal Doorstroomdossier van Roos de Winter").wait_for()
    assert "posters voor het schoolfeest" in parent.content()
    assert "Mijn stage was bij een drukkerij." in parent.content()
    assert_accessible_and_fits(parent)
    parent.get_by_label("Uw naam").fill("Marieke de Winter")
    parent.get_by_label("Ja, ik ga akkoord").check()
    parent.get_by_role("button", name="Antwoord versturen").click()
    parent.get_by_role("heading", name="Bedankt voor uw antwoord").wait_for()
    assert_accessible_and_fits(parent)
    parent.goto(link)  # once only
    parent.get_by_role("heading", name="Deze link werkt niet (meer)").wait_for()
    assert "Roos" not in parent.content()

    student.reload()
    student.get_by_text("Marieke de Winter heeft op").wait_for()
    student.get_by_role("link", name="Afronden", exact=True).click()
    student.get_by_role("heading", name="Weet je zeker dat je je dossier wilt afronden?").wait_for()
    assert_accessible_and_fits(student)
    student.get_by_role("button", name="Ja, rond mijn dossier af").click()
    student.get_by_text("Je dossier is afgerond en zichtbaar voor Grafisch Lyceum Rotterdam.").wait_for()
    assert_accessible_and_fits(student)
    assert smtp.wait_for(ROOS, "afgerond")
    signal = smtp.wait_for(MENTOR_4A, "Roos de Winter")
    assert "afgerond" in signal.get_body(preferencelist=("plain",)).get_content()
