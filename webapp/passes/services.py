"""The rules of digital passes: whose holders a contact person sees, their selection, their requests.

Scope (decided): a user sees the holders of every organisation where their membership carries the
passes mandate (admins hold every mandate). The list starts on "Alle Organisaties" across those
organisations; the organisation filter narrows it to one of them. Every function that acts for a user
takes the acting context and refuses (NotFound) unless it has the passes mandate itself. Requests
belong to the user who submitted them, whatever organisation they act for, and stay open to them only
while they keep the passes mandate at every organisation the request's holders were selected through.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import bindparam, delete, exists, func, insert, literal_column, select, union_all, update
from sqlalchemy.exc import IntegrityError

from webapp.accounts.models import Mandate, Membership, Organisation
from webapp.core.audit import audit
from webapp.core.auth import ActingContext
from webapp.core.errors import DomainError, NotFound
from webapp.core.jobs import enqueue_after_commit, queue_reachable
from webapp.core.signals import membership_changed
from webapp.core.storage import StoredFile
from webapp.core.timeutil import utcnow
from webapp.core.transactions import after_commit
from webapp.extensions import db
from webapp.passes import archive, listing
from webapp.passes.listing import Filters, Page, SelectionSummary
from webapp.passes.models import (
    AVAILABLE_DAYS,
    SELECTION_LIMIT,
    ExamType,
    HolderOrganisation,
    PassRequest,
    PassRequestItem,
    Qualification,
    SelectionCounter,
    SelectionItem,
)

SERVICE = "passes"


# --- scope ---------------------------------------------------------------------------------------

_HAS_PASSES_MANDATE = (Membership.role == "admin") | exists().where(
    Mandate.membership_id == Membership.id, Mandate.service == SERVICE
)
_SCOPE = (
    select(Organisation.id, Organisation.name)
    .join(Membership, Membership.organisation_id == Organisation.id)
    .where(Membership.user_id == bindparam("user_id"), _HAS_PASSES_MANDATE)
)
# The list's choices in one round trip: the scope's organisations (kind 0), then the exam types (kind 1).
_CHOICES = union_all(
    _SCOPE.add_columns(literal_column("0").label("kind")),
    select(ExamType.id, ExamType.name, literal_column("1").label("kind")),
).order_by("kind", "name")


def _user_id(context: ActingContext) -> int:
    """The acting user's id, once their context holds the passes mandate; NotFound otherwise."""
    context.require_mandate(SERVICE)
    return context.user_id


def _scope(user_id: int) -> list:
    return list(db.session.execute(_SCOPE.order_by(Organisation.name), {"user_id": user_id}).all())


def _scope_ids(user_id: int) -> list[int]:
    return [organisation.id for organisation in _scope(user_id)]


def scope_organisations(context: ActingContext) -> list:
    """Organisations where the user may download passes (passes mandate, or admin): rows of (id, name)."""
    return _scope(_user_id(context))


def list_choices(context: ActingContext) -> tuple[list, list]:
    """The scope's organisations and the exam types, as (id, name) rows by name."""
    rows = db.session.execute(_CHOICES, {"user_id": _user_id(context)}).all()
    return [row for row in rows if row.kind == 0], [row for row in rows if row.kind == 1]


# --- the list ------------------------------------------------------------------------------------


def holder_list(context: ActingContext, filters: Filters, organisations: list | None = None) -> Page:
    """One page of the holders in the user's scope (`organisations`: the scope's (id, name) rows, when the
    caller has them from list_choices), with the count and the selection counter."""
    user_id = _user_id(context)
    if organisations is None:
        organisations = _scope(user_id)
    return listing.page_of(filters, {organisation.id: organisation.name for organisation in organisations}, user_id)


def holder_count(context: ActingContext, filters: Filters) -> int:
    """How many holders (at organisations) match, up to listing.MAX_ROWS + 1."""
    return listing.count(filters, _scope_ids(_user_id(context)))


