"""Manual 004, chapter 3's dashboards in headless Chromium on the demo world, its mail to a real SMTP server on
loopback: the mentor of 4a finds Sanne's dossier in Te behandelen dossiers by typing her name, starts part B and
reads the history; reminds Daan, whose part B has waited 20 days, from Mijn leerlingen (he gets the mail); archives
Daan's dossier, which leaves the list; Daan activates it from his home and it is back. Without JavaScript: the
mentor puts Sanne's dossier back to part A through the question page, and Sanne gets the signal mail."""

import pytest

from tests.browser.fixtures import assert_accessible, assert_accessible_and_fits, log_in_demo
from tests.dossiers.test_whole_flow_browser import demo_with_smtp  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser

MENTOR_4A = "mentor4a@debrug.example"
SCHOOL = "Vakcollege De Brug"


def test_start_deel_b_history_reminder_archive_and_activate(demo_with_smtp, browser, smtp):  # noqa: F811
    base = demo_with_smtp.url
    mentor = browser.new_context(locale="nl-NL").new_page()
    student = browser.new_context(locale="nl-NL").new_page()
    for page in (mentor, student):
        page.set_default_timeout(15_000)

    log_in_demo(mentor, base, MENTOR_4A, SCHOOL)
    mentor.goto(f"{base}/doorstroomdossier/")
    mentor.get_by_role("link", name="Naar te behandelen dossiers").click()
    mentor.get_by_role("heading", name="Te behandelen dossiers").wait_for()
    assert_accessible_and_fits(mentor)
    mentor.get_by_label("Zoek op naam van de leerling").fill("bos")
    mentor.get_by_text("1 dossier gevonden").wait_for()  # htmx filtered as she typed
    assert "zoek=bos" in mentor.url
    row = mentor.get_by_role("row", name="Sanne Bos")
    assert "ROC van Twente" in row.inner_text() and "neemt deel aan het DDD" in row.inner_text()
    row.get_by_role("button", name="Start deel B").click()
    mentor.get_by_text("Deel B van Sanne Bos is gestart.").wait_for()
    mentor.get_by_role("heading", name="Deel B: Sanne Bos").wait_for()  # part B opens to be filled
    assert_accessible_and_fits(mentor)
    mentor.goto(f"{base}/doorstroomdossier/school/te-behandelen?zoek=bos")
    mentor.get_by_role("row", name="Sanne Bos").get_by_role("link", name="Geschiedenis").click()
    mentor.get_by_role("heading", name="Geschiedenis van het dossier van Sanne Bos").wait_for()
    steps = mentor.locator("table").inner_text()
    assert "Versturen naar mentor" in steps and "Start deel B" in steps and "Anja de Vries" in steps
    assert_accessible_and_fits(mentor)

    mentor.goto(f"{base}/doorstroomdossier/school/mijn-leerlingen")
    assert_accessible_and_fits(mentor)
    daan = mentor.get_by_role("row", name="Daan Smit")
    assert "Wacht te lang" in daan.inner_text() and "Deel B verstuurd naar leerling" in daan.inner_text()
    lotte = mentor.get_by_role("row", name="Lotte Visser")
    assert "(PDF)" in lotte.inner_text()
    daan.get_by_role("button", name="Herinnering sturen").click()
    mentor.get_by_text("Daan Smit krijgt een e-mail met een herinnering").wait_for()
    assert smtp.wait_for("d.smit@leerling.example", "akkoordverklaring")

    mentor.goto(f"{base}/doorstroomdossier/school/te-behandelen")
    mentor.get_by_role("row", name="Daan Smit").get_by_role("link", name="Archiveren").click()
    mentor.get_by_role("heading", name="Weet u zeker dat u het dossier van Daan Smit wilt archiveren?").wait_for()
    assert_accessible_and_fits(mentor)
    mentor.get_by_role("button", name="Ja, archiveer het dossier").click()
    mentor.get_by_text("Het dossier van Daan Smit is gearchiveerd.").wait_for()
    assert mentor.get_by_role("row", name="Daan Smit").count() == 0

    log_in_demo(student, base, "d.smit@leerling.example")
    student.goto(f"{base}/doorstroomdossier/mijn-dossiers")
    assert "Gearchiveerd" in student.get_by_role("table").inner_text()
    assert_accessible_and_fits(student)
    student.get_by_role("button", name="Activeren").click()
    student.get_by_text("is weer actief").wait_for()
    assert student.get_by_role("button", name="Activeren").count() == 0

    mentor.reload()
    mentor.get_by_role("row", name="Daan Smit").wait_for()


def test_terugzetten_naar_deel_a_without_javascript(demo_with_smtp, browser, smtp):  # noqa: F811
    base = demo_with_smtp.url
    context = browser.new_context(locale="nl-NL", java_script_enabled=False)
    mentor = context.new_page()
    mentor.set_default_timeout(15_000)
    mentor.javascript_disabled = True  # assert_accessible copies the page out to run axe

    mentor.goto(f"{base}/inloggen")
    mentor.get_by_label("Gebruikersnaam (e-mailadres)").fill(MENTOR_4A)
    mentor.get_by_label("Wachtwoord", exact=True).fill("Tulpen-Veld-2026")
    mentor.get_by_role("button", name="Inloggen").click()
    mentor.get_by_label(SCHOOL, exact=True).check()
    mentor.get_by_role("button", name="OK").click()
    mentor.goto(f"{base}/doorstroomdossier/school/te-behandelen")
    mentor.get_by_label("Status").select_option(label="Verstuurd naar mentor")
    mentor.get_by_role("button", name="Filter").click()
    mentor.get_by_text("1 dossier gevonden").wait_for()
    assert_accessible(mentor)
    mentor.get_by_role("row", name="Sanne Bos").get_by_role("link", name="Terugzetten naar deel A").click()
    mentor.get_by_role(
        "heading", name="Weet u zeker dat u het dossier van Sanne Bos wilt terugzetten naar deel A?"
    ).wait_for()
    assert_accessible(mentor)
    mentor.get_by_role("button", name="Ja, zet terug naar deel A").click()
    mentor.get_by_text("Het dossier van Sanne Bos is teruggezet naar deel A.").wait_for()
    mail = smtp.wait_for("s.bos@leerling.example", "teruggezet")
    assert "Anja de Vries" in mail.get_body(preferencelist=("plain",)).get_content()
    context.close()
