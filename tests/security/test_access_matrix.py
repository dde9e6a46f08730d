"""Route-by-role access matrix built from the app's URL map.

Every rule (GET pages, htmx fragments, POST-only actions) is requested by six roles, with the ids
of another organisation's objects. A role gets what it may, or a redirect to log in / choose an
organisation / step up, or a 404; never a 500 and never another organisation's data.

Every endpoint must be declared in ACCESS (longest matching prefix wins).
"""

import re

import pytest
from werkzeug.routing import IntegerConverter

from tests.factories import login

ROLES = ("anonymous", "person", "employee", "contact", "admin_other", "staff")
ALL = frozenset(ROLES)
LOGGED_IN = ALL - {"anonymous"}
NOBODY = frozenset()

# endpoint (prefix) -> roles that may use it. The dummy ids below belong to organisation Alfa,
# where employee and contact are members; admin_other is an admin of organisation Beta.
ACCESS = {
    "static": ALL,
    "main.home": ALL,
    "main.privacy": ALL,
    "main.accessibility": ALL,
    "main.contact": ALL,
    "main.outbox": NOBODY,  # DEBUG_PAGES off
    "accounts.login": ALL,
    "accounts.request_reset": ALL,
    "accounts.reset_password": ALL,  # public, but the dummy token is refused (404)
    "accounts.activate": ALL,
    "accounts.": LOGGED_IN,
    "organisations.show": frozenset({"employee", "contact", "admin_other"}),
    "organisations.edit": frozenset({"admin_other"}),  # their own organisation
    "organisations.add_contact": frozenset({"admin_other"}),
    "organisations.edit_contact": NOBODY,  # Alfa's membership: not for Beta's admin
    "organisations.remove_contact": NOBODY,
    "organisations.audit_log": frozenset({"admin_other"}),  # their own organisation's
    "organisations.resend_invitation": NOBODY,  # an invitation of Alfa's, if any: not Beta's admin's
    "organisations.revoke_invitation": NOBODY,
    "organisations.invitation": NOBODY,  # the dummy token is refused (404) for everyone
    "backoffice.": frozenset({"staff"}),
    "organisations_staff.": frozenset({"staff"}),
    "cardcheck.": frozenset({"staff"}),
    # smartcards: validating an organisation is public (the card and the session say who acts)
    "smartcard_onboarding.": ALL,
    # passes: the list, selection and requests for contact persons with the passes mandate (an admin
    # has every mandate, so Beta's admin uses them for Beta); Alfa's holder and contact's request are
    # nobody else's; the verification page is public; the import is the issuer's.
    "passes.": frozenset({"contact", "admin_other"}),
    "passes.holder_row": frozenset({"contact"}),
    "passes.add": frozenset({"contact"}),
    "passes.remove": frozenset({"contact"}),
    "passes.request_row": frozenset({"contact"}),
    "passes.download": frozenset({"contact"}),
    "passes.retry": frozenset({"contact"}),
    "passes.delete_request": frozenset({"contact"}),  # the requester's only
    "passes.verify": ALL,
    "passes_staff.": frozenset({"staff"}),
    # courses: the catalogue is public; Mijn Onderwijsgroep is everyone's own (another's object is a 404);
    # the organisation tab is for an organisation's admin; the back-office for issuer staff.
    "courses.agenda": ALL,
    "courses.offer": ALL,
    "courses.category": ALL,
    "courses.course": ALL,
    "courses.": LOGGED_IN,
    "courses.organisation_courses": frozenset({"admin_other"}),
    "courses_staff.": frozenset({"staff"}),
    # smartcards: the registration request form is public; the decision on it is the issuer's staff's.
    "smartcard_requests.": ALL,
    "smartcards_staff.": frozenset({"staff"}),
    # smartcards: making a card is for any logged-in account (it becomes theirs); signing in with a card is
    # public, its step-up for the logged-in user's own card.
    "smartcard_personalise.": LOGGED_IN,
    "smartcard_signin.": ALL,
    "smartcard_signin.step_up": LOGGED_IN,
    # smartcards beheeromgeving: the list for members with the smartcards mandate (Beta's admin, for Beta; at EH1
    # every role is sent to the step-up first); Alfa's card is nobody else's. The CRL is public.
    "smartcards.": frozenset({"admin_other"}),
    "smartcards.card": NOBODY,
    "smartcards.card_action": NOBODY,
    "smartcard_crl.": ALL,
    # register: the start page is public; an organisation's pages need its eHerkenning session (or a portal member
    # with the register mandate at EH2+: these roles are at EH1, so they are sent to the step-up or the start page).
    "register_login.": ALL,
    "register_links.": NOBODY,
    "register.": NOBODY,
    "register_person.": NOBODY,  # behind DigiD: these roles are sent to the register's start page (a post: 404)
    # transfer dossiers: the front door is public; the school's pages are its counsellors' and mentors' (none of these
    # roles); the colleges' catalogue is the issuer's staff's.
    "dossiers.index": ALL,
    "dossiers_school.": NOBODY,
    "dossiers_staff.": frozenset({"staff"}),
    # dossiers, the student: the landing, help and Maak een nieuw account are public; the rest is a student's own
    # (none of these roles is a student: log in, or a 404)
    "dossiers_student.start": ALL,
    "dossiers_student.help": ALL,
    "dossiers_student.new_account": ALL,
    "dossiers_student.": NOBODY,
    # dossiers: activation codes are for a school's counsellors and mentors, none of these roles (404)
    "dossiers_codes.": NOBODY,
    # dossiers part A: the student's own dossier; none of these roles is a student (to the login, or a 404; a
    # script's request without a session hears 401, so the page can keep its answers through the login)
    "dossiers_part_a.": NOBODY,
    # dossiers part B: the school's counsellors' and the mentors of the student's class (none of these roles: 404)
    "dossiers_part_b.": NOBODY,
    # dossiers, the approval: the student's own dossier (none of these roles is a student); the parent's page is public
    # behind its mailed link (the dummy token is refused with a page that shows no dossier), and its thanks
    "dossiers_approval.": NOBODY,
    "dossiers_parent.": ALL,
    # dossiers, the receiving college: a contact person or admin of a college (none of these roles: Alfa and Beta are
    # no colleges), and only the finished dossiers of its programmes
    "dossiers_college.": NOBODY,
    # dossiers, the mentor's dashboards: a school's counsellors and mentors (none of these roles); Activeren: a
    # student's own archived dossier (none of these roles is a student)
    "dossiers_mentor.": NOBODY,
    "dossiers_archive.": NOBODY,
}
# Roles whose pages must never show organisation Alfa's data.
OUTSIDERS = ("anonymous", "person", "admin_other")
SECRET = "Alfageheim"
# Values for URL arguments; int arguments default to an Alfa object's id found by name.
DUMMY_STRINGS = {"token": "dummy-token", "filename": "css/loket.css", "word": "blokkeren"}


