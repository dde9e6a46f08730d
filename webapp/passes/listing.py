"""The holder list's queries: the filters compiled into SQL, keyset paging, the count.

The list reads `passes_holder_organisations` (a row per holder per organisation, with copies of the
holder's sortable columns) or, with an exam-type filter, `passes_holder_organisation_exam_types` (a
row per holder at an organisation per exam type). Both carry the same list columns, so conditions and
order are the same expressions on either, and every list index ends in the row's id: a page's ids
come from an index alone, and only those 25 rows are joined to their holders.

Paging: a page number reads the rows in index order (OFFSET, bounded by MAX_PAGE pages); the Vorige
and Volgende links carry the boundary row's key instead, from which the next 25 index entries are
read however deep the page.

Who may see which organisations is the services' business: these functions take the organisations.
"""

import base64
import functools
import json
import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Integer, and_, bindparam, distinct, func, literal_column, or_, select, tuple_

from webapp.core.ids import MAX_INTEGER
from webapp.core.timeutil import parse_date, today_local
from webapp.extensions import db
from webapp.passes.models import (
    Holder,
    HolderOrganisation,
    HolderOrganisationCount,
    HolderOrganisationExamType,
    Qualification,
    SelectionItem,
    name_key,
)

PAGE_SIZE = 25
MAX_PAGE = 400  # bounded paging: 10,000 rows deep; narrow the filter to go further
MAX_ROWS = MAX_PAGE * PAGE_SIZE
SORT_COLUMNS = {  # the list's sorts: the column each sorts on (both source tables have them all)
    "number": "number",
    "name": "name_key",
    "birth_date": "birth_date",
    "expires_on": "expires_on",
    "status": "expires_on",
    "external_number": "external_number",
}
_DATE_SORTS = {"birth_date", "expires_on", "status"}
EXAM_NUMBER_HOLDERS = 2000
_SEARCH_DATE = re.compile(r"\d{1,2}-\d{1,2}-\d{4}|\d{4}-\d{2}-\d{2}")
NUMBER_LENGTH = 8
# Words of a name as the list shows it ("Mevr. K.C. Knightley") that are not the last name: salutations
# (compared without their dot) and the infixes that stand before it ("Te Tester", "B van Test").
_SALUTATIONS = {"dhr", "mevr", "mw", "mr", "mej", "dr", "drs", "ir", "ing", "prof", "heer", "mevrouw"}
_INFIXES = {
    "van",
    "de",
    "der",
    "den",
    "des",
    "te",
    "ten",
    "ter",
    "het",
    "'t",
    "in",
    "op",
    "aan",
    "uit",
    "la",
    "le",
    "du",
}


@dataclass(frozen=True)
class Filters:
    """What the list shows: which holders, in which order, which page."""

    organisation: int | None = None
    exam_type: int | None = None
    exam_number: str = ""
    expires_from: date | None = None
    expires_to: date | None = None
    search: str = ""  # a number or extern nummer prefix, a name as shown (or its start), or a birth date
    sort: str = "number"  # a key of SORT_COLUMNS
    direction: str = "asc"
    page: int = 1
    after: str = ""  # keyset: the page starts after the row with this key ("Volgende")
    before: str = ""  # keyset: the page ends before the row with this key ("Vorige")

    @property
    def extended(self) -> bool:
        return bool(self.exam_type or self.exam_number or self.expires_from or self.expires_to)


@dataclass
class Page:
    rows: list  # ListRow: the holder organisation's list columns and the holder's name
    total: int
    page: int
    pages: int
    filters: Filters
    selected: set = field(default_factory=set)  # holder ids in the user's selection
    first_key: str = ""  # keyset keys of the first and last row (the Vorige/Volgende links carry them)
    last_key: str = ""
    more: bool = False  # more matches than the pages reach (total is then MAX_ROWS + 1)
    summary: "SelectionSummary | None" = None  # the user's selection counter, read with the page


@dataclass
class SelectionSummary:
    count: int
    organisations: int


