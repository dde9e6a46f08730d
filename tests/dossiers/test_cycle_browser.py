"""Manual 004, chapters 3 and 4, the whole cycle across the roles in headless Chromium, with the portal's mail going
to a real SMTP server on loopback (issue 18's first test bullet).

Roos de Winter, once 17 and once 18 years old, sends part A to her mentor Anja de Vries; Anja finds the dossier in
Te behandelen dossiers, starts part B, fills it and sends it with her approval; Roos gets the signal mail, views
part B, comments on it and approves ("Afronden"), after her parent has approved through the mailed link when she is
17; MBO Utrecht's contact person finds the finished dossier and downloads the PDF, which holds answers of part A and
part B and the approvals. For Roos's second dossier, part B's student part is there already.

Then the variations, in one session: part B's student part started early from Mijn leerlingen, reset to part A by
the mentor and the cycle again, archived by the mentor and activated by the student, and a change after the parent's
approval ("Terug naar deel A", an answer changed) that asks the parent again. And the main cycle once with
JavaScript disabled.

Part A's answers are filled through the services: filling part A in the browser (field by field and section by
section) is tested in test_part_a_browser.py and test_whole_flow_browser.py. Everything else is done in the browser."""

import re
import subprocess
from dataclasses import dataclass
from itertools import count

import pytest

from tests.browser.fixtures import (
    assert_accessible,
    assert_accessible_and_fits,
    check_fragments,
    log_in_demo,
    record_fragments,
)
from tests.dossiers import support
from tests.dossiers.test_approval import born_years_ago
from tests.dossiers.test_part_a import valid_post
from tests.factories import PASSWORD, Factory
from tests.mail import links
from webapp.dossiers import formdef, part_a
from webapp.dossiers.models import Dossier
from webapp.extensions import db

pytestmark = pytest.mark.browser

WHY = "Ik wil later op een advocatenkantoor werken."
NEW_WHY = "Ik wil later bij de rechtbank werken."
ADVICE = "Laat Roos in het eerste jaar al stage lopen."
COMMENT = "Mijn stage was bij een drukkerij."
FIRST, SECOND = "Juridisch secretaresse", "Sociaal werk"
_worlds = count(1)


@dataclass
class World:
    base: str
    app: object
    student_id: int
    dossier_id: int
    student: str  # the e-mail addresses, different in each test (the SMTP server lives as long as the session)
    mentor: str
    parent: str
    college: str
    smtp: object  # the SMTP fixture: the mail the portal sent

    def mail(self, to: str, subject: str, number: int):
        """The `number`th mail to `to` whose subject holds `subject`, waiting for it to arrive."""
        return self.smtp.wait_for(to, subject, count=number)

    def dossier(self, name: str) -> int:
        """A new dossier of Roos for the college's programme `name`, its part A filled (through the services, see
        the module's note)."""
        with self.app.app_context():
            first = db.session.get(Dossier, self.dossier_id)
            programme = next(p for p in first.programme.college.programmes if p.name == name)
            dossier = support.dossier(first.student, programme)
            fill_part_a(dossier)
            db.session.commit()
            dossier_id = dossier.id
            db.session.remove()
        return dossier_id


def fill_part_a(dossier):
    for section in formdef.SECTIONS:
        values = valid_post(section)
        if section.key == "motivatie":
            values["waarom"] = WHY
        part_a.save_section(dossier, section, values)


