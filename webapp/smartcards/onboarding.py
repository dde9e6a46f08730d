"""Registreren organisatie after the request was accepted: validate the organisation with a care-provider card,
register its administrator, and couple the administrator's authenticator (manual 002, steps 2-4).

The representative is not logged in: what the verified card says is kept in their session, sealed and bound to
the registration request, for a short while (VALIDATION_LIFETIME). Each later step reads it from there. The
functions take that store (the session, or any mapping) as their first argument; they add and flush, the
request commits.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from flask import current_app

from webapp.accounts import services as accounts
from webapp.accounts.models import Membership, Organisation, User
from webapp.core import cardsignin
from webapp.core.audit import audit
from webapp.core.errors import DomainError
from webapp.core.mail import send_mail
from webapp.core.sealing import keep_sealed, read_sealed
from webapp.core.signals import membership_changed
from webapp.extensions import db
from webapp.organisations import services as organisations
from webapp.smartcards import credentials, request_states, requests
from webapp.smartcards.models import RegistrationRequest

VALIDATION_LIFETIME = timedelta(minutes=15)  # from the card check to the end of Registreren administrator
COUPLING_LIFETIME = timedelta(minutes=10)  # a QR code's secret, from the moment it is made
CHALLENGE_PURPOSE = "validate"

_CARD = "smartcard_validation"
_COUPLING = "smartcard_coupling"


class NoAcceptedRequest(credentials.CredentialRefused):
    def __init__(self, subscriber_number: str):
        super().__init__(
            f"Er is geen verwerkte aanvraag voor abonneenummer {subscriber_number}. Vraag eerst de registratie van "
            "uw organisatie aan, of wacht op de bevestiging dat uw aanvraag is verwerkt."
        )


class StepExpired(DomainError):
    def __init__(self):
        super().__init__(
            "Deze stap is verlopen of nog niet begonnen. Begin opnieuw met het valideren van uw organisatie. "
            "Heeft u zich al als administrator geregistreerd? Activeer dan uw account met de link uit de e-mail, "
            "log in en koppel uw smartphone onder Mijn gegevens."
        )


@dataclass(frozen=True)
class ValidationCard:
    """What the verified care-provider card said, and how far the representative got with it."""

    request_id: int
    given_name: str
    surname: str
    uzi_number: str
    card_type: str
    subscriber_number: str
    expires_at: str  # ISO
    checked_at: str  # ISO, when the card was verified or the last step done: the lifetime counts from there
    validated: bool = False
    administrator_id: int | None = None
    existing_account: bool = False
    coupled: bool = False

    @property
    def holder_name(self) -> str:
        return f"{self.given_name} {self.surname}".strip()

    @property
    def card_type_label(self) -> str:
        return credentials.CARD_TYPES[self.card_type]

    @property
    def card_expires_at(self) -> datetime:
        return datetime.fromisoformat(self.expires_at)


# Step 2: the card ------------------------------------------------------------------------------------------


def challenge(store) -> str:
    """A one-time challenge for the page's card sign-in."""
    return cardsignin.OneChallenge(store, CHALLENGE_PURPOSE).issue()


def check_card(store, body: bytes, *, public_url: str, trusted, now: datetime) -> ValidationCard:
    """Verify the agent's sign-in answer (origin-bound signature over this session's one-time challenge), then
    the credential card behind it: its dates, its chain to a trusted CA, its UZI identity, that it is a
    care-provider card, and that its subscriber number has an accepted request. Keeps the card in `store` and
    returns it; a Dutch refusal (and nothing kept or changed) otherwise."""
    # The signature and the challenge first. Dates and chain are then checked by credentials.read, which
    # says in Dutch which of them failed (verify_sign_in would only say "not trusted" in English).
    certificate = cardsignin.verified_certificate(
        body, challenges=cardsignin.OneChallenge(store, CHALLENGE_PURPOSE), public_url=public_url, trusted=()
    )
    card = credentials.read(certificate, trusted, now)
    credentials.require_care_provider(card)
    request = requests.accepted_request(card.subscriber_number)
    if request is None:
        raise NoAcceptedRequest(card.subscriber_number)
    kept = ValidationCard(
        request_id=request.id,
        given_name=card.given_name,
        surname=card.surname,
        uzi_number=card.uzi_number,
        card_type=card.card_type,
        subscriber_number=card.subscriber_number,
        expires_at=card.expires_at.isoformat(),
        checked_at=now.isoformat(),
    )
    _keep(store, kept)
    store.pop(_COUPLING, None)
    return kept


