"""A small catalogue for the courses tests."""
from datetime import timedelta

from webapp.core.timeutil import today_local
from webapp.courses.models import Category, Course, Event
from webapp.extensions import db


def make_event(*, places=10, days=30, custom_for=None, price_cents=25000, name="LV Optimaal bespuiten (VT)",
               course_name="Licentieverlenging Gewasbescherming", rules="Kosteloos annuleren tot 14 dagen voor aanvang."):
    root = Category(name="Cursussen & Trainingen")
    leaf = Category(name="Licentieverlengingen Gewasbescherming", parent=Category(name="Agro & Groen", parent=root))
    course = Course(name=course_name, category=leaf, custom_for_id=custom_for.id if custom_for else None,
                    cancellation_rules=rules)
    event = Event(course=course, name=name, starts_on=today_local() + timedelta(days=days),
                  location="Den Helder - Kievitstraat 31", price_cents=price_cents, vat_rate=21, places=places)
    db.session.add(event)
    db.session.commit()
    return event
