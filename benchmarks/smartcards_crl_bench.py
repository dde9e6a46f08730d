"""The smartcards CRL at 100,000 issued cards of which 5,000 are revoked, on SQLite and PostgreSQL: building and
signing the list (crl.build), publishing it (crl.publish: the number raised, the list built, the DER file
stored), and serving it at /smartcards/crl (from the stored file, and the first request that makes it).

Run: .venv/bin/python -m benchmarks.smartcards_crl_bench [--cards 100000] [--revoked 5000] [--only sqlite|postgresql]
Prints the times (median and max of a few runs) and the list's size; asserts nothing.
"""

import argparse
import statistics
import tempfile
import time

from benchmarks import harness
from benchmarks.smartcards_list_bench import generate, migrate

RUNS = 5


def timed(func, runs=RUNS):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = func()
        times.append(1000 * (time.perf_counter() - t0))
    return result, times


def bench(database_url: str, label: str, cards: int, revoked: int, folder: str) -> None:
    from webapp import create_app
    from webapp.extensions import db
    from webapp.smartcards import crl, trust

    migrate(database_url)
    t0 = time.perf_counter()
    generate(database_url, cards - cards // 5, cards // 5, revoked=revoked)
    print(f"\n== {label}: {cards} issued cards, {revoked} revoked (generated in {time.perf_counter() - t0:.1f} s) ==")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "PUBLIC_URL": "http://localhost",
            "STORAGE_DIR": f"{folder}/storage",
            "SMARTCARD_CA_KEY_FILE": f"{folder}/ca/ca-key.pem",
            "SMARTCARD_CA_CERT_FILE": f"{folder}/ca/ca.pem",
            "PERIODIC_TIMER": False,
        }
    )
    with app.app_context():
        trust.issuing_ca()  # made once, as in production
        client = app.test_client()
        t0 = time.perf_counter()
        first = client.get("/smartcards/crl")
        first_ms = 1000 * (time.perf_counter() - t0)
        db.session.rollback()
        print(f"first request (publishes, then serves)   {first_ms:>9.1f} ms  {len(first.data) / 1024:.0f} KiB")

        def read():
            rows = list(crl.revoked_certificates())
            db.session.rollback()
            return rows

        rows, times = timed(read)
        print(
            f"read the revoked cards ({len(rows)})          {statistics.median(times):>9.1f} ms  (max {max(times):.1f})"
        )

        def build():
            result = crl.build(1, time_now())
            db.session.rollback()
            return result

        built, times = timed(build)
        print(f"build and sign the list                  {statistics.median(times):>9.1f} ms  (max {max(times):.1f})")

        def publish():
            number = crl.publish()
            db.session.commit()
            return number

        number, times = timed(publish)
        print(f"publish (number, build, store, commit)   {statistics.median(times):>9.1f} ms  (max {max(times):.1f})")
        _, times = timed(lambda: client.get("/smartcards/crl"), runs=50)
        print(f"serve the stored list                    {statistics.median(times):>9.1f} ms  (max {max(times):.1f})")
        print(
            f"list: {len(built)} entries, number {number}, {len(crl.AREA.path(crl.FILE).read_bytes()) / 1024:.0f} KiB DER"
        )
        db.session.remove()
        db.engine.dispose()


def time_now():
    from webapp.core.timeutil import utcnow

    return utcnow()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--revoked", type=int, default=5_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as folder:
            bench(f"sqlite:///{folder}/crl-bench.sqlite", "SQLite", args.cards, args.revoked, folder)
    if args.only != "sqlite":
        with tempfile.TemporaryDirectory() as folder, harness.scratch_postgres("smartcards_crl_bench") as url:
            bench(url, "PostgreSQL", args.cards, args.revoked, folder)


if __name__ == "__main__":
    main()
