"""Courses benchmark: the Cursusagenda and Mijn cursussen pages over HTTP (gunicorn, 2 sync workers,
PostgreSQL, 2,000 events and 50,000 enrolments) beside the constant-string route, the enrolment POST
(whose confirmation and invoice PDF a job makes after the response), and the time to render one
invoice PDF (what that job spends).

Run: .venv/bin/python -m benchmarks.courses_bench [--events 2000] [--enrollments 50000] [--seconds 10] [--rounds 2]
Prints figures; asserts nothing. Goal: page p95 < 30 ms. Also prints per-request times in one
process (Flask test client) with the number of SQL statements each page sends. The enrolment is
timed with its jobs left on an RQ queue of its own (Redis on 127.0.0.1:6379, or BENCH_REDIS_URL).
"""

import argparse
import os
import statistics
import time

from benchmarks import harness


def time_pdfs(database_url: str, count: int = 20) -> None:
    from sqlalchemy import select

    from webapp import create_app
    from webapp.courses import invoicing
    from webapp.courses.models import Invoice
    from webapp.extensions import db

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "PUBLIC_URL": "http://localhost", "SERVER_NAME": "localhost"}
    )
    with app.app_context(), app.test_request_context():
        invoices = list(db.session.execute(select(Invoice).limit(count)).scalars())
        invoicing.pdf(invoices[0])  # warm up: imports, fonts
        times = []
        for invoice in invoices:
            t0 = time.perf_counter()
            data = invoicing.pdf(invoice)
            times.append(1000 * (time.perf_counter() - t0))
        print(
            f"\ninvoice PDF (xhtml2pdf, one process): {len(times)} invoices, mean {statistics.mean(times):.1f} ms, "
            f"max {max(times):.1f} ms, {len(data)} bytes each"
        )


def time_in_process(database_url: str, targets: list[tuple[str, str, bool]], count: int = 200) -> None:
    """Per-request time through the Flask test client (no HTTP, one process) and the number of SQL
    statements each page sends (counted with a SQLAlchemy event listener)."""
    with harness.in_process_clients(database_url, "bench@cursus.example") as (statements, anonymous, logged_in):
        print(f"\nin process (Flask test client, one process, {count} requests each):")
        print(f"{'target':<40} {'mean ms':>8} {'p95 ms':>8} {'queries':>8}")
        for name, url, login in targets:
            client = logged_in if login else anonymous
            for _ in range(10):
                assert client.get(url).status_code == 200
            statements.clear()
            client.get(url)
            queries = len(statements)
            times = []
            for _ in range(count):
                t0 = time.perf_counter()
                client.get(url)
                times.append(1000 * (time.perf_counter() - t0))
            times.sort()
            print(f"{name:<40} {statistics.mean(times):>8.2f} {times[int(0.95 * len(times)) - 1]:>8.2f} {queries:>8}")


def time_enrolment(database_url: str, count: int = 40) -> None:
    """The enrolment POST in one process (the bench login, in its own name, on upcoming events it is not
    in yet), its confirmation job left on a queue no worker reads: what a participant waits for."""
    from sqlalchemy import select

    from webapp.accounts.models import User
    from webapp.core.jobs import queue
    from webapp.core.timeutil import today_local
    from webapp.courses.models import Enrollment, Event
    from webapp.extensions import db

    config = {
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "RQ_QUEUE": f"loket-courses-bench-{os.getpid()}",
    }
    with harness.in_process_clients(database_url, "bench@cursus.example", **config) as (statements, _, client):
        app = client.application
        with app.app_context():
            mine = (
                select(Enrollment.event_id)
                .join(User, User.id == Enrollment.participant_id)
                .where(User.email == "bench@cursus.example")
            )
            event_ids = list(
                db.session.execute(
                    select(Event.id)
                    .where(Event.starts_on > today_local(), Event.id.not_in(mine))
                    .order_by(Event.id)
                    .limit(count + 5)
                ).scalars()
            )
        times, queries = [], []
        for number, event_id in enumerate(event_ids):
            statements.clear()
            t0 = time.perf_counter()
            response = client.post(f"/cursussen/evenement/{event_id}/inschrijven", data={"waiting_list": "y"})
            elapsed = 1000 * (time.perf_counter() - t0)
            assert response.status_code == 303, response.status_code
            if number >= 5:  # the first ones warm up
                times.append(elapsed)
                queries.append(len(statements))
        with app.app_context():
            queued = queue().count
            queue().delete(delete_jobs=True)
        times.sort()
        print(
            f"\nenrolment POST (in process, {len(times)} enrolments; confirmation and PDF left to {queued} queued jobs): "
            f"mean {statistics.mean(times):.1f} ms, p95 {times[int(0.95 * len(times)) - 1]:.1f} ms, "
            f"{statistics.median(queries):.0f} SQL statements"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--enrollments", type=int, default=50000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with harness.scratch_postgres(f"loket_courses_bench_{os.getpid()}") as url:
        env = harness.bench_env(url)
        harness.flask(env, "db", "upgrade", "heads")
        t0 = time.perf_counter()
        print(
            harness.flask(
                env, "courses", "generate", "--events", str(args.events), "--enrollments", str(args.enrollments)
            ).strip(),
            f"({time.perf_counter() - t0:.1f} s)",
        )
        with harness.gunicorn(env, workers=2) as base:
            cookie = harness.login_cookie(base, "bench@cursus.example", "Tulpen-Veld-2026")
            targets = [
                ("constant route", "/__constant", None),
                # The platform's lightest HTML page (base template, CSRF token, no query): the floor under any page.
                ("Inloggen (platform HTML floor)", "/inloggen", None),
                ("Cursusagenda, page 1", "/cursusagenda", None),
                ("Cursusagenda, page 20", "/cursusagenda?pagina=20", None),
                ("Mijn cursussen (20 enrolments)", "/mijn-onderwijsgroep/cursussen", cookie),
            ]
            # Rounds, each with every target: on a shared machine the neighbours' load shifts between
            # rounds; compare pages with the constant route of the same round.
            for round_number in range(1, args.rounds + 1):
                rows = [
                    (name, harness.wrk(base + path, seconds=args.seconds, cookie=auth)) for name, path, auth in targets
                ]
                print(f"\nround {round_number} of {args.rounds}")
                harness.print_table(rows)
        time_in_process(
            url,
            [
                ("constant route", "/__constant", False),
                ("Inloggen (platform HTML floor)", "/inloggen", False),
                ("Cursusagenda, page 1", "/cursusagenda", False),
                ("Cursusagenda, page 20", "/cursusagenda?pagina=20", False),
                ("Mijn cursussen (20 enrolments)", "/mijn-onderwijsgroep/cursussen", True),
            ],
        )
        time_enrolment(url)
        time_pdfs(url)


if __name__ == "__main__":
    main()
