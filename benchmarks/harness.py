"""Shared benchmark plumbing: a scratch PostgreSQL database, gunicorn, a logged-in cookie, wrk."""

import contextlib
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def scratch_postgres(name: str, keep: bool = False):
    """A new, empty database `name` (dropped afterwards unless `keep`)."""
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        if not keep:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_env(database_url: str, **extra) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        FLASK_APP="benchmarks.bench_wsgi",
        SECRET_KEY="bench-secret",
        DATA_KEY="bench-data",
        RATELIMIT_ENABLED="false",
        PYTHONPATH=str(ROOT),
    )
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


def flask(env: dict, *args: str) -> str:
    return subprocess.run(
        [str(VENV_BIN / "flask"), *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


@contextlib.contextmanager
def gunicorn(env: dict, workers: int = 2):
    port = free_port()
    process = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "benchmarks.bench_wsgi:app",
        ],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/__constant", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("gunicorn did not start")
    try:
        yield base
    finally:
        process.terminate()
        process.wait(10)


def login_cookie(base: str, email: str, password: str, organisation: str | None = None) -> str:
    """Log in through the real forms; return the Cookie header of the logged-in session."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/inloggen").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password}).encode()
    response = opener.open(base + "/inloggen", data)
    if "/organisatie-kiezen" in response.geturl():
        page = response.read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        choice = organisation or "person"
        opener.open(response.geturl(), urllib.parse.urlencode({"csrf_token": token, "context": choice}).encode())
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


@contextlib.contextmanager
def in_process_clients(database_url: str, email: str, organisation: str | None = None, **config):
    """The app in this process with a constant-string route: (statements, anonymous client, logged-in
    client), where statements collects every SQL statement the app sends; its connections closed after."""
    from sqlalchemy import event

    from webapp import create_app
    from webapp.extensions import db

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False, **config}
    )
    app.add_url_rule("/__constant", "constant", lambda: "constant")
    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    anonymous, logged_in = app.test_client(), app.test_client()
    response = logged_in.post("/inloggen", data={"email": email, "password": "Tulpen-Veld-2026"})
    assert response.status_code == 303, response.status_code
    if response.headers["Location"].startswith("/organisatie-kiezen"):
        logged_in.post(response.headers["Location"], data={"context": organisation or "person"})
    try:
        yield statements, anonymous, logged_in
    finally:
        with app.app_context():
            db.engine.dispose()


def wrk(url: str, *, seconds: int = 10, connections: int = 8, cookie: str | None = None) -> dict:
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(ROOT / "benchmarks" / "report.lua"), url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT"))
    return {key: float(value) for key, value in (pair.split("=") for pair in line.split()[1:])}


def print_table(rows: list[tuple[str, dict]]) -> None:
    print(f"{'target':<40} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} {'non-2xx':>8}")
    for name, result in rows:
        print(
            f"{name:<40} {result['rps']:>9.0f} {result['p50']:>8.2f} {result['p95']:>8.2f} {result['p99']:>8.2f} "
            f"{result['errors']:>7.0f} {result['non2xx']:>8.0f}"
        )


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def time_list_queries(scenarios, run, *, repeat: int, width: int, reset=lambda: None) -> float:
    """Each (name, filters) of `scenarios` through `run(filters)` (a list page with .total and .more): three warm-up
    runs, then `repeat` timed ones; prints rows, p50 and p95 per query and returns the worst p95."""
    worst = 0.0
    for name, filters in scenarios:
        times = []
        for i in range(repeat + 3):
            t0 = time.perf_counter()
            page = run(filters)
            elapsed = 1000 * (time.perf_counter() - t0)
            reset()
            if i >= 3:
                times.append(elapsed)
        p95 = percentile(times, 0.95)
        worst = max(worst, p95)
        flag = "" if p95 < 20 else "  << over 20 ms"
        total = f"{page.total - 1}+" if page.more else str(page.total)
        print(f"{name:<{width}} {total:>7} {statistics.median(times):>8.2f} {p95:>8.2f}{flag}")
    return worst


def insert_member(connection, users, memberships, *, email: str, organisation_id: int, role: str, now) -> int:
    """A bare activated user "Bea Bench" with a membership of the organisation in `role`, written with Core inserts
    (`users`, `memberships`: the tables); the user's id."""
    blank = dict.fromkeys(("salutation", "initials", "infix", "phone", "mobile", "street", "house_number"), "")
    user_id = connection.execute(
        users.insert().values(
            email=email,
            first_name="Bea",
            last_name="Bench",
            postcode="",
            city="",
            country="Nederland",
            is_staff=False,
            activated_at=now,
            created_at=now,
            **blank,
        )
    ).inserted_primary_key[0]
    connection.execute(
        memberships.insert().values(
            user_id=user_id,
            organisation_id=organisation_id,
            role=role,
            job_title="",
            department="",
            work_email="",
            work_phone="",
            created_at=now,
        )
    )
    return user_id
