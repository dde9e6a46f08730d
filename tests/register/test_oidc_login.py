"""Logging in to the register through the real OIDC provider on loopback (oidc-provider-mock): eHerkenning for an
organisation's employee (level, mandate and organisation checked, each refusal a page that says which), DigiD for
a person, state and nonce checked, a replayed callback refused, logging out."""

import socket
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from sqlalchemy import select

from tests.conftest import make_app
from tests.databases import empty_tables
from tests.factories import login
from tests.register.support import childcare_organisation
from tests.smartcards.admin_world import step_up
from webapp.core.models import AuditEvent
from webapp.extensions import db
from webapp.register.models import RegisterSession

SERVICE = "Personenregister kinderopvang – Kinderopvangorganisaties"
ACR = "urn:etoegang:core:assurance-class:"
KVK = "urn:etoegang:1.9:EntityConcernedID:KvKnr"
BRANCH = "urn:etoegang:1.9:ServiceRestriction:Vestigingsnr"
SERVICE_CLAIM = "urn:etoegang:core:ServiceName"
ORGANISATION_HOME = "/personenregister/organisatie"
PERSON_HOME = "/personenregister/persoon"
LINKS = "/personenregister/organisatie/koppelingen"


def _app(database_url, tmp_path, **settings):
    app = make_app(tmp_path, database_url, **settings)
    if database_url.startswith("postgresql"):
        empty_tables(app)
    return app


@pytest.fixture
def app(database_url, tmp_path, oidc_provider):
    """The app with its eHerkenning and DigiD clients pointed at the provider on loopback."""
    app = _app(database_url, tmp_path, **oidc_provider.settings)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def zonnebloem(factory):
    return childcare_organisation(factory, "Kinderopvang De Zonnebloem", kvk_number="69599084")


_subjects = iter(range(1_000_000))


def employee(provider, *, acr="loa2plus", kvk="69599084", service=SERVICE, **claims) -> str:
    sub = f"medewerker-{next(_subjects)}"
    extra = {"acr": ACR + acr if acr and ":" not in acr else acr, KVK: kvk, SERVICE_CLAIM: service, **claims}
    return provider.user(sub, {key: value for key, value in extra.items() if value is not None})


def person(provider, bsn="123456782", **claims) -> str:
    sub = f"persoon-{next(_subjects)}"
    return provider.user(
        sub,
        {"bsn": bsn, "given_name": "Roos", "infix": "de", "family_name": "Winter", "birthdate": "1990-05-17", **claims},
    )


def register_sessions(via: str) -> list[RegisterSession]:
    return db.session.scalars(select(RegisterSession).where(RegisterSession.via == via)).all()


def logins() -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "register.login")).all()


def test_an_employee_at_eh2plus_with_the_mandate_logs_in(client, oidc_provider, zonnebloem):
    sub = employee(oidc_provider)
    response = oidc_provider.log_in(client, "eherkenning", sub)
    assert response.status_code == 303 and urlsplit(response.headers["Location"]).path == ORGANISATION_HOME
    assert "code=" not in response.headers["Location"]
    [row] = register_sessions("eherkenning")
    assert (row.organisation_id, row.level, row.subject, row.mandated) == (zonnebloem.id, "EH2+", sub, True)
    assert client.get(LINKS).status_code == 200  # the organisation's pages let the employee in
    [event] = logins()
    assert (event.organisation_id, event.level, event.details["via"], event.details["employee"]) == (
        zonnebloem.id,
        "EH2+",
        "eherkenning",
        sub,
    )


def test_a_higher_level_is_let_in_too(client, oidc_provider, zonnebloem):
    oidc_provider.log_in(client, "eherkenning", employee(oidc_provider, acr="loa3"))
    assert [row.level for row in register_sessions("eherkenning")] == ["EH3"]


def test_the_login_asks_for_eh2plus_and_sends_state_and_nonce(client, oidc_provider, zonnebloem):
    query = parse_qs(urlsplit(oidc_provider.authorize_url(client, "eherkenning")).query)
    assert query["acr_values"] == [ACR + "loa2plus"]
    assert query["state"][0] and query["nonce"][0] and query["redirect_uri"][0].endswith("/eherkenning/terug")
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]