def holder_organisation_in_scope(
    context: ActingContext, holder_organisation_id: int, organisation_ids: list[int] | None = None
) -> HolderOrganisation:
    """The holder at an organisation, when that is one of the user's (`organisation_ids`, when the caller
    has them); NotFound otherwise."""
    user_id = _user_id(context)
    holder_organisation = db.session.get(HolderOrganisation, holder_organisation_id)
    scope = _scope_ids(user_id) if organisation_ids is None else organisation_ids
    if holder_organisation is None or holder_organisation.organisation_id not in scope:
        raise NotFound()
    return holder_organisation


def holder_details(
    context: ActingContext, holder_organisation_id: int, organisation_ids: list[int] | None = None
) -> tuple[HolderOrganisation, list[Qualification]]:
    holder_organisation = holder_organisation_in_scope(context, holder_organisation_id, organisation_ids)
    qualifications = list(
        db.session.execute(
            select(Qualification)
            .where(Qualification.holder_id == holder_organisation.holder_id)
            .order_by(Qualification.name)
        ).scalars()
    )
    return holder_organisation, qualifications


# --- the selection (kept on the server, at most SELECTION_LIMIT holders) ----------------------------


def is_selected(context: ActingContext, holder_id: int) -> bool:
    return (
        db.session.execute(
            select(SelectionItem.id).where(
                SelectionItem.user_id == _user_id(context), SelectionItem.holder_id == holder_id
            )
        ).first()
        is not None
    )


def selection_summary(context: ActingContext) -> SelectionSummary:
    count, organisations = db.session.execute(
        select(func.count(SelectionItem.id), func.count(func.distinct(HolderOrganisation.organisation_id)))
        .join(HolderOrganisation, HolderOrganisation.id == SelectionItem.holder_organisation_id)
        .where(SelectionItem.user_id == _user_id(context))
    ).one()
    return SelectionSummary(count, organisations)


@dataclass
class AddResult:
    added: int
    capped: bool


def add_to_selection(context: ActingContext, holder_organisation_ids: list[int]) -> AddResult:
    """Add these holders (at organisations in scope, not chosen yet) up to the cap, atomically."""
    user_id = _user_id(context)
    scope = _scope_ids(user_id)
    have = _lock_selection(user_id)
    wanted = (
        _one_per_holder(
            db.session.execute(
                select(HolderOrganisation.id, HolderOrganisation.holder_id)
                .where(
                    HolderOrganisation.id.in_(holder_organisation_ids),
                    HolderOrganisation.organisation_id.in_(scope),
                    ~exists().where(
                        SelectionItem.user_id == user_id, SelectionItem.holder_id == HolderOrganisation.holder_id
                    ),
                )
                .order_by(HolderOrganisation.number, HolderOrganisation.organisation_id)
            ).all()
        )
        if holder_organisation_ids
        else []
    )
    return _insert_capped(user_id, have, wanted)


def add_all_to_selection(context: ActingContext, filters: Filters) -> AddResult:
    """Add every holder matching the filter (in list order) up to the cap."""
    user_id = _user_id(context)
    scope = _scope_ids(user_id)
    have = _lock_selection(user_id)
    room = max(SELECTION_LIMIT - have, 0)
    query, params = listing.unselected(filters, scope, user_id)
    # The list has a row per holder per organisation: read on until room + 1 DIFFERENT holders
    # (or the end), so the cap counts holders and "capped" is only said when one was left out.
    rows, batch = [], room + 1
    while True:
        chunk = db.session.execute(query.limit(batch).offset(len(rows)), params).all()
        rows += chunk
        wanted = _one_per_holder(rows)
        if len(chunk) < batch or len(wanted) > room:
            break
    return _insert_capped(user_id, have, wanted)


def remove_from_selection(context: ActingContext, holder_organisation_id: int) -> None:
    """Remove the holder at this organisation (whichever organisation's row added them); NotFound when
    it is not in the user's scope."""
    holder_organisation = holder_organisation_in_scope(context, holder_organisation_id)
    db.session.execute(
        delete(SelectionItem).where(
            SelectionItem.user_id == context.user_id, SelectionItem.holder_id == holder_organisation.holder_id
        )
    )
    _store_count(context.user_id)


