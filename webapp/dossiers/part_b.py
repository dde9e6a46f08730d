"""Part B: the mentor's part of a dossier, in two parts. The student part (leerling-specifiek) is kept per student
(part_b_models.StudentAnswer): it can be filled before the student has a dossier in part B, and is there already for
the student's next dossier. The dossier part (dossier-specifiek) is the dossier's own answers. Sending part B to the
student copies the student part into the dossier's answers: the dossier then holds what the student approves.

Only the school's counsellors and the mentors of the student's class see it (anyone else finds nothing); the
dossier's part B changes only while the state table leaves it open (states.PART_B_OPEN)."""

from dataclasses import dataclass

from sqlalchemy import select

from webapp.core.errors import DomainError, NotFound
from webapp.core.mail import send_mail
from webapp.core.timeutil import utcnow
from webapp.dossiers import filling, formdef, history, part_a, states
from webapp.dossiers.actors import SchoolStaff
from webapp.dossiers.models import Dossier, Student
from webapp.dossiers.part_b_models import StudentAnswer
from webapp.extensions import db


@dataclass(frozen=True)
class Sheet:
    """Part B as one set of pages fills it: a dossier's (both parts), or a student's ahead of a dossier in part B
    (the student part only)."""

    student: Student
    dossier: Dossier | None = None

    @property
    def sections(self) -> tuple[formdef.Section, ...]:
        return formdef.PART_B_SECTIONS if self.dossier is not None else formdef.STUDENT_SECTIONS

    @property
    def is_open(self) -> bool:
        return self.dossier is None or self.dossier.state in states.PART_B_OPEN

    def section(self, key: str) -> formdef.Section:
        found = next((item for item in self.sections if item.key == key), None)
        if found is None:
            raise NotFound()
        return found

    def field(self, section: formdef.Section, key: str) -> formdef.Field:
        found = next((field for field in section.fields if field.key == key), None)
        if found is None:
            raise NotFound()
        return found


# ---------------------------------------------------------------- who may see it


def for_dossier(staff: SchoolStaff, dossier_id: int) -> Sheet:
    """The dossier's part B, when its student is one this member sees; NotFound otherwise."""
    dossier = db.session.get(Dossier, dossier_id)
    if dossier is None or not staff.sees(dossier.student):
        raise NotFound()
    return Sheet(dossier.student, dossier)


def for_student(staff: SchoolStaff, student_id: int) -> Sheet:
    """The student part of a student this member sees, ahead of any dossier; NotFound otherwise."""
    student = db.session.get(Student, student_id)
    if student is None or not staff.sees(student):
        raise NotFound()
    return Sheet(student)


def dossiers_in_part_b(staff: SchoolStaff, student: Student) -> list[Dossier]:
    """The student's dossiers whose part B can be filled now (a student this member sees)."""
    if not staff.sees(student):
        raise NotFound()
    return list(
        db.session.scalars(
            select(Dossier)
            .where(Dossier.student_id == student.id, Dossier.state.in_(states.PART_B_OPEN), Dossier.archived.is_(False))
            .order_by(Dossier.created_at, Dossier.id)
        )
    )


def require_open(sheet: Sheet) -> None:
    if not sheet.is_open:
        state = states.STATES[sheet.dossier.state].label.lower()
        raise DomainError(f"Deel B van een dossier met de status {state} kunt u niet wijzigen.")


# ---------------------------------------------------------------- answers


def student_answers(student: Student) -> dict[str, str]:
    return dict(
        db.session.execute(
            select(StudentAnswer.field, StudentAnswer.value).where(StudentAnswer.student_id == student.id)
        ).all()
    )


def student_answers_of(student_ids: list[int]) -> dict[int, dict[str, str]]:
    """The student parts kept for these students, in one query."""
    kept = {student_id: {} for student_id in student_ids}
    if student_ids:
        rows = db.session.execute(
            select(StudentAnswer.student_id, StudentAnswer.field, StudentAnswer.value).where(
                StudentAnswer.student_id.in_(student_ids)
            )
        )
        for student_id, key, value in rows:
            kept[student_id][key] = value
    return kept


