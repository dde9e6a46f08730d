"""De beheeromgeving: the organisation's smartcards as its administrator sees and manages them.

Who: a member acting for the organisation with the smartcards mandate, at EH2+ (every card action asks for
it). Another organisation's card is NotFound. Every state change goes through `history.move`, which follows
the state table; the holder gets a mail for each, and revoking publishes a new CRL after the commit.
"""

from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache, lru_cache

from sqlalchemy import Date, Integer, String, and_, any_, bindparam, exists, func, not_, or_, select, union_all
from sqlalchemy.orm import aliased

from webapp.accounts.models import Membership, User
from webapp.core import wordsearch
from webapp.core.auth import ActingContext
from webapp.core.errors import DomainError, NotFound
from webapp.core.mail import send_mail
from webapp.core.paging import MAX_ROWS, PAGE_SIZE, BoundedPage, page_count
from webapp.core.timeutil import today_local, utcnow
from webapp.extensions import db
from webapp.smartcards import crl, history, states
from webapp.smartcards.models import CredentialCardSeen, Smartcard, SmartcardEvent, SmartcardSearchWord, search_words

SERVICE = "smartcards"
LEVEL = "EH2+"
EXPIRING_WITHIN = timedelta(days=60)  # credential cards about to expire: their holders should make a smartcard
NOTE_LENGTH = 500
MAX_SEARCH_WORDS = 5
COMMON_WORD = 10_000  # a typed word this many cards' words start with is checked per card, not gathered
RUNS_FROM = 1_000  # a search with this many candidates in holder order is paged word by word (see _runs_page)
MAX_RUNS = 32  # ... when its rarest typed word starts at most this many different words

SORTS = {  # the list's sorts: the columns each orders by (the id breaks ties)
    "holder": (Smartcard.holder_name,),
    "card_serial": (Smartcard.card_serial,),
    "certificate_serial": (Smartcard.certificate_serial,),
    "status": (Smartcard.state, Smartcard.holder_name),
    "issued_on": (Smartcard.issued_on,),
    "expires_on": (Smartcard.expires_on,),
    "last_used": (Smartcard.last_used_at,),
}
EXPIRED = "expired"  # the status filter's word for states.EXPIRED, which is never stored
STATUSES = {**{key: state.label for key, state in states.STATES.items()}, EXPIRED: states.EXPIRED.label}
SHOWN_STATES = ("active", "blocked")  # the states that show as Verlopen past their date
IN_ROW_SORTS = {  # the sorts whose columns the search words carry: a search's pages in them read no card
    "holder": (SmartcardSearchWord.holder_name,),
    "status": (SmartcardSearchWord.state, SmartcardSearchWord.holder_name),
    "expires_on": (SmartcardSearchWord.expires_on,),
}


class NotAllowed(DomainError):
    """The state table does not allow this action from the card's state (its Dutch message says so)."""


@dataclass(frozen=True)
class Filters:
    status: str = ""  # a key of STATUSES, or "" for all
    search: str = ""  # words, each the start of a word of the holder's name or of a card or certificate serial
    sort: str = "holder"  # a key of SORTS
    direction: str = "asc"
    page: int = 1


@dataclass
class Row:
    """A list row as plain values, with the status as pages show it."""

    id: int
    holder_name: str
    card_serial: str
    certificate_serial: str | None
    state: str
    issued_on: date | None
    expires_on: date | None
    last_used_at: object
    status: states.State


def require_manager(context: ActingContext):
    """The organisation whose cards the acting user manages: with the mandate, at EH2+; NotFound otherwise."""
    organisation = context.require_mandate(SERVICE)
    context.require_level(LEVEL)
    return organisation


# --- the list -------------------------------------------------------------------------------------------