def make_world(live_server, smtp, age: int) -> World:
    """Vakcollege De Brug with Anja de Vries, mentor of 4a; Roos de Winter (`age` years old) in 4a with an account;
    MBO Utrecht with two programmes and its contact person; Roos's dossier for the first programme in part A."""
    app, number = live_server.app, next(_worlds)
    world = World(
        base=live_server.url,
        app=app,
        student_id=0,
        dossier_id=0,
        student=f"roos{number}@leerling.example",
        mentor=f"mentor{number}@debrug.example",
        parent=f"ouder{number}@thuis.example",
        college=f"toelating{number}@mboutrecht.example",
        smtp=smtp,
    )
    with app.app_context():
        factory = Factory(app)
        _school, _mentor, pupil = support.roos_in_4a(
            factory, mentor_email=world.mentor, student_email=world.student, birth_date=born_years_ago(age)
        )
        college = support.college(factory, "MBO Utrecht", programmes=((FIRST, 4, "BOL"), (SECOND, 4, "BOL")))
        contact = factory.user(world.college, first_name="Fatima", last_name="El Amrani")
        factory.member(contact, college.organisation, role="contact")
        db.session.commit()
        programme = next(p for p in college.programmes if p.name == FIRST)
        dossier = support.dossier(pupil, programme)
        fill_part_a(dossier)
        db.session.commit()
        world.student_id, world.dossier_id = pupil.id, dossier.id
        db.session.remove()
    return world


# ---------------------------------------------------------------- the browser


class Pages:
    """One browser context per person; each page's htmx fragments are kept for the W3C Nu checker."""

    def __init__(self, browser, javascript=True):
        self.browser, self.javascript, self.contexts, self.fragments = browser, javascript, [], []

    def new(self):
        context = self.browser.new_context(locale="nl-NL", java_script_enabled=self.javascript, accept_downloads=True)
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        if not self.javascript:
            page.javascript_disabled = True  # assert_accessible copies the page out to run axe
        self.fragments.append(record_fragments(page))
        return page

    def close(self, folder):
        for context in self.contexts:
            context.close()
        check_fragments([each for kept in self.fragments for each in kept], folder)


def log_in(page, base, email, organisation=None):
    log_in_demo(page, base, email, organisation, password=PASSWORD)


def judge(page):
    """axe, and the page fits at 1024 and 390 px (for the pages the slices' own browser tests do not visit)."""
    if getattr(page, "javascript_disabled", False):
        assert_accessible(page)
    else:
        assert_accessible_and_fits(page)


def flash(page, text):
    page.get_by_text(text).first.wait_for()


def row_of(page, programme):
    return page.get_by_role("row").filter(has_text="Roos de Winter").filter(has_text=programme)


def send_part_a(student, world, dossier_id, mails: int):
    """Roos checks her answers and sends part A to Anja, who gets the signal mail (her `mails`th)."""
    student.goto(f"{world.base}/doorstroomdossier/dossier/{dossier_id}")
    student.get_by_role("link", name="Antwoorden controleren").click()
    student.get_by_label("Anja de Vries (mentor)").check()
    student.get_by_role("button", name="Versturen naar mentor").click()
    student.wait_for_url(f"**/doorstroomdossier/dossier/{dossier_id}")
    flash(student, "Deel A is verstuurd naar Anja de Vries")
    signal = world.mail(world.mentor, "Deel A van Roos de Winter", mails)
    assert "Roos de Winter" in signal.get_body(preferencelist=("plain",)).get_content()


def start_part_b(mentor, world, programme):
    """Te behandelen dossiers → Start deel B: part B's overview opens."""
    mentor.goto(f"{world.base}/doorstroomdossier/school/te-behandelen")
    row = row_of(mentor, programme)
    assert "Verstuurd naar mentor" in row.inner_text()
    row.get_by_role("button", name="Start deel B").click()
    flash(mentor, "Deel B van Roos de Winter is gestart.")
    mentor.wait_for_url(re.compile(r"/dossiers/\d+/deel-b$"))
    return mentor.url


def fill_section(page, title, choices=(), texts=()):
    """A section of part B as the mentor answers it, then "Opslaan en sluiten" back to the overview."""
    page.get_by_role("link", name=title, exact=True).click()
    page.get_by_role("heading", name=title).first.wait_for()
    for key, option in choices:
        page.locator(f"#veld-{key}-{option}").check()
    for key, value in texts:
        page.locator(f'[name="{key}"]').fill(value)
    page.get_by_role("button", name="Opslaan en sluiten").click()
    flash(page, f"{title} is opgeslagen.")


