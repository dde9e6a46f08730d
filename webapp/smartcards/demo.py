"""Demo data: a validated care organisation (its accepted and validated registration request), its smartcard
administrator with a coupled authenticator (so the demo reaches EH2+), employees with cards in every state and
their history, and credential cards about to expire. Safe to run again."""

import secrets
from datetime import timedelta

from cryptography import x509
from sqlalchemy import select

from webapp.accounts.models import Membership, Organisation, User
from webapp.core import passwords
from webapp.core.sealing import seal
from webapp.core.timeutil import today_local, utcnow
from webapp.extensions import db
from webapp.smartcards import history
from webapp.smartcards.models import CredentialCardSeen, RegistrationRequest, Smartcard

DEMO_PASSWORD = "Tulpen-Veld-2026"  # every demo account's (webapp/organisations/demo.py)
ORGANISATION = dict(
    name="Zorggroep Duinstreek",
    kind="care",
    kvk_number="37000010",
    email="info@zorggroepduinstreek.example",
    phone="0223-700100",
    street="Duinweg",
    house_number="5",
    postcode="1783 AA",
    city="Den Helder",
)
SUBSCRIBER_NUMBER = "90000123"
ADMINISTRATOR = dict(email="sanne@zorggroepduinstreek.example", first_name="Sanne", infix="de", last_name="Graaf")
# The demo administrator's authenticator: add this key to any authenticator app (or compute codes with
# pyotp) to step up to EH2+. A demo secret, printed with the demo logins; never a real account's.
DEMO_TOTP_SECRET = "DUINSTREEKDEMOKEYZORGIDSMARTCARD"
EMPLOYEES = [  # first name, last name, the card's story (the actions after it became active)
    ("Ahmed", "Bakker", ()),
    ("Bram", "Visser", ()),
    ("Carla", "Jansen", ("block",)),
    ("Dewi", "Smit", ("block", "unblock")),
    ("Eva", "Mulder", ("revoke",)),
    ("Fleur", "de Boer", ("block", "revoke")),
    ("Gijs", "Hendriks", "expired"),
    ("Hanna", "Dekker", "personalising"),
    ("Ivo", "Brouwer", "failed"),
    ("Joris", "Peters", ()),
]
EXPIRING = [("Karin", "Vos", "900012345", 20), ("Lars", "Meijer", "900012346", 45)]  # days until the UZI-pas expires
REASONS = {"block": "lost", "revoke": "left"}


def load_demo() -> list[str]:
    organisation = db.session.execute(
        select(Organisation).where(Organisation.name == ORGANISATION["name"])
    ).scalar_one_or_none()
    if organisation is None:
        organisation = Organisation(**ORGANISATION)
        db.session.add(organisation)
        db.session.flush()
    password_hash = passwords.hash_password(DEMO_PASSWORD)
    administrator = _user(ADMINISTRATOR, password_hash)
    if administrator.totp_secret is None:
        administrator.totp_secret = seal("totp", DEMO_TOTP_SECRET)
    _member(administrator, organisation, "admin")
    _registration_request(organisation, administrator)
    if db.session.execute(select(Smartcard.id).where(Smartcard.organisation_id == organisation.id)).first() is None:
        _cards(organisation, administrator, password_hash)
    return [
        f"Smartcards: {organisation.name} (gevalideerd, abonneenummer {SUBSCRIBER_NUMBER}) met kaarten in elke status.",
        f"  {administrator.email:<36} {administrator.full_name} (beheerder {organisation.name})",
        f"  authenticator-sleutel van deze beheerder (voor EH2+): {DEMO_TOTP_SECRET}",
    ]


def _user(data: dict, password_hash: str) -> User:
    user = db.session.execute(select(User).where(User.email == data["email"])).scalar_one_or_none()
    if user is None:
        user = User(**data, password_hash=password_hash, activated_at=utcnow())
        db.session.add(user)
        db.session.flush()
    return user


def _member(user: User, organisation: Organisation, role: str) -> None:
    if not any(m.organisation_id == organisation.id for m in user.memberships):
        db.session.add(Membership(user=user, organisation=organisation, role=role))
        db.session.flush()


def _registration_request(organisation: Organisation, administrator: User) -> None:
    if db.session.execute(
        select(RegistrationRequest.id).where(RegistrationRequest.organisation_id == organisation.id)
    ).first():
        return
    now = utcnow()
    db.session.add(
        RegistrationRequest(
            organisation_name=organisation.name,
            kvk_number=organisation.kvk_number,
            subscriber_number=SUBSCRIBER_NUMBER,
            street=organisation.street,
            house_number=organisation.house_number,
            postcode=organisation.postcode,
            city=organisation.city,
            representative_name=administrator.full_name,
            email=administrator.email,
            phone=organisation.phone,
            state="validated",
            created_at=now - timedelta(days=30),
            decided_at=now - timedelta(days=28),
            validated_at=now - timedelta(days=27),
            organisation_id=organisation.id,
        )
    )


def _cards(organisation: Organisation, administrator: User, password_hash: str) -> None:
    today = today_local()
    for number, (first_name, last_name, story) in enumerate(EMPLOYEES, start=1):
        slug = f"{first_name}.{last_name.replace(' ', '')}".lower()
        employee = _user(
            dict(email=f"{slug}@zorggroepduinstreek.example", first_name=first_name, last_name=last_name),
            password_hash,
        )
        _member(employee, organisation, "employee")
        card = Smartcard(
            organisation_id=organisation.id,
            holder_id=employee.id,
            holder_name=employee.full_name,
            credential_number=f"90000{number:04d}",
            card_serial=secrets.token_hex(8).upper(),
        )
        db.session.add(card)
        db.session.flush()
        history.move(card, "personalise", actor_id=employee.id)
        if story == "personalising":
            continue
        if story == "failed":
            history.move(card, "fail", actor_id=None)
            continue
        history.move(card, "complete", actor_id=None)
        issued = today - timedelta(days=40 * number + (3 * 365 if story == "expired" else 0))
        card.issued_on, card.expires_on = issued, issued + timedelta(days=3 * 365)
        card.certificate_serial = format(x509.random_serial_number(), "x")
        card.last_used_at = utcnow() - timedelta(hours=5 * number)
        for action in story if isinstance(story, tuple) else ():
            reason = REASONS.get(action, "")
            history.move(card, action, actor_id=administrator.id, reason=reason)
            if action == "revoke":
                card.revoked_at, card.revocation_reason = utcnow(), reason
    for first_name, last_name, uzi_number, days in EXPIRING:
        db.session.add(
            CredentialCardSeen(
                organisation_id=organisation.id,
                holder_name=f"{first_name} {last_name}",
                uzi_number=uzi_number,
                card_type="N",
                expires_at=utcnow() + timedelta(days=days),
            )
        )
    db.session.flush()