@pytest.mark.parametrize(
    "claims, reason, says",
    [
        ({"acr": "loa2"}, "niveau-te-laag", "Niveau te laag."),
        ({"acr": "loa1"}, "niveau-te-laag", "Niveau te laag."),
        ({"acr": "urn:example:level:substantial"}, "niveau-onbekend", "Onbekend niveau."),
        ({"acr": None}, "niveau-onbekend", "Onbekend niveau."),
        (
            {"service": None},
            "geen-machtiging",
            f"Geen machtiging.</strong> U bent niet gemachtigd voor de dienst ‘{SERVICE}’",
        ),
        ({"service": "Personenregister kinderopvang – Gastouders"}, "geen-machtiging", "Geen machtiging."),
        ({"kvk": "12345678"}, "organisatie-onbekend", "Organisatie onbekend."),
        ({"kvk": None}, "organisatie-onbekend", "Organisatie onbekend."),
    ],
)
def test_a_refused_login_says_why_and_opens_no_session(client, oidc_provider, zonnebloem, claims, reason, says):
    response = oidc_provider.log_in(client, "eherkenning", employee(oidc_provider, **claims))
    assert response.status_code == 303 and response.headers["Location"] == f"/personenregister/geweigerd/{reason}"
    page = client.get(response.headers["Location"])
    assert page.status_code == 403 and says in page.get_data(as_text=True)
    assert register_sessions("eherkenning") == [] and logins() == []
    assert urlsplit(client.get(LINKS).headers["Location"]).path == "/personenregister"


def test_the_refusal_pages_say_what_to_do(client):
    pages = {
        reason: client.get(f"/personenregister/geweigerd/{reason}").get_data(as_text=True)
        for reason in ("niveau-te-laag", "niveau-onbekend", "geen-machtiging")
    }
    assert all("betrouwbaarheidsniveau 2+" in pages[reason] for reason in ("niveau-te-laag", "niveau-onbekend"))
    assert "Vraag degene die in uw organisatie eHerkenning beheert u te machtigen" in pages["geen-machtiging"]
    assert client.get("/personenregister/geweigerd/iets-anders").status_code == 404


def test_only_childcare_organisations_and_host_parent_agencies_log_in(client, oidc_provider, factory):
    factory.organisation("Zorggroep Duin", kind="care", kvk_number="37000010")
    response = oidc_provider.log_in(client, "eherkenning", employee(oidc_provider, kvk="37000010"))
    assert response.headers["Location"] == "/personenregister/geweigerd/organisatie-onbekend"


def test_the_branch_number_picks_the_branch(client, oidc_provider, factory):
    childcare_organisation(factory, "Kinderopvang Noord", kvk_number="69599090", branch_number="000012345678")
    south = childcare_organisation(factory, "Kinderopvang Zuid", kvk_number="69599090", branch_number="000087654321")
    sub = employee(oidc_provider, kvk="69599090", **{BRANCH: "000087654321"})
    assert oidc_provider.log_in(client, "eherkenning", sub).status_code == 303
    assert [row.organisation_id for row in register_sessions("eherkenning")] == [south.id]
    # without a branch in the token, two branches of one KvK number cannot be told apart
    colleague = client.application.test_client()
    response = oidc_provider.log_in(colleague, "eherkenning", employee(oidc_provider, kvk="69599090"))
    assert response.headers["Location"] == "/personenregister/geweigerd/organisatie-onbekend"


def test_a_callback_with_another_state_is_refused(client, oidc_provider, zonnebloem):
    callback = oidc_provider.authorize(oidc_provider.authorize_url(client, "eherkenning"), employee(oidc_provider))
    parts = urlsplit(callback)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    forged = f"{parts.path}?{urlencode({**query, 'state': 'a-state-this-browser-never-sent'})}"
    response = client.get(forged)
    assert response.headers["Location"] == "/personenregister/geweigerd/mislukt"
    page = client.get(response.headers["Location"])
    assert page.status_code == 400 and "afgebroken, verlopen of al eerder afgerond" in page.get_data(as_text=True)
    # a browser that never started a login (an attacker's code pushed on a victim) gets the same answer
    stranger = client.application.test_client()
    assert stranger.get(callback).headers["Location"] == "/personenregister/geweigerd/mislukt"
    assert register_sessions("eherkenning") == []