BEGELEIDING = formdef.PART_B.section("begeleiding")
NO_SUPPORT = [(field.key, 2) for field in BEGELEIDING.fields if field.kind == "choice"]  # 2: nee
INSCHATTING = formdef.PART_B.section("inschatting-en-advies")


def fill_dossier_part(mentor):
    texts = [(field.key, ADVICE if field.key == "b_advies" else "Een inschatting.") for field in INSCHATTING.fields]
    fill_section(mentor, "Inschatting en advies", texts=texts)
    fill_section(mentor, "OPP en nader contact", choices=[("b_opp", 2), ("b_nader_contact", 1)])


def send_part_b(mentor, world, mails: int):
    """From part B's overview at 100%: check, approve and send; Roos gets the signal mail (her `mails`th)."""
    assert "Deel B totaal: 100% ingevuld" in mentor.content()
    mentor.get_by_role("link", name="Opsturen naar leerling").click()
    mentor.get_by_label("Ik ga akkoord met deel B").check()
    mentor.get_by_role("button", name="Opsturen naar leerling").click()
    flash(mentor, "Deel B is opgestuurd naar Roos de Winter")
    mail = world.mail(world.student, "Deel B van je Digitaal Doorstroomdossier", mails)
    assert "Start de akkoordverklaring" in mail.get_body(preferencelist=("plain",)).get_content()


def start_approval(student, world, programme):
    """Mijn dossiers → Start de akkoordverklaring: the approval's page."""
    student.goto(f"{world.base}/doorstroomdossier/mijn-dossiers")
    student.get_by_role("button", name=re.compile(f"^Start de akkoordverklaring.*{programme}")).click()
    student.get_by_role("heading", name="Akkoordverklaring").wait_for()
    assert "In akkoordverklaring" in student.content()
    return student.url


def parent_approves(parent, world, mails: int, shows: tuple[str, ...]):
    """The parent opens the mailed link (their `mails`th), reads the dossier as it is now and approves."""
    mail = world.mail(world.parent, "Roos de Winter", mails)
    (link,) = [each for each in links(mail) if "/ouder/" in each]
    parent.goto(link)
    parent.get_by_role("heading", name="Digitaal Doorstroomdossier van Roos de Winter").wait_for()
    shown = parent.content()
    assert all(text in shown for text in shows), shows
    parent.get_by_label("Uw naam").fill("Marieke de Winter")
    parent.get_by_label("Ja, ik ga akkoord").check()
    parent.get_by_role("button", name="Antwoord versturen").click()
    parent.get_by_role("heading", name="Bedankt voor uw antwoord").wait_for()


def ask_parent(student, world):
    student.get_by_label("E-mailadres van je ouder/verzorger").fill(world.parent)
    student.get_by_role("button", name=re.compile("Link (opnieuw )?sturen")).click()
    flash(student, f"Er is een e-mail met een link gestuurd naar {world.parent}.")


def finish(student, world):
    student.get_by_role("link", name="Afronden", exact=True).click()
    student.get_by_role("heading", name="Weet je zeker dat je je dossier wilt afronden?").wait_for()
    student.get_by_role("button", name="Ja, rond mijn dossier af").click()
    flash(student, "Je dossier is afgerond en zichtbaar voor MBO Utrecht.")