def clear_selection(context: ActingContext) -> None:
    _clear_selection(_user_id(context))


def selection_exam_types(context: ActingContext) -> list[ExamType]:
    """The exam types among the selected holders' qualifications (the options page offers these)."""
    return list(
        db.session.execute(
            select(ExamType)
            .where(
                exists().where(
                    Qualification.exam_type_id == ExamType.id,
                    Qualification.holder_id.in_(_selected_holder_ids(_user_id(context))),
                )
            )
            .order_by(ExamType.name)
        ).scalars()
    )


def selection_expiry_dates(context: ActingContext) -> list[date]:
    return list(
        db.session.execute(
            select(Qualification.expires_on)
            .distinct()
            .where(
                Qualification.holder_id.in_(_selected_holder_ids(_user_id(context))),
                Qualification.expires_on.is_not(None),
            )
            .order_by(Qualification.expires_on)
        ).scalars()
    )


def _selected_holder_ids(user_id: int):
    return select(SelectionItem.holder_id).where(SelectionItem.user_id == user_id)


def _lock_selection(user_id: int) -> int:
    """Lock the user's counter row for this transaction (on SQLite the writing request holds the database's
    write lock); return the selection's real size."""
    counter = db.session.execute(
        select(SelectionCounter).where(SelectionCounter.user_id == user_id).with_for_update()
    ).scalar_one_or_none()
    if counter is None:
        try:
            with db.session.begin_nested():
                db.session.add(SelectionCounter(user_id=user_id, count=0))
        except IntegrityError:
            pass  # made by a concurrent request; lock it below
        db.session.execute(select(SelectionCounter).where(SelectionCounter.user_id == user_id).with_for_update())
    return _selection_size(user_id)


def _selection_size(user_id: int) -> int:
    return db.session.execute(
        select(func.count()).select_from(SelectionItem).where(SelectionItem.user_id == user_id)
    ).scalar_one()


def _store_count(user_id: int) -> None:
    db.session.execute(
        update(SelectionCounter).where(SelectionCounter.user_id == user_id).values(count=_selection_size(user_id))
    )


def _clear_selection(user_id: int) -> None:
    db.session.execute(delete(SelectionItem).where(SelectionItem.user_id == user_id))
    _store_count(user_id)


def _first_per_holder(items, holder_id) -> list:
    """The items with each holder once (`holder_id(item)`): the holder's first item in the given order."""
    seen, unique = set(), []
    for item in items:
        if holder_id(item) not in seen:
            seen.add(holder_id(item))
            unique.append(item)
    return unique


def _one_per_holder(rows) -> list[tuple[int, int]]:
    """(holder organisation id, holder id) pairs with each holder once."""
    return [
        (holder_organisation_id, holder_id)
        for holder_organisation_id, holder_id in _first_per_holder(rows, lambda row: row[1])
    ]


def _insert_capped(user_id: int, have: int, wanted: list[tuple[int, int]]) -> AddResult:
    room = max(SELECTION_LIMIT - have, 0)
    chosen = wanted[:room]
    if chosen:
        now = utcnow()
        db.session.execute(
            insert(SelectionItem),
            [
                dict(
                    user_id=user_id, holder_organisation_id=holder_organisation_id, holder_id=holder_id, created_at=now
                )
                for holder_organisation_id, holder_id in chosen
            ],
        )
        _store_count(user_id)
    return AddResult(added=len(chosen), capped=len(wanted) > room)


@membership_changed.connect
def _drop_selection_outside_scope(sender, user_id: int, **extra) -> None:
    """A withdrawn mandate or membership takes the holders selected through it out of the user's selection."""
    outside = select(HolderOrganisation.id).where(
        HolderOrganisation.id == SelectionItem.holder_organisation_id,
        HolderOrganisation.organisation_id.not_in(_scope_ids(user_id)),
    )
    db.session.execute(delete(SelectionItem).where(SelectionItem.user_id == user_id, outside.exists()))
    _store_count(user_id)


