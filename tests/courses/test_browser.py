"""The three ways to enrol in headless Chromium, mail on a real SMTP server, the invoice PDF,
the admin-only tab, one enrolment without JavaScript, and axe on every page passed."""

import io
import re

import pytest
from playwright.sync_api import expect

from tests.browser.fixtures import assert_accessible
from tests.factories import PASSWORD, Factory
from webapp.core.timeutil import today_local
from webapp.extensions import db


@pytest.fixture
def world(live_server, make_event):
    with live_server.app.app_context():
        factory = Factory(live_server.app)
        herenbos = factory.organisation(
            "Herenbos Schagen", street="Herenweg", house_number="12", postcode="1741 AA", city="Schagen"
        )
        gemeente = factory.organisation("Gemeente Heerhugowaard")
        deby = factory.user(
            "deby@herenbos.example",
            first_name="Deby",
            last_name="Rummens - Heijnen",
            street="Molenstraat",
            house_number="4",
            postcode="1741 BC",
            city="Schagen",
        )
        martin = factory.user("martin.sommer@herenbos.example", first_name="Martin", last_name="Sommer")
        factory.user(
            "jan.visser@example.nl",
            first_name="Jan",
            last_name="Visser",
            street="Zeeweg",
            house_number="2",
            postcode="1781 CD",
            city="Den Helder",
        )
        factory.member(deby, herenbos, role="admin")
        factory.member(deby, gemeente, role="admin")
        factory.member(martin, herenbos, role="employee")
        factory.member(martin, gemeente, role="employee")
        public = make_event()
        custom = make_event(
            custom_for=gemeente,
            name="LV Bedreigingen openbaar groen - gemeente Heerhugowaard",
            course_name="Maatwerk cursussen Gemeente Heerhugowaard",
        )
        ids = dict(public=public.id, custom=custom.id, herenbos=herenbos.id, gemeente=gemeente.id)
        db.session.remove()
    return ids


def log_in(page, base, email, choice):
    page.goto(f"{base}/inloggen")
    page.get_by_label("Gebruikersnaam (e-mailadres)").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    if choice is not None:  # a person with organisations is asked in whose name to act
        page.get_by_label(choice, exact=True).check()
        page.get_by_role("button", name="OK").click()
    expect(page.locator(".acting-banner")).to_be_visible()


