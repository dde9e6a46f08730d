"""Filling in a part of a dossier, whichever part: what a posted field means, its check against the form definition
(formdef), how an answer is shown, and each section's progress and status. Part A (the student's) and part B (the
mentor's) both use these; they differ only in where the answers are kept and who may change them."""

import re
from dataclasses import dataclass
from datetime import date

from webapp.core.errors import DomainError
from webapp.core.timeutil import format_date, parse_date
from webapp.dossiers import formdef

NOT_STARTED, BUSY, DONE = "Nog niet begonnen", "Bezig", "Klaar"
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_COUNTRY_CODES = {code for code, _ in formdef.COUNTRY_CODES}


@dataclass(frozen=True)
class SectionState:
    section: formdef.Section
    percent: int
    status: str


# ---------------------------------------------------------------- answers and their checks


def posted_value(field: formdef.Field, form) -> str | None:
    """What the form posted for the field as one string (a phone number as "+31 612345678"); None: not posted."""
    if field.key not in form:
        return None
    value = (form.get(field.key) or "").strip()
    if field.kind == formdef.PHONE and value:
        return f"{(form.get(field.key + '_land') or '+31').strip()} {value}"
    return value


def clean(field: formdef.Field, value: str) -> str:
    """The value as it is stored, or a DomainError with a Dutch message for the field."""
    if "\x00" in value:
        raise DomainError("Dit veld bevat een ongeldig teken.", field.key)
    if not value:
        return ""
    if field.kind == formdef.CHOICE:
        if value not in {choice for choice, _ in field.choices}:
            raise DomainError("Kies een van de mogelijkheden.", field.key)
        return value
    if field.kind == formdef.PHONE:
        return _clean_phone(field, value)
    if field.kind == formdef.DATE:
        day = parse_date(value)
        if day is None or not date(1900, 1, 1) <= day <= date(2100, 12, 31):
            raise DomainError("Vul een bestaande datum in als dd-mm-jjjj.", field.key)
        return day.isoformat()
    if field.kind == formdef.EMAIL and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise DomainError("Vul een geldig e-mailadres in.", field.key)
    if len(value) > field.max_length:
        raise DomainError(f"Gebruik hoogstens {field.max_length} tekens (nu {len(value)}).", field.key)
    return value


def _clean_phone(field: formdef.Field, value: str) -> str:
    country, _, number = value.partition(" ")
    if country not in _COUNTRY_CODES:
        raise DomainError("Kies een landnummer uit de lijst.", field.key)
    digits = _PHONE_SEPARATORS.sub("", number)
    if digits.startswith("0"):
        digits = digits[1:]  # 06 12345678 is +31 612345678
    if not digits.isdigit() or not 6 <= len(digits) <= 12:
        raise DomainError("Vul een geldig telefoonnummer in, alleen cijfers, bijvoorbeeld 0612345678.", field.key)
    return f"{country} {digits}"


def cleaned_section(section: formdef.Section, form) -> tuple[dict[str, str], dict[str, str]]:
    """Opslaan en sluiten: every field of the section the form posted, cleaned (field key -> value), and the
    messages of those that could not be (field key -> message)."""
    values, problems = {}, {}
    for field in section.fields:
        value = posted_value(field, form)
        if value is None:
            continue
        try:
            values[field.key] = clean(field, value)
        except DomainError as error:
            problems[field.key] = error.message
    return values, problems


def shown(field: formdef.Field, value: str) -> str:
    """An answer as the pages (check answers, the PDF) show it: a choice's label, a date as dd-mm-jjjj."""
    if not value:
        return ""
    if field.kind == formdef.CHOICE:
        return dict(field.choices).get(value, value)
    if field.kind == formdef.DATE:
        day = parse_date(value)
        return format_date(day) if day else value
    return value


# ---------------------------------------------------------------- progress


def section_progress(section: formdef.Section, given: dict[str, str]) -> int:
    """The share of the section's required fields (the conditional ones when their condition holds) that are
    filled, in whole percents (rounded down)."""
    required = section.required_in(given)
    if not required:
        return 100
    return 100 * sum(1 for field in required if given.get(field.key)) // len(required)


def progress(sections: tuple[formdef.Section, ...], given: dict[str, str]) -> int:
    """The share of all of the sections' required fields that are filled."""
    required = [field for section in sections for field in section.required_in(given)]
    if not required:
        return 100
    return 100 * sum(1 for field in required if given.get(field.key)) // len(required)


def status(section: formdef.Section, percent: int, given: dict[str, str]) -> str:
    if percent == 100:
        return DONE
    if any(given.get(field.key) for field in section.fields):
        return BUSY
    return NOT_STARTED


def section_state(section: formdef.Section, given: dict[str, str]) -> SectionState:
    percent = section_progress(section, given)
    return SectionState(section, percent, status(section, percent, given))


def section_states(sections: tuple[formdef.Section, ...], given: dict[str, str]) -> list[SectionState]:
    return [section_state(section, given) for section in sections]