def college_pdf(college, world) -> str:
    """The contact person's list holds Roos's finished dossier; they open it and download the PDF: its text."""
    log_in(college, world.base, world.college, "MBO Utrecht")
    college.goto(f"{world.base}/doorstroomdossier/")
    college.get_by_role("heading", name="Afgeronde dossiers").wait_for()
    college.get_by_role("link", name="Roos de Winter").click()
    college.get_by_role("heading", name="Digitaal Doorstroomdossier van Roos de Winter").wait_for()
    assert "Roos de Winter (leerling)" in college.content()
    judge(college)  # with the approvals: the student's, and the parent's for a 17-year-old
    href = college.get_by_role("link", name="Download als PDF").get_attribute("href")
    response = college.request.get(world.base + href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    return subprocess.run(
        ["pdftotext", "-", "-"], input=response.body(), capture_output=True, check=True
    ).stdout.decode()


def main_cycle(pages, world, age):
    """Part A sent → part B started, filled and sent → viewed, commented, (the parent,) finished → the college's PDF."""
    student, mentor, parent, college = pages.new(), pages.new(), pages.new(), pages.new()
    log_in(student, world.base, world.student)
    send_part_a(student, world, world.dossier_id, 1)

    log_in(mentor, world.base, world.mentor, "Vakcollege De Brug")
    start_part_b(mentor, world, FIRST)
    fill_section(mentor, "Begeleiding", choices=NO_SUPPORT)
    fill_dossier_part(mentor)
    send_part_b(mentor, world, 1)

    approval_url = start_approval(student, world, FIRST)
    if age >= 18:
        assert "Akkoord van je ouder/verzorger" not in student.content()
        judge(student)
    student.get_by_role("link", name="Deel B bekijken").click()
    student.get_by_role("heading", name="Deel B", exact=True).wait_for()
    assert ADVICE in student.content()
    student.goto(approval_url)
    student.get_by_label("Opmerking over deel B (niet verplicht)").fill(COMMENT)
    student.get_by_role("button", name="Opmerking opslaan").click()
    flash(student, "Je opmerking over deel B is opgeslagen.")
    if age < 18:
        assert student.get_by_role("link", name="Afronden", exact=True).count() == 0
        ask_parent(student, world)
        parent_approves(parent, world, 1, (WHY, ADVICE, COMMENT))
        student.reload()
        flash(student, "Marieke de Winter heeft op")
        judge(student)
    finish(student, world)
    assert world.mail(world.student, "afgerond", 1)

    text = college_pdf(college, world)
    assert "Roos de Winter" in text and WHY in text and ADVICE in text, text
    assert "Roos de Winter (leerling)" in text and COMMENT in text
    assert ("Marieke de Winter (ouder/verzorger)" in text) == (age < 18)
    return student, mentor


# ---------------------------------------------------------------- the tests


@pytest.mark.parametrize("age", [17, 18])
def test_the_whole_cycle_and_the_student_part_prefilled_for_a_second_dossier(live_server, browser, smtp, tmp_path, age):
    world = make_world(live_server, smtp, age)
    pages = Pages(browser)
    try:
        student, mentor = main_cycle(pages, world, age)

        # The second dossier: part B's student part is there already, as Anja answered it for the first.
        second = world.dossier(SECOND)
        send_part_a(student, world, second, 2)
        start_part_b(mentor, world, SECOND)
        overview = mentor.content()
        assert SECOND in overview and "Deel B totaal: 100% ingevuld" not in overview
        assert "Klaar (100%)" in mentor.get_by_role("listitem").filter(has_text="Begeleiding").first.inner_text()
        mentor.get_by_role("link", name="Begeleiding", exact=True).click()
        for key, option in NO_SUPPORT:
            assert mentor.locator(f"#veld-{key}-{option}").is_checked(), key
        judge(mentor)
    finally:
        pages.close(tmp_path)


def test_early_student_part_reset_archive_and_a_change_after_the_parents_approval(live_server, browser, smtp, tmp_path):
    world = make_world(live_server, smtp, 17)
    pages = Pages(browser)
    try:
        student, mentor, parent, college = pages.new(), pages.new(), pages.new(), pages.new()
        log_in(student, world.base, world.student)
        log_in(mentor, world.base, world.mentor, "Vakcollege De Brug")

        # Part B's student part started early, from Mijn leerlingen, while the dossier is in part A.
        mentor.goto(f"{world.base}/doorstroomdossier/school/mijn-leerlingen")
        row = mentor.get_by_role("row", name=re.compile("Roos de Winter"))
        assert "Deel A invullen 100%" in row.inner_text()
        row.get_by_role("link", name=re.compile("^Deel B alvast invullen")).click()  # she has a dossier: not "starten"
        mentor.wait_for_url(f"**/leerlingen/{world.student_id}/deel-b")
        assert "Inschatting en advies" not in mentor.content()  # the dossier part waits for the dossier in part B
        judge(mentor)
        fill_section(mentor, "Begeleiding", choices=NO_SUPPORT)
        assert "Klaar (100%)" in mentor.content()

        # Part A sent, reset to part A by the mentor (Roos gets the mail), and sent again.
        send_part_a(student, world, world.dossier_id, 1)
        mentor.goto(f"{world.base}/doorstroomdossier/school/te-behandelen")
        row_of(mentor, FIRST).get_by_role("link", name=re.compile("^Terugzetten naar deel A")).click()
        mentor.get_by_role("button", name="Ja, zet terug naar deel A").click()
        flash(mentor, "Het dossier van Roos de Winter is teruggezet naar deel A.")
        assert world.mail(world.student, "teruggezet", 1)
        student.goto(f"{world.base}/doorstroomdossier/dossier/{world.dossier_id}")
        assert "Deel A invullen" in student.content()
        judge(student)
        send_part_a(student, world, world.dossier_id, 2)

        # Start deel B: the student part filled early is there; the dossier part is filled and part B sent.
        start_part_b(mentor, world, FIRST)
        assert "Klaar (100%)" in mentor.get_by_role("listitem").filter(has_text="Begeleiding").first.inner_text()
        fill_dossier_part(mentor)
        send_part_b(mentor, world, 1)

        # Archived by the mentor, activated by the student.
        mentor.goto(f"{world.base}/doorstroomdossier/school/te-behandelen")
        row_of(mentor, FIRST).get_by_role("link", name=re.compile("^Archiveren")).click()
        mentor.get_by_role("button", name="Ja, archiveer het dossier").click()
        flash(mentor, "Het dossier van Roos de Winter is gearchiveerd.")
        assert row_of(mentor, FIRST).count() == 0
        student.goto(f"{world.base}/doorstroomdossier/mijn-dossiers")
        assert "Gearchiveerd" in student.get_by_role("table").inner_text()
        student.get_by_role("button", name=re.compile("^Activeren")).click()
        flash(student, "is weer actief")
        judge(student)  # Mijn dossiers with "Start de akkoordverklaring"
        mentor.reload()
        row_of(mentor, FIRST).wait_for()

        # The parent approves; then Roos goes back to part A, changes an answer, and the cycle repeats.
        approval_url = start_approval(student, world, FIRST)
        ask_parent(student, world)
        parent_approves(parent, world, 1, (WHY, ADVICE))
        student.reload()
        flash(student, "Marieke de Winter heeft op")
        student.get_by_role("link", name="Terug naar deel A").click()
        student.get_by_role("heading", name="Weet je zeker dat je terug wilt naar deel A?").wait_for()
        judge(student)
        student.get_by_role("button", name="Ja, terug naar deel A").click()
        flash(student, "Deel A is weer geopend.")
        judge(student)
        student.get_by_role("link", name="Motivatie").click()
        student.get_by_label("Waarom kies je deze opleiding?").fill(NEW_WHY)
        student.get_by_role("button", name="Opslaan en sluiten").click()
        flash(student, "Motivatie is opgeslagen.")
        send_part_a(student, world, world.dossier_id, 3)
        start_part_b(mentor, world, FIRST)
        fill_dossier_part(mentor)
        send_part_b(mentor, world, 2)

        # The parent's approval does not count for the changed dossier: Roos asks again.
        assert start_approval(student, world, FIRST) == approval_url
        flash(student, "telt niet meer")
        assert student.get_by_role("link", name="Afronden", exact=True).count() == 0
        judge(student)
        ask_parent(student, world)
        parent_approves(parent, world, 2, (NEW_WHY, ADVICE))
        student.reload()
        finish(student, world)

        text = college_pdf(college, world)
        assert NEW_WHY in text and WHY not in text and "Marieke de Winter (ouder/verzorger)" in text
    finally:
        pages.close(tmp_path)


def test_the_main_cycle_without_javascript(live_server, browser, smtp, tmp_path):
    world = make_world(live_server, smtp, 17)
    pages = Pages(browser, javascript=False)
    try:
        main_cycle(pages, world, 17)
    finally:
        pages.close(tmp_path)
