"""ZORG-ID Smartcard aanmaken (manual steps 1–7): an employee, logged in to their own account, proves who they
are with their employee credential card, confirms their birth date, and has the card agent personalise a blank
card, for whose key the portal issues a certificate. The card becomes the account's, for signing in later.

What the credential card proved is kept sealed in the user's session for a short while (`Attempt`); the card
being made is named there too, never in a URL. The PIN and PUK never come here: the agent keeps them.
"""

import base64
import binascii
import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from flask import current_app
from sqlalchemy import func, select

from webapp.accounts.models import Membership, Organisation
from webapp.core import cardsignin
from webapp.core.audit import audit
from webapp.core.errors import DomainError
from webapp.core.sealing import keep_sealed, read_sealed
from webapp.core.timeutil import utcnow
from webapp.extensions import db
from webapp.smartcards import ca, credentials, crl, history, requests, trust
from webapp.smartcards.models import CredentialCardSeen, Smartcard, SmartcardEvent

SESSION_KEY = "smartcard_personalise"
CHALLENGE_PURPOSE = "personalise"
ATTEMPT_LIFETIME = timedelta(minutes=15)  # from the credential card's check to the card's completion
STALE_AFTER = timedelta(minutes=15)  # a card left "personalising" this long is failed by the periodic job

NOT_ON_NAME = (
    "Met een medewerkerspas niet op naam kunt u geen smartcard aanmaken: de smartcard komt op uw naam. "
    "Gebruik uw UZI-medewerkerspas op naam of uw zorgverlenerspas."
)
NOT_VALIDATED = (
    "De organisatie van deze pas (abonneenummer {number}) is nog niet gevalideerd in Loket. Vraag de beheerder "
    "van uw organisatie om de organisatie eerst te registreren en te valideren."
)
EXPIRED_ATTEMPT = "Uw UZI-pas is te lang geleden gecontroleerd, of nog niet. Begin opnieuw met uw UZI-pas."
BIRTH_DATE_FIRST = "Vul eerst uw geboortedatum in."
BIRTH_DATE_DIFFERS = (
    "Deze geboortedatum komt niet overeen met de geboortedatum in uw account. Controleer wat u hebt ingevuld."
)
BIRTH_DATE_FUTURE = "Uw geboortedatum kan niet in de toekomst liggen."
NO_CARD_IN_PROGRESS = "Er wordt nu geen smartcard aangemaakt. Begin opnieuw."
ALREADY_ISSUED = "Voor deze smartcard is al een certificaat uitgegeven. Begin opnieuw met een lege smartcard."
BAD_PUBLIC_KEY = "De Kaartlezer-app gaf geen bruikbare sleutel (EC P-256 of RSA 2048). Begin opnieuw."
NOT_STORED = "Het certificaat op de smartcard is niet het certificaat dat Loket uitgaf. Begin opnieuw."


@dataclass(frozen=True)
class Attempt:
    """What the credential card proved, for one user, for a short while; and how far the employee got."""

    user_id: int
    organisation_id: int
    organisation_name: str
    holder_name: str
    uzi_number: str
    card_type: str
    checked_at: str  # ISO, UTC
    birth_date_confirmed: bool = False
    smartcard_id: int | None = None

    @property
    def card_type_label(self) -> str:
        return credentials.CARD_TYPES[self.card_type]


# --- the attempt, sealed in the session ------------------------------------------------------------------------


def keep(session, attempt: Attempt) -> None:
    keep_sealed(session, SESSION_KEY, attempt)


def forget(session) -> None:
    session.pop(SESSION_KEY, None)


def current(session, context, now: datetime) -> Attempt:
    """This user's attempt, while it lasts; a Dutch refusal otherwise (start again with the credential card)."""
    attempt = read_sealed(session, SESSION_KEY, Attempt)
    if attempt is None:
        raise DomainError(EXPIRED_ATTEMPT)
    expired = now - datetime.fromisoformat(attempt.checked_at) > ATTEMPT_LIFETIME
    if attempt.user_id != context.user_id or expired:
        forget(session)
        raise DomainError(EXPIRED_ATTEMPT)
    return attempt


# --- step 3: the credential card -------------------------------------------------------------------------------


