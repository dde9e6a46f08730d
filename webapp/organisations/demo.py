"""Demo data: the organisations and people of the manuals, the ground the other modules' demo data stands on.
Safe to run again."""

from sqlalchemy import select

from webapp.accounts.models import Mandate, Membership, Organisation, User
from webapp.core import passwords
from webapp.core.timeutil import utcnow
from webapp.extensions import db

DEMO_PASSWORD = "Tulpen-Veld-2026"

ORGANISATIONS = [
    dict(
        name="Onderwijsgroep Noordwest-Holland",
        kind="issuer",
        email="info@onderwijsgroepnwh.example",
        phone="0223-611310",
        street="Kievitstraat",
        house_number="31",
        postcode="1781 AB",
        city="Den Helder",
    ),
    dict(
        name="Herenbos Schagen",
        kind="training",
        kvk_number="37000001",
        email="info@herenbos.example",
        street="Herenweg",
        house_number="12",
        postcode="1741 AA",
        city="Schagen",
    ),
    dict(
        name="ROC Kop van Noord-Holland",
        kind="school",
        kvk_number="37000002",
        email="info@rockopnh.example",
        street="Drs. F. Bijlweg",
        house_number="1",
        postcode="1784 MC",
        city="Den Helder",
    ),
    dict(
        name="Gemeente Heerhugowaard",
        kind="government",
        kvk_number="37000003",
        email="info@heerhugowaard.example",
        street="Parelhoenstraat",
        house_number="19",
        postcode="1703 BE",
        city="Heerhugowaard",
    ),
    dict(
        name="Gemeente Hoorn",
        kind="government",
        kvk_number="37000004",
        email="info@hoorn.example",
        street="Nieuwe Steen",
        house_number="1",
        postcode="1625 HV",
        city="Hoorn",
    ),
]

PEOPLE = [
    dict(email="beheer@loket.example", first_name="Bea", last_name="Heerkens", is_staff=True, memberships=[]),
    dict(
        email="deby@herenbos.example",
        salutation="Mevr.",
        initials="D.",
        first_name="Deby",
        last_name="Rummens - Heijnen",
        street="Molenstraat",
        house_number="4",
        postcode="1741 BC",
        city="Schagen",
        phone="0224-123456",
        memberships=[
            ("Herenbos Schagen", "admin", ()),
            ("ROC Kop van Noord-Holland", "contact", ("passes", "courses")),
            ("Gemeente Heerhugowaard", "admin", ()),
        ],
    ),
    dict(
        email="martin.sommer@herenbos.example",
        salutation="Dhr.",
        initials="M.",
        first_name="Martin",
        last_name="Sommer",
        street="Dorpsstraat",
        house_number="8",
        postcode="1742 AA",
        city="Schagen",
        memberships=[("Herenbos Schagen", "employee", ())],
    ),
    dict(
        email="keira@rockopnh.example",
        salutation="Mevr.",
        initials="K.",
        first_name="Keira",
        last_name="de Boer",
        memberships=[("ROC Kop van Noord-Holland", "admin", ())],
    ),
    dict(
        email="jan.visser@example.nl",
        salutation="Dhr.",
        initials="J.",
        first_name="Jan",
        last_name="Visser",
        street="Zeeweg",
        house_number="2",
        postcode="1781 CD",
        city="Den Helder",
        memberships=[],
    ),
]


def load_demo() -> list[str]:
    organisations = {}
    for data in ORGANISATIONS:
        organisation = db.session.execute(
            select(Organisation).where(Organisation.name == data["name"])
        ).scalar_one_or_none()
        if organisation is None:
            organisation = Organisation(**data)
            db.session.add(organisation)
        organisations[data["name"]] = organisation
    db.session.flush()
    password_hash = passwords.hash_password(DEMO_PASSWORD)
    lines = [f"Demo logins (wachtwoord voor allen: {DEMO_PASSWORD}):"]
    for data in PEOPLE:
        data = dict(data)
        memberships = data.pop("memberships")
        user = db.session.execute(select(User).where(User.email == data["email"])).scalar_one_or_none()
        if user is None:
            user = User(**data, password_hash=password_hash, activated_at=utcnow())
            db.session.add(user)
            db.session.flush()
        for organisation_name, role, services in memberships:
            organisation = organisations[organisation_name]
            if not any(m.organisation_id == organisation.id for m in user.memberships):
                membership = Membership(user=user, organisation=organisation, role=role)
                membership.mandates = [Mandate(service=service) for service in services]
                db.session.add(membership)
        roles = ", ".join(f"{role} {name}" for name, role, _ in memberships) or (
            "back-office" if data.get("is_staff") else "persoon"
        )
        lines.append(f"  {data['email']:<36} {user.full_name} ({roles})")
    return lines
