"""Demo data loads twice without change; the generator makes what the benchmark needs."""

from sqlalchemy import func, select

from tests.factories import acting_as
from webapp.accounts.models import Organisation, User
from webapp.courses import demo as courses_demo
from webapp.courses.models import Course, Enrollment, Event
from webapp.courses.services import my_course_rows, organisation_overview, upcoming_events
from webapp.extensions import db
from webapp.organisations import demo as organisations_demo


def load_demo():
    """What `flask demo-data` does for these two modules: each loader, then its commit."""
    for load in (organisations_demo.load_demo, courses_demo.load_demo):
        load()
        db.session.commit()


def test_demo_is_idempotent_and_shows_the_manuals_examples(app):
    load_demo()
    courses = db.session.execute(select(func.count(Course.id))).scalar_one()
    load_demo()
    assert db.session.execute(select(func.count(Course.id))).scalar_one() == courses
    deby = db.session.execute(select(User).where(User.email == "deby@herenbos.example")).scalar_one()
    names = {row.event_name: row for row in my_course_rows(acting_as(deby))}
    assert names["Test evenement ROC Kop van Noord-Holland (test)"].result == "Afgerond"
    assert names["2e testcursus - Maatwerk cursussen Herenbos"].location == "Incompany"
    assert names["Medical Care (STCW)"].location == "Den Helder - Kievitstraat 31"
    heerhugowaard = db.session.execute(
        select(Organisation).where(Organisation.name == "Gemeente Heerhugowaard")
    ).scalar_one()
    custom, _ = organisation_overview(acting_as(deby, heerhugowaard))
    assert [c.name for c in custom] == ["Maatwerk cursussen Gemeente Heerhugowaard"]
    # BHV Basis has one place left of two, so the waiting list can be tried.
    [bhv] = [row for row in upcoming_events()[0] if row.name.startswith("BHV Basis")]
    assert bhv.places_left == 1


def test_generate_command(app, runner):
    result = runner.invoke(args=["courses", "generate", "--events", "30", "--enrollments", "300", "--people", "40"])
    assert result.exit_code == 0, result.output
    assert "30 events" in result.output
    assert db.session.execute(select(func.count(Event.id))).scalar_one() == 30
    assert db.session.execute(select(func.count(Enrollment.id))).scalar_one() >= 300


def test_demo_events_count_their_enrolments(app):
    """The agenda reads places left from each event's counter: after the demo it matches the enrolments."""
    load_demo()
    enrolled = dict(
        db.session.execute(
            select(Enrollment.event_id, func.count(Enrollment.id))
            .where(Enrollment.status == "enrolled")
            .group_by(Enrollment.event_id)
        ).all()
    )
    assert len(enrolled) >= 5  # the manual's four past examples and the nearly full BHV Basis
    counters = {event.id: event.enrolled_count for event in db.session.execute(select(Event)).scalars()}
    assert counters == {event_id: enrolled.get(event_id, 0) for event_id in counters}
