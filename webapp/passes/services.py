"""The rules of digital passes: who sees which holders, the selection, requests and their files.

Scope (decided): a user sees the holders of every organisation where their membership carries
the passes mandate (admins hold every mandate). The list starts on "Alle Organisaties" across
those organisations; the organisation filter narrows it to one of them. The acting context must
itself have the passes mandate (the views check that); requests belong to the user who submitted
them, whatever organisation they act for.
"""
import base64
import json
import re
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from flask import current_app

from sqlalchemy import and_, delete, exists, func, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from webapp.core.errors import DomainError, NotFound
from webapp.core.timeutil import parse_date, today_local, utcnow
from webapp.extensions import db
from webapp.organisations.models import Mandate, Membership, Organisation
from webapp.passes.models import (
    SELECTION_LIMIT, ExamType, Holder, HolderOrganisation, LinkExamType, PassRequest, PassRequestItem, Qualification,
    SelectionCounter, SelectionItem, name_key,
)

PAGE_SIZE = 25
MAX_PAGE = 400  # bounded paging: 10,000 rows deep; narrow the filter to go further
AVAILABLE_DAYS = 7
SORTS = {
    "nummer": HolderOrganisation.number,
    "naam": HolderOrganisation.name_key,
    "geboortedatum": HolderOrganisation.birth_date,
    "vervaldatum": HolderOrganisation.expires_on,
    "status": HolderOrganisation.expires_on,
    "extern": HolderOrganisation.external_number,
}


# --- scope -------------------------------------------------------------------------------------

def scope_organisations(user_id: int) -> list:
    """Organisations where this user may download passes (passes mandate, or admin): rows of (id, name)."""
    has_mandate = exists().where(Mandate.membership_id == Membership.id, Mandate.service == "passes")
    return list(db.session.execute(
        select(Organisation.id, Organisation.name).join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user_id, (Membership.role == "admin") | has_mandate)
        .order_by(Organisation.name)
    ).all())


def scope_ids(user_id: int) -> list[int]:
    return [organisation.id for organisation in scope_organisations(user_id)]


# --- filters and the list ----------------------------------------------------------------------

@dataclass
class Filters:
    organisation: int | None = None
    exam_type: int | None = None
    exam_number: str = ""
    expires_from: date | None = None
    expires_to: date | None = None
    q: str = ""
    sort: str = "nummer"
    direction: str = "asc"
    page: int = 1
    after: str = ""   # keyset: the page starts after this row's sort key ("Volgende")
    before: str = ""  # keyset: the page ends before this row's sort key ("Vorige")

    @classmethod
    def from_args(cls, args) -> "Filters":
        def integer(name):
            value = (args.get(name) or "").strip()
            return int(value) if value.isdigit() else None

        sort = args.get("sort", "nummer")
        return cls(
            organisation=integer("organisatie"),
            exam_type=integer("examentype"),
            exam_number=(args.get("examennummer") or "").strip()[:30],
            expires_from=parse_date(args.get("vervaldatum_van", "")),
            expires_to=parse_date(args.get("vervaldatum_tot", "")),
            q=(args.get("zoek") or "").strip()[:100],
            sort=sort if sort in SORTS else "nummer",
            direction="desc" if args.get("richting") == "desc" else "asc",
            page=min(max(integer("pagina") or 1, 1), MAX_PAGE),
            after=(args.get("na") or "")[:300], before=(args.get("voor") or "")[:300] if not args.get("na") else "",
        )

    def args(self, **changes) -> dict:
        """The query-string arguments of these filters (with changes), leaving out defaults."""
        values = dict(
            organisatie=self.organisation, examentype=self.exam_type, examennummer=self.exam_number,
            vervaldatum_van=self.expires_from.isoformat() if self.expires_from else None,
            vervaldatum_tot=self.expires_to.isoformat() if self.expires_to else None,
            zoek=self.q, sort=self.sort, richting=self.direction, pagina=self.page, na=self.after, voor=self.before,
        )
        values.update(changes)
        if "na" not in changes and "voor" not in changes and set(changes) & {"pagina", "sort", "richting"}:
            values.update(na=None, voor=None)  # another page or order: the old key does not apply
        defaults = {"sort": "nummer", "richting": "asc", "pagina": 1}
        return {k: v for k, v in values.items() if v not in (None, "") and defaults.get(k) != v}

    @property
    def extended(self) -> bool:
        return bool(self.exam_type or self.exam_number or self.expires_from or self.expires_to)


