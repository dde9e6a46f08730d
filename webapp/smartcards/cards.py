"""De beheeromgeving: the organisation's smartcards as its administrator sees and manages them.

Who: a member acting for the organisation with the smartcards mandate, at EH2+ (every card action asks for
it). Another organisation's card is NotFound. Every state change goes through `history.move`, which follows
the state table; the holder gets a mail for each, and revoking publishes a new CRL after the commit.
"""

from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import and_, any_, exists, func, literal, not_, or_, select, union_all
from sqlalchemy.orm import aliased

from webapp.accounts.models import Membership, User
from webapp.core.auth import ActingContext
from webapp.core.errors import DomainError, NotFound
from webapp.core.mail import send_mail
from webapp.core.timeutil import today_local, utcnow
from webapp.extensions import db
from webapp.smartcards import crl, history, states
from webapp.smartcards.models import CredentialCardSeen, Smartcard, SmartcardEvent, SmartcardSearchWord, search_words

SERVICE = "smartcards"
LEVEL = "EH2+"
PAGE_SIZE = 25
MAX_PAGE = 400  # bounded paging: 10,000 rows deep; narrow the filter or search to go further
MAX_ROWS = MAX_PAGE * PAGE_SIZE
LAST_CHARACTER = "\U0010ffff"  # every word that starts with w sorts before w + LAST_CHARACTER
EXPIRING_WITHIN = timedelta(days=60)  # credential cards about to expire: their holders should make a smartcard
NOTE_LENGTH = 500
MAX_SEARCH_WORDS = 5
COMMON_WORD = 10_000  # a typed word this many cards' words start with is checked per card, not gathered
RUNS_FROM = 1_000  # a search with this many candidates in holder order is paged word by word (see _page_by_runs)
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


@dataclass
class Page:
    rows: list[Row]
    total: int  # up to MAX_ROWS + 1
    page: int
    pages: int
    filters: Filters

    @property
    def more(self) -> bool:
        return self.total > MAX_ROWS


def require_manager(context: ActingContext):
    """The organisation whose cards the acting user manages: with the mandate, at EH2+; NotFound otherwise."""
    organisation = context.require_mandate(SERVICE)
    context.require_level(LEVEL)
    return organisation


# --- the list -------------------------------------------------------------------------------------------