def check_credential_card(context, body: bytes, *, challenges, now: datetime) -> Attempt:
    """The employee's credential card signed this session's challenge: read it, find its validated organisation,
    make the user a member there (employee) if they are not yet, and remember the card as seen."""
    trusted = trust.credential_cas()
    certificate = cardsignin.verified_certificate(
        body, challenges=challenges, public_url=current_app.config["PUBLIC_URL"], trusted=trusted
    )
    card = credentials.read(certificate, trusted, now)
    if card.card_type == "M":
        raise DomainError(NOT_ON_NAME)
    organisation = requests.validated_organisation(card.subscriber_number)
    if organisation is None:
        raise DomainError(NOT_VALIDATED.format(number=card.subscriber_number))
    _ensure_member(context.user, organisation)
    _record_seen(context.user, organisation, card, now)
    audit(
        "smartcard.credential_checked",
        organisation_id=organisation.id,
        subject=f"user:{context.user_id}",
        card_type=card.card_type,
    )
    return Attempt(
        user_id=context.user_id,
        organisation_id=organisation.id,
        organisation_name=organisation.name,
        holder_name=card.holder_name,
        uzi_number=card.uzi_number,
        card_type=card.card_type,
        checked_at=now.isoformat(),
    )


def _ensure_member(user, organisation: Organisation) -> None:
    if any(membership.organisation_id == organisation.id for membership in user.memberships):
        return
    user.memberships.append(Membership(organisation=organisation, role="employee"))
    db.session.flush()
    audit("membership.added", organisation_id=organisation.id, subject=f"user:{user.id}", role="employee")


def _record_seen(user, organisation: Organisation, card: credentials.CredentialCard, now: datetime) -> None:
    seen = db.session.execute(
        select(CredentialCardSeen).where(
            CredentialCardSeen.organisation_id == organisation.id, CredentialCardSeen.uzi_number == card.uzi_number
        )
    ).scalar_one_or_none()
    if seen is None:
        seen = CredentialCardSeen(organisation_id=organisation.id, uzi_number=card.uzi_number)
        db.session.add(seen)
    seen.user_id = user.id
    seen.holder_name = card.holder_name
    seen.card_type = card.card_type
    seen.expires_at = card.expires_at
    seen.last_seen_at = now
    db.session.flush()


# --- step 4: the birth date ------------------------------------------------------------------------------------


def confirm_birth_date(context, attempt: Attempt, birth_date: date, today: date) -> Attempt:
    """The birth date the employee typed: it must be the account's, or becomes it when the account has none."""
    if birth_date > today:
        raise DomainError(BIRTH_DATE_FUTURE, field="birth_date")
    user = context.user
    if user.birth_date is not None and user.birth_date != birth_date:
        raise DomainError(BIRTH_DATE_DIFFERS, field="birth_date")
    if user.birth_date is None:
        user.birth_date = birth_date
        audit("account.birth_date_set", organisation_id=attempt.organisation_id, subject=f"user:{user.id}")
    return replace(attempt, birth_date_confirmed=True)


# --- step 6: the card ------------------------------------------------------------------------------------------


def start_card(context, attempt: Attempt) -> tuple[Attempt, Smartcard]:
    """The record of the card about to be personalised, in "personalising": the user's last failed attempt in
    this organisation when no certificate was issued for it, else a new one. Any attempt of this user still
    under way ends as failed first: one card at a time."""
    if not attempt.birth_date_confirmed:
        raise DomainError(BIRTH_DATE_FIRST)
    for card in _cards_of(context.user_id, attempt.organisation_id, "personalising"):
        fail_card(card, actor_id=context.user_id, now=utcnow())
    card = next(
        (c for c in _cards_of(context.user_id, attempt.organisation_id, "failed") if c.certificate is None), None
    )
    if card is None:
        card = Smartcard(
            organisation_id=attempt.organisation_id,
            holder_id=context.user_id,
            holder_name=attempt.holder_name,
            credential_number=attempt.uzi_number,
            card_serial=new_card_serial(),
            state="blank",
        )
        db.session.add(card)
        db.session.flush()
    else:
        card.holder_name, card.credential_number = attempt.holder_name, attempt.uzi_number
    history.move(card, "personalise", actor_id=context.user_id)
    return replace(attempt, smartcard_id=card.id), card


def new_card_serial() -> str:
    return secrets.token_hex(8).upper()


