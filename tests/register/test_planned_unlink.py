"""Planned unlinks happen by themselves at the start of their day in Europe/Amsterdam (also across a DST change),
once, even when two runs overlap: each link is unlinked once, audited once, and its person mailed once."""

import threading
from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy import func, select

from tests.register.support import childcare_organisation, enrolled_person, valid_bsn
from webapp.core import periodic
from webapp.core.jobs import perform, wait_for_in_process_jobs
from webapp.core.models import AuditEvent, OutgoingMail
from webapp.core.timeutil import utcnow
from webapp.core.transactions import commit
from webapp.extensions import db
from webapp.register import jobs, notices
from webapp.register.models import Link, PendingNotice

_numbers = count()


def _planned(factory, unlink_on: date, how_many: int = 1) -> list[int]:
    organisation = childcare_organisation(factory)
    ids = []
    for number in (next(_numbers) for _ in range(how_many)):
        person = enrolled_person(valid_bsn(number), email=f"persoon{number}@voorbeeld.example")
        link = Link(person=person, organisation=organisation, unlink_on=unlink_on)
        db.session.add(link)
        db.session.commit()
        ids.append(link.id)
    return ids


def _state(link_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Link, link_id).state


@pytest.mark.parametrize(
    ("unlink_on", "just_before", "at_start"),
    [
        # summer time starts on 28 March 2027: that day begins at 00:00 CET = 23:00 UTC the evening before
        (date(2027, 3, 28), datetime(2027, 3, 27, 22, 59, 59, tzinfo=UTC), datetime(2027, 3, 27, 23, 0, tzinfo=UTC)),
        # summer time ends on 25 October 2026: that day begins at 00:00 CEST = 22:00 UTC the evening before
        (date(2026, 10, 25), datetime(2026, 10, 24, 21, 59, 59, tzinfo=UTC), datetime(2026, 10, 24, 22, 0, tzinfo=UTC)),
    ],
)
def test_a_planned_unlink_happens_at_the_start_of_its_day_in_amsterdam(
    app, factory, outbox, unlink_on, just_before, at_start
):
    (link_id,) = _planned(factory, unlink_on)
    assert perform(jobs.unlink_planned, just_before) == "0 koppeling(en) ontkoppeld"
    assert _state(link_id) == "linked"
    assert perform(jobs.unlink_planned, at_start) == "1 koppeling(en) ontkoppeld"
    link = db.session.get(Link, link_id)
    assert (link.state, link.unlinked_by, link.unlinked_at) == ("unlinked", "unlink_planned", at_start)
    assert perform(jobs.unlink_planned, at_start) == "0 koppeling(en) ontkoppeld"  # once
    mails = outbox.messages
    assert len(mails) == 1 and "ontkoppeld" in mails[0]["Subject"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "register.unlink_planned"))
    assert (event.organisation_id, event.actor_id, event.subject) == (link.organisation_id, None, f"link:{link_id}")
    assert (event.old_state, event.new_state) == ("linked", "unlinked")


def test_links_not_yet_due_and_unlinked_links_are_left_alone(app, factory):
    (later,) = _planned(factory, date(2027, 4, 2))
    (none,) = _planned(factory, None)
    now = datetime(2027, 4, 1, 12, 0, tzinfo=UTC)
    assert perform(jobs.unlink_planned, now) == "0 koppeling(en) ontkoppeld"
    assert _state(later) == _state(none) == "linked"


def _counts() -> tuple[int, int, int]:
    wait_for_in_process_jobs()  # the mails are written by each run's follow-up job, after its commit
    db.session.expire_all()
    unlinked = db.session.scalar(select(func.count()).select_from(Link).where(Link.state == "unlinked"))
    audited = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "register.unlink_planned")
    )
    mailed = db.session.scalar(select(func.count(func.distinct(OutgoingMail.recipient))))
    mails = db.session.scalar(select(func.count()).select_from(OutgoingMail))
    assert mails == mailed  # one mail per person
    return unlinked, audited, mails


def test_a_run_that_overlaps_one_still_open_unlinks_nothing_twice(app, factory, backend):
    """Run A has unlinked the links but not committed when run B starts: B (PostgreSQL) skips A's locked rows, or
    (SQLite) waits for A's write lock; either way B finds nothing left, and nothing is done twice."""
    _planned(factory, date(2027, 1, 1), how_many=12)
    now = datetime(2027, 1, 1, 8, 0, tzinfo=UTC)
    assert jobs.unlink_planned(now) == "12 koppeling(en) ontkoppeld"  # run A, its transaction still open
    outcome = {}

    def run_b():
        with app.app_context():
            outcome["b"] = perform(jobs.unlink_planned, now)

    b = threading.Thread(target=run_b)
    b.start()
    if backend == "postgresql":
        b.join(timeout=60)  # B does not wait for A's locks: it skips them
        assert outcome["b"] == "0 koppeling(en) ontkoppeld"
        commit()
    else:
        commit()  # B waits for A's write lock, then reads what A committed
        b.join(timeout=60)
        assert outcome["b"] == "0 koppeling(en) ontkoppeld"
    assert _counts() == (12, 12, 12)


def test_two_runs_at_once_unlink_each_link_once(app, factory):
    _planned(factory, date(2027, 1, 1), how_many=40)
    now = datetime(2027, 1, 1, 8, 0, tzinfo=UTC)
    start, outcomes = threading.Barrier(2), []

    def run():
        with app.app_context():
            start.wait()
            outcomes.append(perform(jobs.unlink_planned, now))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    done = sorted(int(outcome.split()[0]) for outcome in outcomes)
    assert len(done) == 2 and sum(done) == 40
    assert _counts() == (40, 40, 40)


def test_the_job_is_declared_and_runs_under_its_lease(app, factory):
    (link_id,) = _planned(factory, date(2020, 1, 1))
    task = periodic.tasks()["webapp.register.jobs.unlink_planned"]
    assert task.label == "Geplande ontkoppelingen uitvoeren" and task.every.total_seconds() == 15 * 60
    assert periodic.run(task) == "1 koppeling(en) ontkoppeld"
    assert _state(link_id) == "unlinked"


def test_a_notice_whose_job_never_ran_is_mailed_by_the_sweep_once(app, factory, outbox):
    """The queue was unreachable when the unlinks committed: the pending notice stays, and the periodic sweep mails
    it once it is overdue; taking it again (a late job, a second sweep) mails nobody twice."""
    (link_id,) = _planned(factory, date(2027, 1, 1))
    link = db.session.get(Link, link_id)
    an_hour_ago = utcnow() - timedelta(hours=1)
    link.state, link.unlinked_at, link.unlinked_by = "unlinked", an_hour_ago, "unlink_planned"
    db.session.add(PendingNotice(link_id=link_id, kind="unlinked", created_at=utcnow()))
    db.session.commit()
    assert perform(notices.send_overdue) == "0 e-mail(s) alsnog opgesteld"  # its job may still come
    db.session.scalar(select(PendingNotice)).created_at = an_hour_ago
    db.session.commit()
    assert perform(notices.send_overdue) == "1 e-mail(s) alsnog opgesteld"
    assert perform(notices.send_pending, "unlinked", [link_id]) == "0 e-mail(s)"
    assert perform(notices.send_overdue) == "0 e-mail(s) alsnog opgesteld"
    [mail] = outbox.messages
    assert "ontkoppeld" in mail["Subject"]
    assert db.session.scalar(select(func.count()).select_from(PendingNotice)) == 0
    assert "webapp.register.notices.send_overdue" in periodic.tasks()