def card_list(context: ActingContext, filters: Filters) -> BoundedPage:
    """One page of the organisation's cards, with the count (bounded: it stops past the deepest page).

    Without a search the page's ids come from an index alone (every sort and status filter has one that holds
    what it reads), then only those rows are read. A search is counted in the search words' index alone (one row
    per matching card: see `_hits`), and its pages in the holder, status and expiry orders come from there too:
    in holder order word by word (`_runs_page`), else by sorting the candidates when they are not too many;
    only with a common word and another order are the cards checked one by one in the list's order."""
    organisation = require_manager(context)
    today = today_local()
    status = filters.status if filters.status in STATUSES else ""
    conditions = [Smartcard.organisation_id == organisation.id, *_status_conditions(Smartcard, status, today)]
    columns = SORTS[filters.sort]
    descending = filters.direction == "desc"
    words = search_words(filters.search)[:MAX_SEARCH_WORDS]
    if not words:
        total = _bounded_count(select(Smartcard.id).where(*conditions), MAX_ROWS + 1)
        page = _clamp(filters.page, total)
        ids = db.session.execute(_page_ids(conditions, columns, descending, page, False)).scalars()
        return _page(ids, total, page, filters, today)
    base = {"search_organisation_id": organisation.id, "search_today": today}
    if len(words) > 1:
        rarest, frequency = wordsearch.rarest(_word_count(), base, words, COMMON_WORD)
    else:
        rarest, frequency = words[0], None  # its count (with the status filter) says well enough how common it is
    others = [word for word in words if word != rarest]
    params = {**base, **wordsearch.word_params("search_rarest", rarest), **_other_params(others)}
    total = db.session.execute(_count(status, len(others)), {**params, "search_bound": MAX_ROWS + 1}).scalar_one()
    frequency = total if frequency is None else frequency
    page = _clamp(filters.page, total)
    params |= {"search_size": PAGE_SIZE, "search_offset": (page - 1) * PAGE_SIZE, "search_end": page * PAGE_SIZE}
    runs = []
    if filters.sort == "holder" and frequency >= RUNS_FROM:
        runs = _words_starting(params, MAX_RUNS + 1)
    if 0 < len(runs) <= MAX_RUNS:
        statement = _runs_page(status, len(others), len(runs), descending)
        params |= {f"search_run_{number}": word for number, word in enumerate(runs)}
    elif frequency < COMMON_WORD and filters.sort in IN_ROW_SORTS:
        statement = _sorted_page(status, len(others), filters.sort, descending)
    elif frequency < COMMON_WORD:
        statement = _page_ids([*conditions, _among(_hits(status, len(others)))], columns, descending, page, True)
    else:  # every typed word is common: each is checked per card while the list's index is read in order
        has_words = [_has_word(Smartcard.id, word, organisation.id) for word in words]
        statement = _page_ids([*conditions, *has_words], columns, descending, page, False)
    return _page(db.session.execute(statement, params).scalars(), total, page, filters, today)


def _clamp(page: int, total: int) -> int:
    return min(page, page_count(total))


def _page(ids, total: int, page: int, filters: Filters, today: date) -> BoundedPage:
    """The page with the cards of `ids` (in that order) read by their keys."""
    ids = list(ids)
    found = {
        row.id: row
        for row in db.session.execute(
            select(
                Smartcard.id,
                Smartcard.holder_name,
                Smartcard.card_serial,
                Smartcard.certificate_serial,
                Smartcard.state,
                Smartcard.issued_on,
                Smartcard.expires_on,
                Smartcard.last_used_at,
            ).where(Smartcard.id.in_(ids or [-1]))
        )
    }
    rows = [found[card_id] for card_id in ids if card_id in found]
    return BoundedPage(
        rows=[Row(*row, status=states.shown(row.state, row.expires_on, today)) for row in rows],
        total=total,
        page=page,
        pages=page_count(total),
        filters=replace(filters, page=page),
    )


