"""The register's periodic work: planned unlinks happen by themselves at the start of their day (Europe/Amsterdam).

core.periodic runs `unlink_planned` under its lease; the job is also safe on its own when two runs overlap (a run
started by hand beside the timer's, two workers): each link is unlinked by the UPDATE that still finds it linked,
and only the links that UPDATE changed are mailed and audited. On PostgreSQL the rows are claimed with SELECT ...
FOR UPDATE SKIP LOCKED, so an overlapping run takes other links instead of waiting; SQLite has no row locks, so
the run takes the database's write lock first and a second run waits, then finds nothing left to do.
"""

from datetime import datetime

from sqlalchemy import Integer, any_, bindparam, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import joinedload

from webapp.core.audit import audit
from webapp.core.timeutil import AMSTERDAM, utcnow
from webapp.core.transactions import take_write_lock
from webapp.extensions import db
from webapp.register import notices, states
from webapp.register.models import Link, RegisteredPerson

BATCH = 1000
ACTION = "unlink_planned"


def unlink_planned(now: datetime | None = None) -> str:
    """Unlink every linked link whose planned date (unlink_on) is today or earlier in Europe/Amsterdam; mail each
    person and audit each link. `now` (aware) is for the tests; what it did, in words for Achtergrondtaken."""
    now = now or utcnow()
    today = now.astimezone(AMSTERDAM).date()
    new_state = states.next_link_state("linked", ACTION)
    take_write_lock()
    postgres = db.session.get_bind().dialect.name == "postgresql"
    done = 0
    while True:
        due = select(Link.id).where(Link.state == "linked", Link.unlink_on <= today).order_by(Link.id).limit(BATCH)
        if postgres:
            due = due.with_for_update(skip_locked=True)
        ids = list(db.session.scalars(due))
        if not ids:
            break
        unlinked = list(
            db.session.scalars(
                update(Link)
                .where(_among(ids, postgres), Link.state == "linked")  # guarded: a link is unlinked once
                .values(state=new_state, unlinked_at=now, unlinked_by=ACTION)
                .returning(Link.id),
                execution_options={"synchronize_session": False},
            )
        )
        links = db.session.scalars(
            select(Link)
            .options(joinedload(Link.person).defer(RegisteredPerson.bsn_sealed), joinedload(Link.organisation))
            .where(_among(unlinked, postgres))
            .order_by(Link.id)
            .execution_options(populate_existing=True)
        )
        links = list(links)
        for link in links:
            notices.unlinked(link)  # each mail is written (and flushed) on its own: core.mail queues it by its id
        for link in links:  # the audit rows after the mails: one flush writes the batch's rows together
            audit(
                "register.unlink_planned",
                subject=f"link:{link.id}",
                organisation_id=link.organisation_id,
                actor_id=None,
                old_state="linked",
                new_state=new_state,
                unlink_on=link.unlink_on.isoformat(),
            )
        db.session.flush()
        done += len(unlinked)
    return f"{done} koppeling(en) ontkoppeld"


def _among(ids: list[int], postgres: bool):
    """The link is one of `ids`: on PostgreSQL one array parameter (`= ANY(...)`), not a thousand placeholders that
    the driver parses for every statement."""
    if postgres:
        return Link.id == any_(bindparam("ids", ids, type_=ARRAY(Integer)))
    return Link.id.in_(ids)
