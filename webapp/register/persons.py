"""The person's side of the register: a person logged in with DigiD enrols (inschrijven), sees their links and
link requests, asks an organisation to link them (a koppelverzoek), withdraws a request, changes the e-mail
address for notices, and deregisters (uitschrijven) once no organisation links them any more.

Every function takes the acting person (actors.PersonActor): the person is always the one whose BSN the DigiD
session carries, found through the keyed hash, so a person can never act on another's row. Another person's
request is a NotFound. State changes go through states.py; audit events carry the person's id, never the BSN.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from webapp.accounts.models import Organisation
from webapp.core.audit import audit
from webapp.core.errors import DomainError, NotFound
from webapp.core.timeutil import format_date, today_local, utcnow
from webapp.extensions import db
from webapp.register import notices, states
from webapp.register.actors import PersonActor
from webapp.register.models import Link, LinkRequest, RegisteredPerson

VIA = "digid"
LEVEL = "DigiD"
KINDS = ("childcare", "host_parent_agency")  # the organisations a person may ask to link them
SEARCH_PAGE_SIZE = 10
MAX_SEARCH_PAGE = 50  # beyond it: refine the search
SEARCH_LENGTH = 100
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
MAX_OPEN_REQUESTS = 10  # a person asks where they work; more open at once is someone spamming organisations


def _record(action: str, person: RegisteredPerson, **detail) -> None:
    """An audit event for what a person did, with the way they came in; the subject is their id, never the BSN."""
    audit(action, subject=f"person:{person.id}", organisation_id=None, actor_id=None, level=LEVEL, via=VIA, **detail)


# -- the person ------------------------------------------------------------------------------------------------


def person_of(actor: PersonActor) -> RegisteredPerson | None:
    """The register's row of the person the DigiD session belongs to (enrolled or deregistered), if any."""
    return db.session.scalar(select(RegisteredPerson).where(RegisteredPerson.bsn_is(actor.bsn)))


def enrolled_person(actor: PersonActor) -> RegisteredPerson | None:
    person = person_of(actor)
    return person if person is not None and person.state == "enrolled" else None


def _require_enrolled(actor: PersonActor, *, lock: bool = False) -> RegisteredPerson:
    query = select(RegisteredPerson).where(RegisteredPerson.bsn_is(actor.bsn))
    if lock:
        query = query.with_for_update()
    person = db.session.scalar(query)
    if person is None or person.state != "enrolled":
        raise DomainError("U staat niet ingeschreven in het Personenregister kinderopvang.")
    return person


@dataclass(frozen=True)
class Enrolment:
    """What an enrolment needs: the name and birth date (the token's, or typed where the token lacks them) and
    the e-mail address for notices ('' for none)."""

    first_name: str
    infix: str
    last_name: str
    birth_date: date | None
    email: str


def token_lacks(actor: PersonActor) -> dict[str, bool]:
    """Which of the name and birth date the DigiD token did not give: those the person types."""
    return {"name": not (actor.first_name and actor.last_name), "birth_date": actor.birth_date is None}


def enrol(actor: PersonActor, typed: Enrolment) -> RegisteredPerson:
    """Enrol the person: a new row, or their deregistered row enrolled again (its links' history stays with it).
    What the token says of the name and birth date wins over anything typed."""
    lacks = token_lacks(actor)
    if lacks["name"]:
        first_name, infix, last_name = typed.first_name, typed.infix, typed.last_name
    else:
        first_name, infix, last_name = actor.first_name, actor.infix, actor.last_name
    birth_date = typed.birth_date if lacks["birth_date"] else actor.birth_date
    if not first_name.strip() or not last_name.strip():
        raise DomainError("Vul uw voornaam en achternaam in.", field="first_name" if lacks["name"] else None)
    check_birth_date(birth_date, field="birth_date" if lacks["birth_date"] else None)

    person = person_of(actor)
    if person is not None and person.state == "enrolled":
        raise DomainError("U staat al ingeschreven in het Personenregister kinderopvang.")
    if person is None:
        person = RegisteredPerson()
        person.bsn = actor.bsn
        try:
            with db.session.begin_nested():  # the same person enrolling in two tabs at once: one row per BSN
                _fill(person, first_name, infix, last_name, birth_date, typed.email)
                db.session.add(person)
        except IntegrityError:
            raise DomainError("U staat al ingeschreven in het Personenregister kinderopvang.") from None
        action = "register.enrol"
    else:
        person.state = states.next_person_state(person.state, "enrol")
        person.deregistered_at = None
        _fill(person, first_name, infix, last_name, birth_date, typed.email)
        action = "register.enrol_again"
    db.session.flush()
    _record(action, person, new_state=person.state, notices=bool(person.email))
    notices.enrolled(person)
    return person


