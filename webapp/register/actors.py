"""Who acts in the register, and the decorators its views use to demand it.

An organisation acts through an employee who logged in with eHerkenning at EH2+ with the register's mandate,
or (when REGISTER_PORTAL_LOGIN is on) through a portal member of the organisation who reached EH2+ with the
portal's own authenticator and holds the register mandate inside Loket. A person acts after logging in with
DigiD. Services take these actors and check them again; the audit trail records which way each came in.
"""

from dataclasses import dataclass
from datetime import date
from functools import wraps

from flask import abort, current_app, g, redirect, request, session, url_for
from sqlalchemy import inspect

from webapp.accounts.models import Organisation
from webapp.core.audit import audit, audit_many
from webapp.core.auth import acting, level_at_least
from webapp.core.bsn import BSN
from webapp.register import sessions

LEVEL = "EH2+"  # what the register asks of an organisation
SERVICE = "register"  # the portal's own mandate for the register (core.modules.Service)
ORGANISATION_KINDS = ("childcare", "host_parent_agency")  # the organisations that link persons


@dataclass(frozen=True)
class OrganisationActor:
    organisation: Organisation
    via: str  # "eherkenning" or "portal"
    level: str
    user_id: int | None = None  # the portal member, when via the portal
    subject: str = ""  # the eHerkenning employee's pseudonymous id

    @property
    def organisation_id(self) -> int:
        """The organisation's id, from its identity (no query, also when the organisation was expired by a commit)."""
        identity = inspect(self.organisation).identity
        return identity[0] if identity else self.organisation.id

    @property
    def sees_full_bsn(self) -> bool:
        return level_at_least(self.level, LEVEL)


@dataclass(frozen=True)
class PersonActor:
    """A person logged in with DigiD: their BSN, and what the token says of their name and birth date."""

    bsn: BSN
    first_name: str = ""
    infix: str = ""
    last_name: str = ""
    birth_date: date | None = None


def organisation_actor() -> OrganisationActor | None:
    login = sessions.current("eherkenning")
    if login is not None and login.organisation is not None and login.mandated and level_at_least(login.level, LEVEL):
        return OrganisationActor(login.organisation, "eherkenning", login.level, subject=login.subject)
    context = acting()
    if portal_member_with_mandate() and level_at_least(context.level, LEVEL):
        return OrganisationActor(context.organisation, "portal", context.level, user_id=context.user_id)
    return None


def person_actor() -> PersonActor | None:
    login = sessions.current("digid")
    if login is None or login.bsn is None:
        return None
    return PersonActor(login.bsn, login.first_name, login.infix, login.last_name, login.birth_date)


def portal_member_with_mandate() -> bool:
    """A portal member acting for a childcare organisation or host-parent agency with the register mandate (at any
    level), when REGISTER_PORTAL_LOGIN allows it."""
    context = acting()
    return bool(
        current_app.config["REGISTER_PORTAL_LOGIN"]
        and context is not None
        and context.organisation is not None
        and context.organisation.kind in ORGANISATION_KINDS
        and context.has_mandate(SERVICE)
    )


def _portal_member_below_level() -> bool:
    return portal_member_with_mandate() and not level_at_least(acting().level, LEVEL)


PORTAL_ENTRY = "register_portal_entry"  # the organisation a portal member's session last entered the register for


def _note_portal_entry(actor: OrganisationActor) -> None:
    """A portal member's way in is audited once per portal session and organisation: the first organisation page
    they reach (a new portal login clears the cookie's session, and with it this mark)."""
    if session.get(PORTAL_ENTRY) != actor.organisation_id:
        session[PORTAL_ENTRY] = actor.organisation_id
        record(actor, "register.login", subject=f"organisation:{actor.organisation_id}")


def organisation_required(view):
    """The organisation's pages: the actor on `g.register_actor`. Without one, a portal member with the mandate is
    offered a step-up to EH2+; anyone else goes to the register's start page, which offers eHerkenning."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        actor = organisation_actor()
        if actor is None:
            if _portal_member_below_level():
                back = request.path if request.method == "GET" else url_for("register_login.start")
                return redirect(url_for("accounts.step_up", level=LEVEL, next=back))
            if request.method != "GET":
                abort(404)
            return redirect(url_for("register_login.start", volgende=request.path))
        if actor.via == "portal":
            _note_portal_entry(actor)
        g.register_actor = actor
        return view(*args, **kwargs)

    return wrapper


def person_required(view):
    """The person's pages: the actor on `g.register_person`; without DigiD, off to the register's start page."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        actor = person_actor()
        if actor is None:
            if request.method != "GET":
                abort(404)
            return redirect(url_for("register_login.start", volgende=request.path))
        g.register_person = actor
        return view(*args, **kwargs)

    return wrapper


def record(actor: OrganisationActor, action: str, *, subject: str = "", **detail) -> None:
    """An audit event for what an organisation did in the register, with the way its session came in."""
    audit(
        action,
        subject=subject,
        organisation_id=actor.organisation_id,
        actor_id=actor.user_id,
        level=actor.level,
        via=actor.via,
        **({"employee": actor.subject} if actor.subject else {}),
        **detail,
    )


def record_many(actor: OrganisationActor, events) -> None:
    """Many of `record`'s events at once, in one INSERT: each a dict with `action` and `record`'s keywords."""
    way = {"via": actor.via, **({"employee": actor.subject} if actor.subject else {})}
    audit_many(
        {**way, **event, "organisation_id": actor.organisation_id, "actor_id": actor.user_id, "level": actor.level}
        for event in events
    )
