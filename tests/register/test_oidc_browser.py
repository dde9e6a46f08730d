"""The register's logins in headless Chromium, through the test OIDC provider's own login page, on the demo data:
an employee of De Zonnebloem at EH2+ with the mandate reaches the organisation's pages, one at EH2 is told the
level is too low, and a demo person logs in with DigiD."""

from urllib.parse import urlsplit

import pytest

from tests.browser.fixtures import LiveServer
from tests.conftest import make_app
from tests.databases import copy_sqlite
from tests.oidc_provider import stand_in_homes

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_portal(sqlite_template, tmp_path, oidc_provider):
    """The demo portal (tests/browser/fixtures.py), with stand-ins for the pages a login lands on where the app
    lacks them."""
    from webapp.core.modules import registry
    from webapp.extensions import db
    from webapp.register.demo import oidc_identities

    url = copy_sqlite(sqlite_template, str(tmp_path / "demo.sqlite"))
    app = make_app(tmp_path, url, WTF_CSRF_ENABLED=True, DEBUG_PAGES=True, **oidc_provider.settings)
    stand_in_homes(app)
    for sub, _said, claims in oidc_identities(app.config):
        oidc_provider.user(sub, claims)
    with app.app_context():
        for load in registry().each("demo"):
            load()
            db.session.commit()
    server = LiveServer(app).start()
    yield server
    server.stop()


def log_in_at_provider(page, demo_portal, button: str, sub: str):
    page.goto(f"{demo_portal.url}/personenregister")
    assert sub in page.locator("#test-identities + p + ul").inner_text()  # the development hint
    page.get_by_role("button", name=button).click()
    page.get_by_placeholder("sub").fill(sub)  # the provider's login page
    page.get_by_role("button", name="Authorize").click()


def test_an_employee_logs_in_with_eherkenning_and_sees_the_links(demo_portal, browser):
    page = browser.new_page()
    log_in_at_provider(page, demo_portal, "Koppelen", "zonnebloem-eh2plus")
    page.wait_for_url(f"{demo_portal.url}/personenregister/organisatie**")
    assert urlsplit(page.url).path == "/personenregister/organisatie"
    page.goto(f"{demo_portal.url}/personenregister/organisatie/koppelingen")
    assert "Daan Jansen" in page.content()
    page.close()


def test_an_employee_at_eh2_is_told_the_level_is_too_low(demo_portal, browser):
    page = browser.new_page()
    log_in_at_provider(page, demo_portal, "Koppelen", "zonnebloem-eh2")
    page.wait_for_url("**/personenregister/geweigerd/niveau-te-laag")
    assert "te laag betrouwbaarheidsniveau" in page.content()
    page.get_by_role("link", name="Naar de startpagina van het personenregister").click()
    page.get_by_role("button", name="Koppelen").wait_for()
    page.close()


def test_a_person_logs_in_with_digid(demo_portal, browser):
    page = browser.new_page()
    log_in_at_provider(page, demo_portal, "Inloggen met DigiD", "digid-daan-jansen")
    page.wait_for_url(f"{demo_portal.url}/personenregister/persoon**")
    assert "123456721" not in page.url
    page.close()
