"""The register's demo (idempotent), the manual's situation: Kinderopvang De Zonnebloem has one open link request
and four linked persons, one of them planned to be unlinked; one more person is enrolled and linked nowhere, and
one is not enrolled yet. The OIDC test provider's demo identities (scripts/dev) log in as these."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from webapp.accounts.models import Organisation
from webapp.core.timeutil import today_local, utcnow
from webapp.extensions import db
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