class ListRow:
    """One list row as plain values: what the row template reads of a holder organisation (id, holder_id,
    expires_on, is_valid, external_number, organisation_name) and of its holder (number, display_name,
    birth_date)."""

    __slots__ = (
        "id",
        "holder_id",
        "organisation_id",
        "external_number",
        "number",
        "name_key",
        "birth_date",
        "expires_on",
        "display_name",
        "organisation_name",
        "is_valid",
    )

    def __init__(self, row, today: date, organisation_names: dict):
        # by position: a row's attribute lookup by name costs more than the rest of this together
        (
            self.id,
            self.holder_id,
            self.organisation_id,
            self.external_number,
            self.number,
            self.name_key,
            self.birth_date,
            self.expires_on,
            salutation,
            initials,
            infix,
            last_name,
        ) = row[:12]
        self.organisation_name = organisation_names.get(self.organisation_id, "")
        self.display_name = " ".join(filter(None, (salutation, initials, infix, last_name)))
        self.is_valid = self.expires_on is not None and self.expires_on >= today


def page_of(filters: Filters, organisations: dict[int, str], user_id: int) -> Page:
    """One page of the holders at these organisations (id -> name), with the count and the user's
    selection counter, in one round trip: the count comes from the kept counts or stops at the deepest
    reachable row, the page's ids from the source table alone."""
    run = db.session.execute
    shape, params = _shape_and_params(filters, list(organisations))
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
    if (
        key is not None
        and len(rows) < PAGE_SIZE
        and shape.sort in _DATE_SORTS
        and (key[0] is None) == _nulls_first(shape, forward)
    ):
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
    items = [ListRow(row, today, organisations) for row in rows]
    return Page(
        rows=items,
        total=total,
        page=page,
        pages=pages,
        filters=filters,
        selected={row.holder_id for row in rows if row.selected},
        summary=SelectionSummary(head.selected_count, head.selected_organisations),
        more=total > MAX_ROWS,
        first_key=encode_key(filters, items[0]) if items else "",
        last_key=encode_key(filters, items[-1]) if items else "",
    )


def count(filters: Filters, organisation_ids: list[int]) -> int:
    """How many rows match, up to MAX_ROWS + 1: the list's count on its own."""
    shape, params = _shape_and_params(filters, organisation_ids)
    return min(db.session.execute(_count_query(shape), params).scalar_one(), MAX_ROWS + 1)


def unselected(filters: Filters, organisation_ids: list[int], user_id: int):
    """(statement, parameters): the (holder organisation id, holder id) of every match whose holder is
    not in the user's selection yet, in list order (Voeg alle toe)."""
    shape, params = _shape_and_params(filters, organisation_ids)
    source = shape.source
    not_selected = (
        ~select(_SELECTION.c.id)
        .where(_SELECTION.c.user_id == user_id, _SELECTION.c.holder_id == _HOLDERS_AT.c.holder_id)
        .exists()
    )
    statement = (
        select(_HOLDERS_AT.c.id, _HOLDERS_AT.c.holder_id)
        .where(
            *([_HOLDERS_AT.c.id == source.id] if shape.by_type else []),
            *_where(shape),
            not_selected,
        )
        .order_by(*_ordered(_sort_columns(shape, source), shape.descending))
    )
    return statement, params


# --- compiling the filters ------------------------------------------------------------------------
# The statements are built once per shape (which conditions, which order) and reused with the values
# as parameters: building a select costs more than the database takes to run it. LIMIT and OFFSET are
# written into the SQL (literal_execute): as parameters, PostgreSQL re-planned the page query on every
# execution instead of reusing its plan.

_HOLDERS_AT, _TYPES, _HOLDERS, _SELECTION, _COUNTS = (
    HolderOrganisation.__table__,
    HolderOrganisationExamType.__table__,
    Holder.__table__,
    SelectionItem.__table__,
    HolderOrganisationCount.__table__,
)


class _Source:
    """The table a list query reads; `id` is the holder organisation's id on it."""

    def __init__(self, table, id_column):
        self.table, self.c, self.id = table, table.c, id_column


_HOLDERS_AT_SOURCE, _TYPE_SOURCE = (
    _Source(_HOLDERS_AT, _HOLDERS_AT.c.id),
    _Source(_TYPES, _TYPES.c.holder_organisation_id),
)


@dataclass(frozen=True)
class _Shape:
    """What a list query's SQL depends on; the values travel as parameters."""

    by_type: bool = False
    one_organisation: bool = False
    # "", "birth", "number" (a number prefix), "name" (a last-name prefix), either with "_or_external"
    # (an extern nummer at the organisations starts so too), "external" (digits longer than a number) or
    # "full_name" (several words: the last name, and the initials when typed): the search picks its
    # columns by the input's shape
    search: str = ""
    initials: bool = False
    expires_from: bool = False
    expires_to: bool = False
    exam_number: str = ""  # "", "ids" (the holders, looked up first) or "query" (too many to list)
    sort: str = "number"
    descending: bool = False
    # SQLite, given organisation_id IN (...), drives the scan from an (organisation, sort column) index
    # and sorts every row in scope; on `organisation_id + 0` it walks the sort column's index in list
    # order instead. PostgreSQL plans well on its own.
    organisations_unindexed: bool = False

    @property
    def source(self) -> _Source:
        return _TYPE_SOURCE if self.by_type else _HOLDERS_AT_SOURCE

    @property
    def counted(self) -> bool:
        """Only organisations and an exam type: the kept counts have the total."""
        return not (self.search or self.expires_from or self.expires_to or self.exam_number)


