"""Demo data loads twice without change; the generator makes what the benchmark needs."""
from sqlalchemy import func, select

from webapp.courses.models import Course, Enrollment, Event
from webapp.courses.services import Actor, my_course_rows, organisation_overview
from webapp.extensions import db


def test_demo_is_idempotent_and_shows_the_manuals_examples(app):
    from webapp.accounts.models import Organisation, User
    from webapp.demo import load_demo

    load_demo()
    courses = db.session.execute(select(func.count(Course.id))).scalar_one()
    load_demo()
    assert db.session.execute(select(func.count(Course.id))).scalar_one() == courses
    deby = db.session.execute(select(User).where(User.email == "deby@herenbos.example")).scalar_one()
    names = {row.event_name: row for row in my_course_rows(Actor(deby.id))}
    assert names["Test evenement ROC Kop van Noord-Holland (test)"].result == "Afgerond"
    assert names["2e testcursus - Maatwerk cursussen Herenbos"].location == "Incompany"
    assert names["Medical Care (STCW)"].location == "Den Helder - Kievitstraat 31"
    heerhugowaard = db.session.execute(select(Organisation).where(Organisation.name == "Gemeente Heerhugowaard")).scalar_one()
    custom, _ = organisation_overview(Actor(deby.id, heerhugowaard.id, is_admin=True))
    assert [c.name for c in custom] == ["Maatwerk cursussen Gemeente Heerhugowaard"]


def test_generate_command(app):
    result = app.test_cli_runner().invoke(args=["courses", "generate", "--events", "30", "--enrollments", "300", "--people", "40"])
    assert result.exit_code == 0, result.output
    assert db.session.execute(select(func.count(Event.id))).scalar_one() == 30
    assert db.session.execute(select(func.count(Enrollment.id))).scalar_one() >= 300