# --- requests ------------------------------------------------------------------------------------


def submit_request(
    context: ActingContext,
    idempotency_key: str,
    *,
    reference: str = "",
    exam_type_ids: list[int] | None = None,
    expiry_dates: list[str] | None = None,
) -> PassRequest:
    """Turn the selection into a request for the acting organisation; its build starts once the transaction
    commits. A second submit with the same key returns the first request. When the queue is down nothing is
    stored and the selection stays."""
    user_id = _user_id(context)
    key, reference = _checked_submission(idempotency_key, reference)
    existing = _request_with_key(user_id, key)
    if existing is not None:
        return existing
    _lock_selection(user_id)  # two submits at once (two tabs) consume the selection once
    existing = _request_with_key(user_id, key)
    if existing is not None:
        return existing
    selected = _selected_holder_organisations(user_id)
    if not _passes_to_make([chosen.holder_id for chosen in selected], exam_type_ids, expiry_dates):
        raise DomainError(
            "Met deze keuzes wordt geen enkel pasje gemaakt: geen kwalificatie van de gekozen examentypes "
            "heeft een van de gekozen vervaldata. Kies andere examentypes of vervaldata."
        )
    if not queue_reachable():
        raise DomainError(
            "De pasjes kunnen nu niet worden aangemaakt: de verwerking is tijdelijk niet bereikbaar. "
            "Uw selectie is bewaard; probeer het over een paar minuten opnieuw."
        )
    request = _store_request(user_id, context.organisation_id, key, reference, selected, exam_type_ids, expiry_dates)
    _clear_selection(user_id)
    audit(
        "passes.request",
        organisation_id=context.organisation_id,
        subject=f"request {request.id}",
        holders=len(selected),
        new_state=request.status,
    )
    # Should the queue be down by then, the request stays queued until it counts as stuck (Mislukt, with
    # the retry action).
    enqueue_after_commit(archive.start_build, request.id)
    return request


def _checked_submission(idempotency_key: str, reference: str) -> tuple[str, str]:
    key = (idempotency_key or "")[:64]
    if not key or "\x00" in key:
        raise DomainError("Het formulier is verlopen; probeer het opnieuw.")
    reference = (reference or "").strip()
    if "\x00" in reference:
        raise DomainError("Het kenmerk bevat een ongeldig teken.", field="kenmerk")
    if len(reference) > PassRequest.reference.type.length:
        raise DomainError(
            f"Het kenmerk mag maximaal {PassRequest.reference.type.length} tekens lang zijn.", field="kenmerk"
        )
    return key, reference


def _request_with_key(user_id: int, key: str) -> PassRequest | None:
    return db.session.execute(
        select(PassRequest).where(PassRequest.user_id == user_id, PassRequest.idempotency_key == key)
    ).scalar_one_or_none()


def _selected_holder_organisations(user_id: int) -> list[HolderOrganisation]:
    """The selection's holders at the organisations still in scope, each holder once, by number."""
    selected = db.session.execute(
        select(HolderOrganisation)
        .join(SelectionItem, SelectionItem.holder_organisation_id == HolderOrganisation.id)
        .where(SelectionItem.user_id == user_id, HolderOrganisation.organisation_id.in_(_scope_ids(user_id)))
        .order_by(HolderOrganisation.number)
    ).scalars()
    unique = _first_per_holder(selected, lambda chosen: chosen.holder_id)
    if not unique:
        raise DomainError(
            "Er zijn geen kwalificatiehouders geselecteerd. Is deze selectie al ingediend, bijvoorbeeld in een "
            "ander tabblad? Dan staat het verzoek bij Ingestuurde verzoeken. Anders: voeg eerst één of meer "
            "kwalificatiehouders toe."
        )
    return unique


