"""The organisation's linking: Koppel een persoon (by BSN and birth date), Meerdere personen tegelijk koppelen (rows
and a CSV upload, each row on its own), and the Gevraagde koppelingen (link requests) it accepts or rejects.

Whether a BSN is enrolled must not show: an unknown BSN, a wrong birth date and a deregistered person get the same
message after the same work (one query that compares all three in SQL). Services add and flush; the request
commits. Mail goes through notices (after the commit; the mails of new links are composed by a job then,
notices.pend, so nobody waits for them), the audit through actors.record, never with a BSN."""

import csv
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from webapp.core.bsn import BSN, MASKED_UNKNOWN, looks_like_bsn, normalise
from webapp.core.errors import DomainError, NotFound
from webapp.core.timeutil import parse_date, today_local, utcnow
from webapp.extensions import db
from webapp.register import notices
from webapp.register.actors import OrganisationActor, record, record_many
from webapp.register.models import LINKED, Link, LinkRequest, RegisteredPerson
from webapp.register.states import next_request_state

NO_MATCH = "Wij kunnen geen ingeschreven persoon vinden met dit BSN en deze geboortedatum."
INVALID_BSN = "Vul een geldig BSN in: 9 cijfers die de elfproef doorstaan."
MISSING_BSN = "Vul het BSN in."
MISSING_BIRTH_DATE = "Vul de geboortedatum in."
INVALID_DATE = "Vul een geldige datum in als dd-mm-jjjj."
FUTURE_BIRTH_DATE = "De geboortedatum kan niet in de toekomst liggen."
UNLINK_NOT_AFTER_TODAY = "De datum bij Ontkoppelen op moet na vandaag liggen."

MAX_ROWS = 5_000  # rows in one upload (or form)
MAX_UPLOAD_BYTES = 512 * 1024  # a CSV of 5,000 rows is some 150 kB
TOO_MANY_ROWS = f"Het bestand heeft meer dan {MAX_ROWS:,} regels. Verdeel het over meer bestanden.".replace(",", ".")
TOO_LARGE = f"Het bestand is groter dan {MAX_UPLOAD_BYTES // 1024} kB. Verdeel het over meer bestanden."
NOT_TEXT = "Het bestand is geen CSV-bestand (tekst in UTF-8)."
HEADER_WORDS = {"bsn", "burgerservicenummer"}


def masked_bsn(value: "BSN | str | None") -> str:
    """A BSN as the register's pages show it: `*****1234`, only the last four digits. What is not 9 digits shows
    as nine stars (a typing error is not shown back either)."""
    digits = value.digits if isinstance(value, BSN) else normalise(value or "")
    return "*****" + digits[-4:] if len(digits) == 9 else MASKED_UNKNOWN


def _already_linked(person: RegisteredPerson) -> str:
    return f"{person.name} is al gekoppeld aan uw organisatie."


# -- Koppel een persoon --------------------------------------------------------------------------------------------


def find_enrolled(bsn: BSN, birth_date: date) -> RegisteredPerson | None:
    """The enrolled person with this BSN and birth date, else None: one query, whichever part did not match (no
    such BSN, another birth date, deregistered), so neither the answer nor the work tells them apart."""
    return db.session.scalar(_enrolled(bsn, birth_date))


def _enrolled(bsn: BSN, birth_date: date):
    return select(RegisteredPerson).where(
        RegisteredPerson.bsn_is(bsn),
        RegisteredPerson.birth_date == birth_date,
        RegisteredPerson.state == "enrolled",
    )


def _find_to_link(bsn: BSN, birth_date: date, organisation_id: int) -> tuple[RegisteredPerson, bool]:
    """find_enrolled for linking, still one query that does the same work whichever part did not match (NO_MATCH),
    which also holds the person's row (PostgreSQL: FOR SHARE) until the link commits, so a deregistration at the
    same moment (which takes the row FOR UPDATE) waits and then sees the link; and which says whether the person
    has an open request with this organisation (so the requests are read only when there is one)."""
    asked = (
        select(LinkRequest.id)
        .where(
            LinkRequest.person_id == RegisteredPerson.id,
            LinkRequest.organisation_id == organisation_id,
            LinkRequest.state == "open",
        )
        .exists()
    )
    found = db.session.execute(_enrolled(bsn, birth_date).add_columns(asked).with_for_update(read=True)).first()
    if found is None:
        raise DomainError(NO_MATCH)
    return found[0], found[1]


