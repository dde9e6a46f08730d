"""Manual 004, chapters 1 and 2, end to end in headless Chromium on the demo world, with the portal's mail going to
a real SMTP server on loopback.

The counsellor of Vakcollege De Brug hands out activation codes in bulk: by e-mail to class 4a (Roos de Winter and
Mirjam Hoenderloo) and as printed letters to class 4b (Jaap Rierink, who has no e-mail address): the PDF is opened
and holds his name and his code. Mirjam then follows the mailed instructions: "Maak een nieuw account" with her BSN
and e-mail, the mailed link, a password, log in, Digitaal Doorstroomdossier, the code, "Nieuw dossier", a
programme; she fills part A section by section (the first field by field, each saving itself, reloading between
fields), reaches 100%, checks her answers and sends part A to her mentor, who receives the signal mail."""

import re

import pytest
from pypdf import PdfReader

from tests.browser.fixtures import LiveServer, assert_accessible_and_fits, log_in_demo
from tests.conftest import make_app
from tests.databases import copy_sqlite
from tests.dossiers.test_part_a import valid_post
from tests.mail import links
from webapp.dossiers import formdef
from webapp.dossiers.school import school_year

pytestmark = pytest.mark.browser

MIRJAM = "m.hoenderloo@leerling.example"
MIRJAM_BSN = "111222333"
MENTOR_4A = "mentor4a@debrug.example"
CODE = re.compile(r"\b[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}\b")
NEW_PASSWORD = "Kastanje-Boom-4827"


