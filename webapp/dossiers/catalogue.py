"""The receiving colleges and their programmes (opleidingen), which the issuer's staff keep: a CSV import of
programmes, idempotent on (college, code), and each college's "neemt deel aan het DDD" flag.

A college is an organisation of kind college; the import finds it by KvK number, else by name, and makes it (and
its College record) when the file names a new one."""

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import func, select

from webapp.accounts.models import Organisation
from webapp.core.audit import audit
from webapp.core.errors import NotFound
from webapp.dossiers.models import College, Programme
from webapp.extensions import db

COLUMNS = ["instelling", "kvk", "opleiding", "niveau", "leerweg", "locatie", "code"]
REQUIRED = ["instelling", "opleiding", "niveau", "leerweg", "locatie", "code"]
TRACKS = ("BOL", "BBL")
LEVELS = range(1, 5)
LIMIT_MB = 5


@dataclass
class CatalogueReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    colleges_made: list[str] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    refused_file: bool = False


def colleges() -> list[College]:
    return list(db.session.scalars(select(College).join(College.organisation).order_by(func.lower(Organisation.name))))


def programme_counts() -> dict[int, int]:
    return dict(db.session.execute(select(Programme.college_id, func.count()).group_by(Programme.college_id)).all())


def get_college(organisation_id: int) -> College:
    college = db.session.get(College, organisation_id)
    if college is None:
        raise NotFound()
    return college


def set_takes_part(organisation_id: int, takes_part: bool) -> College:
    college = get_college(organisation_id)
    if college.takes_part != takes_part:
        college.takes_part = takes_part
        db.session.flush()
        audit(
            "dossiers.college_takes_part",
            subject=f"organisation:{organisation_id}",
            organisation_id=organisation_id,
            new_state="takes_part" if takes_part else "does_not_take_part",
        )
    return college


def college_for(name: str, kvk: str) -> tuple[College, bool]:
    """The college by KvK number (when given) or by name; made, as an organisation of kind college, when there is
    none. Returns it and whether it was made."""
    query = select(Organisation).where(Organisation.kind == "college")
    organisation = None
    if kvk:
        organisation = db.session.scalar(query.where(Organisation.kvk_number == kvk).order_by(Organisation.id))
    if organisation is None:
        organisation = db.session.scalar(
            query.where(func.lower(Organisation.name) == name.lower()).order_by(Organisation.id)
        )
    made = organisation is None
    if made:
        organisation = Organisation(name=name, kind="college", kvk_number=kvk)
        db.session.add(organisation)
        db.session.flush()
    college = db.session.get(College, organisation.id)
    if college is None:
        college = College(organisation_id=organisation.id, takes_part=True)
        db.session.add(college)
        db.session.flush()
    return college, made


def template_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(COLUMNS)
    writer.writerow(["MBO Utrecht", "30000001", "Juridisch secretaresse", "4", "BOL", "Australiëlaan 23", "95392"])
    return out.getvalue()


def import_file(stream) -> CatalogueReport:
    limit = LIMIT_MB * 1024 * 1024
    raw = stream.read(limit + 1)
    if len(raw) > limit:
        return CatalogueReport(
            errors=[(0, f"Het bestand is groter dan {LIMIT_MB} MB; er is niets geïmporteerd.")], refused_file=True
        )
    if b"\x00" in raw:
        return CatalogueReport(
            errors=[(0, "Dit bestand is geen CSV-bestand. Er is niets geïmporteerd.")], refused_file=True
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return import_csv(text)


def import_csv(text: str) -> CatalogueReport:
    """Import programmes, one a row: a row with a problem is reported by its line and skipped, the others stored."""
    if not text.strip():
        return CatalogueReport(errors=[(0, "Het bestand is leeg. Er is niets geïmporteerd.")], refused_file=True)
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        return CatalogueReport(errors=[(0, "Dit bestand kan niet als CSV worden gelezen.")], refused_file=True)
    header = [(name or "").strip().lower() for name in rows[0]]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        return CatalogueReport(
            errors=[(0, "De eerste regel mist de kolom(men) " + ", ".join(missing) + ". Er is niets geïmporteerd.")],
            refused_file=True,
        )
    report = CatalogueReport()
    for line, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        row = {column: (cells[i].strip() if i < len(cells) else "") for i, column in enumerate(header)}
        problems = _check(row)
        if problems:
            report.errors.append((line, "; ".join(problems)))
            continue
        _store(row, report)
    audit(
        "dossiers.programmes_imported",
        organisation_id=None,
        added=report.added,
        updated=report.updated,
        refused=len(report.errors),
    )
    return report


def _check(row: dict) -> list[str]:
    if any("\x00" in value for value in row.values()):
        return ["de regel bevat een ongeldig teken"]
    problems = [f"{column} ontbreekt" for column in REQUIRED if not row.get(column)]
    level = row.get("niveau", "")
    if level and not (level.isascii() and level.isdigit() and len(level) == 1 and int(level) in LEVELS):
        problems.append("niveau moet 1, 2, 3 of 4 zijn")
    if row.get("leerweg") and row["leerweg"].upper() not in TRACKS:
        problems.append("leerweg moet BOL of BBL zijn")
    kvk = row.get("kvk", "")
    if kvk and not (len(kvk) == 8 and kvk.isascii() and kvk.isdigit()):
        problems.append("kvk moet 8 cijfers zijn")
    for column, most in (("instelling", 160), ("opleiding", 160), ("locatie", 160), ("code", 20)):
        if len(row.get(column, "")) > most:
            problems.append(f"{column} is langer dan {most} tekens")
    return problems


def _store(row: dict, report: CatalogueReport) -> None:
    college, made = college_for(row["instelling"], row.get("kvk", ""))
    if made:
        report.colleges_made.append(row["instelling"])
    wanted = dict(
        name=row["opleiding"], level=int(row["niveau"]), track=row["leerweg"].upper(), location=row["locatie"]
    )
    programme = db.session.scalar(
        select(Programme).where(Programme.college_id == college.organisation_id, Programme.code == row["code"])
    )
    if programme is None:
        db.session.add(Programme(college_id=college.organisation_id, code=row["code"], **wanted))
        report.added += 1
    elif any(getattr(programme, key) != value for key, value in wanted.items()):
        for key, value in wanted.items():
            setattr(programme, key, value)
        report.updated += 1
    else:
        report.unchanged += 1
    db.session.flush()
