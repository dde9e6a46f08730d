"""Issue 17's autosave benchmark: one field of part A saved over HTTP (the htmx POST a student's browser makes when
they leave a field: the field's fragment and the section's progress come back), under gunicorn (2 sync workers),
beside the constant-string route in the same run, on SQLite and on PostgreSQL.

Run: .venv/bin/python -m benchmarks.dossiers_autosave_bench [--requests 500] [--only sqlite|postgresql]
Needs PostgreSQL on 127.0.0.1:5432 (trust) for the PostgreSQL run.

One client sends the requests one after another, autosave and constant route taking turns (so both see the same
load), each on a new connection; the autosave alternates two values of Roepnaam, so every request writes. Prints
p50/p95/p99 per target and `uptime`; asserts nothing. Goal: autosave p95 under 30 ms.
"""

import argparse
import http.client
import re
import statistics
import subprocess
import tempfile
import time
import urllib.parse
from datetime import date
from pathlib import Path

from benchmarks import harness

DATA_KEY = "bench-data"
EMAIL, PASSWORD = "leerling@bench.example", "Tulpen-Veld-2026"
SECTION, FIELD = "persoonlijke-gegevens", "roepnaam"


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def make_world(url: str) -> int:
    """A school with a class, a student with an account and a dossier in part A: the dossier's id."""
    from webapp import create_app
    from webapp.accounts.models import Organisation, User
    from webapp.core.passwords import hash_password
    from webapp.core.timeutil import utcnow
    from webapp.dossiers.models import College, Dossier, Programme, SchoolClass, Student
    from webapp.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATA_KEY": DATA_KEY, "SECRET_KEY": "bench-secret"})
    with app.app_context():
        school = Organisation(name="Vakcollege Bench", kind="school", city="Utrecht")
        college = Organisation(name="MBO Bench", kind="college", city="Utrecht")
        user = User(
            email=EMAIL, password_hash=hash_password(PASSWORD), activated_at=utcnow(), first_name="Roos", last_name="B"
        )
        db.session.add_all([school, college, user])
        db.session.flush()
        klass = SchoolClass(school_id=school.id, school_year="2026-2027", name="4a", year=4)
        db.session.add_all([klass, College(organisation_id=college.id, takes_part=True)])
        db.session.flush()
        programme = Programme(
            college_id=college.id, name="Juridisch secretaresse", level=4, track="BOL", location="Laan 1", code="95392"
        )
        student = Student(school_id=school.id, class_id=klass.id, birth_date=date(2009, 3, 14), year=4)
        student.user_id = user.id
        student.set_name("Roos", "", "Bench")
        student.bsn = "123456782"
        db.session.add_all([programme, student])
        db.session.flush()
        dossier = Dossier(student_id=student.id, programme_id=programme.id, state="part_a")
        db.session.add(dossier)
        db.session.commit()
        dossier_id = dossier.id
        db.engine.dispose()
    return dossier_id


def request(base: str, method: str, path: str, headers: dict, body: bytes | None = None) -> tuple[float, int]:
    host = urllib.parse.urlsplit(base).netloc
    t0 = time.perf_counter()
    connection = http.client.HTTPConnection(host, timeout=10)
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return 1000 * (time.perf_counter() - t0), response.status


def run(label: str, url: str, count: int) -> None:
    env = harness.bench_env(url, DATA_KEY=DATA_KEY, SESSION_IDLE_HOURS="8")
    harness.flask(env, "db", "upgrade", "heads")
    dossier_id = make_world(url)
    with harness.gunicorn(env) as base:
        cookie = harness.login_cookie(base, EMAIL, PASSWORD)
        section = f"/doorstroomdossier/dossier/{dossier_id}/deel-a/{SECTION}"
        _, status = request(base, "GET", section, {"Cookie": cookie})
        assert status == 200, status
        page = http.client.HTTPConnection(urllib.parse.urlsplit(base).netloc)
        page.request("GET", section, headers={"Cookie": cookie})
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.getresponse().read().decode()).group(1)
        headers = {
            "Cookie": cookie,
            "HX-Request": "true",
            "X-CSRFToken": token,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        save, constant = [], []
        for number in range(count + 20):
            body = urllib.parse.urlencode({FIELD: ("Roos", "Rosa")[number % 2], "csrf_token": token}).encode()
            elapsed, status = request(base, "POST", f"{section}/veld/{FIELD}", headers, body)
            assert status == 200, status
            ceiling, status = request(base, "GET", "/__constant", {})
            assert status == 200, status
            if number >= 20:  # warm-up
                save.append(elapsed)
                constant.append(ceiling)
    print(f"{label}  [{uptime()}]")
    print(f"  {'target':<34} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for name, times in (("constant route (ceiling)", constant), ("autosave of one field (POST)", save)):
        p95 = harness.percentile(times, 0.95)
        flag = "" if name.startswith("constant") or p95 < 30 else "  << over 30 ms"
        print(
            f"  {name:<34} {statistics.median(times):>8.2f} {p95:>8.2f} {harness.percentile(times, 0.99):>8.2f}{flag}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    arguments = parser.parse_args()
    if arguments.only != "postgresql":
        with tempfile.TemporaryDirectory() as folder:
            run("SQLite", f"sqlite:///{Path(folder) / 'bench.sqlite'}", arguments.requests)
    if arguments.only != "sqlite":
        with harness.scratch_postgres("loket_bench_dossiers_autosave") as url:
            run("PostgreSQL", url, arguments.requests)


if __name__ == "__main__":
    main()
