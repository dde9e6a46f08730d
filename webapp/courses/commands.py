"""`flask courses generate`: a large catalogue for the benchmark."""

import random
from datetime import timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import func, insert, select, text, update

from webapp.extensions import db

cli = AppGroup("courses", help="Courses: bench data.")


@cli.command("generate")
@click.option("--events", default=2000, show_default=True)
@click.option("--enrollments", default=50000, show_default=True)
@click.option("--people", default=5000, show_default=True)
@click.option(
    "--bench-email",
    default="bench@cursus.example",
    show_default=True,
    help="A login (password Tulpen-Veld-2026) with 20 enrolments and invoices.",
)
def generate(events, enrollments, people, bench_email):
    """Bulk-create events, people and enrolments (for benchmarks; not idempotent)."""
    from webapp.accounts.models import User
    from webapp.core import passwords
    from webapp.core.timeutil import today_local, utcnow
    from webapp.courses import invoicing
    from webapp.courses.models import Category, Course, Enrollment, Event

    rng = random.Random(42)
    now, today = utcnow(), today_local()
    category = Category(name=f"Gegenereerd {now:%Y%m%d%H%M%S}")
    courses = [Course(name=f"Cursus {i:03d}", category=category) for i in range(100)]
    db.session.add_all([category, *courses])
    db.session.flush()
    first_user = (db.session.execute(select(func.max(User.id))).scalar() or 0) + 1
    stamp = now.strftime("%H%M%S")
    db.session.execute(
        insert(User),
        [
            dict(
                email=f"gen{stamp}-{i}@cursus.example",
                first_name="Cursist",
                last_name=f"{i:05d}",
                created_at=now,
                is_staff=False,
                country="Nederland",
            )
            for i in range(people)
        ],
    )
    user_ids = list(db.session.execute(select(User.id).where(User.id >= first_user)).scalars())
    first_event = (db.session.execute(select(func.max(Event.id))).scalar() or 0) + 1
    db.session.execute(
        insert(Event),
        [
            dict(
                course_id=courses[i % len(courses)].id,
                name=f"Evenement {i:05d}",
                starts_on=today + timedelta(days=rng.randint(-365, 365)),
                location="Den Helder - Kievitstraat 31",
                price_cents=rng.choice([9500, 17500, 29500]),
                vat_rate=21,
                places=60,
                created_at=now,
                cancellation_rules="",
            )
            for i in range(events)
        ],
    )
    event_ids = list(db.session.execute(select(Event.id).where(Event.id >= first_event)).scalars())
    pairs = set()
    while len(pairs) < min(enrollments, len(event_ids) * 50):
        pairs.add((rng.choice(event_ids), rng.choice(user_ids)))
    rows = [
        dict(
            event_id=e,
            participant_id=u,
            status="enrolled",
            created_at=now,
            debtor_reference="",
            result="",
            attended=False,
        )
        for e, u in pairs
    ]
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Enrollment), rows[start : start + 5000])
    bench = db.session.execute(select(User).where(User.email == bench_email)).scalar_one_or_none()
    if bench is None:
        bench = User(
            email=bench_email,
            first_name="Bench",
            last_name="Cursist",
            street="Zeeweg",
            house_number="1",
            postcode="1781 AA",
            city="Den Helder",
            password_hash=passwords.hash_password("Tulpen-Veld-2026"),
            activated_at=now,
        )
        db.session.add(bench)
        db.session.flush()
    for event_id in rng.sample(event_ids, 20):
        if (event_id, bench.id) in pairs:
            continue
        enrollment = Enrollment(event_id=event_id, participant_id=bench.id, status="enrolled")
        db.session.add(enrollment)
        db.session.flush()
        invoicing.issue_invoice(enrollment)
    db.session.flush()
    enrolled = (
        select(func.count(Enrollment.id))
        .where(Enrollment.event_id == Event.id, Enrollment.status == "enrolled")
        .correlate(Event)
        .scalar_subquery()
    )
    db.session.execute(update(Event).where(Event.id >= first_event).values(enrolled_count=enrolled))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":  # the steady state autovacuum would reach: statistics, visibility map
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in ("course_events", "course_enrollments", "courses", "users", "course_invoices"):
                connection.execute(text(f"VACUUM ANALYZE {table}"))
    click.echo(f"{len(event_ids)} events, {len(rows)} enrolments, {len(user_ids)} people; login {bench_email}.")