def parse_bsn(bsn_text: "str | BSN | None") -> BSN:
    if isinstance(bsn_text, BSN):
        return bsn_text
    if not (bsn_text or "").strip():
        raise DomainError(MISSING_BSN, "bsn")
    bsn = BSN.parse(bsn_text)
    if bsn is None:
        raise DomainError(INVALID_BSN, "bsn")
    return bsn


def check_birth_date(birth_date: date | None) -> date:
    if birth_date is None:
        raise DomainError(MISSING_BIRTH_DATE, "birth_date")
    if birth_date > today_local():
        raise DomainError(FUTURE_BIRTH_DATE, "birth_date")
    return birth_date


def check_unlink_on(unlink_on: date | None) -> date | None:
    if unlink_on is not None and unlink_on <= today_local():
        raise DomainError(UNLINK_NOT_AFTER_TODAY, "unlink_on")
    return unlink_on


def link_person(
    actor: OrganisationActor, bsn_text: "str | BSN", birth_date: date | None, unlink_on: date | None = None
) -> Link:
    """Koppel een persoon: link the enrolled person with this BSN and birth date to the actor's organisation."""
    bsn = parse_bsn(bsn_text)
    check_birth_date(birth_date)
    check_unlink_on(unlink_on)
    person, asked = _find_to_link(bsn, birth_date, actor.organisation_id)
    return _link(actor, person, unlink_on, held=True, asked=asked)


@dataclass
class _Batch:
    """What the rows of one upload leave for the end: their audit events (one INSERT) and the links to mail (one
    job after the commit)."""

    events: list = field(default_factory=list)
    links: list = field(default_factory=list)


def _link(
    actor: OrganisationActor,
    person: RegisteredPerson,
    unlink_on: date | None,
    *,
    notify: bool = True,
    held: bool = False,
    asked: bool = True,
    batch: _Batch | None = None,
) -> Link:
    """The new link, or "already linked" (also when another employee linked the person a moment ago: the partial
    unique index makes the insert do nothing, and the transaction goes on). Every refusal comes before the first
    write, so a refused link leaves nothing behind (no savepoint needed). `held`: the caller read the person
    enrolled with the row held (_find_to_link); `asked`: False when the caller knows the person has no open request
    with the organisation; `batch`: audit and mail at the end of the upload."""
    organisation_id = actor.organisation_id
    if not held and not _still_enrolled(person):
        raise DomainError(NO_MATCH)
    link = _insert_link(person, organisation_id, unlink_on)
    if link is None:
        raise DomainError(_already_linked(person))
    events = []
    for request in _open_requests_of(person, organisation_id) if asked else ():
        _answer(request, "accept")
        events.append(
            dict(
                action="register.request_accepted",
                subject=f"link_request:{request.id}",
                new_state=request.state,
                link_id=link.id,
            )
        )
    events.append(
        dict(
            action="register.link",
            subject=f"link:{link.id}",
            new_state=link.state,
            person_id=person.id,
            **({"unlink_on": unlink_on.isoformat()} if unlink_on else {}),
        )
    )
    if batch is not None:
        batch.events += events
        if notify:
            batch.links.append(link)
        return link
    for event in events:
        record(actor, event.pop("action"), **event)
    if notify:  # composed by a job after the commit, not while the organisation waits
        notices.pend("linked", [link.id])
    return link