def like_escape(text: str) -> str:
    """The text as a LIKE pattern's literal part (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _prefix_params(name: str, prefix: str) -> dict:
    """A prefix as a range a plain B-tree index can serve (on both databases), and as LIKE for the rest."""
    return {name: prefix, f"{name}_end": prefix + "\U0010ffff", f"{name}_like": like_escape(prefix) + "%"}


def _is_initials(word: str) -> bool:
    return "." in word or (word.isalpha() and word.isupper() and len(word) <= 4)


def name_as_shown(text: str) -> tuple[str, str] | None:
    """(last name, initials) of a name typed as the list shows it or as it sorts: "Mevr. K.C. Knightley",
    "Knightley, K.C.", "TT Te Tester"; the initials as letters, lower case ("kc"). None for one word."""
    words = [word for word in re.split(r"[\s,]+", text.strip()) if word]
    words = [word for word in words if word.lower().rstrip(".") not in _SALUTATIONS]
    if len(words) < 2:
        return None
    initials = [word for word in words if _is_initials(word)]
    rest = [word for word in words if not _is_initials(word)]
    if not rest:  # "J. BOS": a short last name typed in capitals
        rest = (
            [next(word for word in reversed(initials) if "." not in word)]
            if any("." not in w for w in initials)
            else []
        )
        initials = [word for word in initials if word not in rest]
    while len(rest) > 1 and rest[0].lower() in _INFIXES:  # "Te Tester"
        rest.pop(0)
    while len(rest) > 1 and rest[-1].lower() in _INFIXES:  # "Tester, TT Te"
        rest.pop()
    if not rest:
        return None
    return " ".join(rest), "".join(initials).replace(".", "").lower()


def _shape_and_params(filters: Filters, organisation_ids: list[int]) -> tuple[_Shape, dict]:
    ids = organisation_ids
    if filters.organisation is not None:
        ids = [i for i in organisation_ids if i == filters.organisation]
    params = {"organisation": ids[0]} if len(ids) == 1 else {"organisations": list(ids)}
    if filters.exam_type:
        params["exam_type"] = filters.exam_type
    search, initials, text = "", "", filters.search
    if text:
        birth = parse_date(text) if _SEARCH_DATE.fullmatch(text) else None
        name = None if birth or text.isdigit() else name_as_shown(text)
        if birth:
            search, params["birth"] = "birth", birth
        elif text.isdigit() and len(text) > NUMBER_LENGTH:
            search = "external"
            params.update(_prefix_params("external", text))
        elif name:
            search, (last_name, initials) = "full_name", name
            params.update(_prefix_params("prefix", name_key(last_name)))
            if initials:
                params["initials_like"] = like_escape(initials) + "%"
        else:
            search = "number" if text.isdigit() else "name"
            params.update(_prefix_params("prefix", text if text.isdigit() else name_key(text)))
            if _some_external_number_starts_with(text, ids):
                # rarely so: only then the OR, which costs the ordered index walk of the plain prefix
                search += "_or_external"
                params.update(_prefix_params("external", text))
    # The expiry range filters the list's Vervaldatum: the holder's latest expiry, copied on the row.
    if filters.expires_from:
        params["expires_from"] = filters.expires_from
    if filters.expires_to:
        params["expires_to"] = filters.expires_to
    exam_number = ""
    if filters.exam_number:
        # an exam number picks a handful of holders: look them up first, then filter by a literal list
        # (the planner then drives from the holder_id index instead of walking a sort index)
        holder_ids = list(
            db.session.execute(
                select(Qualification.holder_id)
                .distinct()
                .where(Qualification.exam_number == filters.exam_number)
                .limit(EXAM_NUMBER_HOLDERS + 1)
            ).scalars()
        )
        if len(holder_ids) > EXAM_NUMBER_HOLDERS:
            exam_number, params["exam_number"] = "query", filters.exam_number
        else:
            exam_number, params["exam_holders"] = "ids", holder_ids or [-1]
    shape = _Shape(
        by_type=bool(filters.exam_type),
        one_organisation=len(ids) == 1,
        search=search,
        initials=bool(initials),
        expires_from=bool(filters.expires_from),
        expires_to=bool(filters.expires_to),
        exam_number=exam_number,
        sort=filters.sort,
        descending=filters.direction == "desc",
        organisations_unindexed=len(ids) != 1 and db.engine.dialect.name == "sqlite",
    )
    return shape, params


def _where(shape: _Shape) -> list:
    """The WHERE conditions of a shape, on its source table, with bound parameters."""
    c = shape.source.c
    organisation = c.organisation_id + literal_column("0") if shape.organisations_unindexed else c.organisation_id
    where = [
        organisation == bindparam("organisation")
        if shape.one_organisation
        else organisation.in_(bindparam("organisations", expanding=True))
    ]
    if shape.by_type:
        where.insert(0, c.exam_type_id == bindparam("exam_type"))
    if shape.search == "birth":
        where.append(c.birth_date == bindparam("birth"))
    elif shape.search == "external":
        where += _starts_with(c.external_number, "external")
    elif shape.search == "full_name":
        where += _starts_with(c.name_key, "prefix")
    elif shape.search:
        prefix = _starts_with(c.number if shape.search.startswith("number") else c.name_key, "prefix")
        if shape.search.endswith("_or_external"):
            # each side a range on its own index: both databases read the two and combine them (OR by union)
            where.append(or_(and_(*prefix), and_(*_starts_with(c.external_number, "external"))))
        else:
            where += prefix
    if shape.initials:
        # the initials as letters ("K.C." and "KC" alike), from the holder: only the few name matches are read
        letters = func.lower(func.replace(func.replace(_HOLDERS.c.initials, ".", ""), " ", ""))
        where += [_HOLDERS.c.id == _HOLDERS_AT.c.holder_id, letters.like(bindparam("initials_like"), escape="\\")]
    if shape.expires_from:
        where.append(c.expires_on >= bindparam("expires_from"))
    if shape.expires_to:
        where.append(c.expires_on <= bindparam("expires_to"))
    if shape.exam_number:
        holders = (
            bindparam("exam_holders", expanding=True)
            if shape.exam_number == "ids"
            else select(Qualification.holder_id).where(Qualification.exam_number == bindparam("exam_number"))
        )
        where.append(_HOLDERS_AT.c.holder_id.in_(holders))
    if shape.by_type and (shape.exam_number or shape.initials):  # the holder's id is on the holder organisation
        where.append(_HOLDERS_AT.c.id == _TYPES.c.holder_organisation_id)
    return where


def _some_external_number_starts_with(text: str, organisation_ids: list[int]) -> bool:
    """Whether an extern nummer at these organisations starts with the text: one index probe."""
    c = _HOLDERS_AT.c
    return (
        db.session.execute(
            select(c.id)
            .where(c.organisation_id.in_(organisation_ids), *_starts_with(c.external_number, "external"))
            .limit(1),
            _prefix_params("external", text),
        ).first()
        is not None
    )


def _starts_with(column, name: str) -> list:
    return [
        column >= bindparam(name),
        column < bindparam(f"{name}_end"),
        column.like(bindparam(f"{name}_like"), escape="\\"),
    ]


def _sort_columns(shape: _Shape, source: _Source) -> list:
    """Sort column, then number and organisation: unique, and exactly the order of the
    (sort column, number, organisation_id, id) indexes, so the database reads a page straight off one."""
    columns = [source.c.number, source.c.organisation_id]
    return columns if shape.sort == "number" else [source.c[SORT_COLUMNS[shape.sort]], *columns]


def _ordered(columns: list, descending: bool) -> list:
    return [c.desc() for c in columns] if descending else [c.asc() for c in columns]


def _beyond(columns: list, values: list, descending: bool):
    """The rows after these values in the order (a row-value comparison the index serves)."""
    return tuple_(*columns) < tuple_(*values) if descending else tuple_(*columns) > tuple_(*values)


def _limit(name: str, value: int | None = None):
    return bindparam(name, value, type_=Integer, literal_execute=True)


def _count_query(shape: _Shape):
    """The number of matches: for an organisation or exam-type view, the sum of its kept counts;
    otherwise counted up to one past the deepest reachable row (MAX_ROWS + 1)."""
    if shape.counted:
        c = _COUNTS.c
        organisations = (
            c.organisation_id == bindparam("organisation")
            if shape.one_organisation
            else c.organisation_id.in_(bindparam("organisations", expanding=True))
        )
        exam_type = bindparam("exam_type") if shape.by_type else literal_column("0")
        return select(func.coalesce(func.sum(c.holders), 0)).where(c.exam_type_id == exam_type, organisations)
    matches = select(shape.source.id).where(*_where(shape)).limit(_limit("count_limit", MAX_ROWS + 1)).subquery()
    return select(func.count()).select_from(matches)


def _head_columns(shape: _Shape) -> list:
    """The count of matches and the user's selection counter (holders, organisations)."""
    user = bindparam("user_id")
    chosen = select(func.count()).select_from(_SELECTION).where(_SELECTION.c.user_id == user)
    organisations = (
        select(func.count(distinct(_HOLDERS_AT.c.organisation_id)))
        .select_from(_SELECTION.join(_HOLDERS_AT, _HOLDERS_AT.c.id == _SELECTION.c.holder_organisation_id))
        .where(_SELECTION.c.user_id == user)
    )
    return [
        _count_query(shape).correlate(None).scalar_subquery().label("total"),
        chosen.correlate(None).scalar_subquery().label("selected_count"),
        organisations.correlate(None).scalar_subquery().label("selected_organisations"),
    ]