def card_list(context: ActingContext, filters: Filters) -> Page:
    """One page of the organisation's cards, with the count (bounded: it stops past the deepest page).

    Without a search the page's ids come from an index alone (every sort and status filter has one that holds
    what it reads), then only those rows are read. A search is counted in the search words' index alone (one row
    per matching card: see `_hits`), and its pages in the holder, status and expiry orders come from there too:
    in holder order word by word (`_page_by_runs`), else by sorting the candidates when they are not too many;
    only with a common word and another order are the cards checked one by one in the list's order."""
    organisation = require_manager(context)
    today = today_local()
    conditions = [Smartcard.organisation_id == organisation.id, *_status_conditions(Smartcard, filters.status, today)]
    columns = SORTS[filters.sort]
    descending = filters.direction == "desc"
    words = search_words(filters.search)[:MAX_SEARCH_WORDS]
    hits, frequency = None, None
    if words:
        if len(words) > 1:
            rarest, frequency = _rarest(organisation.id, words)
        else:
            rarest = words[0]  # its count (with the status filter) says well enough how common it is
        hits = _hits(organisation.id, rarest, words, filters.status, today)
        total = _bounded_count(hits, MAX_ROWS + 1)
        frequency = total if frequency is None else frequency
    else:
        total = _bounded_count(select(Smartcard.id).where(*conditions), MAX_ROWS + 1)
    pages = max(1, min(-(-total // PAGE_SIZE), MAX_PAGE))
    page = min(filters.page, pages)
    if hits is None:
        statement = _page_ids(conditions, columns, descending, page, False)
    elif (
        filters.sort == "holder"
        and frequency >= RUNS_FROM
        and len(runs := _words_starting(organisation.id, rarest, MAX_RUNS + 1)) <= MAX_RUNS
    ):
        statement = _page_by_runs(organisation.id, rarest, runs, words, filters.status, today, descending, page)
    elif frequency < COMMON_WORD and filters.sort in IN_ROW_SORTS:
        statement = _page_of_hits(hits, filters.sort, descending, page)
    elif frequency < COMMON_WORD:
        statement = _page_ids([*conditions, _among(hits)], columns, descending, page, True)
    else:  # every typed word is common: each is checked per card while the list's index is read in order
        has_words = [_has_word(Smartcard.id, word, organisation.id) for word in words]
        statement = _page_ids([*conditions, *has_words], columns, descending, page, False)
    ids = list(db.session.execute(statement).scalars())
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
    return Page(
        rows=[Row(*row, status=states.shown(row.state, row.expires_on, today)) for row in rows],
        total=total,
        page=page,
        pages=pages,
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


def _page_of_hits(hits, sort: str, descending: bool, page: int):
    """The ids of a search's page in an order its rows carry: the rarest word's rows sorted, no card read."""
    key = (*IN_ROW_SORTS[sort], SmartcardSearchWord.smartcard_id)
    order = [column.desc() if descending else column.asc() for column in key]
    return hits.order_by(*order).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)


def _page_by_runs(
    organisation_id: int,
    rarest: str,
    runs: list[str],
    words: list[str],
    status: str,
    today: date,
    descending: bool,
    page: int,
):
    """The ids of a search's page in holder order, from the runs of the words' index: within one word its rows
    are in holder order, so each different word that starts with the rarest typed word gives the first rows up
    to the page's end without a sort, and only those are merged (a few hundred rows, not every candidate)."""
    row = SmartcardSearchWord
    end = page * PAGE_SIZE
    order = [row.holder_name, row.smartcard_id]
    parts = [
        _hits(organisation_id, rarest, words, status, today, exact=word)
        .add_columns(row.holder_name)
        .order_by(*(column.desc() if descending else column.asc() for column in order))
        .limit(end)
        .subquery()
        for word in runs
    ]
    merged = union_all(*(select(part.c.smartcard_id, part.c.holder_name) for part in parts)).subquery()
    key = [merged.c.holder_name, merged.c.smartcard_id]
    return (
        select(merged.c.smartcard_id)
        .order_by(*(column.desc() if descending else column.asc() for column in key))
        .limit(PAGE_SIZE)
        .offset(end - PAGE_SIZE)
    )


def _words_starting(organisation_id: int, word: str, bound: int) -> list[str]:
    """The different words of the organisation's cards that start with `word`, in order, up to `bound` of them:
    a skip scan of the words' index (one probe per different word, however many cards have it)."""
    row, following = SmartcardSearchWord, aliased(SmartcardSearchWord)
    start = (
        select(row.word)
        .where(row.organisation_id == organisation_id, *_starts_with(row.word, word))
        .order_by(row.word)
        .limit(1)
        .scalar_subquery()
    )
    found = select(start.label("word"), literal(1).label("number")).cte("found", recursive=True)
    step = (
        select(following.word)
        .where(
            following.organisation_id == organisation_id,
            following.word > found.c.word,
            following.word < word + LAST_CHARACTER,
        )
        .order_by(following.word)
        .limit(1)
        .scalar_subquery()
    )
    found = found.union_all(select(step, found.c.number + 1).where(found.c.word.is_not(None), found.c.number < bound))
    return list(db.session.execute(select(found.c.word).where(found.c.word.is_not(None))).scalars())


def _status_conditions(table, status: str, today: date) -> list:
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


def _rarest(organisation_id: int, words: list[str]) -> tuple[str, int]:
    """The typed word that starts the fewest of the organisation's search words, and how many: counted up to
    COMMON_WORD, and each next word only up to the fewest so far (a common word is not counted through)."""
    rarest, fewest = None, COMMON_WORD
    for word in dict.fromkeys(words):
        count = _bounded_count(_word_matches(organisation_id, word), fewest)
        if rarest is None or count < fewest:
            rarest, fewest = word, count
    return rarest, fewest


def _hits(organisation_id: int, rarest: str, words: list[str], status: str, today: date, exact: str | None = None):
    """The cards that have, for each typed word, a word (of the holder's name or a serial) that starts with it,
    and the status filter: one row of the search words' index per card, none read. The row is that of the card's
    first word starting with the rarest typed word (its previous word does not), whose `card_words` hold the
    other typed words, and which carries the state and expiry date the status filter reads. With `exact`, only
    the rows of that one word (one that starts with the rarest)."""
    row = SmartcardSearchWord
    return select(row.smartcard_id).where(
        row.organisation_id == organisation_id,
        *([row.word == exact] if exact is not None else _starts_with(row.word, rarest)),
        not_(and_(*_starts_with(row.previous_word, rarest))),
        *(row.card_words.contains(f" {word}", autoescape=True) for word in words if word != rarest),
        *_status_conditions(row, status, today),
    )


def _starts_with(column, word: str) -> list:
    return [column >= word, column < word + LAST_CHARACTER]  # a range the index answers


def _has_word(card_id, word: str, organisation_id: int):
    """The card (its id column) has a word that starts with `word`: a probe of the words' primary key. PostgreSQL
    is also given the organisation, which lets it read that word's cards from the words' index for a hash join
    (otherwise it may read every organisation's words); SQLite would have to read each probed row for it."""
    other = aliased(SmartcardSearchWord)
    conditions = [other.smartcard_id == card_id, *_starts_with(other.word, word)]
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


def _word_matches(organisation_id: int, word: str):
    return select(SmartcardSearchWord.smartcard_id).where(
        SmartcardSearchWord.organisation_id == organisation_id, *_starts_with(SmartcardSearchWord.word, word)
    )


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
