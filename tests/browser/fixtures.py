"""Browser-test fixtures, loaded for the whole suite by tests/conftest.py: a live portal on a real
port, a real SMTP server on loopback, and headless Chromium. Every htmx fragment a browser test's page
fetches is kept and, when the test ends, run through the W3C Nu checker."""

import threading

import pytest
from werkzeug.serving import make_server

from tests.components import CHROMIUM, free_port, nu_checker_available, nu_fragment_errors, require_chromium
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


@pytest.fixture
def demo_portal(sqlite_template, tmp_path, oidc_provider):
    """The portal with the demo data, serving on 127.0.0.1; mail goes to the outbox (its page is on). The register's
    eHerkenning and DigiD logins go to the test OIDC provider, which knows the demo identities (as in scripts/dev)."""
    from webapp.core.modules import registry
    from webapp.extensions import db
    from webapp.register.demo import oidc_identities

    url = copy_sqlite(sqlite_template, str(tmp_path / "demo.sqlite"))
    app = make_app(tmp_path, url, WTF_CSRF_ENABLED=True, DEBUG_PAGES=True, **oidc_provider.settings)
    for sub, _said, claims in oidc_identities(app.config):
        oidc_provider.user(sub, claims)
    with app.app_context():
        for load in registry().each("demo"):
            load()
            db.session.commit()
    server = LiveServer(app).start()
    yield server
    server.stop()


DEMO_PASSWORD = "Tulpen-Veld-2026"  # every demo account's


def log_in_demo(page, base, email, organisation=None, password=DEMO_PASSWORD):
    page.goto(f"{base}/inloggen")
    page.get_by_label("Gebruikersnaam (e-mailadres)").fill(email)
    page.get_by_label("Wachtwoord", exact=True).fill(password)
    page.get_by_role("button", name="Inloggen").click()
    if organisation is not None:
        page.wait_for_url("**/organisatie-kiezen**")
        page.get_by_label(organisation, exact=True).check()
        page.get_by_role("button", name="OK").click()
    page.locator(".acting-banner").wait_for()


@pytest.fixture(scope="session")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def record_fragments(page) -> list[tuple[str, str]]:
    """Keep each HTML fragment htmx fetches on this page (a response to a request with HX-Request): (url, html)."""
    fragments = []

    def keep(response):
        request = response.request
        if request.headers.get("hx-request") != "true" or "text/html" not in response.headers.get("content-type", ""):
            return
        try:
            body = response.text()
        except Exception:  # the page navigated away before the body was read: nothing to check
            return
        if body.strip():
            fragments.append((f"{request.method} {response.url}", body))

    page.on("response", keep)
    return fragments


def check_fragments(fragments, folder) -> None:
    """The fragments htmx swapped in are valid HTML where they land (see tests.components.as_document)."""
    if fragments and nu_checker_available():
        errors = nu_fragment_errors(dict(fragments), folder)
        assert errors == [], "W3C Nu checker, htmx fragments: " + "\n".join(errors)


@pytest.fixture
def page(browser, tmp_path):
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(10_000)
    fragments = record_fragments(page)
    yield page
    context.close()
    check_fragments(fragments, tmp_path)


@pytest.fixture
def page_without_js(browser):
    context = browser.new_context(locale="nl-NL", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.javascript_disabled = True  # axe cannot run here; assert_accessible copies the page out
    yield page
    context.close()


def assert_accessible(page) -> None:
    """No axe-core violation of any impact (minor, moderate, serious or critical) on the page as it is now.

    axe is JavaScript: for a page without it, the same HTML is checked in a scripted page."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state()  # a click's navigation may have begun and not yet given its document
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
    violations = Axe().run(page).response["violations"]
    assert not violations, f"axe on {page.url}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in violations
    )


# What reaches past the right edge of the window, outside a labelled region that scrolls by itself (a wide
# table's .table-scroll: role="region", a label, overflow-x auto): the page would scroll sideways, or hide it.
STICKING_OUT = """() => { const width = document.documentElement.clientWidth;
  const scrollsItself = e => { for (let a = e.parentElement; a; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (['auto', 'scroll'].includes(style.overflowX) && a.getAttribute('role') === 'region'
          && (a.getAttribute('aria-label') || a.getAttribute('aria-labelledby'))) return true; }
    return false; };
  return [...document.querySelectorAll('body *')].filter(e => { const box = e.getBoundingClientRect();
      return box.width > 0 && box.right > width + 0.5 && !scrollsItself(e); })
    .map(e => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className : '') + ' "'
      + (e.textContent || '').trim().slice(0, 30) + '" ' + Math.round(e.getBoundingClientRect().right)); }"""


def assert_fits(page, width: int) -> None:
    """At this window width the page does not scroll sideways, and nothing sticks out of it except inside a
    labelled region that scrolls by itself."""
    page.set_viewport_size({"width": width, "height": 900})
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    sticking_out = page.evaluate(STICKING_OUT)
    assert overflow <= 0 and not sticking_out, (
        f"{page.url} at {width} px: scrolls sideways by {overflow} px; sticking out: {sticking_out[:8]}"
    )


def assert_accessible_and_fits(page) -> None:
    """axe finds nothing, and the page fits at 1024 and at 390 px; the window is 1280 px wide again afterwards."""
    assert_accessible(page)
    for width in (1024, 390):
        assert_fits(page, width)
    page.set_viewport_size({"width": 1280, "height": 900})
