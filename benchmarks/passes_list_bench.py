"""List benchmark: every holder-list query at 100,000 holders on SQLite and PostgreSQL, then the list
pages in process (Flask test client) and over HTTP (gunicorn, 2 sync workers, PostgreSQL), each beside
the constant-string route and the logged-in home page (the platform's floor for a page).

Run: .venv/bin/python -m benchmarks.passes_list_bench [--holders 100000] [--skip-http] [--only sqlite|postgresql]
     [--rounds 2] [--seconds 8] [--sqlite URL] [--postgres URL]   (the last two reuse generated databases)
Prints p50/p95 per query (each is services.holder_list(): the mandate check and the scope, then the page
with its count and selection marks in one statement); asserts nothing. Goal: every query p95 < 20 ms; the list page
>= 400 req/s with p95 < 30 ms.
"""

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta

from benchmarks import harness

REPEAT = 40


def bench_context(user_id: int):
    """The bench contact person acting for their first organisation, as a login would make it."""
    from webapp.accounts.models import User
    from webapp.core.auth import ActingContext
    from webapp.extensions import db

    user = db.session.get(User, user_id)
    membership = min(user.memberships, key=lambda m: m.organisation_id)
    return ActingContext(
        user=user,
        organisation=membership.organisation,
        membership=membership,
        mandates=frozenset(membership.services),
        can_switch=True,
    )


