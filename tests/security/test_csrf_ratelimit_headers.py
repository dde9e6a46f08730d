"""CSRF on every state change (htmx too), rate limits with Retry-After, security headers."""

import re
import time
import uuid

import pytest

from tests.components import REDIS_TEST_URL, free_port, require_redis
from tests.conftest import make_app
from tests.factories import PASSWORD, Factory, login

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def _token(page: str) -> str:
    match = TOKEN.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


@pytest.fixture
def csrf_app(app, database_url, tmp_path):
    """The same database, with CSRF protection on (as in production)."""
    return make_app(tmp_path, database_url, WTF_CSRF_ENABLED=True)


def test_every_post_route_refuses_a_request_without_token(csrf_app, factory):
    user = factory.user()
    client = csrf_app.test_client()
    page = client.get("/inloggen").get_data(as_text=True)
    client.post("/inloggen", data={"email": user.email, "password": PASSWORD, "csrf_token": _token(page)})
    assert client.get("/mijn-gegevens").status_code == 200
    posts = [rule for rule in csrf_app.url_map.iter_rules() if "POST" in rule.methods]
    assert len(posts) > 10
    for rule in posts:
        url = rule.build({name: 1 if "id" in name else "x" for name in rule.arguments}, append_unknown=False)[1]
        for headers in ({}, {"HX-Request": "true"}, {"HX-Request": "true", "X-CSRFToken": "forged"}):
            response = client.post(url, data={"email": user.email, "password": PASSWORD}, headers=headers)
            assert response.status_code == 400, f"{url} {headers}: {response.status_code}"
            assert "Het formulier is verlopen of ongeldig" in response.get_data(as_text=True)
    assert client.get("/mijn-gegevens").status_code == 200  # logout without token did nothing


def test_token_from_the_page_or_the_htmx_header_works(csrf_app, factory):
    user = factory.user(first_name="Anna", last_name="Bakker")
    client = csrf_app.test_client()
    page = client.get("/inloggen").get_data(as_text=True)
    assert client.post("/inloggen", data={"email": user.email, "password": PASSWORD}).status_code == 400
    response = client.post("/inloggen", data={"email": user.email, "password": PASSWORD, "csrf_token": _token(page)})
    assert response.status_code == 303
    home = client.get("/").get_data(as_text=True)
    header_token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', home).group(1)
    response = client.post(
        "/mijn-gegevens/aanpassen",
        data={"first_name": "Anneke", "last_name": "Bakker"},
        headers={"HX-Request": "true", "X-CSRFToken": header_token},
    )
    assert response.status_code == 303
    assert "Anneke" in client.get("/mijn-gegevens").get_data(as_text=True)
    # a token of another session is refused
    other = csrf_app.test_client()
    other_token = _token(other.get("/inloggen").get_data(as_text=True))
    response = client.post(
        "/mijn-gegevens/aanpassen", data={"first_name": "X", "last_name": "Y", "csrf_token": other_token}
    )
    assert response.status_code == 400


def test_token_is_kept_for_the_session_and_replaced_at_login(csrf_app, factory):
    """Every page of one session carries a token that works for the whole session; logging in starts a
    new session token, so a token picked up before the login no longer works."""
    user = factory.user(first_name="Anna", last_name="Bakker")
    client = csrf_app.test_client()
    before = _token(client.get("/inloggen").get_data(as_text=True))
    _token(client.get("/wachtwoord-opvragen").get_data(as_text=True))  # a later page of the same session
    assert (
        client.post("/inloggen", data={"email": user.email, "password": PASSWORD, "csrf_token": before}).status_code
        == 303
    )
    home = client.get("/").get_data(as_text=True)
    after = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', home).group(1)
    assert after != before
    stale = client.post("/mijn-gegevens/aanpassen", data={"first_name": "X", "last_name": "Y", "csrf_token": before})
    assert stale.status_code == 400
    later = _token(client.get("/mijn-gegevens/aanpassen").get_data(as_text=True))
    fresh = client.post(
        "/mijn-gegevens/aanpassen", data={"first_name": "Anneke", "last_name": "Bakker", "csrf_token": after}
    )
    assert fresh.status_code == 303
    assert (
        client.post(
            "/mijn-gegevens/aanpassen", data={"first_name": "Anna", "last_name": "Bakker", "csrf_token": later}
        ).status_code
        == 303
    )


@pytest.fixture
def limited_app(app, database_url, tmp_path):
    from webapp.extensions import limiter

    limited = make_app(
        tmp_path, database_url, RATELIMIT_ENABLED=True, LOGIN_LIMITS="3 per minute", RATELIMIT_STORAGE_URI="memory://"
    )
    yield limited
    limiter.reset()


