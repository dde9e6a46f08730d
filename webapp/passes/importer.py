"""Creating and updating holders with their qualifications: the CSV import, demo data and tests use it.

The list reads copies of a holder's sortable columns on each HolderOrganisation, and one
HolderOrganisationExamType row per exam type among the holder's qualifications; whatever writes
holders keeps them in step (refresh_list_columns, or bulk_exam_types after a bulk insert).
"""

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select, text

from webapp.accounts.models import Organisation
from webapp.core.errors import DomainError
from webapp.core.timeutil import parse_date
from webapp.extensions import db
from webapp.passes.models import (
    ExamType,
    Holder,
    HolderOrganisation,
    HolderOrganisationExamType,
    Qualification,
    name_key,
)
from webapp.passes.services import new_verify_token

CSV_COLUMNS = [
    "kwalificatienummer",
    "aanhef",
    "voorletters",
    "tussenvoegsel",
    "achternaam",
    "geboortedatum",
    "email",
    "telefoon",
    "mobiel",
    "organisatie",
    "extern_nummer",
    "kwalificatie",
    "type",
    "examentype",
    "examennummer",
    "examendatum",
    "vervaldatum",
    "hoort_bij",
]
IMPORT_LIMIT_MB = 20  # the import runs within the request: well below MAX_UPLOAD_MB
# The template's example row: a number no holder has (the import refuses it), so an unchanged template
# cannot overwrite anyone.
EXAMPLE_NUMBER = "00000000"
KIND_WORDS = {"diploma": "diploma", "certificaat": "certificate", "certificate": "certificate"}


def exam_type_named(name: str) -> ExamType | None:
    if not name:
        return None
    exam_type = db.session.execute(select(ExamType).where(ExamType.name == name)).scalar_one_or_none()
    if exam_type is None:
        exam_type = ExamType(name=name)
        db.session.add(exam_type)
        db.session.flush()
    return exam_type


def upsert_holder(data: dict, qualifications: list[dict], organisations: list[tuple[int, str]]) -> Holder:
    """Create or update the holder by number, their qualifications by name, and the organisations they are
    registered at, as (organisation id, external number) pairs.

    A qualification's parent is one the holder has, or one earlier in `qualifications`; DomainError otherwise."""
    holder = db.session.execute(select(Holder).where(Holder.number == data["number"])).scalar_one_or_none()
    known = {q.name for q in holder.qualifications} if holder is not None else set()
    for item in qualifications:
        parent = item.get("parent", "")
        if parent and (parent == item["name"] or parent not in known):
            raise DomainError(f"hoort_bij '{parent}' onbekend: geen eerdere kwalificatie van deze kwalificatiehouder")
        known.add(item["name"])
    if holder is None:
        holder = Holder(number=data["number"])
        db.session.add(holder)
    for key, value in data.items():
        setattr(holder, key, value)
    by_name = {q.name: q for q in holder.qualifications}
    for item in qualifications:
        item = dict(item)
        parent_name = item.pop("parent", "")
        exam_type = exam_type_named(item.pop("exam_type", ""))
        qualification = by_name.get(item["name"])
        if qualification is None:
            qualification = Qualification(verify_token=new_verify_token(), name=item["name"])
            holder.qualifications.append(qualification)
            by_name[item["name"]] = qualification
        for key, value in item.items():
            setattr(qualification, key, value)
        qualification.exam_type = exam_type
        if parent_name:
            qualification.parent = by_name.get(parent_name)
    existing = {at.organisation_id: at for at in holder.holder_organisations}
    for organisation_id, external in organisations:
        holder_organisation = existing.get(organisation_id)
        if holder_organisation is None:
            holder_organisation = HolderOrganisation(organisation_id=organisation_id, number=holder.number)
            holder.holder_organisations.append(holder_organisation)
        if external or not holder_organisation.external_number:
            holder_organisation.external_number = external or ""
    db.session.flush()
    refresh_list_columns(holder)
    return holder


def refresh_list_columns(holder: Holder) -> None:
    """Copy the holder's list columns (number, name key, birth date, latest expiry) onto each of their
    HolderOrganisations, and those onto one HolderOrganisationExamType row per exam type among the
    holder's qualifications."""
    expiries = [q.expires_on for q in holder.qualifications if q.expires_on]
    latest = max(expiries) if expiries else None
    type_ids = sorted(
        {
            q.exam_type_id if q.exam_type_id is not None else (q.exam_type.id if q.exam_type else None)
            for q in holder.qualifications
        }
        - {None}
    )
    for at in holder.holder_organisations:
        at.number, at.name_key, at.birth_date, at.expires_on = (
            holder.number,
            name_key(holder.last_name),
            holder.birth_date,
            latest,
        )
        existing = {row.exam_type_id: row for row in at.exam_types}
        rows = []
        for type_id in type_ids:
            row = existing.get(type_id) or HolderOrganisationExamType(exam_type_id=type_id)
            row.organisation_id, row.number, row.name_key = at.organisation_id, at.number, at.name_key
            row.birth_date, row.expires_on, row.external_number = at.birth_date, at.expires_on, at.external_number or ""
            rows.append(row)
        at.exam_types = rows


BULK_EXAM_TYPES_SQL = (
    "INSERT INTO passes_holder_organisation_exam_types (holder_organisation_id, exam_type_id, organisation_id, number, "
    "name_key, birth_date, expires_on, external_number) SELECT DISTINCT h.id, q.exam_type_id, h.organisation_id, h.number, "
    "h.name_key, h.birth_date, h.expires_on, h.external_number FROM passes_holder_organisations h "
    "JOIN passes_qualifications q ON q.holder_id = h.holder_id WHERE q.exam_type_id IS NOT NULL"
)


