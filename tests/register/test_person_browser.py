"""The person's side in headless Chromium against the live portal with real SMTP, once with JavaScript and once
without: a person logged in with DigiD enrols, finds an organisation and asks it to link them, withdraws another
request, changes the e-mail address, is linked (by the organisation), cannot deregister, is unlinked, deregisters.
Every page on the way is judged by axe, at 1024 and 390 px, and by the W3C Nu checker, and so is every fragment
htmx swaps in.

The organisation's side of linking and unlinking is its own module's (tests/register/test_linking_*); here the
organisation's answer is written as that side leaves it."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.browser.fixtures import assert_accessible, assert_fits, check_fragments, record_fragments
from tests.components import nu_html_errors
from tests.factories import Factory
from tests.register.support import browser_cookie, childcare_organisation
from webapp.core.timeutil import utcnow
from webapp.extensions import db
from webapp.register.models import Link, LinkRequest, RegisteredPerson

pytestmark = pytest.mark.browser

BSN = "111222333"


class Judge:
    """Checks each page as the person sees it, and keeps its HTML for the Nu checker at the end."""

    def __init__(self, page):
        self.page = page
        self.pages = {}

    def __call__(self, name: str) -> None:
        page = self.page
        page.wait_for_load_state()
        self.pages[name] = page.content()
        assert_accessible(page)
        for width in (1024, 390):
            assert_fits(page, width)
        page.set_viewport_size({"width": 1280, "height": 900})


def organisation_answers(app, state: str) -> None:
    """What the organisation's side leaves behind: accepting links the person, unlinking ends the link."""
    with app.app_context():
        person = db.session.scalar(select(RegisteredPerson).where(RegisteredPerson.bsn_is(BSN)))
        if state == "linked":
            request = db.session.scalar(
                select(LinkRequest).where(LinkRequest.person_id == person.id, LinkRequest.state == "open")
            )
            request.state, request.answered_at = "accepted", utcnow()
            db.session.add(Link(person=person, organisation=request.organisation))
        else:
            link = db.session.scalar(select(Link).where(Link.person_id == person.id, Link.state == "linked"))
            link.state, link.unlinked_at, link.unlinked_by = "unlinked", utcnow(), "unlink"
        db.session.commit()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_person_enrols_asks_is_linked_and_deregisters(live_server, browser, smtp, tmp_path, javascript):
    base, app = live_server.url, live_server.app
    email = f"roos-{'js' if javascript else 'nojs'}@voorbeeld.example"
    with app.app_context():
        factory = Factory(app)
        childcare_organisation(factory, "Kinderopvang De Zonnebloem", city="Utrecht")
        factory.organisation("Gastouderbureau Het Nest", kind="host_parent_agency", kvk_number="69599085")
    context = browser.new_context(locale="nl-NL", java_script_enabled=javascript)
    context.add_cookies(
        [
            browser_cookie(
                app,
                base,
                "digid",
                level="DigiD",
                bsn=BSN,
                first_name="Roos",
                infix="de",
                last_name="Winter",
                birth_date=date(1990, 5, 17),
            )
        ]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.javascript_disabled = not javascript
    judge = Judge(page)
    fragments = record_fragments(page)  # what htmx swapped in (the search results, the e-mail form)

    # Inschrijven: the name and birth date come from DigiD
    page.goto(f"{base}/personenregister/persoon")
    page.get_by_role("heading", name="Inschrijven in het Personenregister kinderopvang").wait_for()
    assert page.get_by_text("Roos de Winter").is_visible() and page.get_by_text("17-05-1990").is_visible()
    page.get_by_label("E-mailadres voor berichten").fill("roos@")
    page.get_by_role("button", name="Inschrijven").click()
    page.get_by_text("Vul een geldig e-mailadres in.", exact=True).wait_for()
    judge("inschrijven, met een fout")
    page.get_by_label("E-mailadres voor berichten").fill(email)
    page.get_by_role("button", name="Inschrijven").click()
    page.get_by_text("U bent ingeschreven in het Personenregister kinderopvang.").wait_for()
    judge("mijn koppelingen, net ingeschreven")
    assert "ingeschreven" in smtp.wait_for(to=email, subject="ingeschreven")["Subject"]

    # Find an organisation (as you type, with JavaScript) and ask it to link; the same for another
    for name, search in (("Gastouderbureau Het Nest", "nest"), ("Kinderopvang De Zonnebloem", "utrecht")):
        page.get_by_role("link", name="Vraag een organisatie om u te koppelen").click()
        page.wait_for_load_state()  # htmx listens from here on
        page.get_by_label("Naam, KvK-nummer of plaats").fill(search)
        if javascript:
            page.wait_for_url(re.compile(f"zoek={search}"))
        else:
            page.get_by_role("button", name="Zoeken").click()
        judge(f"organisatie zoeken: {search}")
        page.get_by_role("link", name=f"Vraag {name} om u te koppelen").click()
        page.get_by_role("heading", name=f"Wilt u {name} vragen om u te koppelen?").wait_for()
        judge(f"koppelverzoek: {name}")
        page.get_by_role("button", name="Vraag om koppeling").click()
        page.get_by_text(f"U hebt {name} gevraagd om u te koppelen.").wait_for()

    # Withdraw the request to Het Nest
    page.get_by_role("link", name="Intrekken (verzoek aan Gastouderbureau Het Nest)").click()
    page.get_by_role("heading", name="Wilt u uw koppelverzoek aan Gastouderbureau Het Nest intrekken?").wait_for()
    judge("intrekken")
    page.get_by_role("button", name="Ja, intrekken").click()
    page.get_by_text("Uw koppelverzoek aan Gastouderbureau Het Nest is ingetrokken.").wait_for()
    assert page.get_by_role("cell", name="Ingetrokken").is_visible()

    # The e-mail address: the form swaps in with JavaScript, is a page of its own without
    page.get_by_role("link", name="E-mailadres wijzigen").click()
    page.get_by_label("E-mailadres voor berichten").fill(f"nieuw-{email}")
    judge("e-mailadres wijzigen")
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_text("Uw e-mailadres is aangepast.").wait_for()
    assert page.get_by_text(f"nieuw-{email}").is_visible()

    # Linked: deregistering is refused, and the page names the organisation
    organisation_answers(app, "linked")
    page.reload()
    assert page.get_by_role("cell", name="Kinderopvang De Zonnebloem").first.is_visible()
    judge("mijn koppelingen, gekoppeld")
    page.get_by_role("link", name="Uitschrijven uit het Personenregister kinderopvang").click()
    page.get_by_role("heading", name="U kunt zich nog niet uitschrijven").wait_for()
    assert page.get_by_role("listitem").filter(has_text="Kinderopvang De Zonnebloem").is_visible()
    judge("uitschrijven, nog gekoppeld")

    # Unlinked: now they can deregister
    organisation_answers(app, "unlinked")
    page.get_by_role("link", name="Naar Mijn koppelingen").click()
    page.get_by_role("link", name="Uitschrijven uit het Personenregister kinderopvang").click()
    page.get_by_role(
        "heading", name="Weet u zeker dat u zich wilt uitschrijven uit het Personenregister kinderopvang?"
    ).wait_for()
    judge("uitschrijven, vraag")
    page.get_by_role("button", name="Ja, uitschrijven").click()
    page.get_by_text("U bent uitgeschreven uit het Personenregister kinderopvang.").wait_for()
    assert page.get_by_role("button", name="Inschrijven").is_visible()
    judge("uitgeschreven")
    smtp.wait_for(to=f"nieuw-{email}", subject="uitgeschreven")
    for html in judge.pages.values():
        assert BSN not in html
    context.close()

    assert nu_html_errors(judge.pages, tmp_path) == []
    assert bool(fragments) == javascript
    check_fragments(fragments, tmp_path / "fragments")
