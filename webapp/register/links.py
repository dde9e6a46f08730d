"""Uw koppelingen: the organisation's links as its list shows them, one person's page, unlinking now
("Verbreek koppeling") and planning the date (Ontkoppelen op), and the list's CSV export.

Every function takes the acting organisation (actors.OrganisationActor); a link of another organisation is
NotFound. Services add and flush; the request commits.
"""

import csv
import io
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import any_, func, or_, select
from sqlalchemy.orm import joinedload

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

CURRENT, PLANNED, UNLINKED, ALL = "current", "planned", "unlinked", "all"
STATUSES = {CURRENT: "Huidig", PLANNED: "Gepland te ontkoppelen", UNLINKED: "Ontkoppeld", ALL: "Alle koppelingen"}

SORTS = {  # the list's sorts: the columns each orders by (the link's id breaks ties); each has its index
    "name": (Link.sort_name,),  # the person's, copied into the link (register_0002)
    "linked_at": (Link.linked_at,),
    "unlinked": (Link.unlinked_at, Link.unlink_on),  # ontkoppeld op, and for a linked link the planned date
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
    return text.lower().split()[:MAX_SEARCH_WORDS]


def _conditions(actor: OrganisationActor, filters: Filters) -> list:
    """The filters as conditions on the links alone: every sort and filter is answered by the links' own indexes."""
    words = search_words(filters.search)
    searched, gathered = _name_search(actor.organisation_id, words) if words else ([], False)
    if gathered and db.session.get_bind().dialect.name == "sqlite":
        # SQLite would walk the organisation's index and test each link against the gathered few; without an
        # index on the organisation (a "+ 0" is not indexable) it reads the few by their ids instead
        conditions = [Link.organisation_id + 0 == actor.organisation_id, *searched]
    else:
        conditions = [Link.organisation_id == actor.organisation_id, *searched]
    if filters.status == CURRENT:
        conditions.append(Link.state == "linked")
    elif filters.status == PLANNED:
        conditions += [Link.state == "linked", Link.unlink_on.is_not(None)]
    elif filters.status == UNLINKED:
        conditions.append(Link.state == "unlinked")
    if filters.bsn_hash is not None:  # the person with this keyed hash (a unique index), never a decrypted value
        person = select(RegisteredPerson.id).where(RegisteredPerson.bsn_hash == filters.bsn_hash)
        conditions.append(Link.person_id == person.scalar_subquery())
    return conditions


def _name_search(organisation_id: int, words: list[str]) -> tuple[list, bool]:
    """Every typed word is the start of a part of the name. When few links have the rarest word, they are read from
    the words' index (organisation, word, link) and only those are tested for the other words; when every word is
    common, each is tested per link while the list's index is read in order (a page fills quickly then, and the
    count stops at its bound), so a common word does not gather thousands of ids first. Returns the conditions and
    whether the links were gathered from the words' index."""
    frequency = {word: _bounded_count(_word_links(organisation_id, word), COMMON_WORD) for word in words}
    rarest = min(words, key=frequency.get)
    conditions, tested = [], words
    if frequency[rarest] < COMMON_WORD:
        candidates = _word_links(organisation_id, rarest)
        if db.session.get_bind().dialect.name == "postgresql":  # the ids gathered once, the links read by key
            conditions.append(Link.id == any_(func.ARRAY(candidates.scalar_subquery())))
        else:
            conditions.append(Link.id.in_(candidates))
        tested = [word for word in words if word != rarest]
    # sort_name (lower case, parts by spaces) starts with the word or holds it after a space: substring tests
    find = func.strpos if db.session.get_bind().dialect.name == "postgresql" else func.instr
    tests = [or_(find(Link.sort_name, word) == 1, find(Link.sort_name, " " + word) > 0) for word in tested]
    return conditions + tests, bool(conditions)


def _word_links(organisation_id: int, word: str):
    return select(LinkWord.link_id).where(
        LinkWord.organisation_id == organisation_id,
        LinkWord.word >= word,
        LinkWord.word < word + "\U0010ffff",  # starts with: a range the index answers
    )


def _order(sort: str, descending: bool) -> list:
    columns = (*SORTS[sort], Link.id)
    if descending:
        return [column.desc().nulls_first() for column in columns]
    return [column.asc().nulls_last() for column in columns]


def _bounded_count(statement, bound: int) -> int:
    return db.session.execute(select(func.count()).select_from(statement.limit(bound).subquery())).scalar_one()


def link_list(actor: OrganisationActor, filters: Filters) -> BoundedPage:
    """One page of the organisation's links, with the count (bounded: it stops past the deepest page).

    The page's ids come from the links' index for the sort alone; then only those links are read with their
    persons."""
    conditions = _conditions(actor, filters)
    total = _bounded_count(select(Link.id).where(*conditions), MAX_ROWS + 1)
    pages = page_count(total)
    page = min(filters.page, pages)
    ids = list(
        db.session.scalars(
            select(Link.id)
            .where(*conditions)
            .order_by(*_order(filters.sort, filters.direction == "desc"))
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    found = {
        row.id: row
        for row in db.session.execute(
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
            .where(Link.id.in_(ids or [-1]))
        )
    }
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
    return BoundedPage(rows=rows, total=total, page=page, pages=pages, filters=replace(filters, page=page))


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
        .where(*_conditions(actor, filters))
        .order_by(*_order(filters.sort, filters.direction == "desc"))
        .execution_options(yield_per=EXPORT_BATCH)
    )
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(EXPORT_HEADER)
    full = actor.sees_full_bsn
    count = 0
    for row in db.session.execute(statement):
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
