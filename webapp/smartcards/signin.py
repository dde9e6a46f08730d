"""Signing in with a smartcard (EH3): the card signs the session's one-time challenge for this portal's origin
through the card agent; the certificate must be one the portal issued and still has on record for an active
card. A blocked, revoked, expired or unknown card is refused with a Dutch message of its own."""

from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from flask import current_app
from sqlalchemy import select

from webapp.accounts.models import LoginSession, User
from webapp.core import cardsignin
from webapp.core.audit import audit
from webapp.core.auth import level_at_least
from webapp.core.errors import DomainError
from webapp.core.timeutil import today_local
from webapp.extensions import db
from webapp.smartcards import states, trust
from webapp.smartcards.models import Smartcard

SIGN_IN_PURPOSE = "smartcard-sign-in"
STEP_UP_PURPOSE = "smartcard-step-up"
LEVEL = "EH3"

UNKNOWN = "Deze smartcard is niet bekend in Loket. Gebruik een smartcard die u in Loket hebt aangemaakt."
BLOCKED = "Deze smartcard is geblokkeerd. Neem contact op met de smartcardbeheerder van uw organisatie."
REVOKED = "Deze smartcard is ingetrokken en kan niet meer worden gebruikt. Maak een nieuwe smartcard aan."
EXPIRED = "Deze smartcard is verlopen. Maak een nieuwe smartcard aan."
UNFINISHED = "Deze smartcard is niet volledig aangemaakt. Maak de smartcard opnieuw aan."
NOT_YOURS = "Deze smartcard hoort niet bij uw account. Gebruik uw eigen smartcard."
NO_ACCOUNT = "Het account van deze smartcard is niet actief. Neem contact op met de smartcardbeheerder."


def checked_card(body: bytes, *, challenges, now: datetime) -> Smartcard:
    """The card whose answer proves possession of the key for this session's challenge (origin-bound), whose
    certificate the portal's CA issued and the portal has on record, and which may sign in now."""
    certificate = cardsignin.verified_certificate(
        body, challenges=challenges, public_url=current_app.config["PUBLIC_URL"], trusted=()
    )
    if not _issued_by_portal(certificate):
        raise DomainError(UNKNOWN)
    card = db.session.execute(
        select(Smartcard).where(Smartcard.certificate_serial == format(certificate.serial_number, "x"))
    ).scalar_one_or_none()
    if card is None or card.certificate != certificate.public_bytes(serialization.Encoding.DER):
        raise DomainError(UNKNOWN)
    refuse_unless_usable(card, certificate, now)
    return card


def refuse_unless_usable(card: Smartcard, certificate: x509.Certificate, now: datetime) -> None:
    if card.state == "revoked" or card.revoked_at is not None:
        raise DomainError(REVOKED)
    if card.state == "blocked":
        raise DomainError(BLOCKED)
    shown = states.shown(card.state, card.expires_on, now.date())
    if shown is states.EXPIRED or not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise DomainError(EXPIRED)
    if not shown.can_sign_in:
        raise DomainError(UNFINISHED)
    if card.holder is None or not card.holder.is_activated:
        raise DomainError(NO_ACCOUNT)


def signed_in(card: Smartcard, now: datetime) -> User:
    """Record the card's use for a login; the caller starts the session (accounts.sessions.start_session)."""
    card.last_used_at = now
    audit("smartcard.sign_in", organisation_id=card.organisation_id, subject=f"smartcard:{card.id}", level=LEVEL)
    return card.holder


def step_up(user: User, login: LoginSession, card: Smartcard, now: datetime) -> None:
    """The logged-in user's own card raises their session to EH3."""
    if card.holder_id != user.id:
        raise DomainError(NOT_YOURS)
    card.last_used_at = now
    if not level_at_least(login.level, LEVEL):
        login.level = LEVEL
    audit("account.step_up", subject=f"user:{user.id}", level=LEVEL, method="smartcard", card=f"smartcard:{card.id}")


def has_active_card(user) -> bool:
    """For the step-up registry: the user has an active card within its dates."""
    usable = select(Smartcard.id).where(
        Smartcard.holder_id == user.id,
        Smartcard.state == "active",
        Smartcard.revoked_at.is_(None),
        Smartcard.expires_on >= today_local(),
    )
    return db.session.execute(usable.limit(1)).first() is not None


def _issued_by_portal(certificate: x509.Certificate) -> bool:
    issuer = trust.issuing_ca().certificate
    if certificate.issuer != issuer.subject:
        return False
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True
