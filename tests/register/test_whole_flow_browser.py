"""Manual 003 end to end in headless Chromium, on the demo data, through the real OIDC provider on loopback; once
with JavaScript and once without.

The manual's video: an employee of Kinderopvang De Zonnebloem logs in with eHerkenning at EH2+, sees the warning
about the requested links, accepts them (the warning is gone), links a person by BSN and birth date with an unlink
date, sees the list, opens a person and unlinks them. Around it the person's side: Eva de Boer logs in with DigiD,
enrols, asks De Zonnebloem to link her, is linked, cannot deregister, is unlinked, deregisters. The mails she gets
are read from the outbox; no page, address or mail on the way shows a full BSN."""

from datetime import timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from tests.browser.fixtures import assert_accessible, assert_fits
from webapp.core.jobs import wait_for_in_process_jobs
from webapp.core.timeutil import today_local
from webapp.register.demo import PERSONS

pytestmark = pytest.mark.browser

BSNS = [person.bsn for person in PERSONS]
EVA = "Eva de Boer"
NOOR = next(person for person in PERSONS if person.first_name == "Noor")


def log_in_at_provider(page, base: str, button: str, sub: str) -> None:
    page.goto(f"{base}/personenregister")
    page.get_by_role("button", name=button).click()
    page.get_by_placeholder("sub").fill(sub)  # the provider's own login page
    page.get_by_role("button", name="Authorize").click()


class Visits:
    """Every page the flow passes: no full BSN in its address or its HTML; axe and the widths on the ones named."""

    def __init__(self, page):
        self.page = page
        self.seen: list[str] = []
        page.on("framenavigated", lambda frame: self.seen.append(frame.url) if frame == page.main_frame else None)

    def check(self, judge: bool = False) -> None:
        page = self.page
        page.wait_for_load_state()
        html = page.content()
        assert not [bsn for bsn in BSNS if bsn in html or bsn in page.url], page.url
        if judge:
            assert_accessible(page)
            for width in (1024, 390):
                assert_fits(page, width)
            page.set_viewport_size({"width": 1280, "height": 900})