def _store_request(
    user_id: int,
    organisation_id: int | None,
    key: str,
    reference: str,
    selected: list[HolderOrganisation],
    exam_type_ids,
    expiry_dates,
) -> PassRequest:
    request = PassRequest(
        user_id=user_id,
        organisation_id=organisation_id,
        idempotency_key=key,
        reference=reference,
        status="queued",
        options={"exam_types": [int(i) for i in exam_type_ids or []], "expiry_dates": sorted(set(expiry_dates or []))},
        progress_total=len(selected),
        expires_at=utcnow() + timedelta(days=AVAILABLE_DAYS),
        touched_at=utcnow(),
    )
    request.items = [
        PassRequestItem(
            holder_id=chosen.holder_id, organisation_id=chosen.organisation_id, external_number=chosen.external_number
        )
        for chosen in selected
    ]
    db.session.add(request)
    db.session.flush()
    request.file_name = archive.archive_name(request.id)
    return request


def _passes_to_make(holder_ids: list[int], exam_type_ids: list[int] | None, expiry_dates: list[str] | None) -> int:
    """How many passes these options make for these holders (what archive.chosen_qualifications picks)."""
    query = select(func.count()).select_from(Qualification).where(Qualification.holder_id.in_(holder_ids))
    if exam_type_ids:
        query = query.where(Qualification.exam_type_id.in_(exam_type_ids))
    if expiry_dates:
        query = query.where(Qualification.expires_on.in_([date.fromisoformat(day) for day in expiry_dates]))
    return db.session.execute(query).scalar_one()


def my_requests(context: ActingContext, search: str = "") -> list[PassRequest]:
    """The user's requests, newest first; with `search`, those whose kenmerk contains it (any case)."""
    query = select(PassRequest).where(PassRequest.user_id == _user_id(context))
    if search:
        pattern = f"%{listing.like_escape(search.lower())}%"
        query = query.where(func.lower(PassRequest.reference).like(pattern, escape="\\"))
    return list(db.session.execute(query.order_by(PassRequest.created_at.desc(), PassRequest.id.desc())).scalars())


def my_request_count(context: ActingContext) -> int:
    return db.session.execute(
        select(func.count()).select_from(PassRequest).where(PassRequest.user_id == _user_id(context))
    ).scalar_one()


def my_request(context: ActingContext, request_id: int) -> PassRequest:
    request = db.session.get(PassRequest, request_id)
    if request is None or request.user_id != _user_id(context):
        raise NotFound()
    return request


def closed_requests(context: ActingContext, requests: list[PassRequest]) -> set[int]:
    """The ids of those of the user's requests they may no longer open or rebuild: a holder in it was
    selected through an organisation where they no longer have the passes mandate (or that is gone)."""
    user_id = _user_id(context)
    if not requests:
        return set()
    item = PassRequestItem
    return set(
        db.session.execute(
            select(item.request_id)
            .distinct()
            .where(
                item.request_id.in_([request.id for request in requests]),
                item.organisation_id.is_(None) | item.organisation_id.not_in(_scope_ids(user_id)),
            )
        ).scalars()
    )


def _open_request(context: ActingContext, request_id: int) -> PassRequest:
    """The user's own request, while every organisation in it is still in their scope; NotFound otherwise."""
    request = my_request(context, request_id)
    if closed_requests(context, [request]):
        raise NotFound()
    return request


def download(context: ActingContext, request_id: int) -> StoredFile:
    """The ZIP of the user's own request while it is available and open to them; NotFound otherwise."""
    request = _open_request(context, request_id)
    if request.status != "available" or request.expires_at <= utcnow():  # past its days: the sweep expires it
        raise NotFound()
    return archive.ARCHIVES.file(archive.archive_name(request.id), mimetype="application/zip")


def delete_request(context: ActingContext, request_id: int) -> PassRequest:
    """The user's own request and its archive, gone before its days are up (audited). One being built is
    refused: its build jobs would write its files after the delete."""
    request = my_request(context, request_id)
    db.session.refresh(request, with_for_update=True)  # not retried or built meanwhile (SQLite: the write lock)
    if not request.is_finished:
        raise DomainError(
            "Dit verzoek wordt nog aangemaakt; u kunt het verwijderen zodra het beschikbaar of mislukt is."
        )
    audit(
        "passes.request_deleted",
        organisation_id=request.organisation_id,
        subject=f"request {request.id}",
        old_state=request.status,
        new_state="deleted",
    )
    db.session.delete(request)
    after_commit(archive.delete_files, request.id)
    return request