def _assert_limited(response):
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Even geduld" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/inloggen", "/wachtwoord-opvragen"])
def test_rate_limit_per_address(limited_app, url):
    client = limited_app.test_client()
    tag = uuid.uuid4().hex[:8]
    address = {"REMOTE_ADDR": f"10.{int(tag[:2], 16)}.{int(tag[2:4], 16)}.{int(tag[4:6], 16)}"}
    for number in range(3):
        response = client.post(
            url, data={"email": f"a{number}-{tag}@voorbeeld.example", "password": "x"}, environ_base=address
        )
        assert response.status_code in (303, 400)
    _assert_limited(
        client.post(url, data={"email": f"z-{tag}@voorbeeld.example", "password": "x"}, environ_base=address)
    )
    # another address is not affected
    assert client.post(
        url, data={"email": f"y-{tag}@voorbeeld.example", "password": "x"}, environ_base={"REMOTE_ADDR": "192.0.2.77"}
    ).status_code in (303, 400)


@pytest.mark.parametrize("url", ["/inloggen", "/wachtwoord-opvragen"])
def test_rate_limit_per_account(limited_app, factory, url):
    user = factory.user()
    client = limited_app.test_client()
    for number in range(3):
        response = client.post(
            url,
            data={"email": user.email, "password": "Fout-Wachtwoord-1"},
            environ_base={"REMOTE_ADDR": f"198.51.100.{number + 1}"},
        )
        assert response.status_code in (303, 400)
    # from a fresh address, even with the right password: the account is limited
    _assert_limited(
        client.post(
            url, data={"email": user.email.upper(), "password": PASSWORD}, environ_base={"REMOTE_ADDR": "198.51.100.99"}
        )
    )


def test_reset_links_are_limited_per_link_not_for_everyone(limited_app):
    client = limited_app.test_client()
    for number in range(3):
        assert (
            client.post(
                "/wachtwoord-wijzigen/guess-one", data={}, environ_base={"REMOTE_ADDR": f"203.0.113.{number}"}
            ).status_code
            == 404
        )
    _assert_limited(
        client.post("/wachtwoord-wijzigen/guess-one", data={}, environ_base={"REMOTE_ADDR": "203.0.113.50"})
    )
    assert (
        client.post(
            "/wachtwoord-wijzigen/another-link", data={}, environ_base={"REMOTE_ADDR": "203.0.113.51"}
        ).status_code
        == 404
    )


def test_security_headers(app, client, factory):
    for url in ("/", "/inloggen", "/bestaat-niet"):
        response = client.get(url)
        csp = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "no-store" in response.headers["Cache-Control"]
    login(client, factory.user().email)
    page = client.get("/mijn-gegevens")
    assert "HX-Request" in page.headers["Vary"]
    assert "<script>" not in page.get_data(as_text=True) and " style=" not in page.get_data(as_text=True)
    cookie = client.get_cookie("loket_session")
    assert cookie.http_only and cookie.same_site == "Lax"


