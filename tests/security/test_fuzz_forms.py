"""Hypothesis fuzz of every account and organisation form: never a 500; invalid posts give 400
and store nothing."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.factories import login
from webapp.accounts.models import Mandate, Membership, Organisation, User
from webapp.extensions import db

FUZZ = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a" * 5000,
            "<script>alert(1)</script>",
            "1741 AB",
            "2026-02-30",
            "ü@ü.nl",
            "'; DROP TABLE users; --",
            "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
            "\ud7ff",
            "0" * 300,
        ]
    ),
)
values = st.one_of(text, st.lists(text, max_size=3))


def form_data(fields):
    return st.fixed_dictionaries({}, optional={name: values for name in fields})


def snapshot():
    counts = tuple(
        db.session.execute(select(func.count()).select_from(model)).scalar()
        for model in (User, Organisation, Membership, Mandate)
    )
    db.session.expire_all()
    people = tuple(
        (u.email, u.first_name, u.last_name, u.street, u.postcode, u.password_hash, u.totp_secret)
        for u in db.session.execute(select(User).order_by(User.id)).scalars()
    )
    organisations = tuple(
        (o.name, o.kvk_number, o.email)
        for o in db.session.execute(select(Organisation).order_by(Organisation.id)).scalars()
    )
    roles = tuple(
        (m.role, m.job_title, m.work_email)
        for m in db.session.execute(select(Membership).order_by(Membership.id)).scalars()
    )
    return counts, people, organisations, roles


@pytest.fixture
def setting(app, factory):
    organisation = factory.organisation("Herenbos Schagen")
    admin = factory.user("admin@herenbos.example", first_name="Deby", last_name="Rummens")
    admin_membership = factory.member(admin, organisation, role="admin")
    staff = factory.user("staf@loket.example", is_staff=True)
    clients = {
        "anonymous": app.test_client(),
        "admin": app.test_client(),
        "person": app.test_client(),
        "staff": app.test_client(),
    }
    login(clients["admin"], admin.email, organisation=organisation.id)
    login(clients["person"], admin.email, organisation="person")
    login(clients["staff"], staff.email)
    return {"clients": clients, "organisation": organisation, "membership": admin_membership}


PERSONAL = [
    "salutation",
    "initials",
    "first_name",
    "infix",
    "last_name",
    "birth_date",
    "street",
    "house_number",
    "postcode",
    "city",
    "country",
    "phone",
    "mobile",
]
ORGANISATION = ["name", "kvk_number", "email", "phone", "street", "house_number", "postcode", "city"]
CONTACT = [
    "email",
    "salutation",
    "initials",
    "first_name",
    "infix",
    "last_name",
    "job_title",
    "work_phone",
    "role",
    "services",
]

FORMS = [
    # (who, url, fields, may it change data when valid?)
    ("anonymous", "/inloggen", ["email", "password", "remember"], False),
    ("anonymous", "/wachtwoord-opvragen", ["email"], False),
    ("anonymous", "/activeren/dummy", ["password", "confirm"], False),
    ("person", "/mijn-gegevens/aanpassen", PERSONAL, True),
    (
        "admin",
        "/mijn-gegevens/aanpassen",
        ["first_name", "infix", "last_name", "job_title", "department", "work_email", "work_phone"],
        True,
    ),
    ("person", "/mijn-gegevens/wachtwoord", ["current", "password", "confirm"], False),
    ("person", "/organisatie-kiezen", ["context"], True),
    ("person", "/authenticator", ["code"], False),
    ("person", "/verificatie", ["code"], False),
    ("admin", "/mijn-organisatie/aanpassen", ORGANISATION, True),
    ("admin", "/mijn-organisatie/contactpersonen/nieuw", CONTACT, True),
    ("admin", "/mijn-organisatie/contactpersonen/{membership}/aanpassen", CONTACT, True),
    ("staff", "/beheer/organisaties/nieuw", ORGANISATION + ["kind"], True),
    ("staff", "/beheer/organisaties/{organisation}", CONTACT, True),
]


@pytest.mark.parametrize("who,url,fields,may_change", FORMS, ids=[f"{f[0]}:{f[1]}" for f in FORMS])
def test_fuzz_form(app, setting, who, url, fields, may_change):
    client = setting["clients"][who]
    url = url.format(membership=setting["membership"].id, organisation=setting["organisation"].id)

    @FUZZ
    @given(data=form_data(fields), htmx=st.booleans())
    def check(data, htmx):
        if not data:
            return  # an empty post is the edit forms' "keep everything" case
        before = snapshot()
        response = client.post(url, data=data, headers={"HX-Request": "true"} if htmx else {})
        assert response.status_code in (200, 303, 400, 404), response.status_code
        if response.status_code in (400, 404) or not may_change:
            assert snapshot()[:4] == before, f"{url} stored something for {data!r}"
        if response.status_code == 400 and "/activeren/" not in url:
            body = response.get_data(as_text=True)
            assert (
                'class="error"' in body or 'class="form-errors"' in body or "Koppel eerst een authenticator" in body
            ), f"no Dutch error shown for {data!r}"

    check()