def alfa_passes(alfa, contact) -> dict:
    """A holder of Alfa (with the secret in the name) and a built request of Alfa's contact person."""
    from datetime import date, timedelta

    from webapp.core.timeutil import utcnow
    from webapp.extensions import db
    from webapp.passes.importer import upsert_holder
    from webapp.passes.models import PassRequest

    holder = upsert_holder(
        dict(number="40404040", salutation="Mevr.", initials="A.", last_name=SECRET, birth_date=date(1990, 1, 1)),
        [
            dict(
                name="Eerste Hulp",
                kind="diploma",
                exam_type="Eerste Hulp",
                exam_number="EX1",
                exam_date=date(2020, 1, 1),
                expires_on=date.today() + timedelta(days=300),
            )
        ],
        [(alfa.id, "1")],
    )
    request = PassRequest(
        user_id=contact.id,
        organisation_id=alfa.id,
        idempotency_key="matrix",
        reference=SECRET,
        status="failed",
        expires_at=utcnow() + timedelta(days=7),
    )
    db.session.add(request)
    db.session.commit()
    return {"holder_organisation_id": holder.holder_organisations[0].id, "request_id": request.id}


def alfa_smartcards(alfa) -> dict:
    """An active smartcard of Alfa, its holder's name the secret."""
    from webapp.extensions import db
    from webapp.smartcards.models import Smartcard

    card = Smartcard(organisation_id=alfa.id, holder_name=f"Geheim {SECRET}", card_serial="ZIDMATRIX01", state="active")
    db.session.add(card)
    db.session.commit()
    return {"card_id": card.id}


