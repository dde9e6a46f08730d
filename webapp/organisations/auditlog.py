"""The Logboek: reading the audit trail. Staff search every organisation's events; an organisation's
admin reads their own organisation's, and never another's.

Newest first, 25 to a page, at most MAX_PAGE pages deep (offsets stay bounded); no total, so a page
costs one query that reads one page plus a row.
"""

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, or_, select

from webapp.accounts.models import Organisation, User
from webapp.core.models import AuditEvent
from webapp.core.timeutil import AMSTERDAM
from webapp.extensions import db

PER_PAGE = 25
MAX_PAGE = 400
MAX_WORDS = 5  # of the actor filter
ALL_OF = ".*"  # an action filter "course.*" means every action that starts with "course."


@dataclass(frozen=True)
class LogFilters:
    organisation_id: int | None = None
    actor: str = ""  # words of the actor's name or e-mail address
    action: str = ""  # one action, or a group: "course.*"
    date_from: date | None = None  # days in Europe/Amsterdam, both included
    date_to: date | None = None


@dataclass(frozen=True)
class LogEntry:
    at: datetime
    actor: str  # name (e-mail address); "" for none
    organisation: str
    level: str
    action: str
    subject: str
    old_state: str
    new_state: str
    details: dict


@dataclass(frozen=True)
class LogPage:
    entries: list[LogEntry]
    number: int
    has_next: bool


def search(filters: LogFilters, page: int = 1) -> LogPage:
    """The events that pass the filters, newest first: one page of them."""
    page = min(max(1, page), MAX_PAGE)
    statement = (
        select(AuditEvent, User.email, User.first_name, User.infix, User.last_name, Organisation.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .outerjoin(Organisation, Organisation.id == AuditEvent.organisation_id)
        .where(*_conditions(filters))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(PER_PAGE + 1)
        .offset((page - 1) * PER_PAGE)
    )
    rows = db.session.execute(statement).all()
    entries = [_entry(*row) for row in rows[:PER_PAGE]]
    return LogPage(entries, page, len(rows) > PER_PAGE and page < MAX_PAGE)


def organisation_log(context, filters: LogFilters, page: int = 1) -> LogPage:
    """The acting organisation's events, for its admin."""
    organisation = context.require_admin()
    return search(replace(filters, organisation_id=organisation.id), page)


def actions(organisation_id: int | None = None) -> list[str]:
    """The actions that occur (in one organisation's events, when given), for the filter's choices."""
    statement = select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    if organisation_id is not None:
        statement = statement.where(AuditEvent.organisation_id == organisation_id)
    return list(db.session.scalars(statement))


def organisation_actions(context) -> list[str]:
    return actions(context.require_admin().id)


def organisations() -> list[tuple[int, str]]:
    """Every organisation (id, name) by name, for the staff's filter."""
    return [
        tuple(row)
        for row in db.session.execute(
            select(Organisation.id, Organisation.name).order_by(Organisation.name, Organisation.id)
        )
    ]


def action_groups(names: list[str]) -> list[str]:
    """The groups ("course.*") of these actions, for a filter on all of a group's actions at once."""
    return sorted({name.split(".", 1)[0] + ALL_OF for name in names if "." in name})


def _conditions(filters: LogFilters) -> list:
    conditions = []
    if filters.organisation_id is not None:
        conditions.append(AuditEvent.organisation_id == filters.organisation_id)
    if filters.action.endswith(ALL_OF):
        conditions.append(AuditEvent.action.startswith(filters.action[:-1], autoescape=True))
    elif filters.action:
        conditions.append(AuditEvent.action == filters.action)
    if filters.date_from is not None:
        conditions.append(AuditEvent.at >= _start_of(filters.date_from))
    if filters.date_to is not None:
        conditions.append(AuditEvent.at < _start_of(filters.date_to + timedelta(days=1)))
    words = filters.actor.split()[:MAX_WORDS]
    if words:
        each_word_somewhere = and_(
            *[
                or_(
                    *[
                        column.icontains(word, autoescape=True)
                        for column in (User.email, User.first_name, User.infix, User.last_name)
                    ]
                )
                for word in words
            ]
        )
        conditions.append(AuditEvent.actor_id.in_(select(User.id).where(each_word_somewhere)))
    return conditions


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=AMSTERDAM).astimezone(UTC)


def _entry(event: AuditEvent, email, first_name, infix, last_name, organisation_name) -> LogEntry:
    name = " ".join(part for part in (first_name, infix, last_name) if part)
    actor = f"{name} ({email})" if name and email else email or ""
    return LogEntry(
        at=event.at,
        actor=actor,
        organisation=organisation_name or "",
        level=event.level,
        action=event.action,
        subject=event.subject,
        old_state=event.old_state,
        new_state=event.new_state,
        details=event.details,
    )