def _prefix_range(column, prefix: str):
    """column starts with prefix, as a range a plain B-tree index can serve (on both databases)."""
    return and_(column >= prefix, column < prefix + "\U0010ffff", column.like(_like_escape(prefix) + "%", escape="\\"))


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class _Source:
    """The table a list query reads: the links, or (with an exam-type filter) the link x exam-type copies.

    Both carry organisation_id, number, name_key, birth_date, expires_on and external_number, so the
    conditions and the order are the same expressions on either; `id` is the link's id.
    """

    def __init__(self, filters: Filters):
        self.by_type = bool(filters.exam_type)
        self.table = LinkExamType if self.by_type else HolderOrganisation
        self.id = LinkExamType.link_id if self.by_type else HolderOrganisation.id

    def __getattr__(self, name):
        return getattr(self.table, name)


def _conditions(filters: Filters, organisation_ids: list[int], source: _Source | None = None) -> list:
    """WHERE conditions on the source table; the search picks ONE column by the input's shape."""
    t = source or _Source(filters)
    ids = organisation_ids
    if filters.organisation is not None:
        ids = [i for i in organisation_ids if i == filters.organisation]
    conditions = [t.organisation_id.in_(ids) if len(ids) != 1 else t.organisation_id == ids[0]]
    if t.by_type:
        conditions.insert(0, LinkExamType.exam_type_id == filters.exam_type)
    q = filters.q
    if q:
        birth = parse_date(q) if re.fullmatch(r"\d{1,2}-\d{1,2}-\d{4}|\d{4}-\d{2}-\d{2}", q) else None
        if birth:
            conditions.append(t.birth_date == birth)
        elif q.isdigit():
            conditions.append(_prefix_range(t.number, q[:8]))
        else:
            conditions.append(_prefix_range(t.name_key, name_key(q)))
    # The expiry range filters the list's Vervaldatum: the holder's latest expiry, copied on the row.
    if filters.expires_from:
        conditions.append(t.expires_on >= filters.expires_from)
    if filters.expires_to:
        conditions.append(t.expires_on <= filters.expires_to)
    if filters.exam_number:
        # an exam number picks a handful of holders: look them up first, then filter by a literal list
        # (the planner then drives from the holder_id index instead of walking a sort index)
        holder_ids = list(db.session.execute(
            select(Qualification.holder_id).distinct().where(Qualification.exam_number == filters.exam_number)
            .limit(EXAM_NUMBER_HOLDERS + 1)
        ).scalars())
        if len(holder_ids) > EXAM_NUMBER_HOLDERS:
            conditions.append(HolderOrganisation.holder_id.in_(
                select(Qualification.holder_id).where(Qualification.exam_number == filters.exam_number)))
        else:
            conditions.append(HolderOrganisation.holder_id.in_(holder_ids or [-1]))
        if t.by_type:
            conditions.append(HolderOrganisation.id == LinkExamType.link_id)
    return conditions


EXAM_NUMBER_HOLDERS = 2000


@dataclass
class Page:
    rows: list
    total: int
    page: int
    pages: int
    filters: Filters
    selected: set = field(default_factory=set)  # holder ids in the user's selection
    first_key: str = ""  # keyset keys of the first and last row (the Vorige/Volgende links carry them)
    last_key: str = ""
    more: bool = False  # more matches than the pages reach (total is then MAX_ROWS + 1)
    summary: "SelectionSummary | None" = None  # the user's selection counter, read with the count


