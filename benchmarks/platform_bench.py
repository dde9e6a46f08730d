"""Issue 2's benchmark: a logged-in page and the login page under gunicorn (2 sync workers) on
PostgreSQL, beside a constant-string route in the same run (the framework's ceiling here).

Run: .venv/bin/python -m benchmarks.platform_bench [--seconds 10] [--rounds 1]
Needs PostgreSQL on 127.0.0.1:5432 (trust) and wrk (apt-get install wrk).
Goal: the logged-in page at >= 1/4 of the ceiling's requests/s, p95 under 25 ms.
"""

import argparse

from benchmarks.harness import bench_env, flask, gunicorn, login_cookie, print_table, scratch_postgres, wrk


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="each round times every target again; on a shared "
        "machine compare a page with the ceiling of its own round",
    )
    arguments = parser.parse_args()
    with scratch_postgres("loket_bench_platform") as url:
        env = bench_env(url)
        flask(env, "db", "upgrade", "heads")
        flask(env, "demo-data")
        with gunicorn(env) as base:
            cookie = login_cookie(base, "deby@herenbos.example", "Tulpen-Veld-2026", organisation="2")
            for number in range(1, arguments.rounds + 1):
                rows = [
                    ("constant route (ceiling)", wrk(base + "/__constant", seconds=arguments.seconds)),
                    ("login page /inloggen", wrk(base + "/inloggen", seconds=arguments.seconds)),
                    (
                        "logged-in page /mijn-gegevens",
                        wrk(base + "/mijn-gegevens", seconds=arguments.seconds, cookie=cookie),
                    ),
                    ("logged-in start page /", wrk(base + "/", seconds=arguments.seconds, cookie=cookie)),
                ]
                print(f"\n== round {number} of {arguments.rounds} ==")
                print_table(rows)
                ceiling = rows[0][1]["rps"]
                for name, result in rows[2:]:
                    print(
                        f"{name}: {result['rps'] / ceiling:.0%} of the ceiling (goal >= 25%), "
                        f"p95 {result['p95']:.1f} ms (goal < 25 ms)"
                    )


if __name__ == "__main__":
    main()
