"""The register's periodic work: planned unlinks happen by themselves at the start of their day (Europe/Amsterdam).

core.periodic runs `unlink_planned` under its lease; the job is also safe on its own when two runs overlap (a run
started by hand beside the timer's, two workers): each link is unlinked by the UPDATE that still finds it linked,
and only the links that UPDATE changed are audited and mailed. On PostgreSQL the rows are claimed with SELECT ...
FOR UPDATE SKIP LOCKED, so an overlapping run takes other links instead of waiting; SQLite has no row locks, so
the run takes the database's write lock first and a second run waits, then finds nothing left to do.

The unlink transaction stays short: per batch of links one SELECT, one UPDATE ... RETURNING and one multi-row
INSERT of the audit events and one of the pending notices (notices.pend): the persons' mails are composed by a
follow-up job per batch once the unlinks commit (a rolled-back run notes and starts nothing); that job takes the
notes, so each person is mailed once, and a periodic sweep takes the ones whose job never ran. The mails leave
after that job's own commit, as every mail does.
"""

from datetime import datetime

from sqlalchemy import Integer, any_, bindparam, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from webapp.core.audit import audit_many
from webapp.core.timeutil import AMSTERDAM, utcnow
from webapp.core.transactions import take_write_lock
from webapp.extensions import db
from webapp.register import notices, states
from webapp.register.models import Link

BATCH = 1000
ACTION = "unlink_planned"


def unlink_planned(now: datetime | None = None) -> str:
    """Unlink every linked link whose planned date (unlink_on) is today or earlier in Europe/Amsterdam; audit each
    link, and mail each person after the commit (`notify_unlinked`). `now` (aware) is for the tests; what it did,
    in words for Achtergrondtaken."""
    now = now or utcnow()
    today = now.astimezone(AMSTERDAM).date()
    new_state = states.next_link_state("linked", ACTION)
    take_write_lock()
    postgres = db.session.get_bind().dialect.name == "postgresql"
    done = 0
    while True:
        # the longest due first, read from the partial index ix_register_links_planned (by id it walked the primary
        # key past every link, the ones this run had just unlinked too)
        due = (
            select(Link.id).where(Link.state == "linked", Link.unlink_on <= today).order_by(Link.unlink_on).limit(BATCH)
        )
        if postgres:
            due = due.with_for_update(skip_locked=True)
        ids = list(db.session.scalars(due))
        if not ids:
            break
        unlinked = db.session.execute(
            update(Link)
            .where(_among(ids, postgres), Link.state == "linked")  # guarded: a link is unlinked once
            .values(state=new_state, unlinked_at=now, unlinked_by=ACTION)
            .returning(Link.id, Link.organisation_id, Link.unlink_on),
            execution_options={"synchronize_session": False},
        ).all()
        audit_many(
            dict(
                action="register.unlink_planned",
                subject=f"link:{link_id}",
                organisation_id=organisation_id,
                actor_id=None,
                old_state="linked",
                new_state=new_state,
                unlink_on=unlink_on.isoformat(),
            )
            for link_id, organisation_id, unlink_on in sorted(unlinked)
        )
        notices.pend("unlinked", sorted(link_id for link_id, _, _ in unlinked))
        done += len(unlinked)
    return f"{done} koppeling(en) ontkoppeld"


def _among(ids: list[int], postgres: bool):
    """The link is one of `ids`: on PostgreSQL one array parameter (`= ANY(...)`), not a thousand placeholders that
    the driver parses for every statement."""
    if postgres:
        return Link.id == any_(bindparam("ids", ids, type_=ARRAY(Integer)))
    return Link.id.in_(ids)
