# The browser fixtures (live_server, smtp, browser, page, page_without_js) for the courses tests.
from tests.browser.conftest import browser, live_server, page, page_without_js, smtp  # noqa: F401
