"""Smartcards beheren: every query of the administrator's card list at 100,000 cards of one organisation (and
cards of others beside them), on SQLite and PostgreSQL: each status filter, searches by name and serial, every
sort both ways, the first, a middle and the deepest page.

Run: .venv/bin/python -m benchmarks.smartcards_list_bench [--cards 100000] [--others 20000] [--only sqlite|postgresql]
Each query is cards.card_list(): the mandate and level check, the bounded count and the page, as the list page
runs it. Prints p50/p95 per query; asserts nothing. Goal: every query's p95 under 20 ms.

The databases are the benchmark's own: a SQLite file in a temporary folder, and a scratch PostgreSQL database
(smartcards_list_bench) on BENCH_POSTGRES_URL's server, dropped afterwards.
"""

import argparse
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

from benchmarks import harness

REPEAT = 40
FIRST_NAMES = ["Anna", "Bram", "Carla", "Dewi", "Eva", "Fleur", "Gijs", "Hanna", "Ivo", "Joris", "Karin", "Lars"]
FIRST_NAMES += ["Mila", "Noah", "Olga", "Piet", "Roos", "Sem", "Tess", "Umut", "Vera", "Wim", "Yara", "Zoë"]
LAST_NAMES = ["Jansen", "de Vries", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder"]
LAST_NAMES += ["de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit"]
STATES = [("active", 80), ("blocked", 6), ("revoked", 5), ("failed", 3), ("personalising", 2), ("blank", 4)]
PROBE_SERIAL = "ZID0000BEEF0001"  # one card with a known serial, for the exact searches


def migrate(database_url: str) -> None:
    env = harness.bench_env(database_url)
    harness.flask(env, "db", "upgrade", "heads")


def generate(database_url: str, cards: int, others: int, revoked: int | None = None, seed: int = 15) -> dict:
    """The bench organisation (`cards` cards) and two others (`others` between them), an administrator; with
    `revoked`, exactly that many revoked cards over all organisations. Returns the ids the benches use."""
    import sqlalchemy as sa

    random.seed(seed)
    engine = sa.create_engine(database_url)
    now = datetime.now(UTC)
    today = date.today()
    metadata = sa.MetaData()
    metadata.reflect(engine, only=["organisations", "users", "memberships", "smartcards"])
    organisations, users, memberships, smartcards = (
        metadata.tables[name] for name in ("organisations", "users", "memberships", "smartcards")
    )
    with engine.begin() as connection:
        ids = []
        for name in ("Zorggroep Bench", "Zorggroep Ander", "Zorggroep Derde"):
            ids.append(
                connection.execute(
                    organisations.insert().values(
                        name=name,
                        kind="care",
                        kvk_number="",
                        email="",
                        phone="",
                        street="",
                        house_number="",
                        postcode="",
                        city="",
                        created_at=now,
                    )
                ).inserted_primary_key[0]
            )
        user_id = harness.insert_member(
            connection,
            users,
            memberships,
            email="bench@smartcards.example",
            organisation_id=ids[0],
            role="admin",
            now=now,
        )
        total = cards + others
        revoked_at = set(random.sample(range(total), revoked)) if revoked is not None else None
        states = [state for state, weight in STATES for _ in range(weight)]
        batch = []
        for number in range(total):
            organisation = ids[0] if number < cards else ids[1 + number % 2]
            state = (
                ("revoked" if number in revoked_at else "active") if revoked_at is not None else random.choice(states)
            )
            issued = today - timedelta(days=random.randrange(0, 3 * 365 + 200))  # some past their date
            made = state not in ("blank", "personalising", "failed")
            batch.append(
                dict(
                    organisation_id=organisation,
                    holder_id=None,
                    holder_name=f"{random.choice(FIRST_NAMES)} {random.choice(LAST_NAMES)}",
                    credential_number=f"9{number:08d}",
                    card_serial=PROBE_SERIAL if number == 7 else f"ZID{random.getrandbits(48):012X}",
                    certificate_serial=f"{random.getrandbits(63):x}" if made else None,
                    state=state,
                    issued_on=issued if made else None,
                    expires_on=issued + timedelta(days=3 * 365) if made else None,
                    last_used_at=now - timedelta(minutes=random.randrange(0, 500_000)) if made and number % 5 else None,
                    revoked_at=now - timedelta(days=random.randrange(0, 300)) if state == "revoked" else None,
                    revocation_reason=random.choice(["lost", "stolen", "left"]) if state == "revoked" else "",
                    created_at=now,
                )
            )
            if len(batch) == 5000:
                connection.execute(smartcards.insert(), batch)
                batch = []
        if batch:
            connection.execute(smartcards.insert(), batch)
        # the search words the app keeps on every insert (a bulk insert passes by its listeners)
        from webapp.smartcards.models import SmartcardSearchWord, word_rows

        words = []
        for card in connection.execute(
            sa.select(
                smartcards.c.id,
                smartcards.c.organisation_id,
                smartcards.c.holder_name,
                smartcards.c.card_serial,
                smartcards.c.certificate_serial,
                smartcards.c.state,
                smartcards.c.expires_on,
            )
        ):
            words += word_rows(*card)
            if len(words) >= 20000:
                connection.execute(SmartcardSearchWord.__table__.insert(), words)
                words = []
        if words:
            connection.execute(SmartcardSearchWord.__table__.insert(), words)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(sa.text("ANALYZE"))
    engine.dispose()
    return {"organisation_id": ids[0], "user_id": user_id}


def scenarios():
    from webapp.core.paging import MAX_PAGE
    from webapp.smartcards.cards import STATUSES, Filters

    cases = [("all, first page", Filters())]
    cases += [(f"status {status}", Filters(status=status)) for status in STATUSES]
    cases += [
        ("search name 'jans'", Filters(search="jans")),
        ("search name 'v' (1 letter)", Filters(search="v")),
        ("search name 'roos de'", Filters(search="roos de")),
        ("search name, none match 'xq'", Filters(search="xq")),
        ("search card serial prefix 'ZID0A'", Filters(search="ZID0A")),
        ("search card serial exact", Filters(search=PROBE_SERIAL)),
        ("search card serial lower case", Filters(search=PROBE_SERIAL.lower())),
        ("search certificate serial '7ab'", Filters(search="7ab")),
        ("status blocked + search 'jans'", Filters(status="blocked", search="jans")),
        ("status expired, sort expires desc", Filters(status="expired", sort="expires_on", direction="desc")),
    ]
    for sort in ("holder", "card_serial", "certificate_serial", "status", "issued_on", "expires_on", "last_used"):
        for direction in ("asc", "desc"):
            cases.append((f"sort {sort} {direction}", Filters(sort=sort, direction=direction)))
    cases += [
        ("middle page (200)", Filters(page=MAX_PAGE // 2)),
        ("deepest page (400)", Filters(page=MAX_PAGE)),
        ("deepest page, sort last used desc", Filters(page=MAX_PAGE, sort="last_used", direction="desc")),
        ("deepest page, status active", Filters(page=MAX_PAGE, status="active")),
        ("deepest page, search 'jans'", Filters(page=MAX_PAGE, search="jans")),
    ]
    return cases


def time_queries(database_url: str, label: str, ids: dict) -> float:
    from webapp import create_app
    from webapp.accounts.models import Membership, User
    from webapp.core.auth import ActingContext
    from webapp.extensions import db
    from webapp.smartcards import cards

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PUBLIC_URL": "http://localhost"})
    worst = 0.0
    with app.app_context():
        user = db.session.get(User, ids["user_id"])
        membership = db.session.execute(db.select(Membership).where(Membership.user_id == user.id)).scalar_one()
        context = ActingContext(user=user, level="EH2+", organisation=membership.organisation, membership=membership)
        print(f"\n== {label}: the administrator's list ==")
        print(f"{'query':<40} {'rows':>7} {'p50 ms':>8} {'p95 ms':>8}")
        worst = max(
            worst,
            harness.time_list_queries(
                scenarios(),
                lambda filters: cards.card_list(context, filters),
                repeat=REPEAT,
                width=40,
                reset=db.session.rollback,
            ),
        )
        print(f"worst p95 on {label}: {worst:.2f} ms")
        db.session.remove()
        db.engine.dispose()
    return worst


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--others", type=int, default=20_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--reuse", help="a database URL the benchmark filled before (its data is reused)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database (to --reuse it)")
    args = parser.parse_args()
    if args.reuse:
        import sqlalchemy as sa

        engine = sa.create_engine(args.reuse)
        with engine.connect() as connection:
            user_id = connection.execute(
                sa.text("SELECT id FROM users WHERE email = 'bench@smartcards.example'")
            ).scalar_one()
        engine.dispose()
        time_queries(args.reuse, f"{engine.dialect.name} (reused)", {"user_id": user_id})
        return
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/smartcards-bench.sqlite"
            migrate(url)
            t0 = time.perf_counter()
            ids = generate(url, args.cards, args.others)
            print(f"SQLite: {args.cards} + {args.others} cards generated in {time.perf_counter() - t0:.1f} s")
            time_queries(url, f"SQLite, {args.cards} cards", ids)
    if args.only != "sqlite":
        with harness.scratch_postgres("smartcards_list_bench", keep=args.keep) as url:
            migrate(url)
            t0 = time.perf_counter()
            ids = generate(url, args.cards, args.others)
            print(f"PostgreSQL: {args.cards} + {args.others} cards generated in {time.perf_counter() - t0:.1f} s")
            time_queries(url, f"PostgreSQL, {args.cards} cards", ids)


if __name__ == "__main__":
    main()
