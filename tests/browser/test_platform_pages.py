"""The platform's own pages (the staff dashboard and its pages, an organisation's Logboek, the step-up
page) in headless Chromium: valid HTML (the W3C Nu checker), no axe violation, and they fit: no sideways
scrolling at 1024 px, usable at 390 px (a wide table scrolls inside its own region)."""

from datetime import timedelta

import pytest

from tests.browser.fixtures import assert_accessible, assert_fits
from tests.components import nu_html_errors
from tests.factories import Factory

PASSWORD = "Zeilboot-Anker-77"


@pytest.fixture
def portal(live_server):
    from webapp.core import periodic
    from webapp.core.audit import audit
    from webapp.core.models import OutgoingMail
    from webapp.core.timeutil import utcnow
    from webapp.extensions import db

    with live_server.app.app_context():
        factory = Factory(live_server.app)
        staff = factory.user("staf.browser@loket.example", first_name="Bea", last_name="Heerkens", is_staff=True)
        herenbos = factory.organisation("Herenbos Schagen")
        deby = factory.user("deby.browser@herenbos.example", first_name="Deby", last_name="Rummens - Heijnen")
        factory.member(deby, herenbos, role="admin")
        db.session.add(
            OutgoingMail(
                recipient="een-heel-lang-adres.dat.niet.aankomt@een-organisatie-met-een-lange-naam.example",
                subject="Bevestiging inschrijving: LV Optimaal bespuiten (VT)",
                message=b"x",
                status="failed",
                attempts=10,
                next_attempt_at=utcnow() + timedelta(hours=1),
                last_error="ConnectionRefusedError: [Errno 111] Connection refused",
            )
        )
        for number in range(3):
            audit(
                "membership.changed",
                organisation_id=herenbos.id,
                subject=f"user:{deby.id}",
                actor_id=staff.id,
                old_state="contact",
                new_state="admin",
                services=["passes", "courses"],
                number=number,
            )
        db.session.commit()
        names = {"staff": staff.email, "admin": deby.email, "organisation": herenbos.id}
        periodic.run_all()
    return names


def _log_in(page, url, email, organisation=None):
    page.goto(f"{url}/inloggen")
    page.get_by_label("Gebruikersnaam (e-mailadres)").fill(email)
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    if organisation is not None:
        page.wait_for_url("**/organisatie-kiezen**")
        page.locator(f"input[value='{organisation}']").check()
        page.get_by_role("button", name="OK").click()
    page.wait_for_load_state()


def _check(page, url, path, tmp_path, pages):
    """Visit the page at 1280 and 390 px wide: axe, no sideways scroll of the page; keep its HTML for the checker."""
    page.set_viewport_size({"width": 1280, "height": 900})
    response = page.goto(url + path)
    assert response.status in (200, 403), (path, response.status)
    assert_accessible(page)
    pages[path] = page.context.request.get(url + path).text()
    name = path.strip("/").replace("/", "_").replace("?", "_")
    for width in (1024, 390):
        assert_fits(page, width)
        page.screenshot(path=str(tmp_path / f"{name}-{width}.png"), full_page=True)


def test_staff_and_admin_pages_are_valid_accessible_and_fit(live_server, portal, page, browser, tmp_path):
    url, pages = live_server.url, {}
    _log_in(page, url, portal["staff"])
    dashboard = page.goto(f"{url}/beheer")
    assert dashboard.status == 200
    for link in (
        "Organisaties",
        "Uitgaande e-mail",
        "Achtergrondtaken",
        "Logboek",
        "Kwalificatiehouders importeren",
        "Kaartlezer testen",
    ):
        assert page.get_by_role("link", name=link, exact=True).count() == 1, link
    for path in (
        "/beheer",
        "/beheer/uitgaande-mail",
        "/beheer/achtergrondtaken",
        "/beheer/logboek",
        "/beheer/organisaties",
    ):
        _check(page, url, path, tmp_path, pages)
    page.goto(f"{url}/beheer/uitgaande-mail")
    assert page.get_by_text("ConnectionRefusedError").count() == 1

    admin = browser.new_context(locale="nl-NL").new_page()
    _log_in(admin, url, portal["admin"], organisation=portal["organisation"])
    for path in (
        "/mijn-organisatie/logboek",
        "/verificatie?level=EH2%2B",
        "/verificatie?level=EH3",
        "/verificatie?level=EH4",
    ):
        _check(admin, url, path, tmp_path, pages)
    admin.goto(f"{url}/verificatie?level=EH4")
    assert admin.get_by_text("Niveau EH4 kunt u in Loket nog niet bereiken").count() == 1
    admin.goto(f"{url}/verificatie?level=EH3")  # the smartcard: made first
    assert admin.get_by_role("link", name="stel dit eerst in").count() == 1
    admin.context.close()

    assert nu_html_errors(pages, tmp_path) == []
