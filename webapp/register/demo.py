"""The register's demo (idempotent), the manual's situation: Kinderopvang De Zonnebloem has one open link request
and four linked persons, one of them planned to be unlinked; one more person is enrolled and linked nowhere, and
one is not enrolled yet. The OIDC test provider's demo identities (scripts/dev) log in as these."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from webapp.accounts.models import Mandate, Membership, Organisation, User
from webapp.core import passwords
from webapp.core.sealing import seal
from webapp.core.timeutil import today_local, utcnow
from webapp.extensions import db
from webapp.organisations.demo import DEMO_PASSWORD
from webapp.register.actors import SERVICE
from webapp.register.models import Link, LinkRequest, RegisteredPerson

ORGANISATIONS = [
    dict(
        name="Kinderopvang De Zonnebloem",
        kind="childcare",
        kvk_number="69599084",
        street="Zonnebloemlaan",
        house_number="7",
        postcode="3523 KT",
        city="Utrecht",
        email="info@zonnebloem.example",
        phone="030-1234567",
    ),
    dict(
        name="Gastouderbureau Het Nest",
        kind="host_parent_agency",
        kvk_number="69599085",
        street="Nestweg",
        house_number="2",
        postcode="3811 AA",
        city="Amersfoort",
        email="info@hetnest.example",
        phone="033-7654321",
    ),
]
ZONNEBLOEM_KVK = "69599084"


@dataclass(frozen=True)
class DemoPerson:
    bsn: str
    first_name: str
    infix: str
    last_name: str
    birth_date: date
    email: str
    enrolled: bool = True
    linked: bool = False
    unlink_in_days: int | None = None
    requests_link: bool = False


PERSONS = [
    DemoPerson(
        "123456630", "Fatima", "el", "Amrani", date(1994, 3, 12), "fatima@voorbeeld.example", requests_link=True
    ),
    DemoPerson("123456721", "Daan", "", "Jansen", date(1988, 7, 1), "daan@voorbeeld.example", linked=True),
    DemoPerson("123456770", "Sanne", "", "Bakker", date(1999, 11, 23), "sanne@voorbeeld.example", linked=True),
    DemoPerson("123456812", "Lotte", "", "Visser", date(2001, 1, 30), "lotte@voorbeeld.example", linked=True),
    DemoPerson(
        "123456861", "Kees", "", "Mulder", date(1975, 5, 5), "kees@voorbeeld.example", linked=True, unlink_in_days=30
    ),
    DemoPerson("123456903", "Noor", "van", "Dijk", date(1996, 9, 14), "noor@voorbeeld.example"),
    DemoPerson("123456952", "Eva", "de", "Boer", date(2003, 4, 2), "eva@voorbeeld.example", enrolled=False),
]


def load_demo() -> list[str]:
    if db.session.execute(select(RegisteredPerson.id).limit(1)).first():
        return ["Personenregister: er staan al personen in het register."]
    organisations = {}
    for data in ORGANISATIONS:
        organisation = db.session.scalar(select(Organisation).where(Organisation.kvk_number == data["kvk_number"]))
        if organisation is None:
            organisation = Organisation(**data)
            db.session.add(organisation)
        organisations[data["kvk_number"]] = organisation
    zonnebloem = organisations[ZONNEBLOEM_KVK]
    now = utcnow()
    for number, demo in enumerate(PERSONS):
        if not demo.enrolled:
            continue
        person = RegisteredPerson(birth_date=demo.birth_date, email=demo.email, enrolled_at=now - timedelta(days=90))
        person.bsn = demo.bsn
        person.set_name(demo.first_name, demo.infix, demo.last_name)
        db.session.add(person)
        if demo.linked:
            unlink_on = today_local() + timedelta(days=demo.unlink_in_days) if demo.unlink_in_days else None
            db.session.add(
                Link(
                    person=person,
                    organisation=zonnebloem,
                    linked_at=now - timedelta(days=60 - number),
                    unlink_on=unlink_on,
                )
            )
        if demo.requests_link:
            db.session.add(LinkRequest(person=person, organisation=zonnebloem, created_at=now - timedelta(days=1)))
    db.session.flush()
    return ["Personenregister: Kinderopvang De Zonnebloem met 4 gekoppelde personen en 1 gevraagde koppeling."]


# The logins (webapp/register/login_views.py, mock_provider.py): a portal member of De Zonnebloem who may use the
# register through Loket itself, and the identities the development OIDC provider offers for eHerkenning and DigiD.
PORTAL_MEMBER = dict(email="ingrid@zonnebloem.example", first_name="Ingrid", infix="", last_name="Smits")
# Add this key to an authenticator app (or compute codes with pyotp) to step up to EH2+; a demo secret only.
PORTAL_MEMBER_TOTP_SECRET = "ZONNEBLOEMDEMOKEYPERSONENREGISTR"
EMPLOYEES = (  # the eHerkenning test identities: sub, what they are, their acr, whether mandated
    ("zonnebloem-eh2plus", "medewerker van De Zonnebloem, EH2+, gemachtigd", "loa2plus", True),
    ("zonnebloem-eh2", "medewerker van De Zonnebloem, EH2 (te laag)", "loa2", True),
    ("zonnebloem-zonder-machtiging", "medewerker van De Zonnebloem, EH2+, niet gemachtigd", "loa2plus", False),
)


def load_portal_member() -> list[str]:
    organisation = db.session.scalar(select(Organisation).where(Organisation.kvk_number == ZONNEBLOEM_KVK))
    if organisation is None:
        return []
    user = db.session.scalar(select(User).where(User.email == PORTAL_MEMBER["email"]))
    if user is None:
        user = User(**PORTAL_MEMBER, password_hash=passwords.hash_password(DEMO_PASSWORD), activated_at=utcnow())
        user.totp_secret = seal("totp", PORTAL_MEMBER_TOTP_SECRET)
        membership = Membership(user=user, organisation=organisation, role="contact")
        membership.mandates = [Mandate(service=SERVICE)]
        db.session.add_all([user, membership])
        db.session.flush()
    return [
        f"  {user.email:<36} {user.full_name} (gemachtigd voor het personenregister van {organisation.name})",
        f"  authenticator-sleutel van deze medewerker (voor EH2+): {PORTAL_MEMBER_TOTP_SECRET}",
    ]


def load_demo_and_logins() -> list[str]:
    return load_demo() + load_portal_member()


def oidc_identities(config) -> list[tuple[str, str, dict]]:
    """The development provider's identities: (sub, what they are, claims), named by the settings' claim names;
    DigiD's are PERSONS."""
    acr = {value.rsplit(":", 1)[-1]: value for value in config["EHERKENNING_ACR_LEVELS"]}
    identities = [
        (
            sub,
            said,
            {
                "acr": acr.get(level, f"urn:etoegang:core:assurance-class:{level}"),
                config["EHERKENNING_KVK_CLAIM"]: ZONNEBLOEM_KVK,
                **({config["EHERKENNING_SERVICE_CLAIM"]: config["REGISTER_SERVICE_NAME"]} if mandated else {}),
            },
        )
        for sub, said, level, mandated in EMPLOYEES
    ]
    for person in PERSONS:
        sub = "digid-" + "-".join(part for part in (person.first_name, person.infix, person.last_name) if part).lower()
        identities.append(
            (
                sub,
                f"{person.first_name} {person.infix + ' ' if person.infix else ''}{person.last_name} (DigiD)",
                {
                    config["DIGID_BSN_CLAIM"]: person.bsn,
                    config["DIGID_FIRST_NAME_CLAIM"]: person.first_name,
                    config["DIGID_INFIX_CLAIM"]: person.infix,
                    config["DIGID_LAST_NAME_CLAIM"]: person.last_name,
                    config["DIGID_BIRTH_DATE_CLAIM"]: person.birth_date.isoformat(),
                },
            )
        )
    return identities
