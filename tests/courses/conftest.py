"""Fixtures of the courses tests: a small catalogue, waiting for the mail jobs, and the `flask` command runner."""

from datetime import timedelta

import pytest

from webapp.core.jobs import wait_for_in_process_jobs
from webapp.core.timeutil import today_local
from webapp.courses.models import Category, Course, Event
from webapp.extensions import db


def _make_event(
    *,
    places=10,
    days=30,
    custom_for=None,
    price_cents=25000,
    name="LV Optimaal bespuiten (VT)",
    course_name="Licentieverlenging Gewasbescherming",
    rules="Kosteloos annuleren tot 14 dagen voor aanvang.",
):
    """An event `days` from today in a course of its own, under Cursussen & Trainingen » Agro & Groen » ... (committed)."""
    root = Category(name="Cursussen & Trainingen")
    leaf = Category(name="Licentieverlengingen Gewasbescherming", parent=Category(name="Agro & Groen", parent=root))
    course = Course(
        name=course_name, category=leaf, custom_for_id=custom_for.id if custom_for else None, cancellation_rules=rules
    )
    event = Event(
        course=course,
        name=name,
        starts_on=today_local() + timedelta(days=days),
        location="Den Helder - Kievitstraat 31",
        price_cents=price_cents,
        vat_rate=21,
        places=places,
    )
    db.session.add(event)
    db.session.commit()
    return event


@pytest.fixture
def make_event():
    """make_event(places=10, days=30, custom_for=None, ...): a committed event, in the current app context."""
    return _make_event


@pytest.fixture
def runner(app):
    """`flask` commands, run against the test app."""
    return app.test_cli_runner()


@pytest.fixture
def settle():
    """settle(): wait for the jobs that the commits so far started (confirmations, PDFs, mail), then read
    the database afresh. Services never commit: a test commits where the request would."""

    def settle():
        wait_for_in_process_jobs()
        db.session.expire_all()

    return settle