def _page_ids(conditions: list, columns: tuple, descending: bool, page: int, few_candidates: bool):
    """The ids of the page's cards in list order. With a rare word's few candidates PostgreSQL is told to read
    them all and sort them (the OFFSET 0 subquery is planned on its own): it would otherwise walk the list's
    index in order, checking each card, on an estimate that few are needed."""
    key = (*columns, Smartcard.id)
    if few_candidates and db.session.get_bind().dialect.name == "postgresql":
        candidates = select(*key).where(*conditions).offset(0).subquery()
        key = tuple(candidates.c[column.key] for column in key)
        statement = select(candidates.c.id)
    else:
        statement = select(Smartcard.id).where(*conditions)
    order = [column.desc() if descending else column.asc() for column in key]
    return statement.order_by(*order).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)


def _status_conditions(table, status: str, today) -> list:
    """The status filter as pages show the status, on the cards or on their search words (which carry the state
    and the expiry date): Verlopen is an active or blocked card past its date, and Actief and Geblokkeerd are
    those still within it."""
    if status == EXPIRED:
        return [table.state.in_(SHOWN_STATES), table.expires_on < today]
    if status in SHOWN_STATES:
        return [table.state == status, or_(table.expires_on.is_(None), table.expires_on >= today)]
    if status in states.STATES:
        return [table.state == status]
    return []


def _words_starting(params: dict, bound: int) -> list[str]:
    """The different words of the organisation's cards that start with the rarest typed word, in order, up to
    `bound` of them: a skip scan of the words' index (one probe per different word, however many cards have it)."""
    return list(db.session.execute(_skip_scan(), {**params, "search_bound": bound}).scalars())


# The search's statements are built once for each shape (the status filter, the number of other typed words, of
# word runs, the direction), with bind parameters (`search_...`), and kept: building and keying a statement of a
# few subqueries costs SQLAlchemy several times what running it costs the database.


def _other_params(others: list[str]) -> dict:
    return {f"search_other_{number}": wordsearch.starts_a_word(word) for number, word in enumerate(others)}


@lru_cache(maxsize=256)
def _hits(status: str, others: int, run: int | None = None):
    """The cards that have, for each typed word, a word (of the holder's name or a serial) that starts with it,
    and the status filter: one row of the search words' index per card, none read. The row is that of the card's
    first word starting with the rarest typed word (its previous word does not), whose `card_words` hold the
    other typed words, and which carries the state and expiry date the status filter reads. With `run`, only the
    rows of one word that starts with the rarest (parameter search_run_<run>)."""
    row = SmartcardSearchWord
    return select(row.smartcard_id).where(
        row.organisation_id == bindparam("search_organisation_id", type_=Integer),
        *([row.word == bindparam(f"search_run_{run}", type_=String)] if run is not None else []),
        *wordsearch.starts_with(row.word, "search_rarest"),
        not_(and_(*wordsearch.starts_with(row.previous_word, "search_rarest"))),
        *(
            row.card_words.like(bindparam(f"search_other_{number}", type_=String), escape="/")
            for number in range(others)
        ),
        *_status_conditions(row, status, bindparam("search_today", type_=Date)),
    )


@lru_cache(maxsize=64)
def _count(status: str, others: int):
    limited = _hits(status, others).limit(bindparam("search_bound", type_=Integer)).subquery()
    return select(func.count()).select_from(limited)


@lru_cache(maxsize=128)
def _sorted_page(status: str, others: int, sort: str, descending: bool):
    """A search's page in an order its rows carry: the candidates sorted, no card read."""
    key = (*IN_ROW_SORTS[sort], SmartcardSearchWord.smartcard_id)
    order = [column.desc() if descending else column.asc() for column in key]
    return _hits(status, others).order_by(*order).limit(_size()).offset(_offset())


@lru_cache(maxsize=512)
def _runs_page(status: str, others: int, runs: int, descending: bool):
    """A search's page in holder order from the runs of the words' index: within one word its rows are in holder
    order, so each different word that starts with the rarest typed word gives its first rows up to the page's
    end without a sort, and only those are merged (a few hundred rows, not every candidate)."""
    row = SmartcardSearchWord
    order = [row.holder_name, row.smartcard_id]
    parts = [
        _hits(status, others, run)
        .add_columns(row.holder_name)
        .order_by(*(column.desc() if descending else column.asc() for column in order))
        .limit(bindparam("search_end", type_=Integer))
        .subquery()
        for run in range(runs)
    ]
    merged = union_all(*(select(part.c.smartcard_id, part.c.holder_name) for part in parts)).subquery()
    key = [merged.c.holder_name, merged.c.smartcard_id]
    ordered = select(merged.c.smartcard_id).order_by(*(column.desc() if descending else column.asc() for column in key))
    return ordered.limit(_size()).offset(_offset())