def access_for(endpoint: str):
    matches = [
        prefix for prefix in ACCESS if endpoint == prefix or (prefix.endswith(".") and endpoint.startswith(prefix))
    ]
    if not matches:
        return None
    return ACCESS[max(matches, key=len)]


@pytest.fixture
def world(app, factory):
    alfa = factory.organisation(f"Zorggroep {SECRET}", email=f"info@{SECRET.lower()}.example")
    beta = factory.organisation("Bouwbedrijf Beta")
    secret_person = factory.user(f"{SECRET.lower()}@alfa.example", first_name="Geheim", last_name=SECRET)
    alfa_admin = factory.member(secret_person, alfa, role="admin")
    employee = factory.user("medewerker@alfa.example")
    factory.member(employee, alfa, role="employee")
    contact = factory.user("contact@alfa.example")
    factory.member(contact, alfa, role="contact", services=("passes", "courses"))
    other_admin = factory.user("beheerder@beta.example")
    factory.member(other_admin, beta, role="admin")
    person = factory.user("persoon@voorbeeld.example")
    staff = factory.user("staf@loket.example", is_staff=True)
    clients = {"anonymous": app.test_client()}
    for role, user, organisation in [
        ("person", person, None),
        ("employee", employee, alfa.id),
        ("contact", contact, alfa.id),
        ("admin_other", other_admin, beta.id),
        ("staff", staff, None),
    ]:
        clients[role] = app.test_client()
        login(clients[role], user.email, organisation=organisation)
    ids = {
        "membership_id": alfa_admin.id,
        "organisation_id": alfa.id,
        **alfa_passes(alfa, contact),
        **alfa_smartcards(alfa),
    }
    return {"clients": clients, "ids": ids, "alfa": alfa, "alfa_admin_id": alfa_admin.id}


def _url(rule, ids) -> str:
    values = {}
    for name in rule.arguments:
        numeric = isinstance(rule._converters[name], IntegerConverter)
        values[name] = ids.get(name, 1) if numeric else DUMMY_STRINGS.get(name, "x")
    return rule.build(values, append_unknown=False)[1]


def _requests(rule):
    methods = rule.methods - {"HEAD", "OPTIONS"}
    if "GET" in methods:
        yield "GET", {}
        yield "GET", {"HX-Request": "true"}  # the htmx fragment of the same route
    if "POST" in methods:
        yield "POST", {}
        yield "POST", {"HX-Request": "true"}


def _sends_away(response) -> bool:
    location = response.headers.get("Location", "")
    return (
        response.status_code in (302, 303)
        and re.match(r"^/(inloggen|organisatie-kiezen|verificatie)\b|^/personenregister(\?|$)", location) is not None
    )


def test_every_route_by_role(app, world):
    from webapp.accounts.models import Membership
    from webapp.extensions import db

    undeclared = []
    problems = []
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint == "accounts.logout")  # logout last
    for rule in rules:
        allowed = access_for(rule.endpoint)
        if allowed is None:
            undeclared.append(rule.endpoint)
            continue
        url = _url(rule, world["ids"])
        for role in ROLES:
            client = world["clients"][role]
            for method, headers in _requests(rule):
                response = client.open(url, method=method, headers=headers, data={})
                where = f"{role} {method} {url} {headers or ''} -> {response.status_code}"
                if response.status_code >= 500:
                    problems.append(f"server error: {where}")
                    continue
                body = response.get_data().decode("utf-8", "replace")  # the CRL is binary (DER)
                if role in OUTSIDERS and SECRET.lower() in body.lower():
                    problems.append(f"Alfa's data shown: {where}")
                if role in allowed:
                    continue
                if not (_sends_away(response) or response.status_code in (401, 404)):
                    problems.append(f"not refused: {where} {response.headers.get('Location', '')}")
    assert not undeclared, f"declare these endpoints in ACCESS: {undeclared}"
    assert not problems, "\n".join(problems)
    db.session.expire_all()
    assert db.session.get(Membership, world["alfa_admin_id"]) is not None
    assert world["alfa"].name == f"Zorggroep {SECRET}"


def test_the_table_has_no_stale_entries(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    for prefix in ACCESS:
        assert any(e == prefix or (prefix.endswith(".") and e.startswith(prefix)) for e in endpoints), prefix
