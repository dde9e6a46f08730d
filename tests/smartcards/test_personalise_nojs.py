"""Without JavaScript the card steps cannot reach the card agent: each card page says so plainly, offers no
button that would do nothing, and passes axe."""

import pytest

from tests.browser.fixtures import assert_accessible
from tests.factories import PASSWORD, Factory

pytestmark = pytest.mark.browser
EMAIL = "roos@herenbos.example"
NEEDS_JAVASCRIPT = "Voor deze stap is JavaScript nodig"


@pytest.fixture
def portal(live_server):
    with live_server.app.app_context():
        Factory(live_server.app).user(EMAIL, first_name="Roos", last_name="de Winter")
    return live_server


def assert_says_it_needs_javascript(page):
    message = page.locator("main noscript p")  # Playwright's text search skips <noscript>: find it by place
    assert message.is_visible() and NEEDS_JAVASCRIPT in message.inner_text()


def test_the_card_pages_say_they_need_javascript(portal, page_without_js):
    page = page_without_js
    page.goto(portal.url + "/smartcards/inloggen")
    assert_says_it_needs_javascript(page)
    assert page.get_by_role("button", name="Inloggen met smartcard").is_disabled()
    assert_accessible(page)

    page.goto(portal.url + "/")
    page.get_by_role("link", name="Ik wil een smartcard aanmaken").click()
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/smartcards/aanmaken")
    assert_says_it_needs_javascript(page)
    assert not page.get_by_text("De Kaartlezer-app wordt gezocht").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Volgende").click()
    page.wait_for_url("**/smartcards/aanmaken/uzi-pas")
    assert_says_it_needs_javascript(page)
    assert page.get_by_role("button", name="Inloggen met UZI-pas").is_disabled()
    assert_accessible(page)
