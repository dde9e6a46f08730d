"""The register's logins in headless Chromium, through the test OIDC provider's own login page, on the demo data:
an employee of De Zonnebloem at EH2+ with the mandate reaches the organisation's pages, one at EH2 is told the
level is too low, and a demo person logs in with DigiD."""

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser


def log_in_at_provider(page, demo_portal, button: str, sub: str):
    page.goto(f"{demo_portal.url}/personenregister")
    assert sub in page.locator("#test-identities + p + ul").inner_text()  # the development hint
    page.get_by_role("button", name=button).click()
    page.get_by_placeholder("sub").fill(sub)  # the provider's login page
    page.get_by_role("button", name="Authorize").click()


def test_an_employee_logs_in_with_eherkenning_and_out_again(demo_portal, browser):
    page = browser.new_page()
    log_in_at_provider(page, demo_portal, "Koppelen", "zonnebloem-eh2plus")
    page.wait_for_url(f"{demo_portal.url}/personenregister/organisatie**")
    assert urlsplit(page.url).path == "/personenregister/organisatie"
    assert "Kinderopvang De Zonnebloem" in page.content()
    page.get_by_role("button", name="Uitloggen uit het personenregister").click()
    page.get_by_text("U bent uitgelogd uit het personenregister.").wait_for()
    page.goto(f"{demo_portal.url}/personenregister/organisatie")
    assert urlsplit(page.url).path == "/personenregister"
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
    page.get_by_role("heading", name="Mijn koppelingen").wait_for()  # Daan is enrolled and linked
    page.close()
