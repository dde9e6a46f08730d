"""Issue 18's mentor dashboards at a school with 2,000 students (80 classes of 25, each with a mentor) and 4,000
dossiers in mixed states (a tenth archived), on SQLite and PostgreSQL: every query "Mijn leerlingen"
(mentor.my_students: the bounded count, the page of students, their dossiers) and "Te behandelen dossiers"
(mentor.worklist: the bounded count and the page) run, for the counsellor (the whole school) and for a mentor (one
class): the first page, a search, each filter, and the deepest page; and the weekly reminder job's query.

Run: .venv/bin/python -m benchmarks.dossiers_mentor_bench [--students 2000] [--dossiers 4000] [--only sqlite|postgresql]
Needs PostgreSQL on 127.0.0.1:5432 (trust) for the PostgreSQL run.

Each query runs three times to warm up, then REPEAT times timed, in the app (no HTTP), its transaction rolled back
after each run. Prints rows, p50 and p95 per query, and `uptime`; asserts nothing. Goal: every p95 under 20 ms.
"""

import argparse
import random
import subprocess
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from benchmarks import harness

REPEAT = 50
DATA_KEY = "bench-data"
CLASS_SIZE = 25
FIRST_NAMES = ("Roos", "Daan", "Sanne", "Lotte", "Jaap", "Mirjam", "Ahmed", "Fatima", "Noah", "Emma", "Sem", "Julia")
LAST_NAMES = ("Winter", "Bos", "Smit", "Visser", "Jansen", "de Vries", "Bakker", "Hoenderloo", "Rierink", "Mulder")
STATES = (  # the mix of states, as weights
    ("part_a", 30),
    ("sent_to_mentor", 15),
    ("part_b", 15),
    ("part_b_sent", 10),
    ("approval", 10),
    ("finished", 20),
)


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def valid_bsn(number: int) -> str:
    digits = f"{number:06d}"[-6:]
    for tail in range(1000):
        candidate = f"{digits}{tail:03d}"
        if (
            candidate[0] != "0"
            and sum(int(d) * w for d, w in zip(candidate, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True)) % 11 == 0
        ):
            return candidate
    raise ValueError(number)