def scenarios(exam_type_id: int, organisation_id: int):
    from webapp.passes.listing import MAX_PAGE, Filters

    today = date.today()
    cases = [
        ("all, first page", Filters()),
        ("organisation", Filters(organisation=organisation_id)),
        ("exam type", Filters(exam_type=exam_type_id)),
        ("exam number", Filters(exam_number="EX12345")),
        ("expiry range (90 days)", Filters(expires_from=today, expires_to=today + timedelta(days=90))),
        (
            "exam type + expiry + org",
            Filters(
                organisation=organisation_id,
                exam_type=exam_type_id,
                expires_from=today,
                expires_to=today + timedelta(days=365),
            ),
        ),
        ("search number prefix 3001", Filters(search="3001")),
        ("search full number", Filters(search="30012345")),
        ("search name prefix 'jans'", Filters(search="jans")),
        ("search name 'v' (1 letter)", Filters(search="v")),
        ("search birth date", Filters(search="12-03-1975")),
        ("search name as shown 'J. Jansen'", Filters(search="J. Jansen")),
        ("search name sorted 'Jansen, J.'", Filters(search="Jansen, J.")),
        ("search extern nummer (10 digits)", Filters(search="1234567890")),
        ("search extern nummer prefix 12345", Filters(search="12345")),
    ]
    for sort in ("number", "name", "birth_date", "expires_on", "status", "external_number"):
        for direction in ("asc", "desc"):
            cases.append((f"sort {sort} {direction}", Filters(sort=sort, direction=direction)))
    cases += [
        ("middle page (200)", Filters(page=MAX_PAGE // 2)),
        ("deepest page", Filters(page=MAX_PAGE)),
        ("deepest page, sort name desc", Filters(page=MAX_PAGE, sort="name", direction="desc")),
        ("deepest page, exam type", Filters(page=MAX_PAGE, exam_type=exam_type_id)),
    ]
    return cases


def keyset_cases(user_id: int, exam_type_id: int):
    """The deepest page reached the way the list's Volgende link reaches it: after the key of page 399's last row."""
    from dataclasses import replace

    from webapp.passes.listing import MAX_PAGE, Filters
    from webapp.passes.services import holder_list

    context = bench_context(user_id)
    cases = []
    for name, base in [
        ("deepest page via Volgende key", Filters(page=MAX_PAGE - 1)),
        ("deepest via key, sort name desc", Filters(page=MAX_PAGE - 1, sort="name", direction="desc")),
        ("deepest via key, expires_on", Filters(page=MAX_PAGE - 1, sort="expires_on")),
        ("deepest via key, exam type", Filters(page=MAX_PAGE - 1, exam_type=exam_type_id)),
    ]:
        previous = holder_list(context, base)
        cases.append((name, replace(base, page=MAX_PAGE, after=previous.last_key)))
    return cases


def time_queries(database_url: str, label: str) -> None:
    from sqlalchemy import func, select

    from webapp import create_app
    from webapp.accounts.models import User
    from webapp.extensions import db
    from webapp.passes import listing, services
    from webapp.passes.models import ExamType, HolderOrganisation

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PUBLIC_URL": "http://localhost"})
    with app.app_context():
        user = db.session.execute(select(User).where(User.email == "bench@pasjes.example")).scalar_one()
        context = bench_context(user.id)
        scope = [organisation.id for organisation in services.scope_organisations(context)]
        exam_type = db.session.execute(select(ExamType).where(ExamType.name == "Eerste Hulp")).scalar_one()
        in_scope = db.session.execute(
            select(func.count()).select_from(HolderOrganisation).where(HolderOrganisation.organisation_id.in_(scope))
        ).scalar_one()
        print(f"\n== {label}: {in_scope} holders at the contact person's {len(scope)} organisations ==")
        print(f"{'query':<34} {'rows':>7} {'p50 ms':>8} {'p95 ms':>8}  count-only p95")
        worst = 0.0
        for name, filters in scenarios(exam_type.id, scope[0]) + keyset_cases(user.id, exam_type.id):
            times, count_times = [], []
            for i in range(REPEAT + 3):
                t0 = time.perf_counter()
                page = services.holder_list(context, filters)
                elapsed = 1000 * (time.perf_counter() - t0)
                t0 = time.perf_counter()
                listing.count(filters, scope)
                count_elapsed = 1000 * (time.perf_counter() - t0)
                db.session.rollback()
                if i >= 3:
                    times.append(elapsed)
                    count_times.append(count_elapsed)
            p95 = harness.percentile(times, 0.95)
            worst = max(worst, p95)
            flag = "" if p95 < 20 else "  << over 20 ms"
            print(
                f"{name:<34} {page.total:>7} {statistics.median(times):>8.2f} {p95:>8.2f}  {harness.percentile(count_times, 0.95):>6.2f}{flag}"
            )
        print(f"worst p95 on {label}: {worst:.2f} ms")
        db.session.remove()
        db.engine.dispose()


def generate(env: dict, holders: int) -> None:
    harness.flask(env, "db", "upgrade", "heads")
    t0 = time.perf_counter()
    output = harness.flask(env, "passes", "generate", "--holders", str(holders))
    print(output.strip().splitlines()[-1], f"(command wall {time.perf_counter() - t0:.1f} s)")


def page_targets(database_url: str) -> tuple[str, list[tuple[str, str, bool]]]:
    """The contact person's first organisation (to act for) and the pages to time: (name, path, logged in)."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        organisation = connection.execute(
            sa.text(
                "SELECT o.id FROM organisations o JOIN memberships m ON m.organisation_id = o.id "
                "JOIN users u ON u.id = m.user_id WHERE u.email = 'bench@pasjes.example' ORDER BY o.id LIMIT 1"
            )
        ).scalar_one()
        exam_type = connection.execute(
            sa.text("SELECT id FROM passes_exam_types WHERE name = 'Eerste Hulp'")
        ).scalar_one()
    engine.dispose()
    return str(organisation), [
        ("constant string", "/__constant", False),
        ("home page (logged in: the platform floor)", "/", True),
        ("list page (no filter)", "/pasjes", True),
        ("list page (exam type, sort naam)", f"/pasjes?examentype={exam_type}&sort=naam", True),
        ("list page (search 'jans')", "/pasjes?zoek=jans", True),
        ("list page (deepest page)", "/pasjes?pagina=400", True),
    ]


def time_in_process(database_url: str, count: int = 300) -> None:
    """Per request through the Flask test client (no HTTP, one process): wall time, this process's CPU
    time (the database's own work excluded) and the SQL statements sent. Steadier than HTTP on a
    shared machine."""
    organisation, targets = page_targets(database_url)
    clients = harness.in_process_clients(
        database_url, "bench@pasjes.example", organisation, PUBLIC_URL="http://localhost"
    )
    with clients as (statements, anonymous, logged_in):
        print(f"\n== in process (Flask test client, PostgreSQL, {count} requests each) ==")
        print(f"{'target':<44} {'mean ms':>8} {'p95 ms':>8} {'cpu ms':>8} {'queries':>8}")
        for name, path, login in targets:
            client = logged_in if login else anonymous
            for _ in range(10):
                assert client.get(path).status_code == 200, path
            statements.clear()
            client.get(path)
            queries = len(statements)
            times = []
            cpu = time.process_time()
            for _ in range(count):
                t0 = time.perf_counter()
                client.get(path)
                times.append(1000 * (time.perf_counter() - t0))
            cpu = 1000 * (time.process_time() - cpu) / count
            print(
                f"{name:<44} {statistics.mean(times):>8.2f} {harness.percentile(times, 0.95):>8.2f} {cpu:>8.2f} {queries:>8}"
            )


def http(env: dict, rounds: int = 2, seconds: int = 8) -> None:
    organisation, targets = page_targets(env["DATABASE_URL"])
    with harness.gunicorn(env, workers=2) as base:
        cookie = harness.login_cookie(base, "bench@pasjes.example", "Tulpen-Veld-2026", organisation)
        import urllib.request

        for _, path, login in targets:  # warm both workers, check we are logged in
            request = urllib.request.Request(base + path, headers={"Cookie": cookie} if login else {})
            body = urllib.request.urlopen(request).read().decode()
            if path.startswith("/pasjes") and "Kwalificatiehouder(s) toegevoegd" not in body:
                sys.exit(f"not logged in for {path}")
        # Rounds, each with every target: on a shared machine the neighbours' load shifts between
        # rounds; compare the pages with the constant route of the same round.
        for number in range(1, rounds + 1):
            rows = [
                (name, harness.wrk(base + path, seconds=seconds, connections=8, cookie=cookie if login else None))
                for name, path, login in targets
            ]
            print(
                f"\n== HTTP round {number} of {rounds}: gunicorn, 2 sync workers, PostgreSQL, "
                f"wrk 2 threads 8 connections {seconds} s =="
            )
            harness.print_table(rows)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--holders", type=int, default=100_000)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--sqlite", metavar="URL", help="a database passes generate made already")
    parser.add_argument("--postgres", metavar="URL", help="a database passes generate made already")
    args = parser.parse_args()
    if args.only != "postgresql":
        url = args.sqlite
        if not url:
            url = f"sqlite:///{os.path.join(tempfile.mkdtemp(prefix='passes-bench-'), 'bench.sqlite')}"
            generate(harness.bench_env(url), args.holders)
        time_queries(url, "SQLite")
    if args.only != "sqlite":
        with (
            contextlib.nullcontext(args.postgres)
            if args.postgres
            else harness.scratch_postgres(f"passes_list_bench_{os.getpid()}")
        ) as url:
            env = harness.bench_env(url)
            if not args.postgres:
                generate(env, args.holders)
            time_queries(url, "PostgreSQL")
            time_in_process(url)
            if not args.skip_http:
                http(env, args.rounds, args.seconds)


if __name__ == "__main__":
    main()
