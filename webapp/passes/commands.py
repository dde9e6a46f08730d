"""`flask passes generate`: a large, deterministic data set of holders for the list and archive benchmarks."""

import random
import secrets
import time
from datetime import date, timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import insert, select

from webapp.extensions import db

BATCH = 5000
FIRST_NUMBER = 30_000_000
QUALIFICATIONS = [  # name, kind
    ("Eerste Hulp", "diploma"),
    ("Eerste Hulp aan kinderen", "certificate"),
    ("Instructeur Eerste Hulp", "diploma"),
    ("Jeugd Eerste Hulp", "diploma"),
    ("Levensreddend handelen", "certificate"),
    ("Reanimatie", "certificate"),
    ("AED", "certificate"),
    ("Wandelsetel", "certificate"),
]
INITIALS = [
    "A.",
    "B.",
    "C.J.",
    "D.",
    "E.M.",
    "F.",
    "G.H.",
    "J.",
    "K.",
    "K.C.",
    "L.",
    "M.",
    "N.P.",
    "R.",
    "S.",
    "T.",
    "W.",
]
INFIXES = ["", "", "", "", "de", "van", "van der", "van den", "ter"]
LAST_NAMES = [
    "Jansen",
    "Vries",
    "Dijk",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "Boer",
    "Mulder",
    "Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "Leeuwen",
    "Dekker",
    "Brouwer",
    "Wit",
    "Dijkstra",
    "Smits",
    "Graaf",
    "Linden",
    "Kok",
    "Jacobs",
    "Haan",
    "Vermeulen",
    "Heuvel",
    "Veen",
    "Broek",
    "Bruijn",
    "Beek",
    "Knightley",
    "Tester",
]
BENCH_EMAIL = "bench@pasjes.example"