@cache
def _skip_scan():
    return wordsearch.skip_scan(SmartcardSearchWord, bindparam("search_organisation_id", type_=Integer))


@cache
def _word_count():
    return wordsearch.word_count(
        SmartcardSearchWord, SmartcardSearchWord.smartcard_id, bindparam("search_organisation_id", type_=Integer)
    )


def _size():
    return bindparam("search_size", type_=Integer)


def _offset():
    return bindparam("search_offset", type_=Integer)


def _has_word(card_id, word: str, organisation_id: int):
    """The card (its id column) has a word that starts with `word`: a probe of the words' primary key. PostgreSQL
    is also given the organisation, which lets it read that word's cards from the words' index for a hash join
    (otherwise it may read every organisation's words); SQLite would have to read each probed row for it."""
    other = aliased(SmartcardSearchWord)
    conditions = [other.smartcard_id == card_id, other.word >= word, other.word < word + wordsearch.LAST_CHARACTER]
    if db.session.get_bind().dialect.name == "postgresql":
        conditions.append(other.organisation_id == organisation_id)
    return exists().where(*conditions)


def _among(candidates):
    """The card is one of the candidates (a subquery of ids). On PostgreSQL as `id = ANY(ARRAY(...))`: the ids are
    gathered once and the cards read by their keys; as `IN (subquery)` it seq-scans the cards for a hash join."""
    if db.session.get_bind().dialect.name == "postgresql":
        return Smartcard.id == any_(func.ARRAY(candidates.scalar_subquery()))
    return Smartcard.id.in_(candidates)


def _bounded_count(statement, bound: int) -> int:
    return db.session.execute(select(func.count()).select_from(statement.limit(bound).subquery())).scalar_one()


# --- one card ---------------------------------------------------------------------------------------------


def get_card(context: ActingContext, card_id: int, *, for_update: bool = False) -> Smartcard:
    """A card of the acting organisation; NotFound for any other (or none)."""
    organisation = require_manager(context)
    statement = select(Smartcard).where(Smartcard.id == card_id, Smartcard.organisation_id == organisation.id)
    if for_update:
        statement = statement.with_for_update()
    card = db.session.execute(statement).scalar_one_or_none()
    if card is None:
        raise NotFound()
    return card


def card_history(card: Smartcard) -> list[SmartcardEvent]:
    """The card's state changes, the newest first, with who made them."""
    return list(
        db.session.execute(
            select(SmartcardEvent)
            .where(SmartcardEvent.smartcard_id == card.id)
            .order_by(SmartcardEvent.at.desc(), SmartcardEvent.id.desc())
        ).scalars()
    )


def shown_status(card: Smartcard) -> states.State:
    return states.shown(card.state, card.expires_on, today_local())


def administrator_actions() -> dict[str, states.Action]:
    """The actions an administrator takes on a card (the table's own), by key."""
    return {key: action for key, action in states.ACTIONS.items() if action.by == "administrator"}


def actions_for(card: Smartcard) -> dict[str, states.Action]:
    """The administrator's actions the table allows from the card's state."""
    return {key: action for key, action in administrator_actions().items() if states.allowed(card.state, key)}


def action_by_word(word: str) -> str:
    """The action whose Dutch label is `word` in a URL ("blokkeren" -> "block"); NotFound for another word."""
    for key, action in administrator_actions().items():
        if action.label.lower() == word:
            return key
    raise NotFound()