@functools.lru_cache(maxsize=1024)
def _page_query(shape: _Shape, mode: str):
    """A list page in one round trip: its rows (plain columns, in list order) with the holder's name,
    whether the holder is selected, and on every row the count and the selection counter.

    The page's ids come from the source table alone: an index-ordered scan ("offset": a page number),
    a keyset seek ("after"/"before": the rows after or before a boundary row's key in list order;
    "null_after"/"null_before" when the key's sort value is NULL), or given ids ("ids")."""
    source, rows = shape.source, _HOLDERS_AT.c
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
            seek = (
                [columns[0].is_(None), _beyond(columns[1:], keys[1:], descending)]
                if mode.startswith("null")
                else [_beyond(columns, keys, descending)]
            )
        ids = (
            select(source.id)
            .where(*_where(shape), *seek)
            .order_by(*_ordered(columns, descending))
            .limit(_limit("page_size", PAGE_SIZE))
            .correlate(None)
        )
        if mode == "offset":
            ids = ids.offset(_limit("offset"))
    selected = (
        select(_SELECTION.c.id)
        .where(_SELECTION.c.user_id == bindparam("user_id"), _SELECTION.c.holder_id == rows.holder_id)
        .exists()
    )
    return (
        select(
            rows.id,
            rows.holder_id,
            rows.organisation_id,
            rows.external_number,
            rows.number,
            rows.name_key,
            rows.birth_date,
            rows.expires_on,
            _HOLDERS.c.salutation,
            _HOLDERS.c.initials,
            _HOLDERS.c.infix,
            _HOLDERS.c.last_name,  # ListRow reads these twelve by position
            selected.label("selected"),
            *_head_columns(shape),
        )
        .select_from(_HOLDERS_AT.join(_HOLDERS, _HOLDERS.c.id == rows.holder_id))
        .where(rows.id.in_(ids))
        .order_by(*_ordered(_sort_columns(shape, _HOLDERS_AT_SOURCE), shape.descending))
    )


@functools.lru_cache(maxsize=256)
def _head_query(shape: _Shape):
    return select(*_head_columns(shape))


# --- keyset paging: Vorige/Volgende carry the boundary row's key ----------------------------------------


def _key_names(sort: str) -> list[str]:
    return ["number", "organisation_id"] if sort == "number" else [SORT_COLUMNS[sort], "number", "organisation_id"]


def encode_key(filters: Filters, row) -> str:
    """The keyset key of a row (a ListRow or a HolderOrganisation) in this sort."""
    values = [getattr(row, name) for name in _key_names(filters.sort)]
    return key_text([v.isoformat() if isinstance(v, date) else v for v in values])


def key_text(values: list) -> str:
    """A keyset key as the list's URLs carry it: its values as JSON, base64url without padding."""
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_key(filters: Filters, text: str):
    """The key as column values, or None when absent or not a well-formed key for this sort."""
    if not text:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        width = 2 if filters.sort == "number" else 3
        if not isinstance(values, list) or len(values) != width:
            return None
        *head, number, organisation = values
        if (
            not _is_text(number)
            or not isinstance(organisation, int)
            or isinstance(organisation, bool)
            or not 0 < organisation <= MAX_INTEGER
        ):
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