def _batches(rows, size=BATCH):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def generate(
    holders: int = 100_000,
    organisations: int = 50,
    contact_of: int = 5,
    seed: int = 3,
    bench_email: str = BENCH_EMAIL,
    echo=print,
) -> dict:
    """Bulk-insert holders (about 3 qualifications each), spread over generated organisations.

    Deterministic for a seed (names, numbers, dates, organisations); only the verification tokens are random.
    The first `contact_of` organisations hold about 40% of the holders; `bench_email` (password
    Tulpen-Veld-2026) is their contact person with the passes mandate.
    """
    from webapp.accounts.models import Mandate, Membership, Organisation, User
    from webapp.core import passwords
    from webapp.core.timeutil import utcnow
    from webapp.passes.models import ExamType, Holder, HolderOrganisation, Qualification

    rng = random.Random(seed)
    started = time.perf_counter()
    now, today = utcnow(), date.today()
    if db.session.execute(select(Holder.id).where(Holder.number == f"{FIRST_NUMBER:08d}")).first():
        raise click.ClickException("De benchmarkgegevens bestaan al (kwalificatienummer 30000000).")
    names = [f"Opleidingsinstituut {i + 1:02d}" for i in range(organisations)]
    existing = {
        o.name: o for o in db.session.execute(select(Organisation).where(Organisation.name.in_(names))).scalars()
    }
    orgs = [existing.get(name) or Organisation(name=name, kind="training") for name in names]
    db.session.add_all(orgs)
    types = {}
    for name, _ in QUALIFICATIONS:
        types[name] = db.session.execute(
            select(ExamType).where(ExamType.name == name)
        ).scalar_one_or_none() or ExamType(name=name)
        db.session.add(types[name])
    db.session.flush()
    org_ids = [o.id for o in orgs]

    holder_rows, plan = [], []
    for i in range(holders):
        number = f"{FIRST_NUMBER + i:08d}"
        last = rng.choice(LAST_NAMES) + ("" if rng.random() < 0.7 else f"-{rng.choice(LAST_NAMES)}")
        birth = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 20000))
        holder_rows.append(
            dict(
                number=number,
                salutation=rng.choice(["Dhr.", "Mevr."]),
                initials=rng.choice(INITIALS),
                infix=rng.choice(INFIXES),
                last_name=last,
                birth_date=birth,
                email=f"h{number}@voorbeeld.example",
                phone=f"0223-{rng.randrange(100000, 999999)}",
                mobile=f"06-{rng.randrange(10000000, 99999999)}",
                created_at=now,
            )
        )
        if rng.random() < 0.4 or contact_of >= organisations:
            first = rng.randrange(min(contact_of, organisations))
        else:
            first = rng.randrange(contact_of, organisations)
        second = rng.random() < 0.1 and organisations > 1
        registered = [first] + ([rng.choice([o for o in range(organisations) if o != first])] if second else [])
        chosen = rng.sample(QUALIFICATIONS, rng.choice([1, 2, 3, 3, 4, 5]))
        quals = []
        for name, kind in chosen:
            exam = today - timedelta(days=rng.randrange(0, 6 * 365))
            quals.append(
                (
                    name,
                    kind,
                    exam,
                    exam + timedelta(days=rng.choice([365, 730, 1095])),
                    f"EX{rng.randrange(10000, 15000)}",
                )
            )
        plan.append((number, last.lower(), birth, registered, quals))
    for rows in _batches(holder_rows):
        db.session.execute(insert(Holder), rows)
    ids = dict(
        db.session.execute(
            select(Holder.number, Holder.id).where(
                Holder.number >= f"{FIRST_NUMBER:08d}", Holder.number < f"{FIRST_NUMBER + holders:08d}"
            )
        ).all()
    )

    holder_organisation_rows, qualification_rows = [], []
    for number, key, birth, registered, quals in plan:
        holder_id = ids[number]
        latest = max(q[3] for q in quals)
        for index in registered:
            holder_organisation_rows.append(
                dict(
                    organisation_id=org_ids[index],
                    holder_id=holder_id,
                    number=number,
                    name_key=key,
                    birth_date=birth,
                    expires_on=latest,
                    external_number=str(rng.randrange(10**9, 10**10)) if rng.random() < 0.5 else "",
                )
            )
        for name, kind, exam, expires, exam_number in quals:
            qualification_rows.append(
                dict(
                    holder_id=holder_id,
                    kind=kind,
                    name=name,
                    exam_type_id=types[name].id,
                    exam_number=exam_number,
                    exam_date=exam,
                    expires_on=expires,
                    verify_token=secrets.token_urlsafe(16),
                )
            )
    for rows in _batches(holder_organisation_rows):
        db.session.execute(insert(HolderOrganisation), rows)
    for rows in _batches(qualification_rows):
        db.session.execute(insert(Qualification), rows)
    from webapp.passes.importer import bulk_exam_types

    bulk_exam_types(
        "h.number >= :first AND h.number < :last", first=f"{FIRST_NUMBER:08d}", last=f"{FIRST_NUMBER + holders:08d}"
    )

    bench = db.session.execute(select(User).where(User.email == bench_email)).scalar_one_or_none()
    if bench is None:
        bench = User(
            email=bench_email,
            first_name="Bench",
            last_name="Contactpersoon",
            password_hash=passwords.hash_password("Tulpen-Veld-2026"),
            activated_at=now,
        )
        db.session.add(bench)
        db.session.flush()
    for organisation in orgs[:contact_of]:
        membership = db.session.execute(
            select(Membership).where(Membership.user_id == bench.id, Membership.organisation_id == organisation.id)
        ).scalar_one_or_none()
        if membership is None:
            membership = Membership(user_id=bench.id, organisation_id=organisation.id, role="contact")
            db.session.add(membership)
            db.session.flush()
        if not any(m.service == "passes" for m in membership.mandates):
            db.session.add(Mandate(membership_id=membership.id, service="passes"))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # VACUUM too: it sets the visibility map, so the list's index-only scans need no heap visits
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    elif db.engine.dialect.name == "sqlite":
        with db.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
    result = dict(
        holders=holders,
        holder_organisations=len(holder_organisation_rows),
        qualifications=len(qualification_rows),
        organisations=organisations,
        contact=bench_email,
        contact_organisations=org_ids[:contact_of],
        seconds=round(time.perf_counter() - started, 1),
    )
    echo(
        f"{holders} kwalificatiehouders ({len(holder_organisation_rows)} kwalificatiehouders bij organisatie), "
        f"{len(qualification_rows)} kwalificaties bij {organisations} organisaties in {result['seconds']} s; contactpersoon {bench_email} van "
        f"{contact_of} organisaties (wachtwoord Tulpen-Veld-2026)."
    )
    return result


cli = AppGroup("passes", help="Digital passes: bench data.")


@cli.command("generate")
@click.option("--holders", default=100_000, show_default=True)
@click.option("--organisations", default=50, show_default=True)
@click.option("--contact-of", default=5, show_default=True, help="Organisations the bench contact person serves.")
@click.option("--seed", default=3, show_default=True)
@click.option("--bench-email", default=BENCH_EMAIL, show_default=True)
def generate_command(holders, organisations, contact_of, seed, bench_email):
    """Bulk-create qualification holders for the benchmarks (deterministic per seed; run once)."""
    generate(holders, organisations, contact_of, seed, bench_email, echo=click.echo)