def test_person_enrols_sees_my_courses_and_invoice_pdf(live_server, world, page, smtp):
    base = live_server.url
    log_in(page, base, "jan.visser@example.nl", None)
    page.goto(f"{base}/cursusagenda")
    assert_accessible(page)
    page.get_by_role("link", name="LV Optimaal bespuiten (VT)").click()
    expect(page.get_by_role("navigation", name="Kruimelpad")).to_contain_text("Agro & Groen")
    expect(page.locator("#participant")).to_contain_text("Jan Visser")
    expect(page.get_by_text("Kosteloos annuleren")).to_be_visible()
    assert page.get_by_role("link", name=re.compile("Verwijder")).count() == 0  # not an admin
    assert_accessible(page)
    page.get_by_label("Uw referentie").fill("Eigen-42")
    page.get_by_role("button", name="Inschrijven").click()
    expect(page.get_by_role("heading", name="Bevestiging")).to_be_visible()
    expect(page.locator("dl")).to_contain_text("Jan Visser")
    expect(page.locator("dl")).to_contain_text("9")  # places left
    assert_accessible(page)
    mail = smtp.wait_for(to="jan.visser@example.nl", subject="Bevestiging inschrijving")
    assert "LV Optimaal bespuiten (VT)" in mail.get_body().get_content()

    page.get_by_role("link", name="Naar Mijn cursussen").click()
    row = page.get_by_role("row", name=re.compile("LV Optimaal bespuiten"))
    expect(row).to_contain_text("Den Helder - Kievitstraat 31")
    expect(row).to_contain_text(today_local().year.__str__()[:2])
    expect(page.get_by_role("link", name="Inschrijven cursussen organisatie")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("link", name="Facturen").click()
    assert_accessible(page)
    link = page.get_by_role("link", name=re.compile(r"Factuur \d+ \(PDF\)"))
    number = re.search(r"Factuur (\d+)", link.inner_text()).group(1)
    response = page.request.get(base + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert number in text and "€ 302,50" in text and "Eigen-42" in text and "Zeeweg 2" in text

    page.get_by_role("link", name="Digitaal Dossier").click()
    page.get_by_role("link", name=re.compile("Bevestiging inschrijving")).click()
    expect(page.locator(".mail")).to_contain_text("LV Optimaal bespuiten (VT)")
    assert_accessible(page)


def test_employee_enrols_for_the_organisation(live_server, world, page, smtp):
    base = live_server.url
    log_in(page, base, "martin.sommer@herenbos.example", "Herenbos Schagen")
    page.goto(f"{base}/cursussen/evenement/{world['public']}/inschrijven")
    expect(page.locator("#participant")).to_contain_text("Herenbos Schagen - Martin Sommer")
    page.get_by_role("button", name="Inschrijven").click()
    expect(page.locator("dl")).to_contain_text("Herenbos Schagen - Martin Sommer")
    expect(page.locator("dl")).to_contain_text("aan Herenbos Schagen")  # the invoice goes to the organisation
    smtp.wait_for(to="martin.sommer@herenbos.example", subject="Bevestiging inschrijving")
    page.goto(f"{base}/mijn-onderwijsgroep/cursussen")
    expect(page.get_by_role("link", name="Inschrijven cursussen organisatie")).to_have_count(0)
    # Afmelden asks first; "Annuleren" changes nothing, "Ja, afmelden" cancels.
    page.get_by_role("link", name="Afmelden voor LV Optimaal bespuiten (VT)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Weet u zeker dat u zich wilt afmelden voor LV Optimaal bespuiten (VT)?"
    )
    assert_accessible(page)
    page.get_by_role("link", name="Annuleren").click()
    expect(page.get_by_role("row", name=re.compile("LV Optimaal bespuiten"))).to_contain_text("Ingeschreven")
    page.get_by_role("link", name="Afmelden voor LV Optimaal bespuiten (VT)").click()
    page.get_by_role("button", name="Ja, afmelden").click()
    expect(page.get_by_role("status").filter(has_text="is geannuleerd")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("LV Optimaal bespuiten"))).to_have_count(0)
    assert page.goto(f"{base}/mijn-onderwijsgroep/cursussen/organisatie").status == 404


def test_admin_enrols_a_colleague_in_a_custom_course_and_another(live_server, world, page, smtp):
    base = live_server.url
    log_in(page, base, "deby@herenbos.example", "Gemeente Heerhugowaard")
    page.goto(f"{base}/mijn-onderwijsgroep/cursussen")
    page.get_by_role("link", name="Inschrijven cursussen organisatie").click()
    assert_accessible(page)
    page.get_by_role("link", name="LV Bedreigingen openbaar groen - gemeente Heerhugowaard").click()
    expect(page.get_by_role("navigation", name="Kruimelpad")).to_contain_text(
        "Maatwerk cursussen Gemeente Heerhugowaard"
    )
    page.get_by_role("link", name="Verwijder Deby Rummens - Heijnen als deelnemer").click()
    page.get_by_label("Zoek een persoon van Gemeente Heerhugowaard").fill("somm")  # htmx, search as you type
    expect(page.locator("#person-results li")).to_have_count(1)
    assert_accessible(page)
    page.get_by_role("link", name="Martin Sommer").click()
    expect(page.locator("#participant")).to_contain_text("Gemeente Heerhugowaard - Martin Sommer")
    page.get_by_role("button", name="Inschrijven").click()
    expect(page.locator("dl")).to_contain_text("Gemeente Heerhugowaard - Martin Sommer")
    smtp.wait_for(to="martin.sommer@herenbos.example", subject="Bevestiging inschrijving: LV Bedreigingen")
    page.get_by_role("link", name="Nog iemand inschrijven").click()
    page.get_by_label("Zoek een persoon van Gemeente Heerhugowaard").fill("deby")
    page.get_by_role("link", name="Deby Rummens - Heijnen").click()
    page.get_by_role("button", name="Inschrijven").click()
    expect(page.locator("dl")).to_contain_text("Gemeente Heerhugowaard - Deby Rummens - Heijnen")
    smtp.wait_for(to="deby@herenbos.example", subject="Bevestiging inschrijving: LV Bedreigingen")
    # Choosing Martin again says at once that he is enrolled, and offers no second enrolment.
    page.goto(f"{base}/cursussen/evenement/{world['custom']}/inschrijven?deelnemer=0&zoek=somm")
    page.get_by_role("link", name="Martin Sommer").click()
    already = page.get_by_role("status").filter(has_text="Martin Sommer staat al ingeschreven voor dit evenement.")
    expect(already).to_be_visible()
    expect(page.get_by_role("button", name="Inschrijven")).to_have_count(0)
    assert_accessible(page)


def test_admin_enrols_without_javascript(live_server, world, page_without_js, smtp):
    page, base = page_without_js, live_server.url
    log_in(page, base, "deby@herenbos.example", "Herenbos Schagen")
    page.goto(f"{base}/cursussen/evenement/{world['public']}/inschrijven")
    page.get_by_role("link", name="Verwijder Deby Rummens - Heijnen als deelnemer").click()
    page.get_by_label("Zoek een persoon van Herenbos Schagen").fill("Martin")
    page.get_by_role("button", name="Zoeken").click()
    page.get_by_role("link", name="Martin Sommer").click()
    page.get_by_role("button", name="Inschrijven").click()
    expect(page.locator("dl")).to_contain_text("Herenbos Schagen - Martin Sommer")
    # (no axe here: axe runs as page script, which this context disables; the same pages are checked with JS on)
    smtp.wait_for(to="martin.sommer@herenbos.example", subject="Bevestiging inschrijving: LV Optimaal")
    # Afmelden from the organisation's enrolments: a question first, then back to those enrolments.
    page.goto(f"{base}/mijn-onderwijsgroep/cursussen/organisatie")
    page.get_by_role("link", name="Afmelden Martin Sommer voor LV Optimaal bespuiten (VT)").click()
    page.get_by_role("button", name="Ja, afmelden").click()
    expect(page.get_by_role("heading", name="Inschrijven cursussen organisatie")).to_be_visible()
    expect(page.get_by_text("De inschrijving voor LV Optimaal bespuiten (VT) is geannuleerd.")).to_be_visible()
