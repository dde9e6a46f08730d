"""Uw koppelingen: the organisation's links as its list shows them, one person's page, unlinking now
("Verbreek koppeling") and planning the date (Ontkoppelen op), and the list's CSV export.

Every function takes the acting organisation (actors.OrganisationActor); a link of another organisation is
NotFound. Services add and flush; the request commits.
"""

import csv
import io
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache, lru_cache
from typing import NamedTuple

from sqlalchemy import Integer, String, and_, bindparam, func, literal, literal_column, not_, select, union_all
from sqlalchemy.orm import joinedload

from webapp.core import wordsearch
from webapp.core.bsn import BSN
from webapp.core.errors import DomainError, NotFound
from webapp.core.paging import MAX_ROWS, PAGE_SIZE, BoundedPage, page_count
from webapp.core.timeutil import format_date, utcnow
from webapp.extensions import db
from webapp.register import notices, states
from webapp.register.actors import OrganisationActor, record
from webapp.register.linking import check_unlink_on, masked_bsn
from webapp.register.models import Link, LinkWord, RegisteredPerson

MAX_SEARCH_WORDS = 4
COMMON_WORD = 5000  # a typed word this many links' names have is tested per link, not gathered from the words' index
RUNS_FROM = 1000  # a name-ordered search with this many hits is paged word by word (see _runs_page); fewer are sorted
MAX_RUNS = 32  # ... when its rarest typed word starts at most this many different words

CURRENT, PLANNED, UNLINKED, ALL = "current", "planned", "unlinked", "all"
STATUSES = {CURRENT: "Huidig", PLANNED: "Gepland te ontkoppelen", UNLINKED: "Ontkoppeld", ALL: "Alle koppelingen"}

SORTS = {  # the list's sorts: the columns each orders by (the link's id breaks ties); each has its index
    "name": (Link.sort_name,),  # the person's, copied into the link (register_0002)
    "linked_at": (Link.linked_at,),
    "unlinked": (Link.unlinked_at, Link.unlink_on),  # ontkoppeld op, and for a linked link the planned date
}
IN_ROW_SORTS = {  # the same sorts on the search words' rows, which carry these columns (register_0005)
    "name": (LinkWord.sort_name,),
    "linked_at": (LinkWord.linked_at,),
    "unlinked": (LinkWord.unlinked_at, LinkWord.unlink_on),
}


@dataclass(frozen=True)
class Filters:
    status: str = CURRENT  # a key of STATUSES
    search: str = ""  # name: words, each the start of a part of the name
    bsn_hash: str | None = None  # a search by full BSN: its keyed hash (never the BSN itself)
    sort: str = "name"  # a key of SORTS
    direction: str = "asc"
    page: int = 1


@dataclass
class Row:
    id: int
    name: str
    bsn: BSN | None
    state: str
    linked_at: datetime
    unlink_on: date | None
    unlinked_at: datetime | None

    @property
    def masked_bsn(self) -> str:
        return masked_bsn(self.bsn)


def search_words(text: str) -> list[str]:
    """The typed name as the words the name search looks for, in lower case (sort_name is lower case)."""
    return list(dict.fromkeys(text.lower().split()))[:MAX_SEARCH_WORDS]


def link_list(actor: OrganisationActor, filters: Filters) -> BoundedPage:
    """One page of the organisation's links, with the count (bounded: it stops past the deepest page).

    Without a name search the page's ids come from the links' index for the sort alone. A name search is counted
    in the search words' index alone (one row per link, which carries the state the filter reads and the name the
    other typed words are tested on: see `_hits`), and its pages come from there too: in name order word by word
    (`_runs_page`), else by sorting the hits when they are not too many; only with a common word and another
    order are the links tested one by one in the list's order. Then only the page's links are read with their
    persons."""
    words = search_words(filters.search)
    descending = filters.direction == "desc"
    if not words or filters.bsn_hash is not None:
        shape, params = _shape(actor, filters)
        total = db.session.execute(_list_count(shape), params).scalar_one()
        page = _clamp(filters.page, total)
        statement = _list_page(shape, filters.sort, descending)
        ids = list(db.session.execute(statement, params | _page_params(page)).scalars())
        return _page(ids, total, page, filters)

    params = {"list_organisation_id": actor.organisation_id}
    if len(words) > 1:
        rarest, frequency = wordsearch.rarest(_word_count(), params, words, COMMON_WORD)
    else:
        rarest, frequency = words[0], None  # its count (with the status filter) says well enough how common it is
    others = [word for word in words if word != rarest]
    params |= wordsearch.word_params("search_rarest", rarest) | _other_params(others)
    total = db.session.execute(_count(filters.status, len(others)), params).scalar_one()
    frequency = total if frequency is None else frequency
    page = _clamp(filters.page, total)
    params |= _page_params(page)
    runs = []
    if filters.sort == "name" and total >= RUNS_FROM:  # fewer hits are sorted at once (a probe less)
        runs = list(db.session.execute(_skip_scan(), params | {"search_bound": MAX_RUNS + 1}).scalars())
    if 0 < len(runs) <= MAX_RUNS:
        merged = db.session.get_bind().dialect.name == "sqlite"
        statement = _runs_page(filters.status, len(others), len(runs), descending, merged)
        params |= {f"search_run_{number}": word for number, word in enumerate(runs)}
    elif frequency < COMMON_WORD or total < RUNS_FROM:
        statement = _sorted_page(filters.status, len(others), filters.sort, descending)
    else:  # every typed word is common: each is tested per link while the list's index is read in order
        statement = _list_page(Shape(filters.status, tested=len(words)), filters.sort, descending)
        params |= _tested_params(words)
    ids = list(db.session.execute(statement, params).scalars())
    return _page(ids, total, page, filters)


