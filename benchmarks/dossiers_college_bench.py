"""Issue 18's college benchmark: every query of the receiving college's list at 50,000 finished dossiers of one
college (beside another college's finished dossiers and unfinished and archived ones), on SQLite and PostgreSQL: the
first page, name searches, each filter (programme, school, OPP, nader contact), combinations, the deepest page; and
the whole-dossier PDF's time per dossier.

Run: .venv/bin/python -m benchmarks.dossiers_college_bench [--dossiers 50000] [--only sqlite|postgresql] [--explain]
Each list query is college.dossier_list(): the bounded count, the page of ids and its rows (student, school,
programme, part B's flags), as the list page runs it. Prints p50/p95 per query and `uptime`; asserts nothing.
Goal: every list query's p95 under 20 ms.

The databases are the benchmark's own: a SQLite file in a temporary folder, and a scratch PostgreSQL database
(loket_bench_dossiers_college) on BENCH_POSTGRES_URL's server, dropped afterwards.
"""

import argparse
import random
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

from benchmarks import harness

REPEAT = 40
PDF_REPEAT = 10
SCHOOLS = 60
PROGRAMMES = 24
FIRST_NAMES = ["Anna", "Bram", "Carla", "Dewi", "Eva", "Fleur", "Gijs", "Hanna", "Ivo", "Joris", "Karin", "Lars"]
FIRST_NAMES += ["Mila", "Noah", "Olga", "Piet", "Roos", "Sem", "Tess", "Umut", "Vera", "Wim", "Yara", "Zoë"]
LAST_NAMES = ["Jansen", "de Vries", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder"]
LAST_NAMES += ["de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit"]
LAST_NAMES += [f"Achternaam{number}" for number in range(200)]  # many rarer names too


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def migrate(database_url: str) -> None:
    harness.flask(harness.bench_env(database_url), "db", "upgrade", "heads")


def _organisation(connection, table, name, kind, now) -> int:
    values = dict(name=name, kind=kind, kvk_number="", email="", phone="", street="", house_number="", postcode="")
    return connection.execute(table.insert().values(city="Utrecht", created_at=now, **values)).inserted_primary_key[0]


def generate(database_url: str, dossiers: int, seed: int = 18) -> dict:
    """The bench college with PROGRAMMES programmes and `dossiers` finished dossiers for them, from SCHOOLS schools'
    students; beside them another college with a fifth as many, and a tenth as many unfinished or archived ones for
    the bench college. 80 % have part B's flags (OPP ja 15 %, nader contact ja 20 %). Returns the ids the bench uses."""
    import sqlalchemy as sa

    from webapp.dossiers.college import CONTACT_KEY, OPP_KEY
    from webapp.dossiers.models import sort_name

    random.seed(seed)
    engine = sa.create_engine(database_url)
    now = datetime.now(UTC)
    metadata = sa.MetaData()
    names = ["organisations", "users", "memberships", "dossier_colleges", "dossier_programmes", "dossier_students"]
    metadata.reflect(engine, only=[*names, "dossiers", "dossier_answers", "dossier_student_words"])
    organisations, users, memberships, colleges, programmes, students = (metadata.tables[name] for name in names)
    dossier_table, answers = metadata.tables["dossiers"], metadata.tables["dossier_answers"]
    words = metadata.tables["dossier_student_words"]
    with engine.begin() as connection:
        bench = _organisation(connection, organisations, "MBO Bench", "college", now)
        other = _organisation(connection, organisations, "ROC Ander", "college", now)
        schools = [_organisation(connection, organisations, f"School {n:02d}", "school", now) for n in range(SCHOOLS)]
        connection.execute(colleges.insert(), [dict(organisation_id=c, takes_part=True) for c in (bench, other)])
        programme_ids = {bench: [], other: []}
        for college_id, count in ((bench, PROGRAMMES), (other, 5)):
            for number in range(count):
                programme_ids[college_id].append(
                    connection.execute(
                        programmes.insert().values(
                            college_id=college_id,
                            name=f"Opleiding {number:02d}",
                            level=1 + number % 4,
                            track="BOL",
                            location="Laan 1",
                            code=f"{90000 + number}",
                        )
                    ).inserted_primary_key[0]
                )
        user_id = harness.insert_member(
            connection,
            users,
            memberships,
            email="toelating@bench.example",
            organisation_id=bench,
            role="contact",
            now=now,
        )
        plan = [(bench, "finished", False)] * dossiers
        plan += [(other, "finished", False)] * (dossiers // 5)
        plan += [(bench, random.choice(["part_a", "part_b", "approval"]), False) for _ in range(dossiers // 20)]
        plan += [(bench, "finished", True)] * (dossiers // 20)
        random.shuffle(plan)
        start = now - timedelta(days=365)
        step = timedelta(days=365) / len(plan)
        batch_students, batch = [], []
        for number, (college_id, state, archived) in enumerate(plan):
            first, last = random.choice(FIRST_NAMES), random.choice(LAST_NAMES)
            infix, _, last_name = last.rpartition(" ")
            batch_students.append(
                dict(
                    id=number + 1,
                    school_id=random.choice(schools),
                    class_id=None,
                    first_name=first,
                    infix=infix,
                    last_name=last_name,
                    sort_name=sort_name(first, infix, last_name),
                    birth_date=date(2009, 1, 1) + timedelta(days=number % 700),
                    email="",
                    year=4,
                    user_id=None,
                    created_at=now,
                )
            )
            finished_at = start + step * number if state == "finished" else None
            batch.append(
                dict(
                    id=number + 1,
                    student_id=number + 1,
                    programme_id=random.choice(programme_ids[college_id]),
                    state=state,
                    archived=archived,
                    mentor_id=None,
                    created_at=start,
                    updated_at=finished_at or start,
                    finished_at=finished_at,
                )
            )
            if len(batch) == 5000:
                _flush(
                    connection,
                    students,
                    words,
                    dossier_table,
                    answers,
                    batch_students,
                    batch,
                    OPP_KEY,
                    CONTACT_KEY,
                    now,
                )
                batch_students, batch = [], []
        if batch:
            _flush(
                connection, students, words, dossier_table, answers, batch_students, batch, OPP_KEY, CONTACT_KEY, now
            )
        if engine.dialect.name == "postgresql":  # the ids were given: move the sequences past them
            for table in ("dossier_students", "dossiers"):
                connection.execute(
                    sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
                )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(sa.text("ANALYZE"))
    engine.dispose()
    return {"user_id": user_id, "college_id": bench, "programmes": programme_ids[bench], "schools": schools}


def _flush(connection, students, words, dossier_table, answers, batch_students, batch, opp_key, contact_key, now):
    connection.execute(students.insert(), batch_students)
    connection.execute(  # the name words Student.set_name keeps (a bulk insert passes by it)
        words.insert(),
        [
            dict(word=word, student_id=student["id"])
            for student in batch_students
            for word in sorted(set(student["sort_name"].split()))
        ],
    )
    rows = []
    for dossier in batch:
        rows.append(dict(dossier_id=dossier["id"], field="roepnaam", value="Naam", saved_at=now))
        dossier.update(warm_handover=None, further_contact=None)
        if random.random() < 0.8:  # part B filled in, its flags kept on the row (as Opsturen naar leerling does)
            opp = "ja" if random.random() < 0.15 else "nee"
            contact = "ja" if random.random() < 0.20 else "nee"
            rows.append(dict(dossier_id=dossier["id"], field=opp_key, value=opp, saved_at=now))
            rows.append(dict(dossier_id=dossier["id"], field=contact_key, value=contact, saved_at=now))
            dossier.update(warm_handover=opp == "ja", further_contact=contact == "ja")
    connection.execute(dossier_table.insert(), batch)
    connection.execute(answers.insert(), rows)


def scenarios(ids: dict):
    from webapp.core.paging import MAX_PAGE
    from webapp.dossiers.college import Filters

    programme, school = ids["programmes"][3], ids["schools"][7]
    return [
        ("first page", Filters()),
        ("search 'jans'", Filters(search="jans")),
        ("search 'v' (1 letter)", Filters(search="v")),
        ("search 'roos de'", Filters(search="roos de")),
        ("search 'achternaam17' (rare)", Filters(search="achternaam17")),
        ("search, none match 'xq'", Filters(search="xq")),
        ("filter programme", Filters(programme_id=programme)),
        ("filter school", Filters(school_id=school)),
        ("filter OPP", Filters(opp=True)),
        ("filter nader contact", Filters(contact=True)),
        ("filter OPP + nader contact", Filters(opp=True, contact=True)),
        ("programme + OPP", Filters(programme_id=programme, opp=True)),
        ("school + search 'jans'", Filters(school_id=school, search="jans")),
        ("middle page (200)", Filters(page=MAX_PAGE // 2)),
        ("deepest page (400)", Filters(page=MAX_PAGE)),
        ("deepest page, OPP", Filters(page=MAX_PAGE, opp=True)),
        ("deepest page, nader contact", Filters(page=MAX_PAGE, contact=True)),
        ("deepest page, programme", Filters(page=MAX_PAGE, programme_id=programme)),
        ("deepest page, search 'jans'", Filters(page=MAX_PAGE, search="jans")),
    ]


def time_queries(database_url: str, label: str, ids: dict) -> float:
    from webapp import create_app
    from webapp.accounts.models import Membership, User
    from webapp.dossiers import college
    from webapp.dossiers.actors import CollegeStaff
    from webapp.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PUBLIC_URL": "http://localhost"})
    with app.app_context():
        user = db.session.get(User, ids["user_id"])
        membership = db.session.execute(db.select(Membership).where(Membership.user_id == user.id)).scalar_one()
        staff = CollegeStaff(user, membership, membership.organisation)
        print(f"\n== {label}: the college's list ==  [{uptime()}]")
        print(f"{'query':<34} {'rows':>7} {'p50 ms':>8} {'p95 ms':>8}")
        worst = harness.time_list_queries(
            scenarios(ids),
            lambda filters: college.dossier_list(staff, filters),
            repeat=REPEAT,
            width=34,
            reset=db.session.rollback,
        )
        print(f"worst p95 on {label}: {worst:.2f} ms")
        db.session.remove()
        db.engine.dispose()
    return worst


def time_pdf(database_url: str) -> None:
    """The whole dossier's PDF (part A fully answered, part B's flags), made PDF_REPEAT times after a warm-up."""
    from webapp import create_app
    from webapp.dossiers import college, demo
    from webapp.dossiers.models import Answer, Dossier
    from webapp.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PUBLIC_URL": "http://localhost"})
    with app.app_context(), app.test_request_context():
        dossier = db.session.scalar(db.select(Dossier).where(Dossier.state == "finished").limit(1))
        db.session.execute(db.delete(Answer).where(Answer.dossier_id == dossier.id))
        for field, value in (demo.FINISHED_ANSWERS | demo.FINISHED_PART_B).items():
            db.session.add(Answer(dossier_id=dossier.id, field=field, value=value))
        db.session.commit()
        college.pdf(dossier)  # warm-up: fonts, templates
        times, size = [], 0
        for _ in range(PDF_REPEAT):
            t0 = time.perf_counter()
            size = len(college.pdf(dossier))
            times.append(1000 * (time.perf_counter() - t0))
        print(f"\n== the whole dossier's PDF ==  [{uptime()}]")
        print(
            f"per dossier: p50 {statistics.median(times):.0f} ms, p95 {harness.percentile(times, 0.95):.0f} ms, "
            f"mean {statistics.mean(times):.0f} ms ({PDF_REPEAT} PDFs of {size // 1024} KiB)"
        )
        db.session.remove()
        db.engine.dispose()


def explain(database_url: str, ids: dict, verbose: bool) -> None:
    """Each scenario's statements over the dossiers: on PostgreSQL their EXPLAIN (ANALYZE, BUFFERS) execution time
    (the database's own, free of client and load noise), on SQLite their wall time; with `verbose` the plans."""
    import re

    from sqlalchemy import event

    from webapp import create_app
    from webapp.accounts.models import Membership
    from webapp.dossiers import college
    from webapp.dossiers.actors import CollegeStaff
    from webapp.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PUBLIC_URL": "http://localhost"})
    with app.app_context():
        membership = db.session.execute(db.select(Membership).where(Membership.user_id == ids["user_id"])).scalar_one()
        staff = CollegeStaff(membership.user, membership, membership.organisation)
        captured = []

        def grab(connection, cursor, statement, parameters, context, executemany):
            if " dossiers" in statement and not statement.startswith("EXPLAIN"):
                captured.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", grab)
        postgres = db.engine.dialect.name == "postgresql"
        print(f"\n== EXPLAIN on {db.engine.dialect.name} (ms per statement: count, page, rows) ==  [{uptime()}]")
        for name, filters in scenarios(ids):
            captured.clear()
            college.dossier_list(staff, filters)
            times = []
            for statement, params in list(captured):
                cursor = db.session.connection().connection.dbapi_connection.cursor()
                if postgres:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
                    plan = [row[0] for row in cursor.fetchall()]
                    times.append(float(re.search(r"Execution Time: ([\d.]+)", plan[-1]).group(1)))
                else:
                    t0 = time.perf_counter()
                    cursor.execute(statement, params)
                    cursor.fetchall()
                    times.append(1000 * (time.perf_counter() - t0))
                    cursor.execute("EXPLAIN QUERY PLAN " + statement, params)
                    plan = [str(row) for row in cursor.fetchall()]
                if verbose:
                    print("  SQL:", " ".join(statement.split())[:700])
                    print("   ", "\n    ".join(plan))
            print(f"{name:<34} " + " ".join(f"{ms:7.2f}" for ms in times))
            db.session.rollback()
        db.session.remove()
        db.engine.dispose()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=50_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--explain", action="store_true", help="also EXPLAIN each scenario's statements")
    parser.add_argument("--plans", action="store_true", help="with --explain: print the plans too")
    parser.add_argument("--no-pdf", action="store_true", help="leave out the PDF's timing")
    args = parser.parse_args()
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/college-bench.sqlite"
            migrate(url)
            t0 = time.perf_counter()
            ids = generate(url, args.dossiers)
            print(f"SQLite: {args.dossiers} finished dossiers (and the others) in {time.perf_counter() - t0:.1f} s")
            if args.explain:
                explain(url, ids, args.plans)
            time_queries(url, f"SQLite, {args.dossiers} finished dossiers", ids)
            if not args.no_pdf:
                time_pdf(url)
    if args.only != "sqlite":
        with harness.scratch_postgres("loket_bench_dossiers_college") as url:
            migrate(url)
            t0 = time.perf_counter()
            ids = generate(url, args.dossiers)
            print(f"PostgreSQL: {args.dossiers} finished dossiers (and the others) in {time.perf_counter() - t0:.1f} s")
            if args.explain:
                explain(url, ids, args.plans)
            time_queries(url, f"PostgreSQL, {args.dossiers} finished dossiers", ids)


if __name__ == "__main__":
    main()
