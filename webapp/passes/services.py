"""The rules of digital passes: who sees which holders, the selection, requests and their files.

Scope (decided): a user sees the holders of every organisation where their membership carries
the passes mandate (admins hold every mandate). The list starts on "Alle Organisaties" across
those organisations; the organisation filter narrows it to one of them. The acting context must
itself have the passes mandate (the views check that); requests belong to the user who submitted
them, whatever organisation they act for, and stay open to them only while they keep the passes
mandate at every organisation the request's holders were selected through.
"""
import base64
import functools
import json
import re
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import (
    Integer,
    bindparam,
    delete,
    distinct,
    exists,
    func,
    insert,
    literal_column,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError

from webapp.accounts.models import Mandate, Membership, Organisation
from webapp.core.audit import audit
from webapp.core.errors import DomainError, NotFound
from webapp.core.ids import MAX_INTEGER, whole_number
from webapp.core.jobs import enqueue_logged, queue_reachable
from webapp.core.signals import membership_changed
from webapp.core.timeutil import parse_date, today_local, utcnow
from webapp.core.transactions import after_commit
from webapp.extensions import db
from webapp.passes.models import (
    SELECTION_LIMIT,
    ExamType,
    Holder,
    HolderOrganisation,
    HolderOrganisationCount,
    HolderOrganisationExamType,
    PassRequest,
    PassRequestItem,
    Qualification,
    SelectionCounter,
    SelectionItem,
    name_key,
)

PAGE_SIZE = 25
MAX_PAGE = 400  # bounded paging: 10,000 rows deep; narrow the filter to go further
AVAILABLE_DAYS = 7
SORTS = {  # the list's sort keys: the column each sorts on (the links and their exam-type copies have them all)
    "nummer": "number",
    "naam": "name_key",
    "geboortedatum": "birth_date",
    "vervaldatum": "expires_on",
    "status": "expires_on",
    "extern": "external_number",
}


# --- scope -------------------------------------------------------------------------------------

_HAS_PASSES_MANDATE = (Membership.role == "admin") | exists().where(Mandate.membership_id == Membership.id,
                                                                   Mandate.service == "passes")
_SCOPE = (select(Organisation.id, Organisation.name).join(Membership, Membership.organisation_id == Organisation.id)
          .where(Membership.user_id == bindparam("user_id"), _HAS_PASSES_MANDATE))
# The list's choices in one round trip: the scope's organisations (kind 0), then the exam types (kind 1).
_CHOICES = union_all(
    _SCOPE.add_columns(literal_column("0").label("kind")),
    select(ExamType.id, ExamType.name, literal_column("1").label("kind")),
).order_by("kind", "name")


def scope_organisations(user_id: int) -> list:
    """Organisations where this user may download passes (passes mandate, or admin): rows of (id, name)."""
    return list(db.session.execute(_SCOPE.order_by(Organisation.name), {"user_id": user_id}).all())


def scope_ids(user_id: int) -> list[int]:
    return [organisation.id for organisation in scope_organisations(user_id)]


def list_choices(user_id: int) -> tuple[list, list]:
    """The scope's organisations and the exam types, as (id, name) rows by name."""
    rows = db.session.execute(_CHOICES, {"user_id": user_id}).all()
    return [row for row in rows if row.kind == 0], [row for row in rows if row.kind == 1]


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
        """The filters in a query string or form; a value that is not what its field takes is left out."""
        def text(name, length):
            value = (args.get(name) or "").strip()
            return "" if "\x00" in value else value[:length]  # PostgreSQL cannot compare a NUL

        sort = args.get("sort", "nummer")
        return cls(
            organisation=whole_number(args.get("organisatie")),
            exam_type=whole_number(args.get("examentype")),
            exam_number=text("examennummer", 30),
            expires_from=parse_date(args.get("vervaldatum_van", "")),
            expires_to=parse_date(args.get("vervaldatum_tot", "")),
            q=text("zoek", 100),
            sort=sort if sort in SORTS else "nummer",
            direction="desc" if args.get("richting") == "desc" else "asc",
            page=min(whole_number(args.get("pagina")) or 1, MAX_PAGE),
            after=text("na", 300), before=text("voor", 300) if not args.get("na") else "",
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


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# The list's statements are built once per shape (which conditions, which order) and reused with the
# values as parameters: building a select cost more than PostgreSQL took to run it. LIMIT and OFFSET
# are written into the SQL (literal_execute): with them as parameters PostgreSQL re-planned the page
# query on every execution (0.5 ms) instead of reusing its plan.

_LINKS, _TYPES, _HOLDERS, _SELECTION, _COUNTS = (
    HolderOrganisation.__table__, HolderOrganisationExamType.__table__, Holder.__table__, SelectionItem.__table__, HolderOrganisationCount.__table__)


class _Source:
    """The table a list query reads: the links, or (with an exam-type filter) the link x exam-type copies.

    Both carry organisation_id, number, name_key, birth_date, expires_on and external_number, so the
    conditions and the order are the same expressions on either; `id` is the link's id.
    """

    def __init__(self, table, id_column):
        self.table, self.c, self.id = table, table.c, id_column


_LINK_SOURCE, _TYPE_SOURCE = _Source(_LINKS, _LINKS.c.id), _Source(_TYPES, _TYPES.c.holder_organisation_id)


@dataclass(frozen=True)
class _Shape:
    """What a list query's SQL depends on; the values travel as parameters."""

    by_type: bool = False
    one_organisation: bool = False
    search: str = ""  # "", "birth", "number" or "name": the search picks ONE column by the input's shape
    expires_from: bool = False
    expires_to: bool = False
    exam_number: str = ""  # "", "ids" (the holders, looked up first) or "query" (too many to list)
    sort: str = "nummer"
    descending: bool = False
    # SQLite, given organisation_id IN (...), drives the scan from an (organisation, sort column) index
    # and sorts every row in scope (11 ms on page 400); on `organisation_id + 0` it walks the sort
    # column's index in list order instead (2 ms). PostgreSQL plans well on its own.
    organisations_unindexed: bool = False

    @property
    def source(self) -> _Source:
        return _TYPE_SOURCE if self.by_type else _LINK_SOURCE

    @property
    def counted(self) -> bool:
        """Only organisations and an exam type: passes_holder_organisation_counts has the total."""
        return not (self.search or self.expires_from or self.expires_to or self.exam_number)


EXAM_NUMBER_HOLDERS = 2000
_SEARCH_DATE = re.compile(r"\d{1,2}-\d{1,2}-\d{4}|\d{4}-\d{2}-\d{2}")


def _shape_and_params(filters: Filters, organisation_ids: list[int]) -> tuple[_Shape, dict]:
    ids = organisation_ids
    if filters.organisation is not None:
        ids = [i for i in organisation_ids if i == filters.organisation]
    params = {"organisation": ids[0]} if len(ids) == 1 else {"organisations": list(ids)}
    if filters.exam_type:
        params["exam_type"] = filters.exam_type
    search, q = "", filters.q
    if q:
        birth = parse_date(q) if _SEARCH_DATE.fullmatch(q) else None
        if birth:
            search, params["birth"] = "birth", birth
        else:
            search, prefix = ("number", q[:8]) if q.isdigit() else ("name", name_key(q))
            # a prefix as a range a plain B-tree index can serve (on both databases)
            params.update(prefix=prefix, prefix_end=prefix + "\U0010ffff", prefix_like=_like_escape(prefix) + "%")
    # The expiry range filters the list's Vervaldatum: the holder's latest expiry, copied on the row.
    if filters.expires_from:
        params["expires_from"] = filters.expires_from
    if filters.expires_to:
        params["expires_to"] = filters.expires_to
    exam_number = ""
    if filters.exam_number:
        # an exam number picks a handful of holders: look them up first, then filter by a literal list
        # (the planner then drives from the holder_id index instead of walking a sort index)
        holder_ids = list(db.session.execute(
            select(Qualification.holder_id).distinct().where(Qualification.exam_number == filters.exam_number)
            .limit(EXAM_NUMBER_HOLDERS + 1)
        ).scalars())
        if len(holder_ids) > EXAM_NUMBER_HOLDERS:
            exam_number, params["exam_number"] = "query", filters.exam_number
        else:
            exam_number, params["exam_holders"] = "ids", holder_ids or [-1]
    shape = _Shape(by_type=bool(filters.exam_type), one_organisation=len(ids) == 1, search=search,
                   expires_from=bool(filters.expires_from), expires_to=bool(filters.expires_to),
                   exam_number=exam_number, sort=filters.sort, descending=filters.direction == "desc",
                   organisations_unindexed=len(ids) != 1 and db.engine.dialect.name == "sqlite")
    return shape, params


def _where(shape: _Shape) -> list:
    """The WHERE conditions of a shape, on its source table, with bound parameters."""
    c = shape.source.c
    organisation = c.organisation_id + literal_column("0") if shape.organisations_unindexed else c.organisation_id
    where = [organisation == bindparam("organisation") if shape.one_organisation
             else organisation.in_(bindparam("organisations", expanding=True))]
    if shape.by_type:
        where.insert(0, c.exam_type_id == bindparam("exam_type"))
    if shape.search == "birth":
        where.append(c.birth_date == bindparam("birth"))
    elif shape.search:
        column = c.number if shape.search == "number" else c.name_key
        where += [column >= bindparam("prefix"), column < bindparam("prefix_end"),
                  column.like(bindparam("prefix_like"), escape="\\")]
    if shape.expires_from:
        where.append(c.expires_on >= bindparam("expires_from"))
    if shape.expires_to:
        where.append(c.expires_on <= bindparam("expires_to"))
    if shape.exam_number:
        holders = (bindparam("exam_holders", expanding=True) if shape.exam_number == "ids" else
                   select(Qualification.holder_id).where(Qualification.exam_number == bindparam("exam_number")))
        where.append(_LINKS.c.holder_id.in_(holders))
        if shape.by_type:
            where.append(_LINKS.c.id == _TYPES.c.holder_organisation_id)
    return where


def _sort_columns(shape: _Shape, source: _Source) -> list:
    """Sort column, then number and organisation: unique, and exactly the order of the
    (sort column, number, organisation_id, id) indexes, so the database reads a page straight off one."""
    columns = [source.c.number, source.c.organisation_id]
    return columns if shape.sort == "nummer" else [source.c[SORTS[shape.sort]], *columns]


def _ordered(columns: list, descending: bool) -> list:
    return [c.desc() for c in columns] if descending else [c.asc() for c in columns]


def _beyond(columns: list, values: list, descending: bool):
    """The rows after these values in the order (a row-value comparison the index serves)."""
    return tuple_(*columns) < tuple_(*values) if descending else tuple_(*columns) > tuple_(*values)


MAX_ROWS = MAX_PAGE * PAGE_SIZE


def _limit(name: str, value: int | None = None):
    return bindparam(name, value, type_=Integer, literal_execute=True)


def _count_query(shape: _Shape):
    """The number of matches: for an organisation or exam-type view, the sum of its kept link counts;
    otherwise counted up to one past the deepest reachable row (MAX_ROWS + 1)."""
    if shape.counted:
        c = _COUNTS.c
        organisations = (c.organisation_id == bindparam("organisation") if shape.one_organisation
                         else c.organisation_id.in_(bindparam("organisations", expanding=True)))
        exam_type = bindparam("exam_type") if shape.by_type else literal_column("0")
        return select(func.coalesce(func.sum(c.holders), 0)).where(c.exam_type_id == exam_type, organisations)
    matches = select(shape.source.id).where(*_where(shape)).limit(_limit("count_limit", MAX_ROWS + 1)).subquery()
    return select(func.count()).select_from(matches)


def _head_columns(shape: _Shape) -> list:
    """The count of matches and the user's selection counter (holders, organisations)."""
    user = bindparam("user_id")
    chosen = select(func.count()).select_from(_SELECTION).where(_SELECTION.c.user_id == user)
    organisations = (select(func.count(distinct(_LINKS.c.organisation_id)))
                     .select_from(_SELECTION.join(_LINKS, _LINKS.c.id == _SELECTION.c.holder_organisation_id))
                     .where(_SELECTION.c.user_id == user))
    return [_count_query(shape).correlate(None).scalar_subquery().label("total"),
            chosen.correlate(None).scalar_subquery().label("selected_count"),
            organisations.correlate(None).scalar_subquery().label("selected_organisations")]


@functools.lru_cache(maxsize=1024)
def _page_query(shape: _Shape, mode: str):
    """A list page in one round trip: its links (plain columns, in list order) with the holder's name,
    whether the holder is selected, and on every row the count and the selection counter.

    The page's ids come from the source table alone: an index-ordered scan ("offset": a page number),
    a keyset seek ("after"/"before": the rows after or before a boundary row's key in list order;
    "null_after"/"null_before" when the key's sort value is NULL), or given ids ("ids")."""
    source, links = shape.source, _LINKS.c
    if mode == "ids":
        ids = bindparam("ids", expanding=True)
    else:
        columns = _sort_columns(shape, source)
        seek = []
        descending = shape.descending
        if mode != "offset":
            forward = mode.endswith("after")
            descending = shape.descending == forward
            keys = [bindparam(f"key{i}", type_=column.type) for i, column in enumerate(columns)]
            seek = ([columns[0].is_(None), _beyond(columns[1:], keys[1:], descending)] if mode.startswith("null")
                    else [_beyond(columns, keys, descending)])
        ids = (select(source.id).where(*_where(shape), *seek).order_by(*_ordered(columns, descending))
               .limit(_limit("page_size", PAGE_SIZE)).correlate(None))
        if mode == "offset":
            ids = ids.offset(_limit("offset"))
    selected = select(_SELECTION.c.id).where(_SELECTION.c.user_id == bindparam("user_id"),
                                             _SELECTION.c.holder_id == links.holder_id).exists()
    return (
        select(links.id, links.holder_id, links.organisation_id, links.external_number, links.number, links.name_key,
               links.birth_date, links.expires_on, _HOLDERS.c.salutation, _HOLDERS.c.initials, _HOLDERS.c.infix,
               _HOLDERS.c.last_name,  # ListRow reads these twelve by position
               selected.label("selected"), *_head_columns(shape))
        .select_from(_LINKS.join(_HOLDERS, _HOLDERS.c.id == links.holder_id))
        .where(links.id.in_(ids))
        .order_by(*_ordered(_sort_columns(shape, _LINK_SOURCE), shape.descending))
    )


@functools.lru_cache(maxsize=256)
def _head_query(shape: _Shape):
    return select(*_head_columns(shape))


@dataclass
class Page:
    rows: list  # ListRow: the link's columns and the holder's name
    total: int
    page: int
    pages: int
    filters: Filters
    selected: set = field(default_factory=set)  # holder ids in the user's selection
    first_key: str = ""  # keyset keys of the first and last row (the Vorige/Volgende links carry them)
    last_key: str = ""
    more: bool = False  # more matches than the pages reach (total is then MAX_ROWS + 1)
    summary: "SelectionSummary | None" = None  # the user's selection counter, read with the page


def holder_list(user_id: int, filters: Filters, organisations: list | None = None) -> Page:
    """One page of holders (at organisations) in the user's scope (`organisations`: their (id, name)
    rows, as list_choices() gives them), with the count and the selection counter.

    One round trip: the count comes from the kept link counts or stops at the deepest reachable row
    (MAX_PAGE pages), the page's ids come from the source table alone (an index-ordered scan or a keyset
    seek, no join), and only those 25 rows are joined to their holders.
    """
    run = db.session.execute
    if organisations is None:
        organisations = scope_organisations(user_id)
    names = {organisation.id: organisation.name for organisation in organisations}
    shape, params = _shape_and_params(filters, list(names))
    params["user_id"] = user_id
    key = _decode_key(filters, filters.after or filters.before) if filters.page > 1 else None
    if key is None:
        mode = "offset"
        params["offset"] = (filters.page - 1) * PAGE_SIZE
    else:
        forward = bool(filters.after)
        mode = ("null_" if key[0] is None and len(key) == 3 else "") + ("after" if forward else "before")
        params.update((f"key{i}", value) for i, value in enumerate(key))
    rows = run(_page_query(shape, mode), params).all()
    if key is not None and len(rows) < PAGE_SIZE and shape.sort in _DATE_SORTS \
            and (key[0] is None) == _nulls_first(shape, forward):
        # the page runs on past the NULL dates' boundary: read it in two segments
        ids = _seek(run, shape, params, key, forward)
        rows = run(_page_query(shape, "ids"), {**params, "ids": ids or [-1]}).all()
    head = rows[0] if rows else run(_head_query(shape), params).one()
    total = min(head.total, MAX_ROWS + 1)
    pages = max(1, min(-(-total // PAGE_SIZE), MAX_PAGE))
    page = min(filters.page, pages)
    if not rows and total:  # past the end (a typed page number, a stale key): the page that is there
        params["offset"] = (page - 1) * PAGE_SIZE
        rows = run(_page_query(shape, "offset"), params).all()
    today = today_local()
    items = [ListRow(row, today, names) for row in rows]
    return Page(rows=items, total=total, page=page, pages=pages, filters=filters,
                selected={row.holder_id for row in rows if row.selected},
                summary=SelectionSummary(head.selected_count, head.selected_organisations), more=total > MAX_ROWS,
                first_key=_encode_key(filters, items[0]) if items else "",
                last_key=_encode_key(filters, items[-1]) if items else "")


class ListRow:
    """One list row as plain values: what the row template reads from a link (id, holder_id,
    expires_on, is_valid, external_number, organisation_name, the sort columns) and from its holder
    (number, display_name, birth_date); the list passes it as both."""

    __slots__ = ("id", "holder_id", "organisation_id", "external_number", "number", "name_key", "birth_date",
                 "expires_on", "display_name", "organisation_name", "is_valid")

    def __init__(self, row, today: date, organisation_names: dict):
        # by position (a row's attribute lookup by name cost more than the rest of this together)
        (self.id, self.holder_id, self.organisation_id, self.external_number, self.number, self.name_key,
         self.birth_date, self.expires_on, salutation, initials, infix, last_name) = row[:12]
        self.organisation_name = organisation_names.get(self.organisation_id, "")
        self.display_name = " ".join(filter(None, (salutation, initials, infix, last_name)))
        self.is_valid = self.expires_on is not None and self.expires_on >= today


# --- keyset paging: Vorige/Volgende carry the boundary row's key, so a deep page reads 25 index entries
# from there instead of skipping every row before it (OFFSET). A page number typed into the URL
# still works (OFFSET, bounded by MAX_PAGE).

_DATE_SORTS = {"geboortedatum", "vervaldatum", "status"}


def _key_names(sort: str) -> list[str]:
    return ["number", "organisation_id"] if sort == "nummer" else [SORTS[sort], "number", "organisation_id"]


def _encode_key(filters: Filters, row) -> str:
    values = [getattr(row, name) for name in _key_names(filters.sort)]
    return key_text([v.isoformat() if isinstance(v, date) else v for v in values])


def key_text(values: list) -> str:
    """A keyset key as the list's URLs carry it (na=, voor=): its values as JSON, base64url without padding."""
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
        if not _is_text(number) or not isinstance(organisation, int) or isinstance(organisation, bool) \
                or not 0 < organisation <= MAX_INTEGER:
            return None
        if head:
            value = head[0]
            if filters.sort in _DATE_SORTS:
                value = date.fromisoformat(value) if value is not None else None
            elif not _is_text(value):
                return None
            head = [value]
        return [*head, number, organisation]
    except (ValueError, TypeError):
        return None


def _is_text(value) -> bool:
    return isinstance(value, str) and "\x00" not in value


def _nulls_first(shape: _Shape, forward: bool) -> bool:
    """Whether a seek in this direction meets the NULL dates before the others."""
    return (db.engine.dialect.name == "sqlite") != (shape.descending == forward)


def _seek(run, shape: _Shape, params: dict, key: list, forward: bool) -> list[int]:
    """The PAGE_SIZE ids after (forward) or before the key in list order, in two segments where the
    page crosses the NULL dates: NULLs sort last ascending on PostgreSQL and first on SQLite, so the
    rows are read as values, then NULLs, or the other way round."""
    source = shape.source
    columns = _sort_columns(shape, source)
    descending = shape.descending == forward
    where, order = _where(shape), _ordered(columns, descending)

    def read(extra, limit):
        return list(run(select(source.id).where(*where, *extra).order_by(*order).limit(limit), params).scalars())

    first, rest = columns[0], columns[1:]
    nulls_first = _nulls_first(shape, forward)
    if key[0] is None:
        ids = read([first.is_(None), _beyond(rest, key[1:], descending)], PAGE_SIZE)
        if len(ids) < PAGE_SIZE and nulls_first:
            ids += read([first.is_not(None)], PAGE_SIZE - len(ids))
    else:
        ids = read([_beyond(columns, key, descending)], PAGE_SIZE)
        if len(ids) < PAGE_SIZE and not nulls_first:
            ids += read([first.is_(None)], PAGE_SIZE - len(ids))
    return ids


def holder_count(user_id: int, filters: Filters, organisation_ids: list[int] | None = None) -> int:
    """How many holders (at organisations) match, up to MAX_ROWS + 1; the list's count on its own."""
    shape, params = _shape_and_params(filters, scope_ids(user_id) if organisation_ids is None else organisation_ids)
    return min(db.session.execute(_count_query(shape), params).scalar_one(), MAX_ROWS + 1)


def link_in_scope(user_id: int, link_id: int, organisation_ids: list[int] | None = None) -> HolderOrganisation:
    """The link, when it is at one of the user's organisations (`organisation_ids`, when the caller has them)."""
    link = db.session.get(HolderOrganisation, link_id)
    if link is None or link.organisation_id not in (scope_ids(user_id) if organisation_ids is None else organisation_ids):
        raise NotFound()
    return link


def holder_details(user_id: int, link_id: int, organisation_ids: list[int] | None = None
                   ) -> tuple[HolderOrganisation, list[Qualification]]:
    link = link_in_scope(user_id, link_id, organisation_ids)
    qualifications = list(db.session.execute(
        select(Qualification).where(Qualification.holder_id == link.holder_id).order_by(Qualification.name)
    ).scalars())
    return link, qualifications


def is_selected(user_id: int, holder_id: int) -> bool:
    return db.session.execute(select(SelectionItem.id).where(
        SelectionItem.user_id == user_id, SelectionItem.holder_id == holder_id)).first() is not None


# --- the selection (kept on the server, at most 250) --------------------------------------------

@dataclass
class SelectionSummary:
    count: int
    organisations: int


def _summary_query(user_id: int):
    return (select(func.count(SelectionItem.id).label("count"),
                   func.count(func.distinct(HolderOrganisation.organisation_id)).label("organisations"))
            .join(HolderOrganisation, HolderOrganisation.id == SelectionItem.holder_organisation_id)
            .where(SelectionItem.user_id == user_id))


def selection_summary(user_id: int) -> SelectionSummary:
    count, organisations = db.session.execute(_summary_query(user_id)).one()
    return SelectionSummary(count, organisations)


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
    """Add these holders (in scope, not yet chosen) up to the cap, atomically."""
    scope = scope_ids(user_id)
    have = _lock_selection(user_id)
    wanted = _one_per_holder(db.session.execute(
        select(HolderOrganisation.id, HolderOrganisation.holder_id).where(
            HolderOrganisation.id.in_(link_ids), HolderOrganisation.organisation_id.in_(scope),
            _not_selected(user_id),
        ).order_by(HolderOrganisation.number, HolderOrganisation.organisation_id)
    ).all()) if link_ids else []
    return _insert_capped(user_id, have, wanted)


def add_all_to_selection(user_id: int, filters: Filters) -> AddResult:
    """Add every holder matching the filter (in list order) up to the cap."""
    scope = scope_ids(user_id)
    have = _lock_selection(user_id)
    room = max(SELECTION_LIMIT - have, 0)
    shape, params = _shape_and_params(filters, scope)
    source = shape.source
    query = select(_LINKS.c.id, _LINKS.c.holder_id).where(
        *([_LINKS.c.id == source.id] if shape.by_type else []), *_where(shape), _not_selected(user_id),
    ).order_by(*_ordered(_sort_columns(shape, source), shape.descending))
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


def _insert_capped(user_id: int, have: int, wanted: list[tuple[int, int]]) -> AddResult:
    room = max(SELECTION_LIMIT - have, 0)
    chosen = wanted[:room]
    if chosen:
        now = utcnow()
        db.session.execute(insert(SelectionItem), [dict(user_id=user_id, holder_organisation_id=link_id, holder_id=holder_id, created_at=now)
                                                   for link_id, holder_id in chosen])
        _store_count(user_id)
    return AddResult(added=len(chosen), capped=len(wanted) > room)


@membership_changed.connect
def _drop_selection_outside_scope(sender, user_id: int, **extra) -> None:
    """A withdrawn mandate or membership takes the holders selected through it out of the user's selection."""
    links_outside = select(_LINKS.c.id).where(_LINKS.c.id == _SELECTION.c.holder_organisation_id,
                                              _LINKS.c.organisation_id.not_in(scope_ids(user_id)))
    db.session.execute(delete(_SELECTION).where(_SELECTION.c.user_id == user_id, links_outside.exists()))
    _store_count(user_id)


def remove_from_selection(user_id: int, link_id: int) -> None:
    """Remove this link's holder (whichever organisation's row added them)."""
    holder_id = select(HolderOrganisation.holder_id).where(HolderOrganisation.id == link_id).scalar_subquery()
    db.session.execute(delete(SelectionItem).where(SelectionItem.user_id == user_id, SelectionItem.holder_id == holder_id))
    _store_count(user_id)


def clear_selection(user_id: int) -> None:
    db.session.execute(delete(SelectionItem).where(SelectionItem.user_id == user_id))
    _store_count(user_id)


# --- requests ----------------------------------------------------------------------------------

def submit_request(user_id: int, organisation_id: int | None, idempotency_key: str, *, reference: str = "",
                   exam_type_ids: list[int] | None = None, expiry_dates: list[str] | None = None) -> PassRequest:
    """Turn the selection into a request; its build starts once the transaction commits.

    A second submit with the same key returns the first request. When the queue is down nothing is
    stored and the selection stays.
    """
    key, reference = _checked_submission(idempotency_key, reference)
    existing = _request_with_key(user_id, key)
    if existing is not None:
        return existing
    _lock_selection(user_id)  # two submits at once (two tabs) consume the selection once
    existing = _request_with_key(user_id, key)
    if existing is not None:
        return existing
    links = _selected_links(user_id)
    if not _passes_to_make([link.holder_id for link in links], exam_type_ids, expiry_dates):
        raise DomainError("Met deze keuzes wordt geen enkel pasje gemaakt: geen kwalificatie van de gekozen examentypes "
                          "heeft een van de gekozen vervaldata. Kies andere examentypes of vervaldata.")
    if not queue_reachable():
        raise DomainError("De pasjes kunnen nu niet worden aangemaakt: de verwerking is tijdelijk niet bereikbaar. "
                          "Uw selectie is bewaard; probeer het over een paar minuten opnieuw.")
    request = _store_request(user_id, organisation_id, key, reference, links, exam_type_ids, expiry_dates)
    clear_selection(user_id)
    audit("passes.request", organisation_id=organisation_id, subject=f"request {request.id}", holders=len(links),
          new_state=request.status)
    after_commit(_start_build, request.id)
    return request


def _checked_submission(idempotency_key: str, reference: str) -> tuple[str, str]:
    key = (idempotency_key or "")[:64]
    if not key or "\x00" in key:
        raise DomainError("Het formulier is verlopen; probeer het opnieuw.")
    reference = (reference or "").strip()
    if "\x00" in reference:
        raise DomainError("Het kenmerk bevat een ongeldig teken.", field="kenmerk")
    if len(reference) > PassRequest.reference.type.length:
        raise DomainError(f"Het kenmerk mag maximaal {PassRequest.reference.type.length} tekens lang zijn.", field="kenmerk")
    return key, reference


def _request_with_key(user_id: int, key: str) -> PassRequest | None:
    return db.session.execute(
        select(PassRequest).where(PassRequest.user_id == user_id, PassRequest.idempotency_key == key)
    ).scalar_one_or_none()


def _selected_links(user_id: int) -> list[HolderOrganisation]:
    """The selection's holders at the organisations still in scope, each holder once, by number."""
    links = list(db.session.execute(
        select(HolderOrganisation).join(SelectionItem, SelectionItem.holder_organisation_id == HolderOrganisation.id)
        .where(SelectionItem.user_id == user_id, HolderOrganisation.organisation_id.in_(scope_ids(user_id)))
        .order_by(HolderOrganisation.number)
    ).scalars())
    links = first_per_holder(links)
    if not links:
        raise DomainError("Voeg eerst één of meer kwalificatiehouders toe.")
    return links


def _store_request(user_id: int, organisation_id: int | None, key: str, reference: str,
                   links: list[HolderOrganisation], exam_type_ids, expiry_dates) -> PassRequest:
    request = PassRequest(
        user_id=user_id, organisation_id=organisation_id, idempotency_key=key, reference=reference,
        status="queued", options={"exam_types": [int(i) for i in exam_type_ids or []],
                                  "expiry_dates": sorted(set(expiry_dates or []))},
        progress_total=len(links), expires_at=utcnow() + timedelta(days=AVAILABLE_DAYS), touched_at=utcnow(),
    )
    request.items = [PassRequestItem(holder_id=link.holder_id, organisation_id=link.organisation_id,
                                     external_number=link.external_number) for link in links]
    db.session.add(request)
    db.session.flush()
    request.file_name = f"pdf-arch-request-{request.id}.zip"
    return request


def _passes_to_make(holder_ids: list[int], exam_type_ids: list[int] | None, expiry_dates: list[str] | None) -> int:
    """How many passes these options make for these holders (what the archive job's chosen_qualifications picks)."""
    query = select(func.count()).select_from(Qualification).where(Qualification.holder_id.in_(holder_ids))
    if exam_type_ids:
        query = query.where(Qualification.exam_type_id.in_(exam_type_ids))
    if expiry_dates:
        query = query.where(Qualification.expires_on.in_([date.fromisoformat(day) for day in expiry_dates]))
    return db.session.execute(query).scalar_one()


def _start_build(request_id: int) -> None:
    """After the commit: the job that enqueues the request's build jobs. Should the queue be down by now,
    the request stays queued until it counts as stuck (Mislukt, with the retry action)."""
    from webapp.passes.jobs import start_build

    enqueue_logged(start_build, request_id)


def my_requests(user_id: int) -> list[PassRequest]:
    return list(db.session.execute(
        select(PassRequest).where(PassRequest.user_id == user_id).order_by(PassRequest.created_at.desc(), PassRequest.id.desc())
    ).scalars())


def my_request(user_id: int, request_id: int) -> PassRequest:
    request = db.session.get(PassRequest, request_id)
    if request is None or request.user_id != user_id:
        raise NotFound()
    return request


def closed_requests(user_id: int, requests: list[PassRequest]) -> set[int]:
    """The ids of those of the user's requests they may no longer open or rebuild: a holder in it was
    selected through an organisation where they no longer have the passes mandate (or that is gone)."""
    if not requests:
        return set()
    item = PassRequestItem
    return set(db.session.execute(select(item.request_id).distinct().where(
        item.request_id.in_([request.id for request in requests]),
        item.organisation_id.is_(None) | item.organisation_id.not_in(scope_ids(user_id)),
    )).scalars())


def _open_request(user_id: int, request_id: int) -> PassRequest:
    """The user's own request, while every organisation in it is still in their scope; NotFound otherwise."""
    request = my_request(user_id, request_id)
    if closed_requests(user_id, [request]):
        raise NotFound()
    return request


def storage_dir() -> Path:
    path = Path(current_app.config["STORAGE_DIR"]) / "passes"
    path.mkdir(parents=True, exist_ok=True)
    return path


def archive_path(request: PassRequest) -> Path:
    return storage_dir() / f"pdf-arch-request-{request.id}.zip"


def download_path(user_id: int, request_id: int) -> Path:
    """The ZIP of the user's own request while it is available and open to them; NotFound otherwise."""
    request = _open_request(user_id, request_id)
    expire_if_due(request)
    path = archive_path(request)
    if request.status != "available" or not path.is_file():
        raise NotFound()
    return path


def retry_request(user_id: int, request_id: int) -> PassRequest:
    request = _open_request(user_id, request_id)
    if request.status != "failed":
        return request
    if not queue_reachable():
        raise DomainError("De verwerking is tijdelijk niet bereikbaar; probeer het over een paar minuten opnieuw.")
    request.status, request.progress_done, request.error, request.touched_at = "queued", 0, "", utcnow()
    after_commit(_start_build, request.id)
    return request


def expire_if_due(request: PassRequest) -> bool:
    if request.status != "expired" and request.expires_at <= utcnow():
        request.status = "expired"
        after_commit(_delete_files, request.id)
        return True
    return False


def _delete_files(request_id: int) -> None:
    (storage_dir() / f"pdf-arch-request-{request_id}.zip").unlink(missing_ok=True)
    shutil.rmtree(storage_dir() / f"request-{request_id}", ignore_errors=True)


STUCK_AFTER = timedelta(minutes=30)  # well past a chunk job's 600 s timeout and its retry


def _stuck_cutoff():
    """Queued or building with no sign of life since then: its worker was killed outright, its job lost
    (or the in-process runner restarted)."""
    return utcnow() - current_app.config.get("PASSES_STUCK_AFTER", STUCK_AFTER)


def fail_stuck_requests(*where) -> int:
    """Stuck requests (those of `where`; the sweep: all) become Mislukt, with the retry action."""
    last = func.coalesce(PassRequest.touched_at, PassRequest.created_at)
    result = db.session.execute(
        update(PassRequest).where(PassRequest.status.in_(("queued", "building")), last < _stuck_cutoff(), *where)
        .values(status="failed", error="timeout").execution_options(synchronize_session=False))
    return result.rowcount


def settle(request: PassRequest) -> None:
    """Bring the request's status up to date where it is shown: Verlopen after its days, Mislukt when stuck
    (without a sweep, as in the embedded default, the page would otherwise poll it forever). Polled every
    second while building: it writes only for a request that looks stuck."""
    if expire_if_due(request) or request.status not in ("queued", "building"):
        return
    if (request.touched_at or request.created_at) < _stuck_cutoff() and fail_stuck_requests(PassRequest.id == request.id):
        db.session.refresh(request)


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
    and the links' columns onto one HolderOrganisationExamType row per exam type among the holder's qualifications."""
    expiries = [q.expires_on for q in holder.qualifications if q.expires_on]
    latest = max(expiries) if expiries else None
    type_ids = sorted({q.exam_type_id if q.exam_type_id is not None else (q.exam_type.id if q.exam_type else None)
                       for q in holder.qualifications} - {None})
    for link in holder.holder_organisations:
        link.number, link.name_key, link.birth_date, link.expires_on = holder.number, name_key(holder.last_name), holder.birth_date, latest
        existing = {row.exam_type_id: row for row in link.exam_types}
        rows = []
        for type_id in type_ids:
            row = existing.get(type_id) or HolderOrganisationExamType(exam_type_id=type_id)
            row.organisation_id, row.number, row.name_key = link.organisation_id, link.number, link.name_key
            row.birth_date, row.expires_on, row.external_number = link.birth_date, link.expires_on, link.external_number or ""
            rows.append(row)
        link.exam_types = rows


LINK_EXAM_TYPES_SQL = (
    "INSERT INTO passes_holder_organisation_exam_types (holder_organisation_id, exam_type_id, organisation_id, number, name_key, birth_date, "
    "expires_on, external_number) SELECT DISTINCT l.id, q.exam_type_id, l.organisation_id, l.number, l.name_key, "
    "l.birth_date, l.expires_on, l.external_number FROM passes_holder_organisations l "
    "JOIN passes_qualifications q ON q.holder_id = l.holder_id WHERE q.exam_type_id IS NOT NULL"
)


def bulk_link_exam_types(where: str = "", **params) -> None:
    """Fill HolderOrganisationExamType for bulk-inserted links (the generator; the migration uses the same SQL)."""
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