def _insert_link(person: RegisteredPerson, organisation_id: int, unlink_on: date | None) -> Link | None:
    """Insert the active link in one statement, or nothing (None) when the person already has one with this
    organisation: INSERT ... ON CONFLICT DO NOTHING on the partial unique index ux_register_links_active."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Link)
        .values(
            person_id=person.id,
            organisation_id=organisation_id,
            state="linked",
            linked_at=utcnow(),
            unlink_on=unlink_on,
            unlinked_by="",
        )
        .on_conflict_do_nothing(index_elements=["person_id", "organisation_id"], index_where=text(LINKED))
        .returning(Link)
    )
    link = db.session.scalar(statement)
    if link is not None:
        db.session.expire(link, ["sort_name"])  # set by the database's triggers
    return link


def _still_enrolled(person: RegisteredPerson) -> bool:
    """Whether the person is enrolled, their row held (PostgreSQL: FOR SHARE) until the link commits, so a
    deregistration at the same moment (which takes the row FOR UPDATE) waits, and then sees this link."""
    state = db.session.scalar(
        select(RegisteredPerson.state).where(RegisteredPerson.id == person.id).with_for_update(read=True)
    )
    return state == "enrolled"


def _open_requests_of(person: RegisteredPerson, organisation_id: int) -> list[LinkRequest]:
    return list(
        db.session.scalars(
            select(LinkRequest).where(
                LinkRequest.person_id == person.id,
                LinkRequest.organisation_id == organisation_id,
                LinkRequest.state == "open",
            )
        )
    )


def _answer(request: LinkRequest, action: str, reason: str = "") -> None:
    request.state = next_request_state(request.state, action)
    request.reason = reason
    request.answered_at = utcnow()


# -- Meerdere personen tegelijk koppelen ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One row to link, as typed or read from the file: `number` is its row (line) number."""

    number: int
    bsn: str
    birth_date: str
    unlink_on: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.bsn.strip() or self.birth_date.strip() or self.unlink_on.strip())


@dataclass(frozen=True)
class RowResult:
    """What became of one row: linked (with the person's name), or the reason it was not. `bsn` is masked."""

    number: int
    bsn: str
    linked: bool
    message: str
    name: str = ""


def link_rows(actor: OrganisationActor, rows) -> list[RowResult]:
    """Link each non-empty row on its own (a row is linked whole or not at all: every refusal comes before the
    row's first write), and say of each what became of it. More than MAX_ROWS rows: a DomainError, nothing linked.
    The rows' audit events are written together at the end; their mails are composed by a job after the commit
    (notices.pend), so the organisation does not wait for them."""
    rows = [row for row in rows if not row.is_empty]
    if len(rows) > MAX_ROWS:
        raise DomainError(TOO_MANY_ROWS)
    results = []
    batch = _Batch()
    for row in rows:
        shown = masked_bsn(row.bsn)
        try:
            bsn = parse_bsn(row.bsn)  # first: a row's first mistake is the one it is reported with
            birth_date, unlink_on = _row_dates(row)
            check_birth_date(birth_date)
            check_unlink_on(unlink_on)
            person, asked = _find_to_link(bsn, birth_date, actor.organisation_id)
            _link(actor, person, unlink_on, held=True, asked=asked, batch=batch)
        except DomainError as error:
            results.append(RowResult(row.number, shown, False, error.message))
        else:
            results.append(RowResult(row.number, shown, True, "Gekoppeld.", person.name))
    if rows:
        batch.events.append(
            dict(action="register.link_many", rows=len(results), linked=sum(result.linked for result in results))
        )
        record_many(actor, batch.events)
    notices.pend("linked", [link.id for link in batch.links])
    return results


def _row_dates(row: Row) -> tuple[date | None, date | None]:
    """The row's birth date and unlink date as dates (dd-mm-jjjj or jjjj-mm-dd); a date that is not one is the
    row's reason."""
    birth_date = _row_date(row.birth_date, "birth_date")
    unlink_on = _row_date(row.unlink_on, "unlink_on")
    return birth_date, unlink_on


def _row_date(text: str, field: str) -> date | None:
    if not text.strip():
        return None
    day = parse_date(text)
    if day is None or not 1900 <= day.year < 3000:
        raise DomainError(INVALID_DATE, field)
    return day