def _fill(person: RegisteredPerson, first_name, infix, last_name, birth_date, email) -> None:
    person.set_name(first_name, infix, last_name)
    person.birth_date = birth_date
    person.email = email.strip()
    person.enrolled_at = utcnow()


def check_birth_date(birth_date: date | None, field: str | None = "birth_date") -> None:
    if birth_date is None:
        raise DomainError("Vul uw geboortedatum in.", field=field)
    if birth_date > today_local():
        raise DomainError("Uw geboortedatum kan niet in de toekomst liggen.", field=field)
    if birth_date < EARLIEST_BIRTH_DATE:
        raise DomainError("Vul een geldige geboortedatum in.", field=field)


def change_email(actor: PersonActor, email: str) -> RegisteredPerson:
    """The address notices go to; '' for none."""
    person = _require_enrolled(actor)
    email = email.strip()
    if email != person.email:
        person.email = email
        _record("register.change_email", person, notices=bool(email))
    return person


# -- links and requests ----------------------------------------------------------------------------------------


def links_of(person: RegisteredPerson) -> list[Link]:
    """Every link of the person, with history: the active ones first, then the newest."""
    return list(
        db.session.scalars(
            select(Link)
            .options(joinedload(Link.organisation))
            .where(Link.person_id == person.id)
            .order_by((Link.state == "linked").desc(), Link.linked_at.desc(), Link.id.desc())
        )
    )


def active_links(person: RegisteredPerson) -> list[Link]:
    """The links that still hold: linked, whether or not an unlink date is planned."""
    return [link for link in links_of(person) if link.state == "linked"]


def requests_of(person: RegisteredPerson) -> list[LinkRequest]:
    return list(
        db.session.scalars(
            select(LinkRequest)
            .options(joinedload(LinkRequest.organisation))
            .where(LinkRequest.person_id == person.id)
            .order_by(LinkRequest.created_at.desc(), LinkRequest.id.desc())
        )
    )


def request_label(link_request: LinkRequest) -> str:
    return states.REQUEST_STATES[link_request.state].label


def link_label(link: Link) -> str:
    if link.state == "linked" and link.unlink_on is not None:
        return f"Gekoppeld tot {format_date(link.unlink_on)}"
    return states.LINK_STATES[link.state].label


def get_request(actor: PersonActor, request_id: int) -> LinkRequest:
    """The person's own request; another person's (or none) is a NotFound."""
    person = person_of(actor)
    found = db.session.get(LinkRequest, request_id)
    if person is None or found is None or found.person_id != person.id:
        raise NotFound()
    return found


def withdraw(actor: PersonActor, request_id: int) -> LinkRequest:
    """Intrekken: an open request of the person's is withdrawn; anything else the state table refuses."""
    link_request = get_request(actor, request_id)
    link_request.state = states.next_request_state(link_request.state, "withdraw")
    link_request.answered_at = utcnow()  # when it stopped being open
    db.session.flush()
    _record(
        "register.request_withdraw",
        link_request.person,
        old_state="open",
        new_state=link_request.state,
        link_request=link_request.id,
        organisation=link_request.organisation_id,
    )
    return link_request


# -- asking an organisation ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationPage:
    rows: list[Organisation]
    search: str
    page: int
    more: bool


def clean_search(text: str | None) -> str:
    text = " ".join((text or "").split())
    return "" if "\x00" in text else text[:SEARCH_LENGTH]  # PostgreSQL cannot compare a NUL


