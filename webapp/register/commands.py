"""`flask register ...`: the register's commands.

`flask register large-dataset` fills the register for the benchmark (benchmarks/register_bench.py): enrolled
persons, childcare organisations and links, in bulk (batches of COPY on PostgreSQL, of a core `insert()`'s
executemany on SQLite). Every person has a
real valid BSN (11-proef), its real keyed look-up hash and its real sealed value, made by core.bsn's own
`lookup_hash` and `encrypt`: sealing is Fernet per row (~80 µs with the hash, measured), so at 1,000,000 persons it
runs in a process pool over the machine's CPUs. One organisation is large (50,000 links by default), so deep pages
and common name prefixes mean something there, and 10,000 links (of other organisations) are planned to be
unlinked on one day (`due_on`) for the planned-unlink job; the other planned dates lie after it.
"""

import os
import random
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import String, column, func, insert, select, table, text

from webapp.accounts.models import Organisation
from webapp.core.timeutil import today_local, utcnow
from webapp.extensions import db
from webapp.register.models import Link, RegisteredPerson

cli = AppGroup("register", help="Personenregister kinderopvang: benchmark data.")

BATCH = 10_000
LARGE_NAME = "Kinderopvang De Grote Beer"
LARGE_KVK = "89999999"
RARE_LAST_NAME = "Zwartkruis"  # a few persons of the large organisation: a rare prefix for the name search
FIRST_NAMES = ["Anna", "Bram", "Carla", "Daan", "Eva", "Fleur", "Gijs", "Hanna", "Ivo", "Joris", "Karin", "Lars"]
FIRST_NAMES += ["Mila", "Noah", "Olga", "Piet", "Roos", "Sem", "Tess", "Umut", "Vera", "Wim", "Yara", "Zoë"]
LAST_NAMES = [("", "Jansen"), ("de", "Vries"), ("van", "Dijk"), ("", "Bakker"), ("", "Visser"), ("", "Smit")]
LAST_NAMES += [("", "Meijer"), ("de", "Boer"), ("", "Mulder"), ("de", "Groot"), ("", "Bos"), ("", "Vos")]
LAST_NAMES += [("", "Peters"), ("", "Hendriks"), ("van", "Leeuwen"), ("", "Dekker"), ("", "Brouwer"), ("de", "Wit")]
LAST_NAMES += [("", "Dijkstra"), ("", "Smits"), ("de", "Graaf"), ("van der", "Meer"), ("", "Kok"), ("", "Jacobs")]