def issue_certificate(context, attempt: Attempt, public_key_b64, now: datetime) -> x509.Certificate:
    """The certificate for the key the agent made on the card (base64 SubjectPublicKeyInfo DER)."""
    card = _card_in_progress(context, attempt)
    if card.certificate is not None:
        raise DomainError(ALREADY_ISSUED)
    public_key = _public_key(public_key_b64)
    certificate = ca.issue(
        trust.issuing_ca(),
        public_key,
        holder_name=card.holder_name,
        organisation_name=attempt.organisation_name,
        card_serial=card.card_serial,
        now=now,
        valid_for=timedelta(days=current_app.config["SMARTCARD_VALID_DAYS"]),
        crl_url=trust.crl_url(),
    )
    card.certificate = certificate.public_bytes(serialization.Encoding.DER)
    card.certificate_serial = format(certificate.serial_number, "x")
    card.issued_on = now.date()
    card.expires_on = certificate.not_valid_after_utc.date()
    db.session.flush()
    # The serial stays out of the audit detail: a hex serial may hold nine digits that pass the 11-proef, which
    # the audit trail refuses as a BSN. The card's row has it.
    audit("smartcard.certificate_issued", organisation_id=card.organisation_id, subject=f"smartcard:{card.id}")
    return certificate


def complete_card(context, attempt: Attempt, stored: dict) -> Smartcard:
    """The agent's answer to store_certificate names the certificate now on the card: when it is the one issued,
    the card is active."""
    card = _card_in_progress(context, attempt)
    on_card = stored.get("certificate") if isinstance(stored, dict) else None
    if card.certificate is None or not isinstance(on_card, str) or _der(on_card, NOT_STORED) != card.certificate:
        raise DomainError(NOT_STORED)
    history.move(card, "complete", actor_id=context.user_id)
    return card


def fail_attempt(context, attempt: Attempt, now: datetime) -> Smartcard | None:
    """The page reports that the card was pulled out or the agent failed after personalising began."""
    if attempt.smartcard_id is None:
        return None
    card = db.session.get(Smartcard, attempt.smartcard_id)
    if card is None or card.holder_id != context.user_id or card.state != "personalising":
        return None
    fail_card(card, actor_id=context.user_id, now=now)
    return card


def fail_card(card: Smartcard, *, actor_id: int | None, now: datetime) -> None:
    """A card that did not become active; a certificate issued for it goes on the revocation list, so that no
    half-made card is ever trusted anywhere."""
    history.move(card, "fail", actor_id=actor_id)
    if card.certificate is not None:
        crl.withdraw(card, now)


def fail_stale_cards(now: datetime | None = None) -> str:
    """Periodic: cards left in "personalising" longer than STALE_AFTER (the page was closed half-way) fail."""
    now = now or utcnow()
    started = (
        select(SmartcardEvent.smartcard_id, func.max(SmartcardEvent.at).label("at"))
        .where(SmartcardEvent.to_state == "personalising")
        .group_by(SmartcardEvent.smartcard_id)
        .subquery()
    )
    stale = db.session.scalars(
        select(Smartcard)
        .outerjoin(started, started.c.smartcard_id == Smartcard.id)
        .where(
            Smartcard.state == "personalising", func.coalesce(started.c.at, Smartcard.created_at) < now - STALE_AFTER
        )
    ).all()
    for card in stale:
        fail_card(card, actor_id=None, now=now)
    return f"{len(stale)} half aangemaakte smartcard(s) op Aanmaken mislukt gezet"


def newest_active_card(context) -> Smartcard | None:
    """The acting user's newest active card (the one just made, on the Gelukt page)."""
    return db.session.execute(
        select(Smartcard)
        .where(Smartcard.holder_id == context.user_id, Smartcard.state == "active")
        .order_by(Smartcard.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _cards_of(user_id: int, organisation_id: int, state: str) -> list[Smartcard]:
    return list(
        db.session.scalars(
            select(Smartcard)
            .where(
                Smartcard.holder_id == user_id, Smartcard.organisation_id == organisation_id, Smartcard.state == state
            )
            .order_by(Smartcard.id.desc())
        )
    )


def _card_in_progress(context, attempt: Attempt) -> Smartcard:
    card = db.session.get(Smartcard, attempt.smartcard_id) if attempt.smartcard_id else None
    if card is None or card.holder_id != context.user_id or card.state != "personalising":
        raise DomainError(NO_CARD_IN_PROGRESS)
    return card


def _public_key(value):
    try:
        key = serialization.load_der_public_key(_der(value, BAD_PUBLIC_KEY))
    except (ValueError, TypeError):
        raise DomainError(BAD_PUBLIC_KEY) from None
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    if isinstance(key, rsa.RSAPublicKey) and key.key_size >= 2048:
        return key
    raise DomainError(BAD_PUBLIC_KEY)


def _der(value, refusal: str) -> bytes:
    if not isinstance(value, str):
        raise DomainError(refusal)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise DomainError(refusal) from None
