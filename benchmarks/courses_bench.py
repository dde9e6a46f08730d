"""Courses benchmark: the Cursusagenda and Mijn cursussen pages over HTTP (gunicorn, 2 sync workers,
PostgreSQL, 2,000 events and 50,000 enrolments) beside the constant-string route, and the time to
render one invoice PDF.

Run: .venv/bin/python -m benchmarks.courses_bench [--events 2000] [--enrollments 50000] [--seconds 10]
Prints figures; asserts nothing. Goal: page p95 < 30 ms.
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--enrollments", type=int, default=50000)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    with harness.scratch_postgres(f"loket_courses_bench_{os.getpid()}") as url:
        env = harness.bench_env(url)
        harness.flask(env, "db", "upgrade", "heads")
        t0 = time.perf_counter()
        print(harness.flask(env, "courses-generate", "--events", str(args.events), "--enrollments", str(args.enrollments)).strip(),
              f"({time.perf_counter() - t0:.1f} s)")
        harness.flask(env, "demo-data")
        with harness.gunicorn(env, workers=2) as base:
            cookie = harness.login_cookie(base, "bench@cursus.example", "Tulpen-Veld-2026")
            rows = [
                ("constant route", harness.wrk(base + "/__constant", seconds=args.seconds)),
                ("Cursusagenda, page 1", harness.wrk(base + "/cursusagenda", seconds=args.seconds)),
                ("Cursusagenda, page 20", harness.wrk(base + "/cursusagenda?pagina=20", seconds=args.seconds)),
                ("Mijn cursussen (20 enrolments)", harness.wrk(base + "/mijn-onderwijsgroep/cursussen", seconds=args.seconds, cookie=cookie)),
            ]
        print()
        harness.print_table(rows)
        time_pdfs(url)


if __name__ == "__main__":
    main()