def _clamp(page: int, total: int) -> int:
    return max(1, min(page, page_count(total)))


def _page_params(page: int) -> dict:
    return {"list_size": PAGE_SIZE, "list_offset": (page - 1) * PAGE_SIZE, "list_end": page * PAGE_SIZE}


def _page(ids: list[int], total: int, page: int, filters: Filters) -> BoundedPage:
    """The page's links, in the order of `ids`, read with their persons."""
    found = {row.id: row for row in db.session.execute(_rows(), {"list_ids": ids})} if ids else {}
    rows = [
        Row(
            id=row.id,
            name=" ".join(part for part in (row.first_name, row.infix, row.last_name) if part),
            bsn=row.bsn_sealed,
            state=row.state,
            linked_at=row.linked_at,
            unlink_on=row.unlink_on,
            unlinked_at=row.unlinked_at,
        )
        for row in (found[link_id] for link_id in ids if link_id in found)
    ]
    return BoundedPage(rows=rows, total=total, page=page, pages=page_count(total), filters=replace(filters, page=page))


# The list's statements are built once for each shape (the status filter, the sort and direction, the number of
# other typed words, of word runs), with bind parameters (`list_...`, `search_...`), and kept: building and keying a
# statement of a few subqueries costs SQLAlchemy several times what running it costs the database.


def _organisation():
    return bindparam("list_organisation_id", type_=Integer)


def _size():
    return bindparam("list_size", type_=Integer)


def _offset():
    return bindparam("list_offset", type_=Integer)


class Shape(NamedTuple):
    """What a statement on the links is built of (its values are bind parameters): the status filter, a search by
    full BSN, a name search among the search words' hits (with this many other typed words), and typed words
    tested per link."""

    status: str
    bsn: bool = False
    among_hits: int | None = None
    tested: int = 0


def _shape(actor: OrganisationActor, filters: Filters) -> tuple[Shape, dict]:
    """The filters as a shape of conditions on the links, and its parameters."""
    params = {"list_organisation_id": actor.organisation_id}
    if filters.bsn_hash is not None:
        params["list_bsn_hash"] = filters.bsn_hash
    words = search_words(filters.search)
    if words:  # all the typed words among one word's hits (for the export, and with a BSN search: a few links)
        params |= wordsearch.word_params("search_rarest", words[0]) | _other_params(words[1:])
    among_hits = len(words) - 1 if words else None
    return Shape(filters.status, bsn=filters.bsn_hash is not None, among_hits=among_hits), params


def _conditions(shape: Shape) -> list:
    conditions = [Link.organisation_id == _organisation(), *_status_conditions(Link, shape.status)]
    if shape.bsn:  # the person with this keyed hash (a unique index), never a decrypted value
        person = select(RegisteredPerson.id).where(
            RegisteredPerson.bsn_hash == bindparam("list_bsn_hash", type_=String)
        )
        conditions.append(Link.person_id == person.scalar_subquery())
    if shape.among_hits is not None:
        conditions.append(Link.id.in_(_hits(ALL, shape.among_hits)))
    conditions += [
        (literal(" ") + Link.sort_name).like(bindparam(f"search_tested_{number}", type_=String), escape="/")
        for number in range(shape.tested)
    ]
    return conditions


LINKED, ENDED = literal_column("'linked'"), literal_column("'unlinked'")


def _status_conditions(table, status: str) -> list:
    """The status filter, on the links or on their search words (which carry the state and the planned date). The
    states are written into the statement, not bound: only then may the database read a partial index on them
    (Gepland: ix_register_links_org_planned)."""
    if status == CURRENT:
        return [table.state == LINKED]
    if status == PLANNED:
        return [table.state == LINKED, table.unlink_on.is_not(None)]
    if status == UNLINKED:
        return [table.state == ENDED]
    return []