def valid_bsns(count: int, start: int = 20_000_000):
    """`count` valid BSNs: for each 8-digit prefix from `start` up, the check digit that passes the 11-proef (skipped
    when that would be 10)."""
    made = 0
    prefix = start
    while made < count:
        digits = f"{prefix:08d}"
        check = sum(int(digit) * weight for digit, weight in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check < 10:
            yield digits + str(check)
            made += 1
        prefix += 1


def _pool_app(data_key: str) -> None:
    app = Flask("register-seal")
    app.config["DATA_KEY"] = data_key
    app.app_context().push()  # this worker process's context for core.sealing's key


def _sealed(bsns: list[str]) -> list[tuple[str, str]]:
    from webapp.core.bsn import encrypt, lookup_hash

    return [(lookup_hash(bsn), encrypt(bsn)) for bsn in bsns]


def sealed_bsns(bsns: list[str], workers: int):
    """Each BSN's keyed hash and sealed value, as core.bsn makes them; in `workers` processes when there are many."""
    chunks = [bsns[start : start + BATCH] for start in range(0, len(bsns), BATCH)]
    if workers <= 1 or len(chunks) < 2:
        yield from (_sealed(chunk) for chunk in chunks)
        return
    with ProcessPoolExecutor(workers, initializer=_pool_app, initargs=(current_app.config["DATA_KEY"],)) as pool:
        yield from pool.map(_sealed, chunks)


def large_dataset(
    persons: int,
    organisations: int,
    links: int,
    *,
    large: int = 50_000,
    due: int = 10_000,
    due_on: date | None = None,
    seed: int = 16,
    workers: int | None = None,
    echo=print,
) -> dict:
    """Fill an empty register (it refuses one that holds persons). Returns what the benchmark needs to know."""
    if db.session.execute(select(RegisteredPerson.id).limit(1)).first():
        raise click.ClickException("Het register bevat al personen; gebruik een lege database.")
    if links > 2 * persons or large > persons or organisations < 2:
        raise click.ClickException("Te veel koppelingen voor dit aantal personen (hoogstens 2 per persoon).")
    random.seed(seed)
    started = time.perf_counter()
    now = utcnow()
    today = today_local()
    due_on = due_on or today + timedelta(days=30)
    workers = workers or os.cpu_count() or 1

    organisation_ids = _organisations(organisations, now)
    echo(f"{organisations} organisaties ({time.perf_counter() - started:.0f} s)")

    bsns = list(valid_bsns(persons))
    person_table = _person_table()
    number = 0
    for sealed in sealed_bsns(bsns, workers):
        rows = []
        for bsn_hash, bsn_sealed in sealed:
            first = random.choice(FIRST_NAMES)
            infix, last = random.choice(LAST_NAMES)
            if number < large and number % 5000 == 17:
                infix, last = "", RARE_LAST_NAME
            rows.append(
                dict(
                    bsn_hash=bsn_hash,
                    bsn_sealed=bsn_sealed,
                    first_name=first,
                    infix=infix,
                    last_name=last,
                    sort_name=" ".join(part for part in (last, first, infix) if part).lower(),
                    birth_date=date(1960, 1, 1) + timedelta(days=random.randrange(0, 40 * 365)),
                    email=f"persoon{number}@bench.example",  # so the planned-unlink job mails, as it would
                    state="enrolled",
                    enrolled_at=now - timedelta(days=random.randrange(1, 2000)),
                )
            )
            number += 1
        _bulk(person_table, rows)
        if number % 100_000 < BATCH:
            echo(f"{number} personen ({time.perf_counter() - started:.0f} s)")
    first_id = db.session.scalar(select(func.min(RegisteredPerson.id)))

    large_id, others = organisation_ids[0], organisation_ids[1:]
    batch, planned, due_made, others_seen = [], 0, 0, 0
    due_every = max(1, (links - large) // max(due, 1))  # the due links spread over the other organisations
    for index in range(links):
        person_index = index % persons
        round_ = index // persons  # a person has at most two links, with two different organisations
        if round_ == 0 and person_index < large:
            organisation_id = large_id
        else:
            organisation_id = others[(person_index * 7 + round_ * 13) % len(others)]
        linked_at = now - timedelta(days=random.randrange(1, 3000), seconds=random.randrange(0, 86400))
        roll = random.random()
        row = dict(
            person_id=first_id + person_index,
            organisation_id=organisation_id,
            state="linked",
            linked_at=linked_at,
            unlink_on=None,
            unlinked_at=None,
            unlinked_by="",
        )
        if organisation_id != large_id:
            others_seen += 1
        if organisation_id != large_id and due_made < due and others_seen % due_every == 0:
            row["unlink_on"] = due_on
            due_made += 1
        elif roll < 0.12:
            row.update(
                state="unlinked", unlinked_at=linked_at + (now - linked_at) * random.random(), unlinked_by="unlink"
            )
        elif roll < 0.18:
            row["unlink_on"] = due_on + timedelta(days=random.randrange(1, 400))
            planned += 1
        batch.append(row)
        if len(batch) == BATCH:
            _bulk(Link.__table__, batch)
            batch = []
        if (index + 1) % 500_000 == 0:
            echo(f"{index + 1} koppelingen ({time.perf_counter() - started:.0f} s)")
    if batch:
        _bulk(Link.__table__, batch)
    db.session.commit()
    _analyze()
    seconds = round(time.perf_counter() - started, 1)
    echo(
        f"{persons} personen, {organisations} organisaties, {links} koppelingen ({large} bij {LARGE_NAME}, "
        f"{due_made} gepland op {due_on:%d-%m-%Y}) in {seconds} s"
    )
    return {"large_organisation_id": large_id, "due_on": due_on, "due": due_made, "seconds": seconds}


def _bulk(target, rows: list[dict]) -> None:
    """Insert rows: PostgreSQL's COPY (psycopg's copy API, several times faster than executemany there), SQLite's
    executemany of a core insert()."""
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(insert(target), rows)
        return
    names = list(rows[0])
    cursor = db.session.connection().connection.driver_connection.cursor()
    with cursor.copy(f"COPY {target.name} ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[name] for name in names])


def _person_table():
    """register_persons with bsn_sealed as the plain string it is stored as: the values come sealed already (the
    model's SealedBSN type would seal them again)."""
    columns = RegisteredPerson.__table__.c
    names = ["bsn_hash", "first_name", "infix", "last_name", "sort_name", "birth_date", "email", "state", "enrolled_at"]
    return table(
        "register_persons", column("bsn_sealed", String), *(column(name, columns[name].type) for name in names)
    )


def _organisations(count: int, now) -> list[int]:
    rows = [
        dict(
            name=LARGE_NAME if number == 0 else f"Kinderopvang Bench {number}",
            kind="childcare",
            kvk_number=LARGE_KVK if number == 0 else f"8{number:07d}",
            city="Utrecht",
            created_at=now,
        )
        for number in range(count)
    ]
    for start in range(0, count, BATCH):
        db.session.execute(insert(Organisation), rows[start : start + BATCH])
    ids = {kvk_number: id_ for kvk_number, id_ in db.session.execute(select(Organisation.kvk_number, Organisation.id))}
    return [ids[row["kvk_number"]] for row in rows]  # the large organisation first


def _analyze() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE register_persons"))
            connection.execute(text("VACUUM ANALYZE register_links"))
            connection.execute(text("VACUUM ANALYZE register_link_words"))
            connection.execute(text("ANALYZE organisations"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()


@cli.command("large-dataset")
@click.option("--persons", default=1_000_000, show_default=True)
@click.option("--organisations", default=5_000, show_default=True)
@click.option("--links", default=2_000_000, show_default=True)
@click.option("--large", default=50_000, show_default=True, help="Links of the one large organisation.")
@click.option("--due", default=10_000, show_default=True, help="Links planned to be unlinked on one day.")
@click.option("--seed", default=16, show_default=True)
@click.option("--workers", default=0, help="Processes that seal the BSNs (0: one per CPU).")
def large_dataset_command(persons, organisations, links, large, due, seed, workers):
    """Fill an empty register with a large data set for the benchmark (run once)."""
    large_dataset(
        persons, organisations, links, large=large, due=due, seed=seed, workers=workers or None, echo=click.echo
    )