def bulk_exam_types(where: str = "", **params) -> None:
    """Fill HolderOrganisationExamType for bulk-inserted holders (`where`: a condition on their
    HolderOrganisation rows, alias h)."""
    db.session.execute(text(BULK_EXAM_TYPES_SQL + (f" AND {where}" if where else "")), params)


def template_csv() -> str:
    """The columns and one example row, whose number no holder can have: importing the template unchanged
    changes nothing (the import refuses the example row and says why)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_COLUMNS)
    writer.writerow(
        [
            EXAMPLE_NUMBER,
            "Mevr.",
            "V.",
            "",
            "Voorbeeld (vervang deze regel)",
            "01-01-2000",
            "voorbeeld@voorbeeld.example",
            "0123456789",
            "0612345678",
            "Naam van de organisatie",
            "1122334455",
            "Jeugd Eerste Hulp",
            "Diploma",
            "Jeugd Eerste Hulp",
            "EX45465",
            "12-06-2018",
            "01-10-2030",
            "",
        ]
    )
    return out.getvalue()


@dataclass
class ImportReport:
    imported: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def import_file(stream) -> ImportReport:
    """Import an uploaded CSV file, whole or not at all: a file over IMPORT_LIMIT_MB is refused. UTF-8 (with
    or without BOM), or latin-1 when the file as a whole is not UTF-8."""
    limit = IMPORT_LIMIT_MB * 1024 * 1024
    raw = stream.read(limit + 1)
    if len(raw) > limit:
        return ImportReport(
            errors=[
                (
                    0,
                    f"Het bestand is groter dan {IMPORT_LIMIT_MB} MB en is niet geïmporteerd. "
                    "Verdeel de regels over kleinere bestanden.",
                )
            ]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return import_csv(text)


def import_csv(text: str) -> ImportReport:
    """Import rows (one qualification a row); bad rows are reported by line and skipped, good ones kept.
    A file the CSV reader cannot read (a field over its limit) imports nothing."""
    report = ImportReport()
    sample = text[:2000]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error:
        report.errors.append(
            (
                reader.line_num,
                "deze regel kon niet worden gelezen (een veld is te lang of de regel is "
                "afgebroken); er is niets geïmporteerd",
            )
        )
        return report
    missing = [
        c
        for c in ("kwalificatienummer", "achternaam", "organisatie", "kwalificatie")
        if c not in (reader.fieldnames or [])
    ]
    if missing:
        report.errors.append((1, "Kolommen ontbreken: " + ", ".join(missing)))
        return report
    organisations = {o.name.lower(): o for o in db.session.execute(select(Organisation)).scalars()}
    for line, row in enumerate(rows, start=2):
        row = {k: (v or "").strip() for k, v in row.items() if k}
        problems = []
        if any("\x00" in value for value in row.values()):
            problems.append("de regel bevat een ongeldig teken")
        number = row.get("kwalificatienummer", "")
        if number == EXAMPLE_NUMBER:
            report.errors.append(
                (
                    line,
                    "dit is de voorbeeldregel van het sjabloon; vervang hem door de gegevens van een kwalificatiehouder",
                )
            )
            continue
        if not (len(number) == 8 and number.isascii() and number.isdigit()):
            problems.append("kwalificatienummer moet 8 cijfers zijn")
        organisation = organisations.get(row.get("organisatie", "").lower())
        if organisation is None:
            problems.append(f"organisatie '{row.get('organisatie', '')}' onbekend")
        if not row.get("kwalificatie"):
            problems.append("kwalificatie ontbreekt")
        kind = KIND_WORDS.get(row.get("type", "diploma").lower() or "diploma")
        if kind is None:
            problems.append("type moet Diploma of Certificaat zijn")
        dates = {}
        for column in ("geboortedatum", "examendatum", "vervaldatum"):
            value = row.get(column, "")
            dates[column] = parse_date(value) if value else None
            if value and dates[column] is None:
                problems.append(f"{column} '{value}' is geen datum (dd-mm-jjjj)")
        if problems:
            report.errors.append((line, "; ".join(problems)))
            continue
        try:
            with db.session.begin_nested():
                upsert_holder(
                    dict(
                        number=number,
                        salutation=row.get("aanhef", ""),
                        initials=row.get("voorletters", ""),
                        infix=row.get("tussenvoegsel", ""),
                        last_name=row.get("achternaam", ""),
                        birth_date=dates["geboortedatum"],
                        email=row.get("email", ""),
                        phone=row.get("telefoon", ""),
                        mobile=row.get("mobiel", ""),
                    ),
                    [
                        dict(
                            name=row["kwalificatie"],
                            kind=kind,
                            exam_type=row.get("examentype", ""),
                            exam_number=row.get("examennummer", ""),
                            exam_date=dates["examendatum"],
                            expires_on=dates["vervaldatum"],
                            parent=row.get("hoort_bij", ""),
                        )
                    ],
                    [(organisation.id, row.get("extern_nummer", ""))],
                )
        except DomainError as error:
            report.errors.append((line, error.message))
            continue
        except Exception as error:  # a constraint we did not foresee: report the row, keep the rest
            report.errors.append((line, f"kon niet worden opgeslagen ({type(error).__name__})"))
            continue
        report.imported += 1
    return report
