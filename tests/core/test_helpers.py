"""Core helpers: signed expiring tokens, BSN, the audit trail's refusal of secrets, safe_next, the id converter."""

import re
import time

import pytest
from werkzeug.exceptions import NotFound

from tests.conftest import make_app
from webapp.core import bsn, tokens
from webapp.core.audit import audit
from webapp.core.urls import safe_next


@pytest.fixture
def bare_app(tmp_path):
    app = make_app(tmp_path, "sqlite://")
    with app.app_context():
        yield app


def test_token_round_trip_and_signature(bare_app):
    token = tokens.make_token("reset", 7, "hash-1")
    assert tokens.read_token("reset", token, 60) == (7, tokens.fingerprint("hash-1"))
    assert tokens.read_token("activate", token, 60) is None  # another purpose
    assert tokens.read_token("reset", token[:-2] + ("AA" if not token.endswith("AA") else "BB"), 60) is None
    assert tokens.read_token("reset", "rubbish", 60) is None
    bare_app.config["SECRET_KEY"] = "another-key"
    assert tokens.read_token("reset", token, 60) is None


def test_token_expires(bare_app):
    token = tokens.make_token("reset", 7, "hash-1")
    time.sleep(1.1)  # itsdangerous timestamps have a resolution of one second
    assert tokens.read_token("reset", token, 0) is None
    assert tokens.read_token("reset", token, 60) is not None


def test_token_fingerprint_changes_with_state(bare_app):
    assert tokens.fingerprint("a") != tokens.fingerprint("b")
    assert tokens.fingerprint(None) == tokens.fingerprint("")


@pytest.mark.parametrize("value", ["111222333", "123456782", "1112 22 333", "111.222.333"])
def test_bsn_eleven_test_accepts(value):
    assert bsn.is_valid(value)


@pytest.mark.parametrize("value", ["111222334", "12345678", "1234567890", "abcdefghi", "", "11122233x", "000000000"])
def test_bsn_eleven_test_refuses(value):
    assert not bsn.is_valid(value)


def test_bsn_mask_shows_only_last_three():
    assert bsn.mask("111222333") == "******333"
    assert "111222" not in bsn.mask("111 222 333")
    assert bsn.mask("12") == "*********"


def test_bsn_encryption_and_lookup_hash(bare_app):
    sealed = bsn.encrypt("111 222 333")
    assert "111222333" not in sealed
    assert bsn.decrypt(sealed) == "111222333"
    assert bsn.encrypt("111222333") != sealed  # random nonce
    assert bsn.lookup_hash("111.222.333") == bsn.lookup_hash("111222333")
    assert bsn.lookup_hash("111222333") != bsn.lookup_hash("123456782")
    assert "111222333" not in bsn.lookup_hash("111222333")
    before = bsn.lookup_hash("111222333")
    bare_app.config["DATA_KEY"] = "other-key"
    assert bsn.lookup_hash("111222333") != before  # keyed: useless without the DATA_KEY
    with pytest.raises(ValueError):
        bsn.decrypt(sealed)


@pytest.mark.parametrize(
    "key", ["password", "new_password", "pin", "puk", "token", "reset_token", "totp_secret", "bsn", "code"]
)
def test_audit_refuses_secret_keys(bare_app, key):
    with pytest.raises(ValueError):
        audit("test.action", **{key: "x"})


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "http:/evil.example",
        " //evil.example",
    ],
)
def test_safe_next_refuses_open_redirects(target):
    assert safe_next(target, "/home") == "/home"


@pytest.mark.parametrize("target", ["/mijn-gegevens", "/mijn-organisatie?x=1", "/"])
def test_safe_next_keeps_local_paths(target):
    assert safe_next(target, "/home") == target


def test_page_links_follow_the_mount_point(tmp_path):
    """Behind a proxy that mounts the portal under a path, every link on a page carries that path, also
    after the same page was served without it (the templates remember fixed URLs per mount point)."""
    app = make_app(tmp_path, "sqlite://")
    client = app.test_client()
    plain = client.get("/inloggen").get_data(as_text=True)
    mounted = client.get("/inloggen", environ_overrides={"SCRIPT_NAME": "/loket"}).get_data(as_text=True)
    links = re.findall(r'(?:href|src|action)="(/[^"]*)"', mounted)
    assert "/loket/static/css/loket.css" in links and "/loket/wachtwoord-opvragen" in links
    assert [link for link in links if not link.startswith("/loket/")] == []
    assert 'href="/static/css/loket.css"' in plain


def test_every_int_route_stops_at_the_id_columns(bare_app):
    """An id past PostgreSQL's INTEGER matches no route (a 404), in every module, where the database
    would have refused it (a 500)."""
    adapter = bare_app.url_map.bind("localhost")
    rules = [rule for rule in bare_app.url_map.iter_rules() if "<int:" in rule.rule]
    assert len(rules) > 20  # passes, courses, organisations, backoffice
    for rule in rules:
        method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        largest = re.sub(r"<int:\w+>", "2147483647", rule.rule)
        assert adapter.match(largest, method=method)[0] == rule.endpoint
        with pytest.raises(NotFound):
            adapter.match(re.sub(r"<int:\w+>", "2147483648", rule.rule), method=method)
