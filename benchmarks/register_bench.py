"""Personenregister kinderopvang at 1,000,000 persons, 5,000 organisations and 2,000,000 links, on SQLite and
PostgreSQL: linking by BSN and birth date, the large organisation's Uw koppelingen (first page, every sort both
ways, search by full BSN, by a common and a rare name prefix, every filter, the deepest page, and searches in the
other orders and filters and on their deepest pages), the planned-unlink job for 10,000 links due on one day, and a
CSV upload of 1,000 rows.

Run: .venv/bin/python -m benchmarks.register_bench [--persons 1000000] [--organisations 5000] [--links 2000000]
     [--large 50000] [--only sqlite|postgresql] [--keep] [--reuse URL] [--lists-only | --no-lists]

The data set is made by `flask register large-dataset` (a subprocess, DATA_KEY "bench-data"); --keep keeps the
databases (their URLs are printed) and --reuse URL times a kept one again. Each list query is links.link_list(), as
the list page runs it (the bounded count and the page). Linking, the job and the CSV upload run in a transaction
that is rolled back, so the data set stays as it was (the job's figure is its work up to the flush: the UPDATEs
and the audit rows; not the commit); the mails are composed by its follow-up job after the commit
(notices.send_pending, per batch), timed separately on the same links, as are the follow-up jobs of linking and
of the CSV upload. On SQLite linking and the CSV upload first
take the write lock, as their POST request does (else the first savepoint would start, and its release commit, a
transaction of its own). Prints p50/p95 per query; asserts
nothing. Goals: link p95 < 10 ms, every list query p95 < 20 ms, job < 10 s, CSV < 5 s.
"""

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from datetime import time as clock

from benchmarks import harness

REPEAT = 30
LINK_REPEAT = 200
DATA_KEY = "bench-data"


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def build(url: str, args) -> None:
    env = harness.bench_env(url)
    harness.flask(env, "db", "upgrade", "heads")
    t0 = time.perf_counter()
    out = harness.flask(
        env,
        "register",
        "large-dataset",
        "--persons",
        str(args.persons),
        "--organisations",
        str(args.organisations),
        "--links",
        str(args.links),
        "--large",
        str(args.large),
    )
    print(out.strip().splitlines()[-1] if out.strip() else "")
    print(f"data set made in {time.perf_counter() - t0:.0f} s  [{uptime()}]")


def scenarios(bsn_hash: str):
    from webapp.core.paging import MAX_PAGE
    from webapp.register.links import ALL, CURRENT, PLANNED, UNLINKED, Filters

    cases = [("first page (Huidig, by name)", Filters())]
    for sort in ("name", "linked_at", "unlinked"):
        for direction in ("asc", "desc"):
            cases.append((f"sort {sort} {direction}", Filters(sort=sort, direction=direction)))
    cases += [(f"filter {status}", Filters(status=status)) for status in (CURRENT, PLANNED, UNLINKED, ALL)]
    cases += [
        ("search full BSN", Filters(status=ALL, bsn_hash=bsn_hash)),
        ("search name, common prefix 'jan'", Filters(search="jan")),
        ("search name, common prefix 'v' (1 letter)", Filters(search="v")),
        ("search name, rare prefix 'zwartk'", Filters(search="zwartk")),
        ("search name 'roos de'", Filters(search="roos de")),
        ("search name, none match 'xq'", Filters(search="xq")),
        ("deepest page (400)", Filters(page=MAX_PAGE)),
        ("deepest page, sort gekoppeld desc", Filters(page=MAX_PAGE, sort="linked_at", direction="desc")),
        ("deepest page, all, sort ontkoppeld", Filters(page=MAX_PAGE, status=ALL, sort="unlinked")),
        ("deepest page, search 'jan'", Filters(page=MAX_PAGE, search="jan")),
        # a search in the other orders and filters: its hits sorted, or (a common word) tested per link
        ("search 'jan', Gepland", Filters(search="jan", status=PLANNED)),
        (
            "search 'roos de', all, sort ontkoppeld desc",
            Filters(search="roos de", status=ALL, sort="unlinked", direction="desc"),
        ),
        ("deepest page, search 'jan', sort gekoppeld", Filters(page=MAX_PAGE, search="jan", sort="linked_at")),
        ("search 'v', sort gekoppeld desc", Filters(search="v", sort="linked_at", direction="desc")),
        ("deepest page, search 'v'", Filters(page=MAX_PAGE, search="v")),
    ]
    return cases


