"""Registreren organisatie, aanvragen: an organisation asks to use smartcards, the issuer's staff accept or
reject the request (each mailed), and the validation finds the accepted request by its subscriber number.

Every change of state goes through request_states, the one table of a request's states."""

from dataclasses import dataclass

from flask import current_app, url_for
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from webapp.accounts.models import Organisation
from webapp.core.audit import audit
from webapp.core.errors import DomainError, NotFound
from webapp.core.mail import send_mail
from webapp.core.timeutil import utcnow
from webapp.extensions import db
from webapp.smartcards import request_states
from webapp.smartcards.models import OPEN_STATES, RegistrationRequest

FIELDS = (
    "organisation_name",
    "kvk_number",
    "subscriber_number",
    "street",
    "house_number",
    "postcode",
    "city",
    "representative_name",
    "email",
    "phone",
)
PER_PAGE = 50
MAX_PAGE = 200
DUPLICATE = (
    "Voor dit abonneenummer loopt al een aanvraag, of de organisatie is al geregistreerd. "
    "Heeft u vragen? Neem dan contact met ons op."
)


def submit(data: dict) -> RegistrationRequest:
    """Store a visitor's request (the form checked each field) and mail the representative a receipt."""
    fields = {name: data[name] for name in FIELDS}
    if _holds_number(fields["subscriber_number"]):
        raise DomainError(DUPLICATE, field="subscriber_number")
    request = RegistrationRequest(**fields, state="submitted")
    try:
        with db.session.begin_nested():
            db.session.add(request)
    except IntegrityError:  # a request for the same number committed in between (the unique index)
        raise DomainError(DUPLICATE, field="subscriber_number") from None
    audit("smartcard_request.submit", subject=_subject(request), organisation_id=None, new_state="submitted")
    send_mail(
        request.email,
        "Uw aanvraag voor registratie is ontvangen",
        "smartcards/mail_request_received",
        request=request,
    )
    return request


def get(context, request_id: int) -> RegistrationRequest:
    """A request, for the issuer's staff only."""
    context.require_staff()
    request = db.session.get(RegistrationRequest, request_id)
    if request is None:
        raise NotFound()
    return request


def accept(context, request_id: int) -> RegistrationRequest:
    """Staff: accept a submitted request; the representative is mailed the link to the next steps."""
    request = _decide(context, request_id, "accept")
    send_mail(
        request.email,
        "Uw aanvraag is verwerkt",
        "smartcards/mail_request_accepted",
        request=request,
        validate_url=current_app.config["PUBLIC_URL"].rstrip("/") + url_for("smartcard_onboarding.start"),
    )
    return request


def reject(context, request_id: int, reason: str) -> RegistrationRequest:
    """Staff: reject a submitted request with a reason, which is mailed to the representative."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Geef een reden op: de aanvrager krijgt die per e-mail.", field="reason")
    request = _decide(context, request_id, "reject", reason=reason)
    send_mail(
        request.email,
        "Uw aanvraag voor registratie is afgewezen",
        "smartcards/mail_request_rejected",
        request=request,
    )
    return request


def accepted_request(subscriber_number: str) -> RegistrationRequest | None:
    """The accepted, not yet validated request with this subscriber number (at most one: see OPEN_STATES)."""
    return db.session.execute(
        select(RegistrationRequest).where(
            RegistrationRequest.subscriber_number == subscriber_number, RegistrationRequest.state == "accepted"
        )
    ).scalar_one_or_none()


def validated_organisation(subscriber_number: str) -> Organisation | None:
    """The organisation validated with this subscriber number (at most one: see OPEN_STATES)."""
    return db.session.execute(
        select(Organisation)
        .join(RegistrationRequest, RegistrationRequest.organisation_id == Organisation.id)
        .where(RegistrationRequest.state == "validated", RegistrationRequest.subscriber_number == subscriber_number)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class RequestPage:
    requests: list[RegistrationRequest]
    number: int
    has_next: bool
    counts: dict[str, int]  # state -> how many requests are in it (all of them, not this page's)

    @property
    def waiting(self) -> int:
        return self.counts.get("submitted", 0)


def staff_list(context, state: str | None = None, page: int = 1) -> RequestPage:
    """Staff: the requests, newest first, optionally in one state; PER_PAGE to a page, at most MAX_PAGE deep."""
    context.require_staff()
    if state is not None and state not in request_states.STATES:
        raise DomainError("Kies een status uit de lijst.", field="status")
    page = min(max(1, page), MAX_PAGE)
    query = select(RegistrationRequest).order_by(RegistrationRequest.created_at.desc(), RegistrationRequest.id.desc())
    if state is not None:
        query = query.where(RegistrationRequest.state == state)
    rows = list(db.session.execute(query.offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1)).scalars())
    counts = dict(
        db.session.execute(select(RegistrationRequest.state, func.count()).group_by(RegistrationRequest.state)).all()
    )
    return RequestPage(rows[:PER_PAGE], page, len(rows) > PER_PAGE and page < MAX_PAGE, counts)


# The staff dashboard's count of requests waiting for a decision (core.modules.Waiting).
WAITING_REQUESTS = select(func.count()).select_from(RegistrationRequest).where(RegistrationRequest.state == "submitted")


def waiting_params(context) -> dict:
    return {}


def waiting_said(count: int) -> str | None:
    return f"{count} {'aanvraag' if count == 1 else 'aanvragen'} te beoordelen" if count else None


def _decide(context, request_id: int, action: str, reason: str = "") -> RegistrationRequest:
    """Take a staff action on the request through the state table (a Dutch refusal where it does not allow it)."""
    context.require_staff()
    request = db.session.execute(
        select(RegistrationRequest).where(RegistrationRequest.id == request_id).with_for_update()
    ).scalar_one_or_none()
    if request is None:
        raise NotFound()
    before = request.state
    request.state = request_states.next_state(before, action)
    request.decided_at, request.decided_by_id = utcnow(), context.user_id
    if reason:
        request.reason = reason[:500]
    db.session.flush()
    audit(
        f"smartcard_request.{action}",
        subject=_subject(request),
        organisation_id=None,
        old_state=before,
        new_state=request.state,
        **({"reason": reason} if reason else {}),
    )
    return request


def _holds_number(subscriber_number: str) -> bool:
    return (
        db.session.execute(
            select(RegistrationRequest.id).where(
                RegistrationRequest.subscriber_number == subscriber_number,
                RegistrationRequest.state.in_(OPEN_STATES),
            )
        ).first()
        is not None
    )


def _subject(request: RegistrationRequest) -> str:
    return f"registration_request:{request.id}"


def known_organisation(registration: RegistrationRequest) -> Organisation | None:
    """The organisation Loket already has with the request's KvK number: validating the request makes its
    representative that organisation's administrator (the staff see so before they accept)."""
    return db.session.execute(
        select(Organisation)
        .where(Organisation.kvk_number == registration.kvk_number)
        .order_by(Organisation.id)
        .limit(1)
    ).scalar_one_or_none()
