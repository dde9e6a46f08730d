"""The world of the beheeromgeving's tests: organisation Alfa with its administrator (logged in and stepped up
to EH2+ with a real authenticator code), employees with cards, and organisation Beta with a card of its own."""

import itertools
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

import pyotp

from tests.factories import login
from webapp.core.sealing import seal
from webapp.core.timeutil import today_local
from webapp.extensions import db
from webapp.smartcards.models import Smartcard

_serials = itertools.count(1)


def step_up(client, user, secret: str | None = None) -> None:
    """Couple an authenticator to the user (when none is) and raise the client's session to EH2+ with its code,
    through the step-up page as a person would."""
    secret = secret or pyotp.random_base32()
    user.totp_secret = seal("totp", secret)
    user.totp_last_step = None
    db.session.commit()
    code = pyotp.TOTP(secret).at(time.time())
    response = client.post("/verificatie", data={"code": code})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]


def make_card(organisation, holder=None, *, state="active", name=None, expires_on=None, issued_on=None, **fields):
    number = next(_serials)
    today = today_local()
    card = Smartcard(
        organisation_id=organisation.id,
        holder_id=holder.id if holder is not None else None,
        holder_name=name or (holder.full_name if holder is not None else f"Houder {number}"),
        card_serial=fields.pop("card_serial", f"ZID{number:08d}"),
        certificate_serial=fields.pop("certificate_serial", f"{0xA0000 + number:x}") if state != "blank" else None,
        state=state,
        issued_on=issued_on or (today - timedelta(days=10) if state not in ("blank", "personalising") else None),
        expires_on=expires_on or (today + timedelta(days=3 * 365) if state not in ("blank", "personalising") else None),
        **fields,
    )
    db.session.add(card)
    db.session.commit()
    return card


@dataclass
class World:
    app: object
    factory: object
    alfa: object = None
    beta: object = None
    admin: object = None
    client: object = None  # Alfa's administrator at EH2+
    holders: list = field(default_factory=list)
    foreign_card: object = None

    def holder(self, first_name="Roos", last_name="de Winter", email=None):
        user = self.factory.user(email, first_name=first_name, last_name=last_name)
        self.factory.member(user, self.alfa, role="employee")
        return user

    def card(self, state="active", holder=None, **fields) -> Smartcard:
        return make_card(self.alfa, holder if holder is not None else self.holder(), state=state, **fields)

    def client_of(self, role="admin", services=(), level="EH2+"):
        user = self.factory.user()
        self.factory.member(user, self.alfa, role=role, services=services)
        client = self.app.test_client()
        login(client, user.email, organisation=self.alfa.id)
        if level == "EH2+":
            step_up(client, user)
        return client, user


def make_world(app, factory) -> World:
    world = World(app, factory)
    world.alfa = factory.organisation("Zorggroep Alfa", kind="care")
    world.beta = factory.organisation("Zorggroep Beta", kind="care")
    world.admin = factory.user("beheerder@alfa.example", first_name="Anna", last_name="Alfa")
    factory.member(world.admin, world.alfa, role="admin")
    world.client = app.test_client()
    login(world.client, world.admin.email, organisation=world.alfa.id)
    step_up(world.client, world.admin)
    beta_holder = factory.user("houder@beta.example", first_name="Bert", last_name="Beta")
    factory.member(beta_holder, world.beta, role="employee")
    world.foreign_card = make_card(world.beta, beta_holder, state="active")
    return world


def ids_on(page: str, cards) -> list[int]:
    """The cards (of `cards`) whose page the list links, in the order the list shows them."""
    positions = [(page.find(f'/smartcards/beheer/kaarten/{card.id}"'), card.id) for card in cards]
    return [card_id for position, card_id in sorted(positions) if position >= 0]


def days(n: int) -> date:
    return today_local() + timedelta(days=n)