def test_a_replayed_callback_is_refused(client, oidc_provider, zonnebloem):
    callback = oidc_provider.authorize(oidc_provider.authorize_url(client, "eherkenning"), employee(oidc_provider))
    before = client.get_cookie("loket_session").value  # the browser's cookie as it was before the callback
    assert client.get(callback).status_code == 303
    # the same browser again: its state was used up
    assert client.get(callback).headers["Location"] == "/personenregister/geweigerd/mislukt"
    # the cookie from before the callback, replayed elsewhere: the provider accepts a code once
    thief = client.application.test_client()
    thief.set_cookie("loket_session", before)
    assert thief.get(callback).headers["Location"] == "/personenregister/geweigerd/mislukt"
    assert len(register_sessions("eherkenning")) == 1 and len(logins()) == 1


def test_an_id_token_for_another_nonce_is_refused(client, oidc_provider, zonnebloem):
    """A code obtained with another nonce (another authorisation request) does not log this browser in."""
    parts = urlsplit(oidc_provider.authorize_url(client, "eherkenning"))
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    tampered = urlunsplit(parts._replace(query=urlencode({**query, "nonce": "someone-elses-nonce"})))
    response = client.get(oidc_provider.authorize(tampered, employee(oidc_provider)))
    assert response.headers["Location"] == "/personenregister/geweigerd/mislukt"
    assert register_sessions("eherkenning") == []


def test_a_cancelled_login_is_refused_with_a_page(client, oidc_provider):
    oidc_provider.authorize_url(client, "eherkenning")
    response = client.get("/personenregister/eherkenning/terug?error=access_denied&state=x")
    assert response.headers["Location"] == "/personenregister/geweigerd/mislukt"


def test_an_unreachable_provider_is_said_plainly(database_url, tmp_path):
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    app = _app(database_url, tmp_path, EHERKENNING_ISSUER=closed, DIGID_ISSUER=closed)
    with app.app_context():
        client = app.test_client()
        response = client.post("/personenregister/digid")
        assert response.headers["Location"] == "/personenregister/geweigerd/niet-bereikbaar"
        page = client.get(response.headers["Location"])
        assert page.status_code == 503 and "niet bereikbaar" in page.get_data(as_text=True)
        db.session.remove()
        db.engine.dispose()


def test_after_logging_in_the_employee_returns_to_the_page_asked_for(client, oidc_provider, zonnebloem):
    start = client.get(LINKS)
    assert start.headers["Location"] == f"/personenregister?volgende={LINKS}"
    assert f'name="volgende" value="{LINKS}"' in client.get(start.headers["Location"]).get_data(as_text=True)
    callback = oidc_provider.authorize(
        oidc_provider.authorize_url(client, "eherkenning", volgende=LINKS), employee(oidc_provider)
    )
    assert client.get(callback).headers["Location"] == LINKS
    # somewhere else is not a place to return to
    callback = oidc_provider.authorize(
        oidc_provider.authorize_url(client, "eherkenning", volgende="https://elders.example/"), employee(oidc_provider)
    )
    assert urlsplit(client.get(callback).headers["Location"]).path == ORGANISATION_HOME


def test_the_employee_logs_out(client, oidc_provider, zonnebloem):
    oidc_provider.log_in(client, "eherkenning", employee(oidc_provider))
    home = client.get(ORGANISATION_HOME).get_data(as_text=True)
    assert 'action="/personenregister/organisatie/uitloggen"' in home and "Uitloggen uit het personenregister" in home
    response = client.post("/personenregister/organisatie/uitloggen")
    assert response.status_code == 303 and response.headers["Location"] == "/personenregister"
    assert register_sessions("eherkenning") == []
    assert urlsplit(client.get(LINKS).headers["Location"]).path == "/personenregister"
    assert "U bent uitgelogd" in client.get("/personenregister").get_data(as_text=True)


