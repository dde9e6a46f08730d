"""Real components the tests use, and what happens when one is missing.

Locally a missing component skips its tests with a reason that says what to install; with
CI=true it is a failure, because CI must run everything.
"""

import os
import shutil
import socket

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(available: bool, what: str, install: str) -> None:
    if available:
        return
    message = f"{what} is not available; install {install}"
    if IN_CI:
        pytest.fail(message + " (CI=true: nothing may be skipped)", pytrace=False)
    pytest.skip(message)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def require_postgres() -> None:
    require(port_open("127.0.0.1", 5432), "PostgreSQL on 127.0.0.1:5432 (trust, database test)", "postgresql")


def require_redis() -> None:
    require(port_open("127.0.0.1", 6379), "Redis on 127.0.0.1:6379", "redis-server")


def require_chromium() -> None:
    require(shutil.which(CHROMIUM) is not None or os.path.exists(CHROMIUM), "Chromium", "the Debian package chromium")


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NU_CHECKER = os.path.join(ROOT, "node_modules", "vnu-jar", "build", "dist", "vnu.jar")


def nu_checker_available() -> bool:
    return shutil.which("java") is not None and os.path.isfile(NU_CHECKER)


def nu_html_errors(pages: dict[str, str], folder) -> list[str]:
    """The W3C Nu HTML checker's errors for these pages (name -> HTML), as 'name: line: message'."""
    import json
    import subprocess

    require(
        nu_checker_available(),
        "The W3C Nu HTML checker",
        "default-jre-headless and the npm package vnu-jar (scripts/test installs both)",
    )
    files = {}
    for number, (name, html) in enumerate(pages.items()):
        path = os.path.join(str(folder), f"page-{number}.html")
        with open(path, "w", encoding="utf-8") as file:
            file.write(html)
        files["file:" + path] = name
    result = subprocess.run(
        [
            "java",
            "-jar",
            NU_CHECKER,
            "--errors-only",
            "--format",
            "json",
            "--stdout",
            *[path.removeprefix("file:") for path in files],
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stdout or "{}").get("messages", [])
    return [
        f"{files.get(m.get('url'), m.get('url'))}: {m.get('lastLine')}: {m.get('message')}"
        for m in messages
        if m.get("type") == "error"
    ]


# Where htmx puts a fragment's top-level element: its parent in a whole page (a <tr> lands in a table).
_PARENTS = {
    "tr": ("<table><tbody>", "</tbody></table>"),
    "tbody": ("<table>", "</table>"),
    "thead": ("<table>", "</table>"),
    "tfoot": ("<table>", "</table>"),
    "caption": ("<table>", "</table>"),
    "td": ("<table><tbody><tr>", "</tr></tbody></table>"),
    "th": ("<table><tbody><tr>", "</tr></tbody></table>"),
    "li": ("<ul>", "</ul>"),
    "dt": ("<dl>", "</dl>"),
    "dd": ("<dl>", "</dl>"),
    "option": ('<select aria-label="fragment">', "</select>"),
}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def _top_level_parts(fragment: str) -> list[tuple[str | None, str]]:
    """The fragment cut into its top-level elements (tag, html), with the text between them as (None, text)."""
    from html.parser import HTMLParser

    line_starts = [0]
    for line in fragment.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))

    class Splitter(HTMLParser):
        depth, elements = 0, []

        def here(self) -> int:
            line, column = self.getpos()
            return line_starts[line - 1] + column

        def handle_starttag(self, tag, attrs):
            if self.depth == 0:
                self.elements.append([tag, self.here(), None])
            if tag in _VOID:
                self.handle_endtag(tag)
            else:
                self.depth += 1

        def handle_startendtag(self, tag, attrs):
            if self.depth == 0:
                self.elements.append([tag, self.here(), None])
                self.handle_endtag(tag)

        def handle_endtag(self, tag):
            self.depth = max(self.depth - 1, 0) if tag not in _VOID else self.depth
            if self.depth == 0 and self.elements and self.elements[-1][2] is None:
                self.elements[-1][2] = fragment.index(">", self.here()) + 1

    splitter = Splitter()
    splitter.elements = []
    splitter.feed(fragment)
    splitter.close()
    parts, position = [], 0
    for tag, start, end in splitter.elements:
        end = len(fragment) if end is None else end
        if start > position:
            parts.append((None, fragment[position:start]))
        parts.append((tag, fragment[start:end]))
        position = end
    if position < len(fragment):
        parts.append((None, fragment[position:]))
    return parts


def as_document(fragment: str) -> str:
    """A fragment htmx swaps in, as a whole document the Nu checker can judge: each top-level element inside
    the parent it gets in the page (a row inside a table). A whole page is returned as it is."""
    if fragment.lstrip()[:15].lower().startswith("<!doctype"):
        return fragment
    body = "".join(
        (_PARENTS[tag][0] + html + _PARENTS[tag][1]) if tag in _PARENTS else html
        for tag, html in _top_level_parts(fragment)
    )
    return f'<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Fragment</title></head><body>{body}</body></html>'


def nu_fragment_errors(fragments: dict[str, str], folder) -> list[str]:
    """The W3C Nu checker's errors for these htmx fragments (name -> HTML), each judged where it lands."""
    os.makedirs(folder, exist_ok=True)
    return nu_html_errors({name: as_document(html) for name, html in fragments.items()}, folder)