def answers(sheet: Sheet) -> dict[str, str]:
    """Part B's answers as the sheet shows them: the dossier part from the dossier; the student part from the student
    until part B is sent, from the dossier's snapshot after."""
    if sheet.dossier is None:
        return student_answers(sheet.student)
    stored = {key: value for key, value in part_a.answers(sheet.dossier).items() if key in formdef.PART_B.fields}
    if sheet.dossier.state in states.PART_B_SENT:
        return stored
    dossier_part = {key: value for key, value in stored.items() if key not in formdef.STUDENT_FIELDS}
    return dossier_part | student_answers(sheet.student)


def _store(sheet: Sheet, values: dict[str, str]) -> None:
    """Store cleaned answers where they are kept: the student part per student, the dossier part in the dossier."""
    for_student = {key: value for key, value in values.items() if key in formdef.STUDENT_FIELDS}
    if for_student:
        _store_for_student(sheet.student, for_student)
    for_dossier = {key: value for key, value in values.items() if key not in formdef.STUDENT_FIELDS}
    if for_dossier:
        part_a.store_answers(sheet.dossier, for_dossier)
    elif sheet.dossier is not None:
        sheet.dossier.updated_at = utcnow()
    db.session.flush()


def _store_for_student(student: Student, values: dict[str, str]) -> None:
    rows = {
        row.field: row
        for row in db.session.scalars(
            select(StudentAnswer).where(StudentAnswer.student_id == student.id, StudentAnswer.field.in_(values))
        )
    }
    for key, value in values.items():
        row = rows.get(key)
        if not value:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(StudentAnswer(student_id=student.id, field=key, value=value, saved_at=utcnow()))
        else:
            row.value, row.saved_at = value, utcnow()


def save_field(sheet: Sheet, section: formdef.Section, key: str, form) -> dict[str, str]:
    """Autosave: one field as the mentor left it; part B's answers after it. A DomainError (nothing stored) for a
    value the field does not take, or when part B is closed."""
    require_open(sheet)
    field = sheet.field(section, key)
    _store(sheet, {key: filling.clean(field, filling.posted_value(field, form) or "")})
    return answers(sheet)


def save_section(sheet: Sheet, section: formdef.Section, form) -> dict[str, str]:
    """Opslaan en sluiten: the section's posted fields; the good ones are stored, the others answered with their
    message (field key -> message)."""
    require_open(sheet)
    values, problems = filling.cleaned_section(section, form)
    _store(sheet, values)
    return problems


# ---------------------------------------------------------------- progress


def progress(sheet: Sheet, given: dict[str, str]) -> int:
    return filling.progress(sheet.sections, given)


def section_states(sheet: Sheet, given: dict[str, str]) -> list[filling.SectionState]:
    return filling.section_states(sheet.sections, given)


# ---------------------------------------------------------------- sending to the student


def send_to_student(sheet: Sheet, staff: SchoolStaff, agreed: bool) -> None:
    """Opsturen naar leerling: only as the state table allows, only at 100%, and with the mentor's own approval of
    part B. The student part is copied into the dossier (the snapshot the student approves); the student gets a
    signal mail after the commit."""
    dossier = sheet.dossier
    if dossier is None:
        raise NotFound()
    states.next_state(dossier.state, "send_to_student")  # the table's own refusal before anything else
    given = answers(sheet)
    if progress(sheet, given) < 100:
        raise DomainError("Vul eerst alle verplichte onderdelen van deel B helemaal in.")
    if not agreed:
        raise DomainError("Geef uw akkoord op deel B om het naar de leerling op te sturen.", "akkoord")
    snapshot = {key: given.get(key, "") for key in formdef.STUDENT_FIELDS}
    part_a.store_answers(dossier, snapshot)
    dossier.take_part_b_flags(given)  # the receiving college's list reads them from the row
    history.take(dossier, "send_to_student", staff.user)
    _mail_student(dossier)


def _mail_student(dossier: Dossier) -> None:
    student = dossier.student
    address = student.user.email if student.user is not None else student.email
    if not address:
        return
    send_mail(
        address,
        "Deel B van je Digitaal Doorstroomdossier is ingevuld",
        "dossiers_part_b_sent",
        student=student,
        programme=dossier.programme,
        college=dossier.programme.college.organisation,
    )