def find_organisations(search: str, page: int = 1) -> OrganisationPage:
    """Childcare organisations and host-parent agencies whose name or city holds `search`, or whose KvK number
    starts with it; by name, a page at a time (nothing for an empty search)."""
    search = clean_search(search)
    page = max(1, min(page, MAX_SEARCH_PAGE))
    if not search:
        return OrganisationPage([], search, 1, False)
    pattern = "%" + _escape_like(search.lower()) + "%"
    matches = [
        func.lower(Organisation.name).like(pattern, escape="\\"),
        func.lower(Organisation.city).like(pattern, escape="\\"),
    ]
    compact = search.replace(" ", "")
    if compact.isascii() and compact.isdigit():
        matches.append(Organisation.kvk_number.like(_escape_like(compact) + "%", escape="\\"))
    rows = list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.kind.in_(KINDS), or_(*matches))
            .order_by(func.lower(Organisation.name), Organisation.id)
            .offset((page - 1) * SEARCH_PAGE_SIZE)
            .limit(SEARCH_PAGE_SIZE + 1)
        )
    )
    return OrganisationPage(rows[:SEARCH_PAGE_SIZE], search, page, len(rows) > SEARCH_PAGE_SIZE)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def get_organisation(organisation_id: int) -> Organisation:
    """An organisation a person may ask; any other (or none) is a NotFound."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or organisation.kind not in KINDS:
        raise NotFound()
    return organisation


def standing_with(person: RegisteredPerson | None, organisation_ids) -> dict[int, str]:
    """Per organisation: "linked" when it links the person now, "asked" when the person has an open request to
    it; organisations with neither are left out."""
    ids = list(organisation_ids)
    if person is None or not ids:
        return {}
    standing = {
        organisation_id: "asked"
        for organisation_id in db.session.scalars(
            select(LinkRequest.organisation_id).where(
                LinkRequest.person_id == person.id, LinkRequest.state == "open", LinkRequest.organisation_id.in_(ids)
            )
        )
    }
    for organisation_id in db.session.scalars(
        select(Link.organisation_id).where(
            Link.person_id == person.id, Link.state == "linked", Link.organisation_id.in_(ids)
        )
    ):
        standing[organisation_id] = "linked"
    return standing


def refusal(standing: str | None, organisation: Organisation) -> str | None:
    """Why the person cannot ask this organisation, in words; None when they can."""
    if standing == "linked":
        return f"{organisation.name} heeft u al gekoppeld. U hoeft niet om een koppeling te vragen."
    if standing == "asked":
        return f"U hebt {organisation.name} al gevraagd om u te koppelen. Het verzoek wacht op een antwoord."
    return None


def request_link(actor: PersonActor, organisation_id: int) -> LinkRequest:
    """A koppelverzoek to an organisation: at most one open per organisation, none to one that links them."""
    person = _require_enrolled(actor)
    organisation = get_organisation(organisation_id)
    refused = refusal(standing_with(person, [organisation.id]).get(organisation.id), organisation)
    if refused:
        raise DomainError(refused)
    waiting = db.session.scalar(
        select(func.count()).where(LinkRequest.person_id == person.id, LinkRequest.state == "open")
    )
    if waiting >= MAX_OPEN_REQUESTS:
        raise DomainError(
            f"U hebt al {MAX_OPEN_REQUESTS} koppelverzoeken die op een antwoord wachten. "
            "Trek er een in of wacht tot een organisatie antwoordt."
        )
    link_request = LinkRequest(person=person, organisation=organisation, state="open", created_at=utcnow())
    try:
        with db.session.begin_nested():  # asked twice at once: the partial unique index keeps one open request
            db.session.add(link_request)
    except IntegrityError:
        raise DomainError(refusal("asked", organisation)) from None
    _record("register.request", person, new_state="open", link_request=link_request.id, organisation=organisation.id)
    return link_request


# -- deregistering ---------------------------------------------------------------------------------------------


def deregister(actor: PersonActor) -> RegisteredPerson:
    """Uitschrijven: only when no link is active (a link planned to end later still is). Open requests are
    withdrawn and the e-mail address is cleared; the row stays, so the links' history stays whole."""
    person = _require_enrolled(actor, lock=True)  # PostgreSQL: the person's row, against a link made meanwhile
    still = active_links(person)
    if still:
        names = ", ".join(link.organisation.name for link in still)
        raise DomainError(
            f"U bent nog gekoppeld aan {names}. U kunt zich pas uitschrijven als u nergens meer gekoppeld bent."
        )
    now = utcnow()
    withdrawn = 0
    for link_request in requests_of(person):
        if link_request.state == "open":
            link_request.state = states.next_request_state(link_request.state, "withdraw")
            link_request.answered_at = now
            withdrawn += 1
    notices.deregistered(person)  # to the address it is about to clear
    person.state = states.next_person_state(person.state, "deregister")
    person.deregistered_at = now
    person.email = ""
    db.session.flush()
    _record("register.deregister", person, old_state="enrolled", new_state=person.state, withdrawn=withdrawn)
    return person