def read_csv(data: "bytes | str") -> list[Row]:
    """The rows of an uploaded CSV: columns BSN, geboortedatum, ontkoppelen op (optional); separated by ";" or
    ","; a header row is optional (recognised by its first cell). Row numbers are the file's line numbers."""
    if isinstance(data, bytes):
        if len(data) > MAX_UPLOAD_BYTES:
            raise DomainError(TOO_LARGE)
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DomainError(NOT_TEXT) from None
    elif len(data.encode()) > MAX_UPLOAD_BYTES:
        raise DomainError(TOO_LARGE)
    if "\x00" in data:
        raise DomainError(NOT_TEXT)
    lines = data.splitlines()
    if sum(1 for line in lines if line.strip()) > MAX_ROWS + 1:  # one more: the header
        raise DomainError(TOO_MANY_ROWS)
    first = next((line for line in lines if line.strip()), "")
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    rows = []
    for number, cells in enumerate(csv.reader(lines, delimiter=delimiter), start=1):
        cells = [cell.strip() for cell in cells] + ["", "", ""]
        row = Row(number, cells[0], cells[1], cells[2])
        if all(earlier.is_empty for earlier in rows) and cells[0].lower() in HEADER_WORDS:
            continue  # the header
        rows.append(row)
    return rows


def link_csv(actor: OrganisationActor, text: "bytes | str") -> list[RowResult]:
    return link_rows(actor, read_csv(text))


# -- Gevraagde koppelingen -----------------------------------------------------------------------------------------


def open_requests(actor: OrganisationActor) -> list[LinkRequest]:
    return list(
        db.session.scalars(
            select(LinkRequest)
            .options(joinedload(LinkRequest.person))
            .where(LinkRequest.organisation_id == actor.organisation_id, LinkRequest.state == "open")
            .order_by(LinkRequest.created_at, LinkRequest.id)
        )
    )


def open_request_count(actor: OrganisationActor) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(LinkRequest)
        .where(LinkRequest.organisation_id == actor.organisation_id, LinkRequest.state == "open")
    )


def get_request(actor: OrganisationActor, request_id: int, *, lock: bool = False) -> LinkRequest:
    """One of the organisation's requests (any state); another organisation's is NotFound."""
    query = select(LinkRequest).where(
        LinkRequest.id == request_id, LinkRequest.organisation_id == actor.organisation_id
    )
    request = db.session.scalar(query.with_for_update() if lock else query)
    if request is None:
        raise NotFound()
    return request


def accept(actor: OrganisationActor, request_id: int) -> LinkRequest:
    """Koppelen: link the person who asked (the state table says whether the request is still open). A person who
    has deregistered since cannot be linked; one already linked gets the request closed as accepted."""
    request = get_request(actor, request_id, lock=True)
    state = next_request_state(request.state, "accept")  # refuses an answered request, with its message
    person = request.person
    if person.state != "enrolled":
        raise DomainError(f"{person.name} staat niet meer ingeschreven in het register en kan niet worden gekoppeld.")
    try:
        _link(actor, person, None, notify=False)  # answers this request too; the mail below says both
    except DomainError:
        # already linked (say, through Koppel een persoon a moment ago): the request is answered all the same
        request.state, request.answered_at = state, utcnow()
        record(actor, "register.request_accepted", subject=f"link_request:{request.id}", new_state=state)
    notices.request_answered(request)
    return request


def reject(actor: OrganisationActor, request_id: int, reason: str = "") -> LinkRequest:
    """Afwijzen, with an optional reason the person is mailed."""
    reason = (reason or "").strip()
    if looks_like_bsn(reason):
        raise DomainError("Noem geen BSN in de reden: de persoon krijgt de reden per e-mail.", "reason")
    request = get_request(actor, request_id, lock=True)
    _answer(request, "reject", reason[:500])
    record(actor, "register.request_rejected", subject=f"link_request:{request.id}", new_state=request.state)
    notices.request_answered(request)
    return request


def accept_many(actor: OrganisationActor, ids) -> list[LinkRequest]:
    """Koppel alle geselecteerde: accept each (another organisation's id is NotFound, and then none is)."""
    requests = [get_request(actor, request_id, lock=True) for request_id in dict.fromkeys(ids)]
    return [accept(actor, request.id) for request in requests if request.state == "open"]