def take_action(
    context: ActingContext, card_id: int, action: str, *, reason: str = "", note: str = ""
) -> SmartcardEvent:
    """Block, unblock or revoke a card of the organisation, as the state table allows; mails the holder.

    A Dutch DomainError (nothing changed) for a step the table refuses, a missing or unknown reason, or
    "other" without a note."""
    card = get_card(context, card_id, for_update=True)
    rule = administrator_actions().get(action)
    if rule is None:
        raise DomainError("Deze actie bestaat niet.")
    try:
        states.next_state(card.state, action)  # the table's refusal first: it says why nothing can be done
    except DomainError as refused:
        raise NotAllowed(refused.message) from None
    reason, note = _reason(rule, reason, note)
    event = history.move(card, action, actor_id=context.user_id, reason=reason, note=note)
    if card.state == "revoked":
        card.revocation_reason = reason
        crl.withdraw(card, event.at or utcnow())
    _mail_holder(card, rule, reason, note, context.organisation.name)
    return event


def _reason(rule: states.Action, reason: str, note: str) -> tuple[str, str]:
    if not rule.needs_reason:
        return "", ""
    note = (note or "").strip()
    if len(note) > NOTE_LENGTH:
        raise DomainError(f"De toelichting is te lang (maximaal {NOTE_LENGTH} tekens).", field="note")
    if "\x00" in note:
        raise DomainError("De toelichting bevat een ongeldig teken.", field="note")
    if reason not in states.REASONS:
        raise DomainError("Kies een reden.", field="reason")
    if reason == "other" and not note:
        raise DomainError("Vul een toelichting in bij de reden Anders.", field="note")
    return reason, note


def _mail_holder(card: Smartcard, rule: states.Action, reason: str, note: str, organisation_name: str) -> None:
    holder = db.session.get(User, card.holder_id) if card.holder_id else None
    if holder is None or not holder.email:
        return
    send_mail(
        holder.email,
        f"Uw smartcard is {past_tense(rule)}",
        "smartcards_card_changed",
        holder=holder,
        card=card,
        done=past_tense(rule),
        reason=states.REASONS.get(reason, ""),
        note=note,
        organisation_name=organisation_name,
        status=states.STATES[card.state].label,
    )


def past_tense(rule: states.Action) -> str:
    """The past participle of the action's label: blokkeren -> geblokkeerd, intrekken -> ingetrokken."""
    return {"blokkeren": "geblokkeerd", "deblokkeren": "gedeblokkeerd", "intrekken": "ingetrokken"}.get(
        rule.label.lower(), states.STATES[rule.target].label.lower()
    )


# --- who else belongs on the page -------------------------------------------------------------------------


def expiring_credential_cards(context: ActingContext) -> list[CredentialCardSeen]:
    """Employees whose credential card expires within 60 days and who have no active or blocked smartcard
    of the organisation yet (matched by their account or by the credential card's number)."""
    organisation = require_manager(context)
    now = utcnow()
    has_card = exists().where(
        Smartcard.organisation_id == organisation.id,
        Smartcard.state.in_(SHOWN_STATES),
        or_(
            and_(CredentialCardSeen.user_id.is_not(None), Smartcard.holder_id == CredentialCardSeen.user_id),
            Smartcard.credential_number == CredentialCardSeen.uzi_number,
        ),
    )
    return list(
        db.session.execute(
            select(CredentialCardSeen)
            .where(
                CredentialCardSeen.organisation_id == organisation.id,
                CredentialCardSeen.expires_at >= now,
                CredentialCardSeen.expires_at <= now + EXPIRING_WITHIN,
                not_(has_card),
            )
            .order_by(CredentialCardSeen.expires_at, CredentialCardSeen.id)
            .limit(100)
        ).scalars()
    )


def administrators(context: ActingContext) -> list[User]:
    """The organisation's administrators (beheerders), who also add and remove one another."""
    organisation = require_manager(context)
    return list(
        db.session.execute(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == organisation.id, Membership.role == "admin")
            .order_by(User.last_name, User.first_name, User.id)
        ).scalars()
    )
