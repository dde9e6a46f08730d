"""The school's student import in the "VMBO format": a CSV with the name parts, BSN, birth date, e-mail (optional),
class and year, one student a row.

Idempotent on the BSN: a student the school has already is updated when the row differs and left alone when it
does not, so importing the same file twice changes nothing. A class the file names that the current school year
does not have yet is made. Rows with a problem are reported by their line and skipped; the good rows are stored.
A file that is not a CSV, or whose header lacks a column, stores nothing. The report never repeats a BSN."""

import csv
import io
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

from webapp.core.audit import audit
from webapp.core.bsn import BSN
from webapp.core.timeutil import parse_date
from webapp.dossiers.actors import SchoolStaff
from webapp.dossiers.models import Student
from webapp.dossiers.school import YEARS, class_named, classes, require_counsellor, student_with_bsn
from webapp.extensions import db

COLUMNS = ["roepnaam", "tussenvoegsel", "achternaam", "bsn", "geboortedatum", "email", "klas", "leerjaar"]
REQUIRED = ["roepnaam", "achternaam", "bsn", "geboortedatum", "klas", "leerjaar"]
# the header words schools use for the same column
ALIASES = {"voornaam": "roepnaam", "e-mail": "email", "emailadres": "email", "e-mailadres": "email"}
LIMIT_MB = 5


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    classes_made: list[str] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, what was wrong), line 0: the file
    refused_file: bool = False  # the file as a whole: nothing stored

    @property
    def stored(self) -> int:
        return self.added + self.updated


def template_csv() -> str:
    """The header of the VMBO format and one example row (its BSN fails the 11-proef: the import refuses it)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(COLUMNS)
    writer.writerow(["Voorbeeld", "van", "Vervang deze regel", "123456789", "14-03-2010", "", "4a", "4"])
    return out.getvalue()


def _refuse(message: str) -> ImportReport:
    return ImportReport(errors=[(0, message)], refused_file=True)


def import_file(staff: SchoolStaff, stream) -> ImportReport:
    """Read an uploaded file (UTF-8 with or without BOM, or latin-1) and import it."""
    require_counsellor(staff)
    limit = LIMIT_MB * 1024 * 1024
    raw = stream.read(limit + 1)
    if len(raw) > limit:
        return _refuse(f"Het bestand is groter dan {LIMIT_MB} MB en is niet geïmporteerd.")
    if b"\x00" in raw:
        return _refuse("Dit bestand is geen CSV-bestand (tekst met puntkomma's of komma's). Er is niets geïmporteerd.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return import_csv(staff, text)


def _header(names) -> list[str]:
    words = [(name or "").strip().lower() for name in names]
    return [ALIASES.get(word, word) for word in words]


def import_csv(staff: SchoolStaff, text: str) -> ImportReport:
    require_counsellor(staff)
    if not text.strip():
        return _refuse("Het bestand is leeg. Er is niets geïmporteerd.")
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        return _refuse("Dit bestand kan niet als CSV worden gelezen. Er is niets geïmporteerd.")
    header = _header(rows[0])
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        return _refuse(
            "De eerste regel van het bestand mist de kolom(men) "
            + ", ".join(missing)
            + ". Gebruik het sjabloon; er is niets geïmporteerd."
        )
    report = ImportReport()
    seen: dict[str, int] = {}  # BSN digits -> the line that had it
    known_classes = {klass.name.lower() for klass in classes(staff)}
    for line, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        row = {column: (cells[i].strip() if i < len(cells) else "") for i, column in enumerate(header)}
        problems, values = _check(row)
        bsn = values.get("bsn")
        if bsn is not None:
            if bsn.digits in seen:
                problems.append(f"dit BSN staat ook op regel {seen[bsn.digits]}")
            else:
                seen[bsn.digits] = line
        if problems:
            report.errors.append((line, "; ".join(problems)))
            continue
        _store(staff, values, report, known_classes)
    audit(
        "dossiers.students_imported",
        organisation_id=staff.school_id,
        added=report.added,
        updated=report.updated,
        refused=len(report.errors),
    )
    return report


def _check(row: dict) -> tuple[list[str], dict]:
    problems, values = [], {}
    if any("\x00" in value for value in row.values()):
        return ["de regel bevat een ongeldig teken"], values
    for column, word in (("roepnaam", "roepnaam"), ("achternaam", "achternaam"), ("klas", "klas")):
        if not row.get(column):
            problems.append(f"{word} ontbreekt")
    typed = row.get("bsn", "")
    if not typed:
        problems.append("BSN ontbreekt")
    else:
        values["bsn"] = BSN.parse(typed)
        if values["bsn"] is None:
            problems.append("het BSN is ongeldig (9 cijfers die de elfproef doorstaan)")
    born = row.get("geboortedatum", "")
    values["birth_date"] = parse_date(born) if born else None
    if values["birth_date"] is None:
        problems.append(f"geboortedatum '{born}' is geen datum (dd-mm-jjjj)" if born else "geboortedatum ontbreekt")
    year = row.get("leerjaar", "")
    values["year"] = int(year) if year.isascii() and year.isdigit() and len(year) < 3 else None
    if values["year"] not in YEARS:
        problems.append(f"leerjaar moet een getal van {YEARS.start} tot en met {YEARS.stop - 1} zijn")
    email = row.get("email", "")
    values["email"] = ""
    if email:
        try:
            values["email"] = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            problems.append(f"e-mailadres '{email}' is ongeldig")
    for column, most in (("roepnaam", 100), ("tussenvoegsel", 30), ("achternaam", 100), ("klas", 20)):
        if len(row.get(column, "")) > most:
            problems.append(f"{column} is langer dan {most} tekens")
    values.update(
        first_name=row.get("roepnaam", ""),
        infix=row.get("tussenvoegsel", ""),
        last_name=row.get("achternaam", ""),
        class_name=row.get("klas", ""),
    )
    return problems, values


def _store(staff: SchoolStaff, values: dict, report: ImportReport, known_classes: set[str]) -> None:
    klass = class_named(staff.school_id, values["class_name"], values["year"])
    if klass.name.lower() not in known_classes:
        known_classes.add(klass.name.lower())
        report.classes_made.append(klass.name)
    student = student_with_bsn(staff.school_id, values["bsn"])
    wanted = dict(
        first_name=values["first_name"],
        infix=values["infix"],
        last_name=values["last_name"],
        birth_date=values["birth_date"],
        email=values["email"],
        class_id=klass.id,
        year=values["year"],
    )
    if student is None:
        student = Student(school_id=staff.school_id)
        student.bsn = values["bsn"]
        _set(student, wanted)
        db.session.add(student)
        report.added += 1
    elif any(getattr(student, key) != value for key, value in wanted.items()):
        _set(student, wanted)
        report.updated += 1
    else:
        report.unchanged += 1
    db.session.flush()


def _set(student: Student, wanted: dict) -> None:
    student.set_name(wanted["first_name"], wanted["infix"], wanted["last_name"])
    for key in ("birth_date", "email", "class_id", "year"):
        setattr(student, key, wanted[key])