@pytest.fixture
def demo_with_smtp(sqlite_template, tmp_path, smtp):
    """The portal with the demo data, serving on 127.0.0.1; its mail goes to the SMTP fixture."""
    from webapp.core.modules import registry
    from webapp.extensions import db

    url = copy_sqlite(sqlite_template, str(tmp_path / "demo.sqlite"))
    app = make_app(tmp_path, url, WTF_CSRF_ENABLED=True, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    with app.app_context():
        for load in registry().each("demo"):
            load()
            db.session.commit()
    server = LiveServer(app).start()
    yield server
    server.stop()


def hand_out_in_bulk(page, base, klass: str, method_label: str):
    page.goto(f"{base}/doorstroomdossier/")
    page.get_by_role("link", name="Naar de activatiecodes").click()
    page.get_by_label("Leerlingen", exact=True).select_option(label=f"Klas {klass} ({school_year()})")
    page.get_by_label(method_label).check()
    page.get_by_role("button", name="Verder").click()
    page.get_by_role("button", name=re.compile(r"^Ja, verstrek")).click()
    page.get_by_text("Status: Klaar").wait_for(timeout=60_000)  # the page polls the job until it is done


def fill_section(page, section):
    """Every required field of the section as a student types it, then "Opslaan en sluiten"."""
    for name, value in valid_post(section).items():
        control = page.locator(f'[name="{name}"]')
        tag = control.first.evaluate("element => element.tagName.toLowerCase() + ':' + (element.type || '')")
        if tag == "input:radio":
            page.locator(f'input[name="{name}"][value="{value}"]').check()
        elif tag.startswith("select"):
            control.select_option(value)
        else:
            control.fill(value)
    page.get_by_role("button", name="Opslaan en sluiten").click()


def test_codes_in_bulk_then_a_student_makes_an_account_a_dossier_and_sends_part_a(demo_with_smtp, browser, smtp):
    base = demo_with_smtp.url
    counsellor = browser.new_context(locale="nl-NL", accept_downloads=True).new_page()
    student = browser.new_context(locale="nl-NL").new_page()
    for page in (counsellor, student):
        page.set_default_timeout(15_000)

    # Chapter 1: the counsellor hands out the codes, by e-mail to 4a and as letters to 4b.
    log_in_demo(counsellor, base, "decaan@debrug.example", "Vakcollege De Brug")
    hand_out_in_bulk(counsellor, base, "4a", "Per e-mail")
    assert_accessible_and_fits(counsellor)
    code_mail = smtp.wait_for(MIRJAM, "activatiecode")
    assert smtp.wait_for("r.dewinter@leerling.example", "activatiecode")
    mailed = code_mail.get_body(preferencelist=("plain",)).get_content()
    for step in ("maak een nieuw account", "Vul je BSN en e-mail in.", "Nieuw dossier"):
        assert step.lower() in mailed.lower()
    (code,) = set(CODE.findall(mailed))

    hand_out_in_bulk(counsellor, base, "4b", "Als geprinte brieven")
    with counsellor.expect_download() as download:
        counsellor.get_by_role("link", name="Brieven downloaden (PDF)").click()
    letters = [page.extract_text() for page in PdfReader(download.value.path()).pages]
    assert len(letters) == 2 and "Noor Vermeulen" in letters[0] + letters[1]  # 4b: Jaap, and the college's demo's Noor
    (letter,) = [text for text in letters if "Jaap Rierink" in text]  # one letter a page
    assert len(CODE.findall(letter)) == 1 and CODE.findall(letter)[0] != code

    # Chapter 1, the mail's steps: Mirjam makes her account.
    student.goto(f"{base}/doorstroomdossier/")
    assert_accessible_and_fits(student)
    student.get_by_role("link", name="Maak een nieuw account").click()
    student.get_by_label("BSN (burgerservicenummer)").fill(MIRJAM_BSN)
    student.get_by_label("E-mailadres").fill(MIRJAM)
    student.get_by_role("button", name="Account aanmaken").click()
    student.get_by_text("Als de gegevens bij een leerling horen").wait_for()
    account_mail = smtp.wait_for(MIRJAM, "ccount")
    (link,) = [each for each in links(account_mail) if "/doorstroomdossier" not in each]
    student.goto(link)
    student.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW_PASSWORD)
    student.get_by_label("Bevestig nieuw wachtwoord").fill(NEW_PASSWORD)
    student.get_by_role("button", name="Activeren").click()
    student.get_by_text("Uw toegang is geactiveerd.").wait_for()  # and she is logged in
    student.locator(".acting-banner").wait_for()

    # "Klik op het vlak Digitaal Doorstroomdossier", the code, "Nieuw dossier", a programme.
    student.goto(f"{base}/")
    student.get_by_role("link", name="Digitaal Doorstroomdossier").first.click()
    student.get_by_role("link", name="Nieuw dossier").click()
    student.get_by_label("Activatiecode").fill(code.lower().replace("-", " "))
    student.get_by_role("button", name="Code invullen").click()
    student.get_by_role("heading", name="Nieuw dossier").wait_for()
    assert_accessible_and_fits(student)
    student.wait_for_load_state()  # htmx listens from here on
    student.get_by_label("Zoek een opleiding").fill("juridisch")
    student.get_by_role(
        "button", name=re.compile("^Kies deze opleiding.*Juridisch secretaresse.*Australiëlaan 23")
    ).click()
    student.get_by_role("heading", name="Digitaal Doorstroomdossier: deel A").wait_for()
    dossier_url = student.url
    assert_accessible_and_fits(student)

    # Chapter 2: the first section field by field, each saving itself as she leaves it; a reload keeps it.
    first = formdef.SECTIONS[0]
    student.get_by_role("link", name=first.title).click()
    student.wait_for_load_state()
    for name, value in list(valid_post(first).items())[:3]:
        with student.expect_response(lambda response, name=name: response.url.endswith(f"/veld/{name}")) as saved:
            student.locator(f'[name="{name}"]').fill(value)
            student.locator(f'[name="{name}"]').blur()
        assert saved.value.status == 200
        student.reload()
        assert student.locator(f'[name="{name}"]').input_value() == value
    assert_accessible_and_fits(student)
    fill_section(student, first)
    for section in formdef.SECTIONS[1:]:
        student.get_by_role("link", name=section.title).click()
        fill_section(student, section)
    student.goto(dossier_url)
    overview = student.content()
    assert overview.count("Klaar") >= len(formdef.SECTIONS) and "100%" in overview

    # Check answers, then send to the mentor of 4a, who gets the signal mail.
    student.get_by_role("link", name="Antwoorden controleren").click()
    assert_accessible_and_fits(student)
    student.get_by_label(re.compile("Anja de Vries")).check()
    student.get_by_role("button", name="Versturen naar mentor").click()
    signal = smtp.wait_for(MENTOR_4A, "Mirjam Hoenderloo")
    assert "Juridisch secretaresse" in signal.get_body(preferencelist=("plain",)).get_content()
    student.goto(dossier_url)
    assert "Verstuurd naar mentor" in student.content()