NULLABLE = {"unlinked_at", "unlink_on"}  # the sorts' columns that may be empty


def _order(columns, descending: bool) -> list:
    """The sort, ascending with the empty values last and descending with them first, written so that one index
    serves it both ways on both databases: a nullable column is ordered by its "IS NULL" first (SQLite sorts NULL
    first and cannot read an index for NULLS LAST; register_0005's indexes hold those expressions)."""
    order = []
    for column in columns:
        if column.key in NULLABLE:
            order.append(column.is_(None))
        order.append(column)
    return [column.desc() if descending else column.asc() for column in order]


def _links(shape: Shape):
    return select(Link.id).where(*_conditions(shape))


@lru_cache(maxsize=128)
def _list_count(shape: Shape):
    return select(func.count()).select_from(_links(shape).limit(MAX_ROWS + 1).subquery())


@lru_cache(maxsize=256)
def _list_page(shape: Shape, sort: str, descending: bool):
    """The page's ids in list order, read from the links' index for the sort (each ends in the id)."""
    return _links(shape).order_by(*_order((*SORTS[sort], Link.id), descending)).limit(_size()).offset(_offset())


@cache
def _rows():
    return (
        select(
            Link.id,
            RegisteredPerson.first_name,
            RegisteredPerson.infix,
            RegisteredPerson.last_name,
            RegisteredPerson.bsn_sealed,
            Link.state,
            Link.linked_at,
            Link.unlink_on,
            Link.unlinked_at,
        )
        .join(RegisteredPerson, RegisteredPerson.id == Link.person_id)
        .where(Link.id.in_(bindparam("list_ids", expanding=True)))
    )


def _other_params(others: list[str]) -> dict:
    return {f"search_other_{number}": wordsearch.starts_a_word(word) for number, word in enumerate(others)}


def _tested_params(words: list[str]) -> dict:
    return {f"search_tested_{number}": wordsearch.starts_a_word(word) for number, word in enumerate(words)}


@lru_cache(maxsize=256)
def _hits(status: str, others: int, run: int | None = None):
    """The links whose name has, for each typed word, a part that starts with it, and the status filter: one row
    of the search words' index per link, no link read. The row is that of the link's first word that starts with
    the rarest typed word (its previous word does not), whose sort_name holds the other typed words, and which
    carries the state and planned date the status filter reads. With `run`, only the rows of one word that starts
    with the rarest (parameter search_run_<run>)."""
    row = LinkWord
    return select(row.link_id).where(
        row.organisation_id == _organisation(),
        # one word (that starts with the rarest: SQLite would read the whole range if given it too), or the range
        *(
            [row.word == bindparam(f"search_run_{run}", type_=String)]
            if run is not None
            else wordsearch.starts_with(row.word, "search_rarest")
        ),
        not_(and_(*wordsearch.starts_with(row.previous_word, "search_rarest"))),
        *(
            (literal(" ") + row.sort_name).like(bindparam(f"search_other_{number}", type_=String), escape="/")
            for number in range(others)
        ),
        *_status_conditions(row, status),
    )


@lru_cache(maxsize=64)
def _count(status: str, others: int):
    return select(func.count()).select_from(_hits(status, others).limit(MAX_ROWS + 1).subquery())


@lru_cache(maxsize=128)
def _sorted_page(status: str, others: int, sort: str, descending: bool):
    """A search's page in an order its rows carry: the hits sorted, no link read."""
    key = (*IN_ROW_SORTS[sort], LinkWord.link_id)
    return _hits(status, others).order_by(*_order(key, descending)).limit(_size()).offset(_offset())


@lru_cache(maxsize=512)
def _runs_page(status: str, others: int, runs: int, descending: bool, merged: bool):
    """A search's page in name order from the runs of the words' index: within one word its rows are in name
    order, so the rows of each different word that starts with the rarest typed word are read in order up to the
    page's end and merged. `merged` (SQLite): as one UNION ALL ordered as a whole, which SQLite merges from the
    index's runs, reading each only as far as the merge needs; else (PostgreSQL, which appends and sorts such a
    union) each run's first rows up to the page's end, sorted together."""
    row = LinkWord
    arms = [_hits(status, others, run).add_columns(row.sort_name) for run in range(runs)]
    if not merged:
        end = bindparam("list_end", type_=Integer)
        arms = [
            select(part.c.link_id, part.c.sort_name)
            for part in (
                arm.order_by(*_order((row.sort_name, row.link_id), descending)).limit(end).subquery() for arm in arms
            )
        ]
    union = union_all(*arms) if runs > 1 else arms[0]
    key = (union.selected_columns.sort_name, union.selected_columns.link_id)
    return union.order_by(*_order(key, descending)).limit(_size()).offset(_offset())


