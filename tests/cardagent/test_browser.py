"""Headless Chromium: a page that imports cardagent.js signs in with the virtual card through
the real agent, and the server side verifies the signature against the certificate."""

import functools
import http.server
import json
import shutil
import socket
import threading

import pytest

from cardagent.verify import Challenges, verify_sign_in

from .support import REPOSITORY, BrowserThread

pytestmark = pytest.mark.browser

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

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript"}

    def end_headers(self):
        self.send_header(
            "Content-Security-Policy", "default-src 'self'; script-src 'self'; connect-src 'self' ws://127.0.0.1:*"
        )
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
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(StrictHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class Visit:
    """What a visit to the test page left behind: its final status line and result."""

    def __init__(self, browser, url):
        from playwright.sync_api import expect  # waits without eval, which the CSP forbids

        page = browser.new_page()
        self.problems = []
        page.on("console", lambda message: message.type == "error" and self.problems.append(message.text))
        page.on("pageerror", lambda error: self.problems.append(str(error)))
        page.goto(url)
        expect(page.locator("#status")).not_to_have_text("Bezig…", timeout=15000)
        self.status = page.text_content("#status")
        self.result = page.text_content("#result")
        self.html = page.content()
        page.close()


def visit(browser_thread, url) -> Visit:
    return browser_thread.run(Visit, url)


def test_page_signs_in_with_the_card_and_the_server_verifies(
    card_browser, site, credential_card, agent_factory, test_ca
):
    agent = agent_factory(origins=(site,))
    agent.answer(pin="123456")
    challenges = Challenges()
    nonce = challenges.issue()
    page = visit(card_browser, f"{site}/?port={agent.port}&nonce={nonce}")
    assert page.status == "Ondertekend"
    certificate = verify_sign_in(
        json.loads(page.result),
        expected_origin=site,
        nonce=nonce,
        challenges=challenges,
        trusted_cas=[test_ca.certificate],
    )
    assert certificate.issuer == test_ca.certificate.subject
    [question] = agent.transcript()
    assert question["origin"] == site  # the prompt named the page's origin
    assert "123456" not in agent.log() and "123456" not in page.html
    assert not [problem for problem in page.problems if "Content Security Policy" in problem]


def test_page_reports_a_missing_agent_in_dutch(card_browser, site):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    page = visit(card_browser, f"{site}/?port={port}&nonce={'E' * 43}")
    assert page.status == (
        "Kaartlezer-app niet gevonden. Start de Kaartlezer-app op deze computer en probeer het opnieuw."
    )


def test_page_of_a_foreign_origin_cannot_use_the_agent(card_browser, site, agent_factory, stack):
    agent = agent_factory(origins=("https://portal.example",))
    page = visit(card_browser, f"{site}/?port={agent.port}&nonce={'F' * 43}")
    assert page.status.startswith("Kaartlezer-app niet gevonden")
    assert agent.transcript() == []


def test_page_reports_no_card_in_dutch(card_browser, site, stack, agent_factory):
    stack.remove()
    agent = agent_factory(origins=(site,))
    page = visit(card_browser, f"{site}/?port={agent.port}&nonce={'G' * 43}")
    assert page.status == "Geen kaart in de lezer."


def test_works_next_to_another_sync_playwright(browser, site):
    """The portal's own browser tests keep a sync Playwright open in the main thread for the
    whole session (the `browser` fixture); ours must start and work next to it."""
    ours = BrowserThread()
    try:
        with socket.socket() as unused:
            unused.bind(("127.0.0.1", 0))
            port = unused.getsockname()[1]
        page = visit(ours, f"{site}/?port={port}&nonce={'I' * 43}")
    finally:
        ours.close()
    assert page.status.startswith("Kaartlezer-app niet gevonden")