def outbox(app) -> list:
    wait_for_in_process_jobs()
    parse = BytesParser(policy=policy.default).parsebytes
    return [parse(path.read_bytes()) for path in sorted(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_manuals_video_and_a_persons_way_through_the_register(demo_portal, browser, javascript):
    base, app = demo_portal.url, demo_portal.app
    contexts = [browser.new_context(locale="nl-NL", java_script_enabled=javascript) for _ in range(2)]
    person, employee = (context.new_page() for context in contexts)
    for page in (person, employee):
        page.set_default_timeout(15_000)
        page.javascript_disabled = not javascript  # assert_accessible then judges a scripted copy with axe
    person_visits, employee_visits = Visits(person), Visits(employee)

    # Eva logs in with DigiD, enrols and asks De Zonnebloem to link her.
    log_in_at_provider(person, base, "Inloggen met DigiD", "digid-eva-de-boer")
    person.get_by_role("heading", name="Inschrijven in het Personenregister kinderopvang").wait_for()
    person.get_by_label("E-mailadres voor berichten").fill("eva@voorbeeld.example")
    person.get_by_role("button", name="Inschrijven").click()
    person.get_by_text("U bent ingeschreven in het Personenregister kinderopvang.").wait_for()
    person_visits.check()
    person.get_by_role("link", name="Vraag een organisatie om u te koppelen").click()
    person.wait_for_load_state()  # htmx listens from here on: typing before that is typing into a plain form
    person.get_by_label("Naam, KvK-nummer of plaats").fill("zonnebloem")
    if not javascript:  # with it, the results come as she types
        person.get_by_role("button", name="Zoeken").click()
    person.get_by_role("link", name="Vraag Kinderopvang De Zonnebloem om u te koppelen").click()
    person.get_by_role("button", name="Vraag om koppeling").click()
    person.get_by_text("U hebt Kinderopvang De Zonnebloem gevraagd om u te koppelen.").wait_for()
    person_visits.check()

    # The employee logs in with eHerkenning and sees the warning: Fatima's request and Eva's.
    log_in_at_provider(employee, base, "Koppelen", "zonnebloem-eh2plus")
    employee.get_by_text("Er zijn 2 gevraagde koppelingen").wait_for()
    assert employee.url == f"{base}/personenregister/organisatie"
    employee_visits.check(judge=True)
    employee.get_by_role("link", name="Bekijk alle gevraagde koppelingen").click()
    employee.get_by_role("button", name=f"Koppelen {EVA}").click()
    employee.get_by_text(f"{EVA} is gekoppeld aan uw organisatie.").wait_for()
    employee_visits.check(judge=True)
    employee.get_by_role("button", name="Koppelen Fatima el Amrani").click()
    employee.get_by_text("Er zijn geen gevraagde koppelingen.").wait_for()
    employee.get_by_role("link", name="Terug").click()
    employee.get_by_role("heading", name="Koppel een persoon").wait_for()
    assert employee.get_by_text("gevraagde koppeling").count() == 0  # the warning is gone

    # Koppel een persoon: BSN, birth date and an unlink date.
    unlink_on = today_local() + timedelta(days=30)
    employee.get_by_label("BSN").fill(f"{NOOR.bsn[:3]} {NOOR.bsn[3:6]} {NOOR.bsn[6:]}")
    employee.get_by_label("Geboortedatum").fill(NOOR.birth_date.isoformat())
    employee.get_by_label("Ontkoppelen op (optioneel)").fill(unlink_on.isoformat())
    employee.get_by_role("button", name="Koppelen").click()
    employee.get_by_text("Noor van Dijk is gekoppeld aan uw organisatie.").wait_for()
    employee_visits.check(judge=True)

    # Uw koppelingen: the demo's four, Eva, Fatima and Noor; BSNs masked.
    employee.get_by_role("link", name="Bekijk alle gekoppelde personen").click()
    employee.get_by_role("heading", name="Uw koppelingen").wait_for()
    for name in (
        "Daan Jansen",
        "Sanne Bakker",
        "Lotte Visser",
        "Kees Mulder",
        EVA,
        "Fatima el Amrani",
        "Noor van Dijk",
    ):
        assert employee.get_by_role("link", name=name).is_visible(), name
    assert employee.get_by_text(f"*****{NOOR.bsn[-4:]}").is_visible()
    noor_row = employee.get_by_role("row").filter(has_text="Noor van Dijk")
    assert unlink_on.strftime("%d-%m-%Y") in noor_row.inner_text()
    employee_visits.check(judge=True)

    # A person no longer working here: open them, Verbreek koppeling, confirm.
    def unlink(name: str) -> None:
        employee.goto(f"{base}/personenregister/organisatie/koppelingen")
        employee.get_by_role("link", name=name).click()
        employee.get_by_role("heading", name=name).wait_for()
        employee.get_by_role("link", name="Verbreek koppeling").click()
        employee.get_by_role("button", name="Ja, verbreek koppeling").click()
        employee.get_by_text(f"{name} is niet meer gekoppeld").wait_for()
        assert employee.get_by_role("link", name=name).count() == 0  # the list of current links

    unlink("Daan Jansen")
    employee_visits.check(judge=True)

    # Eva is linked now: she cannot deregister, and the page says which organisation still links her.
    person.goto(f"{base}/personenregister/persoon")
    assert person.get_by_role("cell", name="Kinderopvang De Zonnebloem").first.is_visible()
    person.get_by_role("link", name="Uitschrijven uit het Personenregister kinderopvang").click()
    person.get_by_role("heading", name="U kunt zich nog niet uitschrijven").wait_for()
    assert person.get_by_role("listitem").filter(has_text="Kinderopvang De Zonnebloem").is_visible()

    # Unlinked, she deregisters.
    unlink(EVA)
    person.goto(f"{base}/personenregister/persoon")
    person.get_by_role("link", name="Uitschrijven uit het Personenregister kinderopvang").click()
    person.get_by_role("button", name="Ja, uitschrijven").click()
    person.get_by_text("U bent uitgeschreven uit het Personenregister kinderopvang.").wait_for()
    person_visits.check(judge=True)

    mails = outbox(app)
    to_eva = [mail["Subject"] for mail in mails if mail["To"] == "eva@voorbeeld.example"]
    assert "Uw koppelverzoek is geaccepteerd" in to_eva
    assert "U bent ontkoppeld in het Personenregister kinderopvang" in to_eva
    assert any("Daan Jansen" in mail.get_content() and "ontkoppeld" in mail["Subject"] for mail in mails)
    assert not [bsn for mail in mails for bsn in BSNS if bsn in mail.as_string()]
    for url in person_visits.seen + employee_visits.seen:
        assert not [bsn for bsn in BSNS if bsn in url], url
    for context in contexts:
        context.close()