def build(url: str, students: int, dossiers: int) -> None:
    from webapp import create_app
    from webapp.accounts.models import Membership, Organisation, User
    from webapp.core.timeutil import utcnow
    from webapp.dossiers.models import ClassMentor, College, Dossier, Programme, SchoolClass, Student, Transition
    from webapp.dossiers.schoolyear import school_year
    from webapp.extensions import db

    harness.flask(harness.bench_env(url), "db", "upgrade", "heads")
    random.seed(18)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATA_KEY": DATA_KEY, "SECRET_KEY": "bench-secret"})
    t0 = time.perf_counter()
    with app.app_context():
        school = Organisation(name="Vakcollege Bench", kind="school", city="Utrecht")
        counsellor = User(email="decaan@bench.example", first_name="Henk", last_name="Jansen", activated_at=utcnow())
        db.session.add_all([school, counsellor])
        db.session.flush()
        db.session.add(Membership(user=counsellor, organisation=school, role="counsellor"))
        programmes = []
        for number in range(5):
            college = Organisation(name=f"ROC Bench {number}", kind="college", city="Utrecht")
            db.session.add(college)
            db.session.flush()
            db.session.add(College(organisation_id=college.id, takes_part=number != 4))
            for code in range(8):
                programme = Programme(
                    college_id=college.id,
                    name=f"Opleiding {code}",
                    level=1 + code % 4,
                    track="BOL",
                    location="Laan 1",
                    code=f"9{number}{code:03d}",
                )
                programmes.append(programme)
                db.session.add(programme)
        db.session.flush()
        classes = []
        for number in range(-(-students // CLASS_SIZE)):
            year = 3 + number % 2
            klass = SchoolClass(school_id=school.id, school_year=school_year(), name=f"{year}{number:02d}", year=year)
            mentor = User(email=f"mentor{number}@bench.example", first_name="Mentor", last_name=str(number))
            db.session.add_all([klass, mentor])
            db.session.flush()
            membership = Membership(user=mentor, organisation=school, role="mentor")
            db.session.add(membership)
            db.session.flush()
            db.session.add(ClassMentor(class_id=klass.id, membership_id=membership.id))
            classes.append(klass)
        db.session.flush()
        people = []
        for number in range(students):
            klass = classes[number // CLASS_SIZE]
            student = Student(
                school_id=school.id,
                class_id=klass.id,
                birth_date=date(2009, 1, 1) + timedelta(days=number % 700),
                email=f"leerling{number}@bench.example",
                year=klass.year,
            )
            student.set_name(random.choice(FIRST_NAMES), "", f"{random.choice(LAST_NAMES)} {number}")
            student.bsn = valid_bsn(100000 + number)
            people.append(student)
        db.session.add_all(people)
        db.session.flush()
        now = utcnow()
        states, weights = zip(*STATES, strict=True)
        made = []
        for number in range(dossiers):
            state = random.choices(states, weights)[0]
            at = now - timedelta(days=random.randint(0, 60))
            made.append(
                Dossier(
                    student_id=people[number % students].id,
                    programme_id=random.choice(programmes).id,
                    state=state,
                    archived=random.random() < 0.1,
                    created_at=at - timedelta(days=5),
                    updated_at=at,
                )
            )
        db.session.add_all(made)
        db.session.flush()
        db.session.add_all(
            Transition(
                dossier_id=dossier.id,
                action="send_to_student",
                from_state="part_b",
                to_state="part_b_sent",
                at=dossier.updated_at,
            )
            for dossier in made
            if dossier.state in ("part_b_sent", "approval")
        )
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # what autovacuum would have done by the time a school looks
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
        db.engine.dispose()
    print(f"data set: {students} students, {dossiers} dossiers, made in {time.perf_counter() - t0:.0f} s")


def time_everything(url: str, label: str) -> None:
    from sqlalchemy import select

    from webapp import create_app
    from webapp.accounts.models import Membership, User
    from webapp.core.paging import MAX_PAGE
    from webapp.dossiers import mentor
    from webapp.dossiers.actors import SchoolStaff
    from webapp.dossiers.models import ClassMentor, SchoolClass
    from webapp.dossiers.school import Filters
    from webapp.extensions import db

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "DATA_KEY": DATA_KEY, "PUBLIC_URL": "http://localhost", "REDIS_URL": None}
    )
    with app.test_request_context():

        def staff_of(email: str) -> SchoolStaff:
            membership = db.session.scalar(select(Membership).join(User).where(User.email == email))
            return SchoolStaff(membership.user, membership, membership.organisation)

        counsellor = staff_of("decaan@bench.example")
        a_mentor = staff_of("mentor7@bench.example")
        class_id = db.session.scalar(
            select(ClassMentor.class_id).where(ClassMentor.membership_id == a_mentor.membership.id)
        )
        other_class = db.session.scalar(select(SchoolClass.id).where(SchoolClass.name == "340"))
        staff_ids = (counsellor.membership.id, a_mentor.membership.id)
        db.session.rollback()
        print(f"\n== {label}  [{uptime()}] ==")

        def students_cases():
            return [
                ("first page", Filters()),
                ("search 'jan'", Filters(search="jan")),
                ("search 'winter 12'", Filters(search="winter 12")),
                ("filter klas", Filters(class_id=other_class)),
                ("filter leerjaar 4", Filters(year=4)),
                ("search 'v' + leerjaar 3", Filters(search="v", year=3)),
                ("deepest page", Filters(page=MAX_PAGE)),
            ]

        def work_cases():
            cases = [
                ("first page", mentor.WorkFilters()),
                ("search 'jan'", mentor.WorkFilters(search="jan")),
                ("filter klas", mentor.WorkFilters(class_id=other_class)),
                ("filter leerjaar 4", mentor.WorkFilters(year=4)),
            ]
            cases += [(f"filter status {state}", mentor.WorkFilters(state=state)) for state in mentor.IN_PROGRESS]
            cases.append(("deepest page", mentor.WorkFilters(page=MAX_PAGE)))
            return cases

        worst = 0.0
        for who, staff in (("counsellor", counsellor), ("mentor", a_mentor)):
            for list_name, run, cases in (
                ("Mijn leerlingen", mentor.my_students, students_cases()),
                ("Te behandelen dossiers", mentor.worklist, work_cases()),
            ):
                if who == "mentor":  # the mentor's own class, not another's
                    cases = [
                        (name, type(filters)(**{**vars(filters), "class_id": class_id}))
                        if name == "filter klas"
                        else (name, filters)
                        for name, filters in cases
                    ]
                print(f"{list_name} ({who})")
                print(f"  {'query':<38} {'rows':>7} {'p50 ms':>8} {'p95 ms':>8}")
                worst = max(
                    worst,
                    harness.time_list_queries(
                        [(f"  {name}", filters) for name, filters in cases],
                        lambda filters, staff=staff, run=run: run(staff, filters),
                        repeat=REPEAT,
                        width=40,
                        reset=db.session.rollback,
                    ),
                )
        times = []
        for i in range(REPEAT + 3):
            t0 = time.perf_counter()
            found = db.session.execute(mentor.waiting_students()).all()  # the job's own query
            if i >= 3:
                times.append(1000 * (time.perf_counter() - t0))
            db.session.rollback()
        print(
            f"weekly reminder job, its query ({len(found)} waiting): p50 {harness.percentile(times, 0.5):.2f} ms,"
            f" p95 {harness.percentile(times, 0.95):.2f} ms"
        )
        print(f"worst list p95 on {label}: {worst:.2f} ms  (staff {staff_ids})  [{uptime()}]")
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--dossiers", type=int, default=4000)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    arguments = parser.parse_args()
    if arguments.only != "postgresql":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
            build(url, arguments.students, arguments.dossiers)
            time_everything(url, "SQLite")
    if arguments.only != "sqlite":
        with harness.scratch_postgres("loket_bench_dossiers_mentor") as url:
            build(url, arguments.students, arguments.dossiers)
            time_everything(url, "PostgreSQL")


if __name__ == "__main__":
    main()