def validation_card(store, now: datetime) -> ValidationCard | None:
    """The card this session verified, while it is fresh; None otherwise (and then it is forgotten)."""
    card = read_sealed(store, _CARD, ValidationCard)
    if card is None:
        return None
    if now - datetime.fromisoformat(card.checked_at) > VALIDATION_LIFETIME:
        store.pop(_CARD, None)
        store.pop(_COUPLING, None)
        return None
    return card


def require_card(store, now: datetime) -> ValidationCard:
    card = validation_card(store, now)
    if card is None:
        raise StepExpired()
    return card


def _keep(store, card: ValidationCard) -> None:
    keep_sealed(store, _CARD, card)


def registration_request(card: ValidationCard, *, for_update: bool = False) -> RegistrationRequest:
    request = db.session.get(RegistrationRequest, card.request_id, with_for_update=for_update)
    if request is None or request.subscriber_number != card.subscriber_number:
        raise StepExpired()
    return request


# Step 3: the organisation ----------------------------------------------------------------------------------


def validate_organisation(store, now: datetime) -> Organisation:
    """Volgende: the request's organisation (the one with its KvK number, or a new care provider) is linked to
    the request, which becomes validated."""
    card = require_card(store, now)
    request = registration_request(card, for_update=True)  # two sessions with one card: one validates
    new_state = request_states.next_state(request.state, "validate")
    credentials.require_subscriber(card, request.subscriber_number)
    organisation = _organisation_for(request)
    old_state, request.state = request.state, new_state
    request.organisation = organisation
    request.validated_at = now
    db.session.flush()
    audit(
        "smartcards.organisation_validated",
        subject=f"registration_request:{request.id}",
        organisation_id=organisation.id,
        old_state=old_state,
        new_state=new_state,
        holder=card.holder_name,  # not the UZI number: nine digits that pass the 11-proef, like a BSN
        subscriber_number=card.subscriber_number,
    )
    _keep(store, replace(card, validated=True, checked_at=now.isoformat()))
    return organisation


def _organisation_for(request: RegistrationRequest) -> Organisation:
    existing = requests.known_organisation(request)
    if existing is not None:
        return existing
    fields = ("kvk_number", "email", "phone", "street", "house_number", "postcode", "city")
    return organisations.create_organisation(
        {"name": request.organisation_name, "kind": "care", **{name: getattr(request, name) for name in fields}}
    )


def validated_request(store, now: datetime) -> tuple[ValidationCard, RegistrationRequest]:
    """The card and its request, once this session validated the organisation."""
    card = require_card(store, now)
    request = registration_request(card)
    if not card.validated or request.state != "validated" or request.organisation is None:
        raise StepExpired()
    return card, request


# Step 4: the administrator ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Administrator:
    user: User
    existing_account: bool


