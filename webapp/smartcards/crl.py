"""The portal CA's certificate revocation list (intrekkingslijst), published at trust.CRL_PATH for anyone.

The list holds every withdrawn smartcard certificate (a revoked card's; a failed card's that was issued), of
every organisation, and is signed by the issuing CA. Each publication raises the CRL number
(RevocationListNumber) and stores the DER file through core.storage; the public view serves that file (and
publishes one first when none is stored). Revoking a card publishes a new list after its commit, and so does a
card that fails after its certificate was issued; a periodic job publishes again before the next update is due.
"""

from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import Blueprint, Response, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.core.jobs import enqueue_after_commit
from webapp.core.storage import Area
from webapp.core.timeutil import utcnow
from webapp.core.transactions import take_write_lock
from webapp.extensions import db
from webapp.smartcards import ca, trust
from webapp.smartcards.models import RevocationListNumber, Smartcard

AREA = Area("smartcards")
FILE = "crl.der"
MIMETYPE = "application/pkix-crl"
NEXT_UPDATE = timedelta(days=7)  # a relying party fetches again by then
REFRESH_BEFORE = timedelta(days=2)  # the periodic job publishes anew this long before the next update
CACHE_SECONDS = 300  # a revocation reaches caches within five minutes

# RFC 5280 reason codes for the reasons the administrator gives (states.REASONS)
REASON_CODES = {
    "lost": x509.ReasonFlags.key_compromise,
    "stolen": x509.ReasonFlags.key_compromise,
    "damaged": x509.ReasonFlags.superseded,
    "left": x509.ReasonFlags.affiliation_changed,
    "other": x509.ReasonFlags.unspecified,
}

bp = Blueprint("smartcard_crl", __name__)


def revoked_certificates():
    """Every withdrawn certificate, of every organisation, streamed: a revoked card's, then a failed card's that
    was issued before the card failed (it may be on the card already). Each query finds its cards by state."""
    columns = (Smartcard.certificate_serial, Smartcard.revoked_at, Smartcard.revocation_reason)
    withdrawn = (
        select(*columns).where(Smartcard.state == "revoked"),
        select(*columns).where(Smartcard.state == "failed", Smartcard.revoked_at.is_not(None)),
    )
    for statement in withdrawn:
        rows = db.session.execute(
            statement.where(Smartcard.certificate_serial.is_not(None))
            .order_by(Smartcard.id)
            .execution_options(yield_per=5000)
        )
        for serial, revoked_at, reason in rows:
            yield ca.Revoked(
                int(serial, 16),
                revoked_at or utcnow(),
                REASON_CODES.get(reason, x509.ReasonFlags.unspecified),
            )


def withdraw(card: Smartcard, at: datetime) -> None:
    """The card's certificate goes on the list: from `at`, published anew after the commit."""
    if card.revoked_at is None:
        card.revoked_at = at
        enqueue_after_commit(publish)


def build(number: int, now: datetime) -> x509.CertificateRevocationList:
    return ca.revocation_list(
        trust.issuing_ca(), revoked_certificates(), number=number, now=now, next_update=NEXT_UPDATE
    )


def publish() -> int:
    """Job: build the list anew with the next CRL number and store it; returns that number. Publications take
    turns (the number's row is locked), so a later number is always the later list."""
    take_write_lock()
    counter = _counter()
    if counter is None:
        try:
            with db.session.begin_nested():  # the first publication makes the one row; one made at once wins
                db.session.add(RevocationListNumber(id=1, number=0))
        except IntegrityError:
            pass
        counter = _counter()
    now = utcnow()
    counter.number += 1
    counter.published_at = now
    db.session.flush()
    crl = build(counter.number, now)
    AREA.store(FILE, crl.public_bytes(serialization.Encoding.DER))
    return counter.number


def _counter() -> RevocationListNumber | None:
    return db.session.execute(select(RevocationListNumber).with_for_update()).scalars().first()


def stored() -> x509.CertificateRevocationList | None:
    if not AREA.exists(FILE):
        return None
    return x509.load_der_x509_crl(AREA.path(FILE).read_bytes())


def refresh() -> str:
    """Periodic: publish before the stored list's next update is due (or when none is stored)."""
    current = stored()
    if current is not None and current.next_update_utc - utcnow() > REFRESH_BEFORE:
        return "actueel"
    return f"gepubliceerd: nummer {publish()}"


@bp.get(trust.CRL_PATH)
def revocation_list():
    """The CRL in DER, for anyone (relying parties, openssl); made on first request when none is stored."""
    if not AREA.exists(FILE):
        publish()
    data = AREA.path(FILE).read_bytes()
    response = Response(data, mimetype=MIMETYPE)
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response.headers["Content-Disposition"] = "inline; filename=smartcards.crl"
    response.add_etag()
    return response.make_conditional(request)