@cache
def _skip_scan():
    return wordsearch.skip_scan(LinkWord, _organisation())


@cache
def _word_count():
    return wordsearch.word_count(LinkWord, LinkWord.link_id, _organisation())


# --- one link ------------------------------------------------------------------------------------------------


def get_link(actor: OrganisationActor, link_id: int, *, for_update: bool = False) -> Link:
    """A link of the acting organisation; NotFound for any other (or none)."""
    statement = (
        select(Link)
        .options(joinedload(Link.person))
        .where(Link.id == link_id, Link.organisation_id == actor.organisation_id)
    )
    if for_update:
        statement = statement.with_for_update(of=Link)
    link = db.session.execute(statement).unique().scalar_one_or_none()
    if link is None:
        raise NotFound()
    return link


def earlier_links(link: Link) -> list[Link]:
    """The person's other links with this organisation (a person linked, unlinked and linked again), newest first."""
    return list(
        db.session.scalars(
            select(Link)
            .where(Link.person_id == link.person_id, Link.organisation_id == link.organisation_id, Link.id != link.id)
            .order_by(Link.linked_at.desc(), Link.id.desc())
        )
    )


def plan_unlink(actor: OrganisationActor, link_id: int, unlink_on: date | None) -> Link:
    """Set, change or (with None) clear the planned unlink date; a date must be after today (Europe/Amsterdam)."""
    link = get_link(actor, link_id, for_update=True)
    if link.state != "linked":
        raise DomainError("Deze persoon is niet meer gekoppeld; er valt niets te plannen.")
    check_unlink_on(unlink_on)  # after today (Europe/Amsterdam), as when linking
    before = link.unlink_on
    if before == unlink_on:
        return link
    link.unlink_on = unlink_on
    db.session.flush()
    record(
        actor,
        "register.plan_unlink",
        subject=f"link:{link.id}",
        unlink_on_before=format_date(before),
        unlink_on=format_date(unlink_on),
    )
    return link


def unlink(actor: OrganisationActor, link_id: int) -> Link:
    """Verbreek koppeling: the link ends now; the person is mailed."""
    link = get_link(actor, link_id, for_update=True)
    before = link.state
    link.state = states.next_link_state(link.state, "unlink")
    link.unlinked_at = utcnow()
    link.unlinked_by = "unlink"
    db.session.flush()
    notices.unlinked(link)
    record(actor, "register.unlink", subject=f"link:{link.id}", old_state=before, new_state=link.state)
    return link


# --- the export ------------------------------------------------------------------------------------------------

EXPORT_HEADER = ["BSN", "Naam", "Geboortedatum", "Gekoppeld op", "Ontkoppelen op", "Ontkoppeld op"]
EXPORT_BATCH = 2000
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (a name is typed by the person)."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def export_csv(actor: OrganisationActor, filters: Filters) -> tuple[str, int]:
    """The links of the current filter (every page, in the list's order) as CSV, and the number of rows: full
    BSNs only for a session at EH2+ (actor.sees_full_bsn), masked otherwise. Audited with the count."""
    shape, params = _shape(actor, filters)
    statement = (
        select(
            RegisteredPerson.bsn_sealed,
            RegisteredPerson.first_name,
            RegisteredPerson.infix,
            RegisteredPerson.last_name,
            RegisteredPerson.birth_date,
            Link.linked_at,
            Link.unlink_on,
            Link.unlinked_at,
        )
        .join(RegisteredPerson, RegisteredPerson.id == Link.person_id)
        .where(*_conditions(shape))
        .order_by(*_order((*SORTS[filters.sort], Link.id), filters.direction == "desc"))
        .execution_options(yield_per=EXPORT_BATCH)
    )
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(EXPORT_HEADER)
    full = actor.sees_full_bsn
    count = 0
    for row in db.session.execute(statement, params):
        bsn = row.bsn_sealed
        writer.writerow(
            [
                (bsn.digits if bsn is not None else "") if full else masked_bsn(bsn),
                _cell(" ".join(part for part in (row.first_name, row.infix, row.last_name) if part)),
                format_date(row.birth_date),
                format_date(row.linked_at),
                format_date(row.unlink_on) if row.unlinked_at is None else "",
                format_date(row.unlinked_at),
            ]
        )
        count += 1
    record(actor, "register.export", rows=count, full_numbers=full, status=filters.status)
    return out.getvalue(), count
