"""Browser-test fixtures, loaded for the whole suite by tests/conftest.py: a live portal on a real
port, a real SMTP server on loopback, and headless Chromium."""

import threading

import pytest
from werkzeug.serving import make_server

from tests.components import CHROMIUM, free_port, require_chromium
from tests.conftest import make_app
from tests.databases import copy_sqlite
from tests.mail import SmtpMailbox

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def smtp():
    """A real SMTP server (aiosmtpd) on 127.0.0.1; the live portal sends its mail here."""
    from aiosmtpd.controller import Controller

    mailbox = SmtpMailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    mailbox.port = controller.port
    yield mailbox
    controller.stop()


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app.config["PUBLIC_URL"] = self.url
        self._server = make_server("127.0.0.1", self.port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._thread.join(5)


@pytest.fixture
def live_server(sqlite_template, tmp_path, smtp):
    """The portal on SQLite, serving on 127.0.0.1 with mail to the SMTP fixture."""
    url = copy_sqlite(sqlite_template, str(tmp_path / "live.sqlite"))
    app = make_app(tmp_path, url, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, WTF_CSRF_ENABLED=True)
    server = LiveServer(app).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def page_without_js(browser):
    context = browser.new_context(locale="nl-NL", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.javascript_disabled = True  # axe cannot run here; assert_accessible copies the page out
    yield page
    context.close()


def assert_accessible(page) -> None:
    """No serious or critical axe-core violation on the page as it is now.

    axe is JavaScript: for a page without it, the same HTML is checked in a scripted page."""
    from axe_playwright_python.sync_playwright import Axe

    if getattr(page, "javascript_disabled", False):
        html = page.content().replace("<head>", f'<head><base href="{page.url}">', 1)
        context = page.context.browser.new_context(locale="nl-NL")
        try:
            copy = context.new_page()
            copy.route("**/*.js", lambda route: route.abort())  # judge the page as it was: without scripts
            copy.set_content(html)
            return assert_accessible(copy)
        finally:
            context.close()
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not bad, "axe: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in bad
    )