def test_a_person_logs_in_with_digid(client, oidc_provider):
    response = oidc_provider.log_in(client, "digid", person(oidc_provider, bsn="123456782"))
    assert response.status_code == 303 and urlsplit(response.headers["Location"]).path == PERSON_HOME
    [row] = register_sessions("digid")
    assert row.bsn.digits == "123456782" and row.level == "DigiD"
    assert (row.first_name, row.infix, row.last_name, row.birth_date.isoformat()) == (
        "Roos",
        "de",
        "Winter",
        "1990-05-17",
    )
    [event] = logins()
    assert event.details == {"via": "digid"} and event.organisation_id is None
    assert "123456782" not in event.detail + event.subject + response.headers["Location"]


@pytest.mark.parametrize("bsn", ["123456789", "12345678A", "", None])
def test_digid_without_a_valid_bsn_is_refused(client, oidc_provider, bsn):
    response = oidc_provider.log_in(client, "digid", person(oidc_provider, bsn=bsn))
    assert response.headers["Location"] == "/personenregister/geweigerd/bsn-ongeldig"
    assert register_sessions("digid") == []


def test_a_person_logs_out(client, oidc_provider):
    oidc_provider.log_in(client, "digid", person(oidc_provider))
    assert 'action="/personenregister/persoon/uitloggen"' in client.get(PERSON_HOME).get_data(as_text=True)
    assert client.post("/personenregister/persoon/uitloggen").status_code == 303
    assert register_sessions("digid") == []


def test_digid_and_eherkenning_sessions_are_apart(client, oidc_provider, zonnebloem):
    """A person's DigiD session does not open the organisation's pages."""
    oidc_provider.log_in(client, "digid", person(oidc_provider))
    assert urlsplit(client.get(LINKS).headers["Location"]).path == "/personenregister"


def test_a_portal_member_with_the_mandate_comes_in_through_loket(client, factory, zonnebloem):
    user = factory.user("ingrid@zonnebloem.example")
    factory.member(user, zonnebloem, services=("register",))
    login(client, user.email, organisation=zonnebloem.id)
    start = client.get("/personenregister").get_data(as_text=True)
    assert "Verder met uw Loket-account" in start and "eerst met uw authenticator-app" in start
    assert client.get(LINKS).headers["Location"].startswith("/verificatie")  # a step-up to EH2+ first
    step_up(client, user)
    assert "eerst met uw authenticator-app" not in client.get("/personenregister").get_data(as_text=True)
    assert client.get(LINKS).status_code == 200 and client.get(LINKS).status_code == 200
    [event] = logins()  # once per portal session
    assert (event.actor_id, event.organisation_id, event.level, event.details["via"]) == (
        user.id,
        zonnebloem.id,
        "EH2+",
        "portal",
    )


def test_a_portal_member_without_the_mandate_is_not_offered_the_way_in(client, factory, zonnebloem):
    user = factory.user("piet@zonnebloem.example")
    factory.member(user, zonnebloem)
    login(client, user.email, organisation=zonnebloem.id)
    assert "Verder met uw Loket-account" not in client.get("/personenregister").get_data(as_text=True)


def test_the_start_page_lets_its_login_forms_go_on_to_the_provider(client, oidc_provider):
    """The login buttons' forms redirect to the provider; the page's form-action allows that origin, no other."""
    policy = client.get("/personenregister").headers["Content-Security-Policy"]
    assert f"form-action 'self' {oidc_provider.url};" in policy
    other_page = client.get("/personenregister/geweigerd/mislukt").headers["Content-Security-Policy"]
    assert "form-action 'self';" in other_page


def test_a_mandate_among_several_services_is_enough(client, oidc_provider, zonnebloem):
    sub = employee(oidc_provider, service=["Een andere dienst", SERVICE])
    assert urlsplit(oidc_provider.log_in(client, "eherkenning", sub).headers["Location"]).path == ORGANISATION_HOME


def test_only_childcare_organisations_members_come_in_through_loket(client, factory):
    """An admin holds every mandate, the register's too; of a care organisation, that is no way into the register."""
    care = factory.organisation("Zorggroep Duin", kind="care")
    user = factory.user("beheerder@duin.example")
    factory.member(user, care, role="admin")
    login(client, user.email, organisation=care.id)
    step_up(client, user)
    assert "Verder met uw Loket-account" not in client.get("/personenregister").get_data(as_text=True)
    assert urlsplit(client.get(LINKS).headers["Location"]).path == "/personenregister"
    assert logins() == []
