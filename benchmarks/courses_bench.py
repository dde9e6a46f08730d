"""Courses benchmark: the Cursusagenda and Mijn cursussen pages over HTTP (gunicorn, 2 sync workers,
PostgreSQL, 2,000 events and 50,000 enrolments) beside the constant-string route, and the time to
render one invoice PDF.

Run: .venv/bin/python -m benchmarks.courses_bench [--events 2000] [--enrollments 50000] [--seconds 10] [--rounds 2]
Prints figures; asserts nothing. Goal: page p95 < 30 ms. Also prints per-request times in one
process (Flask test client) with the number of SQL statements each page sends.
"""
import argparse
import os
import statistics
import time

from benchmarks import harness


def time_pdfs(database_url: str, count: int = 20) -> None:
    from sqlalchemy import select

    from webapp import create_app
    from webapp.courses import services
    from webapp.courses.models import Invoice
    from webapp.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PUBLIC_URL": "http://localhost", "SERVER_NAME": "localhost"})
    with app.app_context(), app.test_request_context():
        invoices = list(db.session.execute(select(Invoice).limit(count)).scalars())
        services.invoice_pdf(invoices[0])  # warm up: imports, fonts
        times = []
        for invoice in invoices:
            t0 = time.perf_counter()
            data = services.invoice_pdf(invoice)
            times.append(1000 * (time.perf_counter() - t0))
        print(f"\ninvoice PDF (xhtml2pdf, one process): {len(times)} invoices, mean {statistics.mean(times):.1f} ms, "
              f"max {max(times):.1f} ms, {len(data)} bytes each")


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
        print(harness.flask(env, "courses", "generate", "--events", str(args.events), "--enrollments", str(args.enrollments)).strip(),
              f"({time.perf_counter() - t0:.1f} s)")
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
                rows = [(name, harness.wrk(base + path, seconds=args.seconds, cookie=auth)) for name, path, auth in targets]
                print(f"\nround {round_number} of {args.rounds}")
                harness.print_table(rows)
        time_in_process(url, [
            ("constant route", "/__constant", False),
            ("Inloggen (platform HTML floor)", "/inloggen", False),
            ("Cursusagenda, page 1", "/cursusagenda", False),
            ("Cursusagenda, page 20", "/cursusagenda?pagina=20", False),
            ("Mijn cursussen (20 enrolments)", "/mijn-onderwijsgroep/cursussen", True),
        ])
        time_pdfs(url)


if __name__ == "__main__":
    main()