def time_everything(url: str, label: str, lists_only: bool = False, lists: bool = True) -> None:
    from sqlalchemy import func, select

    from webapp import create_app
    from webapp.accounts.models import Organisation
    from webapp.core.bsn import lookup_hash
    from webapp.core.timeutil import AMSTERDAM, utcnow
    from webapp.core.transactions import take_write_lock
    from webapp.extensions import db
    from webapp.register import jobs, links, notices
    from webapp.register.actors import OrganisationActor
    from webapp.register.commands import LARGE_KVK
    from webapp.register.models import Link, RegisteredPerson

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "DATA_KEY": DATA_KEY, "PUBLIC_URL": "http://localhost", "REDIS_URL": None}
    )
    with app.test_request_context():
        large = db.session.scalar(select(Organisation).where(Organisation.kvk_number == LARGE_KVK))
        actor = OrganisationActor(large, "eherkenning", "EH2+", subject="bench")
        counts = db.session.execute(
            select(func.count(), func.count().filter(Link.state == "linked")).where(Link.organisation_id == large.id)
        ).one()
        print(f"\n== {label}: {large.name}, {counts[0]} links ({counts[1]} linked)  [{uptime()}] ==")
        probe = db.session.scalar(
            select(RegisteredPerson)
            .join(Link, Link.person_id == RegisteredPerson.id)
            .where(Link.organisation_id == large.id)
            .offset(777)
            .limit(1)
        )
        bsn_hash = lookup_hash(probe.bsn)

        print(f"{'Uw koppelingen query':<44} {'rows':>7} {'p50 ms':>8} {'p95 ms':>8}")
        worst = harness.time_list_queries(
            scenarios(bsn_hash) if lists else (),
            lambda filters: links.link_list(actor, filters),
            repeat=REPEAT,
            width=44,
            reset=db.session.rollback,
        )
        if lists:
            print(f"worst list p95 on {label}: {worst:.2f} ms")
        if lists_only:
            return

        # persons not linked to the large organisation, for linking and the CSV upload
        strangers = db.session.scalars(
            select(RegisteredPerson)
            .where(
                ~select(Link.id).where(Link.person_id == RegisteredPerson.id, Link.organisation_id == large.id).exists()
            )
            .order_by(RegisteredPerson.id.desc())
            .limit(LINK_REPEAT + 1000)
        ).all()
        strangers = [(person.bsn.digits, person.birth_date) for person in strangers]
        db.session.rollback()
        try:
            from webapp.register.linking import link_csv, link_person
        except ImportError:
            print("linking: webapp.register.linking.link_person / link_csv are not on this branch: not measured")
        else:
            times, mail_times = [], []
            notify = getattr(notices, "send_pending", None)
            for bsn, birth_date in strangers[:LINK_REPEAT]:
                take_write_lock()  # as the POST request does, before the timer: the request's own start
                t0 = time.perf_counter()
                link = link_person(actor, bsn, birth_date)
                db.session.flush()
                times.append(1000 * (time.perf_counter() - t0))
                if notify is not None:  # its follow-up job after the commit: the person's mail
                    t0 = time.perf_counter()
                    notify("linked", [link.id])
                    db.session.flush()
                    mail_times.append(1000 * (time.perf_counter() - t0))
                db.session.rollback()
            p95 = harness.percentile(times, 0.95)
            flag = "" if p95 < 10 else "  << over 10 ms"
            print(f"link by BSN and birth date: p50 {statistics.median(times):.2f} ms, p95 {p95:.2f} ms{flag}")
            if mail_times:
                print(
                    f"  its follow-up job (the mail): p50 {statistics.median(mail_times):.2f} ms,"
                    f" p95 {harness.percentile(mail_times, 0.95):.2f} ms"
                )
            rows = ["BSN;Geboortedatum;Ontkoppelen op"]
            rows += [f"{bsn};{birth_date:%d-%m-%Y};" for bsn, birth_date in strangers[LINK_REPEAT : LINK_REPEAT + 1000]]
            take_write_lock()
            started = utcnow()
            t0 = time.perf_counter()
            report = link_csv(actor, "\n".join(rows) + "\n")
            db.session.flush()
            seconds = time.perf_counter() - t0
            print(f"CSV upload of 1000 rows: {seconds:.2f} s{'' if seconds < 5 else '  << over 5 s'} ({report!r:.120})")
            if notify is not None:  # its follow-up job after the commit: the persons' mails
                made = list(
                    db.session.scalars(
                        select(Link.id)
                        .where(Link.organisation_id == large.id, Link.linked_at >= started)
                        .order_by(Link.id)
                    )
                )
                t0 = time.perf_counter()
                said = notify("linked", made)
                db.session.flush()
                print(f"  its follow-up job ({said}): {time.perf_counter() - t0:.2f} s  [{uptime()}]")
            db.session.rollback()

        db.session.remove()

    with app.app_context():  # the job runs outside a request, as the periodic timer and RQ run it
        due_on = db.session.scalar(select(func.min(Link.unlink_on)).where(Link.state == "linked"))
        start_of_day = datetime.combine(due_on, clock(0), AMSTERDAM).astimezone(UTC)
        t0, cpu0 = time.perf_counter(), time.process_time()
        outcome = jobs.unlink_planned(start_of_day)
        db.session.flush()
        seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        print(
            f"planned-unlink job ({outcome}, due {due_on:%d-%m-%Y}): {seconds:.2f} s"
            f"{'' if seconds < 10 else '  << over 10 s'} (this process's CPU: {cpu:.2f} s)  [{uptime()}]"
        )
        notify = getattr(notices, "send_pending", None)
        if notify is not None:  # its follow-up jobs, one per batch, on the links this run unlinked
            unlinked = list(
                db.session.scalars(
                    select(Link.id)
                    .where(Link.unlinked_by == jobs.ACTION, Link.unlinked_at == start_of_day)
                    .order_by(Link.id)
                )
            )
            t0, cpu0, said = time.perf_counter(), time.process_time(), []
            for first in range(0, len(unlinked), jobs.BATCH):
                said.append(notify("unlinked", unlinked[first : first + jobs.BATCH]))
                db.session.flush()
            seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            mails = sum(int(outcome.split()[0]) for outcome in said)
            print(
                f"  its follow-up jobs ({len(said)}, {mails} mails composed and written): {seconds:.2f} s together"
                f" (CPU {cpu:.2f} s), {seconds / max(len(said), 1):.2f} s each  [{uptime()}]"
            )
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--organisations", type=int, default=5_000)
    parser.add_argument("--links", type=int, default=2_000_000)
    parser.add_argument("--large", type=int, default=50_000, help="links of the large organisation")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--reuse", help="a database URL the benchmark filled before (its data is reused)")
    parser.add_argument("--keep", action="store_true", help="keep the databases (to --reuse them)")
    parser.add_argument("--lists-only", action="store_true", help="with --reuse: only the list queries")
    parser.add_argument("--no-lists", action="store_true", help="with --reuse: all but the list queries")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs  [{uptime()}]")
    if args.reuse:
        label = "reused " + args.reuse.split(":", 1)[0]
        time_everything(args.reuse, label, lists_only=args.lists_only, lists=not args.no_lists)
        return
    if args.only != "postgresql":
        folder = tempfile.mkdtemp(prefix="register-bench-") if args.keep else None
        with tempfile.TemporaryDirectory() as scratch:
            url = f"sqlite:///{folder or scratch}/register-bench.sqlite"
            build(url, args)
            time_everything(url, f"SQLite, {args.persons} persons, {args.links} links")
            if args.keep:
                print(f"kept: {url}")
    if args.only != "sqlite":
        with harness.scratch_postgres("register_bench", keep=args.keep) as url:
            build(url, args)
            time_everything(url, f"PostgreSQL, {args.persons} persons, {args.links} links")
            if args.keep:
                print(f"kept: {url}")


if __name__ == "__main__":
    main()