def register_administrator(store, now: datetime, *, birth_date: date, email: str) -> Administrator:
    """Bevestig: the card holder becomes the organisation's administrator (Membership role admin: every mandate,
    the smartcards one too). A new account gets the activation mail, and the coupling of an authenticator
    follows. An address that has an account already gets the role and a mail, and nothing is coupled to it
    here: that is for its owner, logged in, under Mijn gegevens."""
    card, request = validated_request(store, now)
    if card.administrator_id is not None:
        raise DomainError("U heeft de administrator van deze organisatie al geregistreerd.")
    if birth_date is None or not date(1900, 1, 1) <= birth_date <= now.date() - timedelta(days=365 * 16):
        raise DomainError("Vul een geldige geboortedatum in.", field="birth_date")
    organisation = request.organisation
    user = accounts.find_user(email)
    existing = user is not None
    if existing:
        _make_admin(user, organisation)
        send_mail(
            user.email,
            "U bent beheerder voor smartcards",
            "smartcards_administrator",
            user=user,
            organisation_name=organisation.name,
        )
    else:
        user = accounts.create_account(email, first_name=card.given_name, last_name=card.surname, birth_date=birth_date)
        _make_admin(user, organisation)
        accounts.send_activation(user, organisation.name)
    audit(
        "smartcards.administrator_registered",
        subject=f"user:{user.id}",
        organisation_id=organisation.id,
        registration_request=request.id,
        existing_account=existing,
        holder=card.holder_name,
    )
    _keep(store, replace(card, administrator_id=user.id, existing_account=existing, checked_at=now.isoformat()))
    if not existing:
        start_coupling(store, now)
    return Administrator(user, existing)


def _make_admin(user: User, organisation: Organisation) -> None:
    membership = next((m for m in user.memberships if m.organisation_id == organisation.id), None)
    if membership is None:
        membership = Membership(user=user, organisation=organisation, role="admin")
        db.session.add(membership)
        action = "membership.added"
    elif membership.role != "admin":
        membership.role = "admin"
        action = "membership.changed"
    else:
        return
    db.session.flush()
    audit(action, organisation_id=organisation.id, subject=f"user:{user.id}", role="admin")
    membership_changed.send(current_app._get_current_object(), user_id=user.id)


def administrator(store, now: datetime) -> tuple[ValidationCard, User]:
    card, _request = validated_request(store, now)
    user = db.session.get(User, card.administrator_id) if card.administrator_id else None
    if user is None:
        raise StepExpired()
    return card, user


# Step 5: the authenticator ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coupling:
    """A QR code's secret while it waits for the first code from the app. `shown`: its QR code was on a page
    already (it is shown once)."""

    secret: str
    started_at: str
    shown: bool = False

    def expired(self, now: datetime) -> bool:
        return now - datetime.fromisoformat(self.started_at) > COUPLING_LIFETIME


def _coupling_admin(store, now: datetime) -> tuple[ValidationCard, User]:
    card, user = administrator(store, now)
    if card.existing_account or card.coupled or user.has_authenticator:
        raise DomainError("Voor dit account koppelt u hier geen smartphone.")
    return card, user


def start_coupling(store, now: datetime) -> Coupling:
    """A new secret for a QR code; any earlier one is dead."""
    _coupling_admin(store, now)
    coupling = Coupling(accounts.new_totp_secret(), now.isoformat())
    _keep_coupling(store, coupling)
    return coupling


def pending_coupling(store, now: datetime) -> Coupling | None:
    return read_sealed(store, _COUPLING, Coupling)


def show_coupling(store, now: datetime) -> tuple[User, str | None, Coupling | None]:
    """The QR code to show now (a data URI), once per coupling; None when it was shown already or expired."""
    _card, user = _coupling_admin(store, now)
    coupling = pending_coupling(store, now)
    if coupling is None or coupling.shown or coupling.expired(now):
        return user, None, coupling
    _keep_coupling(store, replace(coupling, shown=True))
    return user, accounts.totp_qr_data_uri(user, coupling.secret), coupling


def finish_coupling(store, now: datetime, code: str) -> User:
    """The first code from the app couples the authenticator to the new administrator's account."""
    card, user = _coupling_admin(store, now)
    coupling = pending_coupling(store, now)
    if coupling is None or coupling.expired(now):
        store.pop(_COUPLING, None)
        raise DomainError("De QR-code is verlopen. Start een nieuwe koppeling en scan de nieuwe QR-code.")
    accounts.couple_authenticator(user, coupling.secret, code)
    store.pop(_COUPLING, None)
    _keep(store, replace(card, coupled=True))
    return user


def _keep_coupling(store, coupling: Coupling) -> None:
    keep_sealed(store, _COUPLING, coupling)


def finished(store, now: datetime) -> ValidationCard | None:
    card = validation_card(store, now)
    return card if card is not None and card.coupled else None
