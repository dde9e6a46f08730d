"""The fuzz tests cover the whole portal: every endpoint in the app's URL map is fuzzed (or exempt, with the
reason), and every field a page's forms and links send is a field its endpoint is fuzzed with. A new endpoint,
form or field without fuzzing fails here."""

import inspect
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from tests.security import (
    test_fuzz_accounts,
    test_fuzz_backoffice,
    test_fuzz_courses,
    test_fuzz_dossiers,
    test_fuzz_organisations,
    test_fuzz_register,
    test_fuzz_smartcards_admin,
    test_fuzz_smartcards_onboarding,
    test_fuzz_smartcards_personalise,
    test_fuzz_smartcards_requests,
)

# The targets by the world they are fuzzed in (a fixture of tests/security/conftest.py).
WORLDS = {
    "fuzz_world": [
        *test_fuzz_accounts.TARGETS,
        *test_fuzz_organisations.TARGETS,
        *test_fuzz_backoffice.TARGETS,
        *test_fuzz_courses.TARGETS,
        *test_fuzz_smartcards_requests.TARGETS,
        *test_fuzz_smartcards_personalise.TARGETS,
        *test_fuzz_smartcards_onboarding.TARGETS,
    ],
    "smartcards_admin_world": test_fuzz_smartcards_admin.TARGETS,
    "register_world": test_fuzz_register.TARGETS,
    "dossiers_world": test_fuzz_dossiers.TARGETS,
}
TARGETS = [target for targets in WORLDS.values() for target in targets]
EXEMPT = {
    "static": "files from disk: no parameter, no database",
    "passes.": "fuzzed in test_fuzz_passes.py, with the passes list's own world and keys",
}


def exempt(endpoint: str) -> bool:
    return any(endpoint == name or (name.endswith(".") and endpoint.startswith(name)) for name in EXEMPT)


def declared() -> dict[tuple[str, str], tuple[set[str], set[str]]]:
    """(endpoint, method) -> (the fields read from the form, the names read from the query string)."""
    fields = {}
    for target in TARGETS:
        form, query = fields.setdefault((target.endpoint, target.method), (set(), set()))
        form.update(target.reads())
        query.update(target.reads_from_query())
    return fields


def test_every_endpoint_is_fuzzed(app):
    fuzzed = declared()
    missing = [
        f"{method} {rule.rule} ({rule.endpoint})"
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods & {"GET", "POST"})
        if not exempt(rule.endpoint) and (rule.endpoint, method) not in fuzzed
    ]
    assert not missing, "add a Target for: " + ", ".join(missing)


READ = re.compile(r"request\.(args|form|files)(?:\.get\(|\.getlist\(|\[)\s*[\"'](\w+)[\"']")


def test_every_parameter_a_view_reads_is_fuzzed(app):
    """What a view reads from the request itself (not through a form class), e.g. a page number in a link that
    only shows with many rows."""
    fuzzed = declared()
    missing = []
    for endpoint, view in app.view_functions.items():
        if exempt(endpoint):
            continue
        for where, name in READ.findall(inspect.getsource(inspect.unwrap(view))):
            reads = [fields[1 if where == "args" else 0] for (e, _), fields in fuzzed.items() if e == endpoint]
            if not any(name in names for names in reads):
                missing.append(f"{endpoint} reads request.{where}[{name!r}]")
    assert not missing, "fuzz these: " + ", ".join(missing)


class Sends(HTMLParser):
    """What a page makes a browser send: its forms (action, method, field names) and its links' query strings."""

    def __init__(self):
        super().__init__()
        self.forms, self.links, self.form = [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.form = {"action": attrs.get("action") or "", "method": (attrs.get("method") or "get").upper()}
            self.form["names"] = set()
            self.forms.append(self.form)
        elif tag in ("input", "select", "textarea", "button") and self.form is not None and attrs.get("name"):
            self.form["names"].add(attrs["name"])
        for attribute in ("href", "data-hx-get"):
            if attrs.get(attribute):
                names = {attrs["name"]} if attribute == "data-hx-get" and attrs.get("name") else set()
                self.links.append((attrs[attribute], names))
        if attrs.get("data-hx-post"):
            self.forms.append({"action": attrs["data-hx-post"], "method": "POST", "names": set()})

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None


@pytest.mark.parametrize("world", WORLDS)
def test_every_field_the_pages_send_is_fuzzed(app, request, world):
    fuzz_world = request.getfixturevalue(world)
    fuzzed = declared()
    adapter = app.url_map.bind("localhost")
    problems = set()

    def check(page, url, method, names):
        parts = urlsplit(url)
        if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "localhost"):
            return  # mailto:, tel: and other sites' links
        if parts.path.startswith("/static/"):
            return
        try:
            endpoint, _ = adapter.match(parts.path, method)
        except HTTPException:
            problems.add(f"{page} sends {method} {parts.path}, which no route takes")
            return
        if exempt(endpoint):
            return
        form, query = fuzzed.get((endpoint, method), (set(), set()))
        from_form = names - {"csrf_token"} if method == "POST" else set()
        from_query = set(parse_qs(parts.query, keep_blank_values=True)) | (names if method == "GET" else set())
        for name in sorted(from_form - form):
            problems.add(f"{page}: {method} {endpoint} field {name!r} is not fuzzed")
        for name in sorted(from_query - query):
            problems.add(f"{page}: {method} {endpoint} query parameter {name!r} is not fuzzed")

    for target in WORLDS[world]:
        if target.method != "GET":
            continue
        url = fuzz_world.url(target.endpoint, **target.args(fuzz_world))
        response = fuzz_world.clients[target.role].get(url, query_string=target.valid(fuzz_world))
        if response.mimetype != "text/html":
            continue
        page = f"{target.role} {url}"
        sends = Sends()
        sends.feed(response.get_data(as_text=True))
        for form in sends.forms:
            check(page, urljoin(url, form["action"]), form["method"], form["names"])
        for href, names in sends.links:
            check(page, urljoin(url, href), "GET", names)
    assert not problems, "\n".join(sorted(problems))