def _order(filters: Filters, source: _Source | None = None) -> list:
    """Sort column, then number and organisation: unique, and exactly the order of the
    (sort column, number, organisation_id, id) indexes, so the database reads a page straight off one."""
    t = source or _Source(filters)
    columns = [getattr(t, SORTS[filters.sort].key), t.number, t.organisation_id]
    if filters.sort == "nummer":
        columns = columns[1:]
    return [c.desc() for c in columns] if filters.direction == "desc" else [c.asc() for c in columns]


def holder_list(user_id: int, filters: Filters, organisation_ids: list[int] | None = None) -> Page:
    """One page of holders (at organisations) in the user's scope.

    The count stops at the deepest reachable row (MAX_PAGE pages), the page's ids come from the
    link table alone (an index-ordered scan, no join), and only those 25 rows are then loaded.
    """
    ids = scope_ids(user_id) if organisation_ids is None else organisation_ids
    source = _Source(filters)
    conditions = _conditions(filters, ids, source)
    # one round trip: the count and the user's selection counter
    matches = select(source.id).where(*conditions).limit(MAX_ROWS + 1).subquery()
    selection = _summary_query(user_id).subquery()
    total, selected_count, selected_organisations = db.session.execute(select(
        select(func.count()).select_from(matches).scalar_subquery(), selection.c.count, selection.c.organisations)).one()
    pages = max(1, min(-(-total // PAGE_SIZE), MAX_PAGE))
    page = min(filters.page, pages)
    key = _decode_key(filters, filters.after or filters.before)
    if key is not None and page > 1:
        page_ids = _seek(source, conditions, filters, key, forward=bool(filters.after)) or [-1]
    else:
        page_ids = select(source.id).where(*conditions).order_by(*_order(filters, source)) \
            .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE).scalar_subquery()
    # One round trip: the page's 25 links as plain columns (no ORM entities) with the holder's name,
    # the organisation's name and whether the holder is selected, in list order (the links carry the
    # same sort columns as the copies the ids came from).
    today = today_local()
    rows, selected = [], set()
    for row in db.session.execute(
        select(*_LIST_COLUMNS, SelectionItem.id.label("selection_id"))
        .join(Holder, Holder.id == HolderOrganisation.holder_id)
        .join(Organisation, Organisation.id == HolderOrganisation.organisation_id)
        .outerjoin(SelectionItem, and_(SelectionItem.user_id == user_id, SelectionItem.holder_id == HolderOrganisation.holder_id))
        .where(HolderOrganisation.id.in_(page_ids)).order_by(*_order(filters, HolderOrganisation))
    ).all():
        item = ListRow(row, today)
        rows.append((item, item))
        if row.selection_id is not None:
            selected.add(row.holder_id)
    return Page(rows=rows, total=total, page=page, pages=pages, filters=filters, selected=selected,
                summary=SelectionSummary(selected_count, selected_organisations), more=total > MAX_ROWS, first_key=_encode_key(filters, rows[0][0]) if rows else "",
                last_key=_encode_key(filters, rows[-1][0]) if rows else "")


_LIST_COLUMNS = (
    HolderOrganisation.id, HolderOrganisation.holder_id, HolderOrganisation.organisation_id,
    HolderOrganisation.external_number, HolderOrganisation.number, HolderOrganisation.name_key,
    HolderOrganisation.birth_date, HolderOrganisation.expires_on, Holder.salutation, Holder.initials, Holder.infix,
    Holder.last_name, Organisation.name.label("organisation_name"),
)


class ListRow:
    """One list row as plain values: what the row template reads from a link (id, holder_id,
    expires_on, is_valid, external_number, organisation_name, the sort columns) and from its holder
    (number, display_name, birth_date); the list passes it as both."""

    __slots__ = ("id", "holder_id", "organisation_id", "external_number", "number", "name_key", "birth_date",
                 "expires_on", "display_name", "organisation_name", "is_valid")

    def __init__(self, row, today: date):
        self.id, self.holder_id, self.organisation_id = row.id, row.holder_id, row.organisation_id
        self.external_number, self.number, self.name_key = row.external_number, row.number, row.name_key
        self.birth_date, self.expires_on, self.organisation_name = row.birth_date, row.expires_on, row.organisation_name
        self.display_name = " ".join(part for part in (row.salutation, row.initials, row.infix, row.last_name) if part)
        self.is_valid = row.expires_on is not None and row.expires_on >= today


# --- keyset paging: Vorige/Volgende carry the boundary row's key, so a deep page reads 25 index entries
# from there instead of skipping every row before it (OFFSET). A page number typed into the URL
# still works (OFFSET, bounded by MAX_PAGE).

_DATE_SORTS = {"geboortedatum", "vervaldatum", "status"}


def _key_columns(filters: Filters, source) -> list:
    columns = [getattr(source, SORTS[filters.sort].key), source.number, source.organisation_id]
    return columns[1:] if filters.sort == "nummer" else columns


def _encode_key(filters: Filters, link) -> str:
    values = [getattr(link, column.key) for column in _key_columns(filters, HolderOrganisation)]
    values = [v.isoformat() if isinstance(v, date) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_key(filters: Filters, text: str):
    """The key as column values, or None when absent or not a well-formed key for this sort."""
    if not text:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        width = 2 if filters.sort == "nummer" else 3
        if not isinstance(values, list) or len(values) != width:
            return None
        *head, number, organisation = values
        if not isinstance(number, str) or not isinstance(organisation, int) or isinstance(organisation, bool):
            return None
        if head:
            value = head[0]
            if filters.sort in _DATE_SORTS:
                value = date.fromisoformat(value) if value is not None else None
            elif not isinstance(value, str):
                return None
            head = [value]
        return [*head, number, organisation]
    except (ValueError, TypeError):
        return None


def _seek(source, conditions, filters: Filters, key: list, forward: bool) -> list[int]:
    """The PAGE_SIZE ids after (forward) or before the key in list order, read straight off the
    (sort column, number, organisation, id) index with a row-value comparison. Only a date sort
    column can be NULL; NULLs sort last ascending on PostgreSQL and first on SQLite, so the rows
    are read in two segments (values, then NULLs, or the other way round)."""
    columns = _key_columns(filters, source)
    descending = (filters.direction == "desc") == forward
    order = [c.desc() if descending else c.asc() for c in columns]

    def after(cols, values):
        return tuple_(*cols) < tuple_(*values) if descending else tuple_(*cols) > tuple_(*values)

    def read(extra, limit):
        return list(db.session.execute(
            select(source.id).where(*conditions, *extra).order_by(*order).limit(limit)).scalars())

    nullable = filters.sort in _DATE_SORTS
    if not nullable:
        ids = read([after(columns, key)], PAGE_SIZE)
    else:
        first, rest = columns[0], columns[1:]
        nulls_first = (db.session.get_bind().dialect.name == "sqlite") != descending
        if key[0] is None:
            ids = read([first.is_(None), after(rest, key[1:])], PAGE_SIZE)
            if len(ids) < PAGE_SIZE and nulls_first:
                ids += read([first.is_not(None)], PAGE_SIZE - len(ids))
        else:
            ids = read([after(columns, key)], PAGE_SIZE)
            if len(ids) < PAGE_SIZE and not nulls_first:
                ids += read([first.is_(None)], PAGE_SIZE - len(ids))
    return ids if forward else ids[::-1]


MAX_ROWS = MAX_PAGE * PAGE_SIZE


def _count(conditions, source: _Source) -> int:
    """The number of matches, counted up to one past the deepest reachable row (MAX_ROWS + 1)."""
    matches = select(source.id).where(*conditions).limit(MAX_ROWS + 1).subquery()
    return db.session.execute(select(func.count()).select_from(matches)).scalar_one()


def holder_count(user_id: int, filters: Filters, organisation_ids: list[int] | None = None) -> int:
    """How many holders (at organisations) match; the list's count query on its own."""
    source = _Source(filters)
    return _count(_conditions(filters, scope_ids(user_id) if organisation_ids is None else organisation_ids, source), source)


def link_in_scope(user_id: int, link_id: int) -> HolderOrganisation:
    link = db.session.get(HolderOrganisation, link_id)
    if link is None or link.organisation_id not in scope_ids(user_id):
        raise NotFound()
    return link


def holder_details(user_id: int, link_id: int) -> tuple[HolderOrganisation, list[Qualification]]:
    link = link_in_scope(user_id, link_id)
    qualifications = list(db.session.execute(
        select(Qualification).where(Qualification.holder_id == link.holder_id).order_by(Qualification.name)
    ).scalars())
    return link, qualifications


def exam_types() -> list:
    """(id, name) rows for the filter's choices."""
    return list(db.session.execute(select(ExamType.id, ExamType.name).order_by(ExamType.name)).all())


# --- the selection (kept on the server, at most 250) --------------------------------------------

@dataclass
class SelectionSummary:
    count: int
    organisations: int


def _summary_query(user_id: int):
    return (select(func.count(SelectionItem.id).label("count"),
                   func.count(func.distinct(HolderOrganisation.organisation_id)).label("organisations"))
            .join(HolderOrganisation, HolderOrganisation.id == SelectionItem.link_id)
            .where(SelectionItem.user_id == user_id))


def selection_summary(user_id: int) -> SelectionSummary:
    count, organisations = db.session.execute(_summary_query(user_id)).one()
    return SelectionSummary(count, organisations)


def _lock_selection(user_id: int) -> int:
    """Lock the user's counter row for this transaction; return the selection's real size."""
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
    return db.session.execute(select(func.count()).select_from(SelectionItem).where(SelectionItem.user_id == user_id)).scalar_one()


def _store_count(user_id: int) -> None:
    count = db.session.execute(select(func.count()).select_from(SelectionItem).where(SelectionItem.user_id == user_id)).scalar_one()
    db.session.execute(update(SelectionCounter).where(SelectionCounter.user_id == user_id).values(count=count))


@dataclass
class AddResult:
    added: int
    capped: bool


def _not_selected(user_id: int):
    """The link's holder is not in the user's selection yet (through this or another organisation)."""
    return ~exists().where(SelectionItem.user_id == user_id, SelectionItem.holder_id == HolderOrganisation.holder_id)


def first_per_holder(items, holder_id=lambda item: item.holder_id) -> list:
    """The items with each holder once: the holder's first item in the given order."""
    seen, unique = set(), []
    for item in items:
        if holder_id(item) not in seen:
            seen.add(holder_id(item))
            unique.append(item)
    return unique


def _one_per_holder(rows) -> list[tuple[int, int]]:
    """(link id, holder id) pairs with each holder once (its first link in the given order)."""
    return [(link_id, holder) for link_id, holder in first_per_holder(rows, holder_id=lambda row: row[1])]


def add_to_selection(user_id: int, link_ids: list[int]) -> AddResult:
    """Add these holders (in scope, not yet chosen) up to the cap, atomically; commits."""
    scope = scope_ids(user_id)
    try:
        have = _lock_selection(user_id)
        wanted = _one_per_holder(db.session.execute(
            select(HolderOrganisation.id, HolderOrganisation.holder_id).where(
                HolderOrganisation.id.in_(link_ids), HolderOrganisation.organisation_id.in_(scope),
                _not_selected(user_id),
            ).order_by(HolderOrganisation.number, HolderOrganisation.organisation_id)
        ).all()) if link_ids else []
        return _insert_capped(user_id, have, wanted)
    except Exception:
        db.session.rollback()
        raise


def add_all_to_selection(user_id: int, filters: Filters) -> AddResult:
    """Add every holder matching the filter (in list order) up to the cap; commits."""
    scope = scope_ids(user_id)
    try:
        have = _lock_selection(user_id)
        room = max(SELECTION_LIMIT - have, 0)
        source = _Source(filters)
        query = select(HolderOrganisation.id, HolderOrganisation.holder_id).where(
            *([HolderOrganisation.id == source.id] if source.by_type else []), *_conditions(filters, scope, source),
            _not_selected(user_id),
        ).order_by(*_order(filters, source))
        # The list has a row per holder per organisation: read on until room + 1 DIFFERENT holders
        # (or the end), so the cap counts holders and "capped" is only said when one was left out.
        rows, batch = [], room + 1
        while True:
            chunk = db.session.execute(query.limit(batch).offset(len(rows))).all()
            rows += chunk
            wanted = _one_per_holder(rows)
            if len(chunk) < batch or len(wanted) > room:
                break
        return _insert_capped(user_id, have, wanted)
    except Exception:
        db.session.rollback()
        raise


def _insert_capped(user_id: int, have: int, wanted: list[tuple[int, int]]) -> AddResult:
    room = max(SELECTION_LIMIT - have, 0)
    chosen = wanted[:room]
    if chosen:
        now = utcnow()
        db.session.execute(insert(SelectionItem), [dict(user_id=user_id, link_id=link_id, holder_id=holder_id, created_at=now)
                                                   for link_id, holder_id in chosen])
        _store_count(user_id)
    db.session.commit()
    return AddResult(added=len(chosen), capped=len(wanted) > room)


def remove_from_selection(user_id: int, link_id: int) -> None:
    """Remove this link's holder (whichever organisation's row added them)."""
    holder_id = select(HolderOrganisation.holder_id).where(HolderOrganisation.id == link_id).scalar_subquery()
    db.session.execute(delete(SelectionItem).where(SelectionItem.user_id == user_id, SelectionItem.holder_id == holder_id))
    _store_count(user_id)
    db.session.commit()


def clear_selection(user_id: int) -> None:
    db.session.execute(delete(SelectionItem).where(SelectionItem.user_id == user_id))
    _store_count(user_id)
    db.session.commit()


# --- requests ----------------------------------------------------------------------------------

def submit_request(user_id: int, organisation_id: int | None, idempotency_key: str, *, reference: str = "",
                   exam_type_ids: list[int] | None = None, expiry_dates: list[str] | None = None,
                   enqueue=None) -> PassRequest:
    """Turn the selection into a request and start building it.

    A second submit with the same key returns the first request. When the queue is down
    (`enqueue` raises QueueUnavailable) nothing is stored and the selection stays.
    """
    from webapp.core.jobs import QueueUnavailable

    key = (idempotency_key or "")[:64]
    if not key:
        raise DomainError("Het formulier is verlopen; probeer het opnieuw.")
    existing = db.session.execute(
        select(PassRequest).where(PassRequest.user_id == user_id, PassRequest.idempotency_key == key)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    scope = scope_ids(user_id)
    links = list(db.session.execute(
        select(HolderOrganisation).join(SelectionItem, SelectionItem.link_id == HolderOrganisation.id)
        .where(SelectionItem.user_id == user_id, HolderOrganisation.organisation_id.in_(scope))
        .order_by(HolderOrganisation.number)
    ).scalars())
    links = first_per_holder(links)  # a holder once, however the selection was made
    if not links:
        raise DomainError("Voeg eerst één of meer kwalificatiehouders toe.")
    request = PassRequest(
        user_id=user_id, organisation_id=organisation_id, idempotency_key=key, reference=(reference or "").strip()[:100],
        status="queued", options={"exam_types": [int(i) for i in exam_type_ids or []],
                                  "expiry_dates": sorted(set(expiry_dates or []))},
        progress_total=len(links), expires_at=utcnow() + timedelta(days=AVAILABLE_DAYS), touched_at=utcnow(),
    )
    request.items = [PassRequestItem(holder_id=link.holder_id, external_number=link.external_number) for link in links]
    db.session.add(request)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()  # the same key, submitted concurrently
        return db.session.execute(
            select(PassRequest).where(PassRequest.user_id == user_id, PassRequest.idempotency_key == key)
        ).scalar_one()
    request.file_name = f"pdf-arch-request-{request.id}.zip"
    db.session.execute(delete(SelectionItem).where(SelectionItem.user_id == user_id))
    _store_count(user_id)
    from webapp.core.audit import audit

    audit("passes.request", organisation_id=organisation_id, subject=f"request {request.id}", holders=len(links))
    db.session.commit()
    try:
        (enqueue or _start_build)(request.id)
    except QueueUnavailable:
        db.session.delete(request)  # nothing half-stored: the request goes, the selection comes back
        db.session.execute(insert(SelectionItem), [dict(user_id=user_id, link_id=link.id, holder_id=link.holder_id,
                                                        created_at=utcnow()) for link in links])
        _store_count(user_id)
        db.session.commit()
        raise DomainError("De pasjes kunnen nu niet worden aangemaakt: de verwerking is tijdelijk niet bereikbaar. "
                          "Uw selectie is bewaard; probeer het over een paar minuten opnieuw.")
    return request


def _start_build(request_id: int) -> None:
    from webapp.passes.jobs import start_build

    start_build(request_id)


def my_requests(user_id: int) -> list[PassRequest]:
    return list(db.session.execute(
        select(PassRequest).where(PassRequest.user_id == user_id).order_by(PassRequest.created_at.desc(), PassRequest.id.desc())
    ).scalars())


def my_request(user_id: int, request_id: int) -> PassRequest:
    request = db.session.get(PassRequest, request_id)
    if request is None or request.user_id != user_id:
        raise NotFound()
    return request


def storage_dir() -> Path:
    path = Path(current_app.config["STORAGE_DIR"]) / "passes"
    path.mkdir(parents=True, exist_ok=True)
    return path


def archive_path(request: PassRequest) -> Path:
    return storage_dir() / f"pdf-arch-request-{request.id}.zip"


def download_path(user_id: int, request_id: int) -> Path:
    """The ZIP of the user's own request while it is available; NotFound otherwise."""
    request = my_request(user_id, request_id)
    expire_if_due(request)
    path = archive_path(request)
    if request.status != "available" or not path.is_file():
        raise NotFound()
    return path


def retry_request(user_id: int, request_id: int, enqueue=None) -> PassRequest:
    from webapp.core.jobs import QueueUnavailable

    request = my_request(user_id, request_id)
    if request.status != "failed":
        return request
    request.status, request.progress_done, request.error, request.touched_at = "queued", 0, "", utcnow()
    db.session.commit()
    try:
        (enqueue or _start_build)(request.id)
    except QueueUnavailable:
        request.status = "failed"
        db.session.commit()
        raise DomainError("De verwerking is tijdelijk niet bereikbaar; probeer het over een paar minuten opnieuw.")
    return request


def expire_if_due(request: PassRequest) -> bool:
    if request.status != "expired" and request.expires_at <= utcnow():
        request.status = "expired"
        archive_path(request).unlink(missing_ok=True)
        shutil.rmtree(storage_dir() / f"request-{request.id}", ignore_errors=True)
        db.session.commit()
        return True
    return False


STUCK_AFTER = timedelta(minutes=30)  # well past a chunk job's 600 s timeout and its retry


def fail_stuck_requests(now=None) -> int:
    """Sweep: a request queued or building with no sign of life for STUCK_AFTER (its worker was killed
    outright, its job lost) becomes Mislukt, with the retry action."""
    cutoff = (now or utcnow()) - current_app.config.get("PASSES_STUCK_AFTER", STUCK_AFTER)
    last = func.coalesce(PassRequest.touched_at, PassRequest.created_at)
    result = db.session.execute(
        update(PassRequest).where(PassRequest.status.in_(("queued", "building")), last < cutoff)
        .values(status="failed", error="timeout").execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount


def expire_requests() -> int:
    """Sweep: requests past their 7 days become Verlopen and lose their file."""
    due = list(db.session.execute(
        select(PassRequest).where(PassRequest.status != "expired", PassRequest.expires_at <= utcnow())
    ).scalars())
    for request in due:
        expire_if_due(request)
    return len(due)


# --- verification ------------------------------------------------------------------------------

def new_verify_token() -> str:
    return secrets.token_urlsafe(16)


def verification(token: str) -> Qualification:
    if not re.fullmatch(r"[A-Za-z0-9_-]{10,32}", token or ""):
        raise NotFound()
    qualification = db.session.execute(select(Qualification).where(Qualification.verify_token == token)).scalar_one_or_none()
    if qualification is None:
        raise NotFound()
    return qualification


# --- keeping the list copies in step ------------------------------------------------------------

def refresh_links(holder: Holder) -> None:
    """Copy the holder's list columns (number, name key, birth date, latest expiry) onto their links,
    and the links' columns onto one LinkExamType row per exam type among the holder's qualifications."""
    expiries = [q.expires_on for q in holder.qualifications if q.expires_on]
    latest = max(expiries) if expiries else None
    type_ids = sorted({q.exam_type_id if q.exam_type_id is not None else (q.exam_type.id if q.exam_type else None)
                       for q in holder.qualifications} - {None})
    for link in holder.links:
        link.number, link.name_key, link.birth_date, link.expires_on = holder.number, name_key(holder.last_name), holder.birth_date, latest
        existing = {row.exam_type_id: row for row in link.exam_types}
        rows = []
        for type_id in type_ids:
            row = existing.get(type_id) or LinkExamType(exam_type_id=type_id)
            row.organisation_id, row.number, row.name_key = link.organisation_id, link.number, link.name_key
            row.birth_date, row.expires_on, row.external_number = link.birth_date, link.expires_on, link.external_number or ""
            rows.append(row)
        link.exam_types = rows


LINK_EXAM_TYPES_SQL = (
    "INSERT INTO passes_link_exam_types (link_id, exam_type_id, organisation_id, number, name_key, birth_date, "
    "expires_on, external_number) SELECT DISTINCT l.id, q.exam_type_id, l.organisation_id, l.number, l.name_key, "
    "l.birth_date, l.expires_on, l.external_number FROM passes_holder_links l "
    "JOIN passes_qualifications q ON q.holder_id = l.holder_id WHERE q.exam_type_id IS NOT NULL"
)


def bulk_link_exam_types(where: str = "", **params) -> None:
    """Fill LinkExamType for bulk-inserted links (the generator; the migration uses the same SQL)."""
    from sqlalchemy import text

    db.session.execute(text(LINK_EXAM_TYPES_SQL + (f" AND {where}" if where else "")), params)


def today() -> date:
    return today_local()


def _selected_holder_ids(user_id: int):
    return select(SelectionItem.holder_id).where(SelectionItem.user_id == user_id)


def selection_exam_types(user_id: int) -> list[ExamType]:
    """The exam types among the selected holders' qualifications (the options page offers these)."""
    return list(db.session.execute(
        select(ExamType).where(exists().where(
            Qualification.exam_type_id == ExamType.id, Qualification.holder_id.in_(_selected_holder_ids(user_id))
        )).order_by(ExamType.name)
    ).scalars())


def selection_expiry_dates(user_id: int) -> list[date]:
    return list(db.session.execute(
        select(Qualification.expires_on).distinct().where(
            Qualification.holder_id.in_(_selected_holder_ids(user_id)), Qualification.expires_on.is_not(None)
        ).order_by(Qualification.expires_on)
    ).scalars())