def retry_request(context: ActingContext, request_id: int) -> PassRequest:
    request = _open_request(context, request_id)
    if request.status != "failed":
        return request
    if not queue_reachable():
        raise DomainError("De verwerking is tijdelijk niet bereikbaar; probeer het over een paar minuten opnieuw.")
    request.status, request.progress_done, request.error, request.touched_at = "queued", 0, "", utcnow()
    enqueue_after_commit(archive.start_build, request.id)
    return request


def expire_if_due(request: PassRequest) -> bool:
    if request.status != "expired" and request.expires_at <= utcnow():
        request.status = "expired"
        after_commit(archive.delete_files, request.id)
        return True
    return False


STUCK_AFTER = timedelta(minutes=30)  # well past a chunk job's 600 s timeout and its retry


def _stuck_cutoff():
    """Queued or building with no sign of life since then: its worker was killed outright, its job lost
    (or the in-process runner restarted)."""
    return utcnow() - current_app.config.get("PASSES_STUCK_AFTER", STUCK_AFTER)


def fail_stuck_requests(*where) -> int:
    """Stuck requests (those of `where`; the sweep: all) become Mislukt, with the retry action."""
    last = func.coalesce(PassRequest.touched_at, PassRequest.created_at)
    result = db.session.execute(
        update(PassRequest)
        .where(PassRequest.status.in_(("queued", "building")), last < _stuck_cutoff(), *where)
        .values(status="failed", error="timeout")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def settle(request: PassRequest) -> None:
    """Bring the request's status up to date where it is shown: Verlopen after its days, Mislukt when stuck
    (without a sweep, as in the embedded default, the page would otherwise poll it forever). Polled every
    second while building: it writes only for a request that looks stuck."""
    if expire_if_due(request) or request.status not in ("queued", "building"):
        return
    if (request.touched_at or request.created_at) < _stuck_cutoff() and fail_stuck_requests(
        PassRequest.id == request.id
    ):
        db.session.refresh(request)


def expire_requests() -> int:
    """Requests past their days become Verlopen and lose their file."""
    due = list(
        db.session.execute(
            select(PassRequest).where(PassRequest.status != "expired", PassRequest.expires_at <= utcnow())
        ).scalars()
    )
    for request in due:
        expire_if_due(request)
    return len(due)


def sweep() -> str:
    """Periodic: expire requests past their days, fail stuck ones."""
    return f"{expire_requests()} verzoek(en) verlopen, {fail_stuck_requests()} vastgelopen verzoek(en) op Mislukt gezet"


# --- verification (public: the QR code on a pass) -------------------------------------------------


def new_verify_token() -> str:
    return secrets.token_urlsafe(16)


def verification(token: str) -> Qualification:
    if not re.fullmatch(r"[A-Za-z0-9_-]{10,32}", token or ""):
        raise NotFound()
    qualification = db.session.execute(
        select(Qualification).where(Qualification.verify_token == token)
    ).scalar_one_or_none()
    if qualification is None:
        raise NotFound()
    return qualification


# The start page's count on the passes tile: the user's requests ready to download (see core.modules.Waiting).
READY_REQUESTS = (
    select(func.count())
    .select_from(PassRequest)
    .where(
        PassRequest.user_id == bindparam("ready_requests_user"),
        PassRequest.status == "available",
        PassRequest.expires_at > bindparam("ready_requests_now"),
    )
)


def ready_requests_params(context: ActingContext) -> dict:
    return {"ready_requests_user": _user_id(context), "ready_requests_now": utcnow()}


def ready_requests_said(count: int) -> str | None:
    return f"{count} {'verzoek' if count == 1 else 'verzoeken'} beschikbaar" if count else None
