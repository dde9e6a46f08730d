"""The agenda and Mijn cursussen send one query each however many events and enrolments there are, and the maintained places counter agrees with the enrolments after enrol/cancel/promotion."""

from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from tests.factories import acting_as, login
from webapp.core.timeutil import today_local
from webapp.courses import services
from webapp.courses.models import Enrollment, Event
from webapp.extensions import db


@contextmanager
def counted_queries():
    statements = []

    def record(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)


def _course_statements(statements):
    return [s for s in statements if "course" in s]


def test_agenda_and_my_courses_are_one_query_each(client, factory, make_event, settle):
    first = make_event(places=3)
    for day in range(40):  # two pages of events over ten courses
        db.session.add(
            Event(
                course_id=first.course_id,
                name=f"Evenement {day:02d}",
                starts_on=today_local() + timedelta(days=day + 1),
                location="Incompany",
                price_cents=9500,
                places=5,
            )
        )
    db.session.commit()
    people = [factory.user(f"cursist{i}@example.nl") for i in range(3)]
    for person in people:
        services.enrol(acting_as(person), first.id)
    db.session.commit()
    settle()  # the confirmation jobs' statements are not the pages'
    with counted_queries() as statements:
        page = client.get("/cursusagenda").get_data(as_text=True)
    assert len(_course_statements(statements)) == 1, statements
    assert "Pagina 1" in page and "?pagina=2" in page
    with counted_queries() as statements:
        page = client.get("/cursusagenda?pagina=2").get_data(as_text=True)
    assert len(_course_statements(statements)) == 1 and "Pagina 2" in page and "?pagina=3" not in page
    assert "Vol (wachtlijst)" in page  # the event 30 days ahead is full: 3 of 3
    assert client.get("/cursusagenda?pagina=99").status_code == 200  # past the end: empty, not an error
    assert '<a href="/cursusagenda">Cursusagenda</a>' in client.get("/").get_data(as_text=True)  # in the main menu

    login(client, people[0].email)
    with counted_queries() as statements:
        mine = client.get("/mijn-onderwijsgroep/cursussen").get_data(as_text=True)
    assert len(_course_statements(statements)) == 1, statements
    assert "LV Optimaal bespuiten (VT)" in mine and "Afmelden" in mine


def test_places_counter_follows_enrolments(app, factory, make_event):
    event = make_event(places=2)
    people = [factory.user(f"p{i}@example.nl") for i in range(3)]
    a, b = (services.enrol(acting_as(p), event.id) for p in people[:2])
    waiting = services.enrol(acting_as(people[2]), event.id, waiting_list=True)
    db.session.commit()
    assert waiting.status == "waiting"

    def counter():
        db.session.expire_all()
        stored = db.session.get(Event, event.id).enrolled_count
        real = db.session.execute(
            select(func.count(Enrollment.id)).where(Enrollment.event_id == event.id, Enrollment.status == "enrolled")
        ).scalar_one()
        assert stored == real
        return stored

    assert counter() == 2
    services.cancel(acting_as(people[0]), a.id)  # the waiting one moves up
    db.session.commit()
    assert counter() == 2
    services.cancel(acting_as(people[1]), b.id)
    db.session.commit()
    assert counter() == 1
    assert services.available_places(db.session.get(Event, event.id)) == 1
