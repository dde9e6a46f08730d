"""Headless Chromium: a page that imports cardagent.js signs in with the virtual card through
the real agent, and the server side verifies the signature against the certificate."""
import functools
import http.server
import json
import shutil
import socket
import threading
from pathlib import Path

import pytest

from cardagent.verify import Challenges, verify_sign_in

from .support import REPOSITORY, missing

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGUMENTS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run"]

PAGE = """<!doctype html>
<html lang="nl">
<head><meta charset="utf-8"><title>Inloggen met kaart</title>
<script type="module" src="/page.js"></script></head>
<body><p id="status">Bezig…</p><pre id="result"></pre></body>
</html>
"""

# The page's own script, as a portal page would have it: a module file, no inline script.
PAGE_SCRIPT = """
import { CardAgent } from "/cardagent.js";

const query = new URLSearchParams(location.search);
const agent = new CardAgent({ ports: [Number(query.get("port"))], connectTimeout: 2000 });
const status = document.getElementById("status");
const output = document.getElementById("result");

async function run() {
  try {
    await agent.connect();
    await agent.findCard();
    const result = await agent.signIn(query.get("nonce"));
    output.textContent = JSON.stringify(result);
    status.textContent = "Ondertekend";
  } catch (error) {
    status.textContent = error.userMessage || String(error);
  } finally {
    agent.close();
  }
}
run();
"""


class StrictHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with a CSP that forbids inline script and eval, like the portal's."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript"}

    def end_headers(self):
        self.send_header("Content-Security-Policy",
                         "default-src 'self'; script-src 'self'; "
                         "connect-src 'self' ws://127.0.0.1:*")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, *arguments):
        pass


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.html").write_text(PAGE)
    (root / "page.js").write_text(PAGE_SCRIPT)
    shutil.copy(REPOSITORY / "webapp" / "static" / "js" / "cardagent.js", root / "cardagent.js")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(StrictHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright", "the PyPI package playwright (extra `test`)")
    if not Path(CHROMIUM).exists():
        missing("chromium", "the Debian package chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGUMENTS)
        yield browser
        browser.close()


def open_page(browser, url):
    page = browser.new_page()
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(url)
    return page, problems


def final_status(page):
    """The page's status line once it has finished."""
    from playwright.sync_api import expect  # waits without eval, which the page's CSP forbids
    expect(page.locator("#status")).not_to_have_text("Bezig…", timeout=15000)
    return page.text_content("#status")


def test_page_signs_in_with_the_card_and_the_server_verifies(
        browser, site, credential_card, agent_factory, test_ca):
    agent = agent_factory(origins=(site,))
    agent.answer(pin="123456")
    challenges = Challenges()
    nonce = challenges.issue()
    page, problems = open_page(browser, f"{site}/?port={agent.port}&nonce={nonce}")
    assert final_status(page) == "Ondertekend"
    result = json.loads(page.text_content("#result"))
    certificate = verify_sign_in(result, expected_origin=site, nonce=nonce,
                                 challenges=challenges, trusted_cas=[test_ca.certificate])
    assert certificate.issuer == test_ca.certificate.subject
    [question] = agent.transcript()
    assert question["origin"] == site  # the prompt named the page's origin
    assert "123456" not in agent.log() and "123456" not in page.content()
    assert not [p for p in problems if "Content Security Policy" in p]
    page.close()


def test_page_reports_a_missing_agent_in_dutch(browser, site):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    page, _ = open_page(browser, f"{site}/?port={port}&nonce={'E' * 43}")
    assert final_status(page) == ("Kaartlezer-app niet gevonden. Start de Kaartlezer-app op "
                                  "deze computer en probeer het opnieuw.")
    page.close()


def test_page_of_a_foreign_origin_cannot_use_the_agent(browser, site, agent_factory, stack):
    agent = agent_factory(origins=("https://portal.example",))
    page, _ = open_page(browser, f"{site}/?port={agent.port}&nonce={'F' * 43}")
    assert final_status(page).startswith("Kaartlezer-app niet gevonden")
    assert agent.transcript() == []
    page.close()


def test_page_reports_no_card_in_dutch(browser, site, stack, agent_factory):
    stack.remove()
    agent = agent_factory(origins=(site,))
    page, _ = open_page(browser, f"{site}/?port={agent.port}&nonce={'G' * 43}")
    assert final_status(page) == "Geen kaart in de lezer."
    page.close()
