"""Fuzz every form and query parameter of the smartcards beheeromgeving and the public CRL, on both databases
(see tests/security/fuzzing.py for what is checked), as the organisation's administrator at EH2+; and the
coverage checks of test_fuzz_coverage.py for these endpoints, which it leaves to this file (their world needs
an administrator stepped up to EH2+ and cards)."""

import inspect

import pytest

from tests.factories import login
from tests.security import test_fuzz_coverage
from tests.security.conftest import World
from tests.security.fuzzing import Target, fuzz_tests
from tests.smartcards.admin_world import make_card, step_up
from webapp.extensions import db
from webapp.smartcards import crl

LIST = ("status", "zoek", "sort", "richting", "pagina")
MINE = ("smartcards.", "smartcard_crl.")


def _card(key, word=None):
    def args(world):
        values = {"card_id": world.ids[key]}
        if word:
            values["word"] = word
        return values

    return args


TARGETS = [
    Target("card_admin", "GET", "smartcards.index", LIST, valid=lambda world: {"zoek": "roos", "sort": "verloopt"}),
    Target("card_admin", "GET", "smartcards.card", args=_card("active")),
    Target("card_admin", "GET", "smartcards.card_action", args=_card("active", "blokkeren")),
    Target("card_admin", "GET", "smartcards.card_action", args=_card("active", "intrekken"), label="revoke"),
    # without a reason the valid request is refused too, so the card stays active for every case
    Target(
        "card_admin",
        "POST",
        "smartcards.card_action",
        ("reason", "note"),
        args=_card("active", "blokkeren"),
        valid=lambda world: {"note": "Kwijt"},
    ),
    Target(
        "card_admin",
        "POST",
        "smartcards.card_action",
        ("reason", "note"),
        args=_card("blocked", "intrekken"),
        valid=lambda world: {"reason": "other"},
        label="revoke",
    ),
    Target("card_admin", "POST", "smartcards.card_action", args=_card("blocked", "deblokkeren"), label="unblock"),
    Target("anonymous", "GET", "smartcard_crl.revocation_list"),
]


@pytest.fixture
def fuzz_world(app, factory, tmp_path) -> World:
    app.config["SMARTCARD_CA_KEY_FILE"] = str(tmp_path / "ca" / "ca-key.pem")
    app.config["SMARTCARD_CA_CERT_FILE"] = str(tmp_path / "ca" / "ca.pem")
    organisation = factory.organisation("Zorggroep Alfa", kind="care")
    admin = factory.user("beheerder@alfa.example", first_name="Anna", last_name="Alfa")
    factory.member(admin, organisation, role="admin")
    holder = factory.user("roos@alfa.example", first_name="Roos", last_name="de Winter")
    factory.member(holder, organisation, role="employee")
    ids = {
        state: make_card(organisation, holder, state=state).id for state in ("active", "blocked", "revoked", "blank")
    }
    crl.publish()  # the CRL is stored: its GET stores nothing
    db.session.commit()
    clients = {"anonymous": app.test_client(), "card_admin": app.test_client()}
    login(clients["card_admin"], admin.email, organisation=organisation.id)
    step_up(clients["card_admin"], admin)
    return World(app, clients, ids)


test_fuzz, test_endpoints_without_fields = fuzz_tests(TARGETS)


def mine(endpoint: str) -> bool:
    return endpoint.startswith(MINE)


def declared() -> dict:
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
        if mine(rule.endpoint) and (rule.endpoint, method) not in fuzzed
    ]
    assert not missing, "add a Target for: " + ", ".join(missing)
    assert all(test_fuzz_coverage.exempt(endpoint) for endpoint in ("smartcards.index", "smartcard_crl.x"))


def test_every_parameter_a_view_reads_is_fuzzed(app):
    fuzzed = declared()
    missing = []
    for endpoint, view in app.view_functions.items():
        if not mine(endpoint):
            continue
        for where, name in test_fuzz_coverage.READ.findall(inspect.getsource(inspect.unwrap(view))):
            reads = [fields[1 if where == "args" else 0] for (e, _), fields in fuzzed.items() if e == endpoint]
            if not any(name in names for names in reads):
                missing.append(f"{endpoint} reads request.{where}[{name!r}]")
    assert not missing, "fuzz these: " + ", ".join(missing)


def test_every_field_the_pages_send_is_fuzzed(app, fuzz_world):
    from urllib.parse import parse_qs, urljoin, urlsplit

    from werkzeug.exceptions import HTTPException

    fuzzed = declared()
    adapter = app.url_map.bind("localhost")
    problems = set()
    for target in TARGETS:
        if target.method != "GET":
            continue
        url = fuzz_world.url(target.endpoint, **target.args(fuzz_world))
        response = fuzz_world.clients[target.role].get(url, query_string=target.valid(fuzz_world))
        if response.mimetype != "text/html":
            continue
        sends = test_fuzz_coverage.Sends()
        sends.feed(response.get_data(as_text=True))
        sent = [(urljoin(url, form["action"]), form["method"], form["names"]) for form in sends.forms]
        sent += [(urljoin(url, href), "GET", names) for href, names in sends.links]
        for address, method, names in sent:
            parts = urlsplit(address)
            if parts.netloc not in ("", "localhost") or parts.path.startswith("/static/"):
                continue
            try:
                endpoint, _ = adapter.match(parts.path, method)
            except HTTPException:
                problems.add(f"{url} sends {method} {parts.path}, which no route takes")
                continue
            if not mine(endpoint):
                continue
            form, query = fuzzed.get((endpoint, method), (set(), set()))
            from_form = names - {"csrf_token"} if method == "POST" else set()
            from_query = set(parse_qs(parts.query, keep_blank_values=True)) | (names if method == "GET" else set())
            problems.update(f"{url}: {method} {endpoint} field {name!r}" for name in from_form - form)
            problems.update(f"{url}: {method} {endpoint} query parameter {name!r}" for name in from_query - query)
    assert not problems, "\n".join(sorted(problems))