@pytest.fixture
def redis_down_app(app, database_url, tmp_path):
    """REDIS_URL (and so the rate-limit counters) at a port where nothing listens."""
    from webapp.extensions import limiter

    dead = f"redis://127.0.0.1:{free_port()}/0"  # bound, then closed again: nothing listens there
    down = make_app(
        tmp_path,
        database_url,
        REDIS_URL=dead,
        RATELIMIT_STORAGE_URI=dead,
        RATELIMIT_ENABLED=True,
        LOGIN_LIMITS="3 per minute",
    )
    yield down
    limiter.limiter.storage.reset()  # the in-process counters this test left (Redis holds none)
    # The limiter is one object per process and stays on its fallback until it sees its storage answer
    # again: let it see a healthy one, so the next test's counters live where that test expects them.
    healthy = make_app(tmp_path, database_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    client, deadline = healthy.test_client(), time.monotonic() + 60
    while limiter.limiter.storage is not limiter.storage:
        assert time.monotonic() < deadline, "the rate limiter did not return to its storage"
        client.get("/inloggen")
        time.sleep(0.2)


def test_login_and_reset_keep_working_when_redis_is_unreachable(redis_down_app, factory, caplog):
    from webapp.extensions import limiter

    user = factory.user()
    client = redis_down_app.test_client()
    address = {"REMOTE_ADDR": "198.51.100.201"}
    # the limiter is one object per process: an earlier test may have left it on its fallback already
    fallen_back_before = limiter.limiter.storage is not limiter.storage
    with caplog.at_level("WARNING"):
        response = client.post("/inloggen", data={"email": user.email, "password": PASSWORD}, environ_base=address)
    assert response.status_code == 303
    assert client.get("/mijn-gegevens").status_code == 200
    assert fallen_back_before or any("falling back to in-memory" in record.getMessage() for record in caplog.records)
    assert limiter.limiter.storage is not limiter.storage  # counting in the process now
    for number in range(3):
        reset = client.post(
            "/wachtwoord-opvragen", data={"email": f"r{number}@voorbeeld.example"}, environ_base=address
        )
        assert reset.status_code == 303
    # the limits still count, in the process: the fourth post from this address is refused
    _assert_limited(client.post("/wachtwoord-opvragen", data={"email": user.email}, environ_base=address))


def test_staff_see_whether_the_rate_limit_counters_are_reachable(redis_down_app, factory):
    staff = factory.user(is_staff=True)
    client = redis_down_app.test_client()
    login(client, staff.email)
    page = client.get("/beheer/achtergrondtaken").get_data(as_text=True)
    assert "De tellers voor inlogpogingen (Redis) zijn niet bereikbaar" in page


def test_staff_see_the_rate_limit_counters_reachable(app, database_url, tmp_path, factory):
    require_redis()
    up = make_app(
        tmp_path,
        database_url,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=REDIS_TEST_URL,
        LOGIN_LIMITS="100 per minute",
    )
    staff = factory.user(is_staff=True)
    client = up.test_client()
    login(client, staff.email)
    page = client.get("/beheer/achtergrondtaken").get_data(as_text=True)
    assert "De tellers voor inlogpogingen (Redis) zijn bereikbaar." in page


def _post_from(client, forwarded_for: str, tag: str, number: int):
    return client.post(
        "/inloggen",
        data={"email": f"p{number}-{tag}@voorbeeld.example", "password": "x"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},  # every request arrives from the proxy
        headers={"X-Forwarded-For": forwarded_for},
    )


def test_behind_a_trusted_proxy_two_clients_are_limited_apart(limited_app, database_url, tmp_path):
    proxied = make_app(
        tmp_path,
        database_url,
        RATELIMIT_ENABLED=True,
        LOGIN_LIMITS="3 per minute",
        RATELIMIT_STORAGE_URI="memory://",
        TRUSTED_PROXIES=1,
    )
    client = proxied.test_client()
    tag = uuid.uuid4().hex[:8]
    for number in range(3):
        assert _post_from(client, "203.0.113.10", tag, number).status_code == 400
    _assert_limited(_post_from(client, "203.0.113.10", tag, 3))
    assert _post_from(client, "203.0.113.11", tag, 4).status_code == 400  # the other client behind the proxy
    # a client cannot escape its limit by sending its own header: the proxy appends the address it saw
    _assert_limited(_post_from(client, "192.0.2.1, 203.0.113.10", tag, 5))


def test_without_trusted_proxies_the_forwarding_header_is_ignored(limited_app):
    client = limited_app.test_client()
    tag = uuid.uuid4().hex[:8]
    for number in range(3):
        assert _post_from(client, f"203.0.113.{20 + number}", tag, number).status_code == 400
    _assert_limited(_post_from(client, "203.0.113.99", tag, 3))


def test_the_card_challenge_and_other_answers_are_not_stored_but_static_files_may_be(app, client, factory):
    login(client, factory.user(is_staff=True).email)
    challenge = client.post("/beheer/kaartlezer/uitdaging")
    assert challenge.status_code == 200 and challenge.is_json and challenge.json["nonce"]
    assert "no-store" in challenge.headers["Cache-Control"]
    check = client.post("/beheer/kaartlezer/controle", json={})
    assert check.is_json and "no-store" in check.headers["Cache-Control"]
    static = client.get("/static/css/loket.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")
    assert "Strict-Transport-Security" not in challenge.headers  # http PUBLIC_URL: no HSTS


def test_an_https_public_url_sends_hsts_on_every_answer(app, database_url, tmp_path):
    secure = make_app(tmp_path, database_url, PUBLIC_URL="https://loket.example.nl")
    client = secure.test_client()
    for url in ("/inloggen", "/bestaat-niet", "/static/css/loket.css"):
        response = client.get(url)
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000"), url


@pytest.mark.parametrize(
    "url", ["/smartcards/valideren/controle", "/smartcards/inloggen/controle", "/smartcards/aanmaken/uzi-pas/controle"]
)
def test_card_checks_are_rate_limited_like_the_login(limited_app, url):
    """Each card check asks the server to verify a signature and a certificate: as many per address as logins."""
    client = limited_app.test_client()
    with limited_app.app_context():
        Factory(limited_app).user("kaart.limiet@voorbeeld.example")
    login(client, "kaart.limiet@voorbeeld.example")  # making a smartcard needs an account; the others don't mind
    address = {"REMOTE_ADDR": "10.77.0.1"}
    for _ in range(3):
        assert client.post(url, data=b"{}", content_type="application/json", environ_base=address).status_code == 400
    assert client.post(url, data=b"{}", content_type="application/json", environ_base=address).status_code == 429
