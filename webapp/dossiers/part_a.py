"""Part A: the student's answers, saved per field, checked against the form definition (formdef), the progress of
each section and of the whole, and sending part A to a mentor. Only the dossier's own student reads or changes it,
and changes only while the state table leaves part A open (states.PART_A_OPEN); anyone else finds nothing."""

import hashlib
import json
import secrets
from datetime import timedelta

from sqlalchemy import delete, select

from webapp.accounts.models import Membership, User
from webapp.core.errors import DomainError, NotFound
from webapp.core.mail import send_mail
from webapp.core.timeutil import utcnow
from webapp.dossiers import filling, formdef, history, states
from webapp.dossiers.filling import BUSY, DONE, NOT_STARTED, SectionState, clean, posted_value, shown, status
from webapp.dossiers.models import Answer, ClassMentor, Dossier, Student
from webapp.dossiers.part_a_models import KeptAnswers
from webapp.extensions import db

__all__ = ["BUSY", "DONE", "NOT_STARTED", "SectionState", "clean", "posted_value", "shown", "status"]
KEEP_FOR = timedelta(days=7)  # answers posted after a session ended wait this long for the student's next login


# ---------------------------------------------------------------- who may see it


def get_dossier(student: Student, dossier_id: int) -> Dossier:
    """The dossier, when it is one of this student's (their account's, at any school); NotFound otherwise."""
    if student.user_id is None:
        raise NotFound()
    return dossier_of_account(student.user_id, dossier_id)


def dossier_of_account(user_id: int, dossier_id: int) -> Dossier:
    """The dossier, when its student is this account (one query: what the autosave, asked for often, needs)."""
    dossier = db.session.scalar(
        select(Dossier)
        .join(Student, Student.id == Dossier.student_id)
        .where(Dossier.id == dossier_id, Student.user_id == user_id)
    )
    if dossier is None:
        raise NotFound()
    return dossier


def is_open(dossier: Dossier) -> bool:
    return dossier.state in states.PART_A_OPEN


def require_open(dossier: Dossier) -> None:
    if not is_open(dossier):
        raise DomainError(
            f"Deel A is {states.STATES[dossier.state].label.lower()} en kan nu niet worden gewijzigd. "
            "Als het dossier naar deel A wordt teruggezet, kun je het weer aanpassen."
        )


def get_section(key: str) -> formdef.Section:
    found = formdef.section(key)
    if found is None:
        raise NotFound()
    return found


# ---------------------------------------------------------------- answers and their checks


def answers(dossier: Dossier) -> dict[str, str]:
    return dict(db.session.execute(select(Answer.field, Answer.value).where(Answer.dossier_id == dossier.id)).all())


def _answer_rows(dossier: Dossier) -> dict[str, Answer]:
    return {
        answer.field: answer for answer in db.session.scalars(select(Answer).where(Answer.dossier_id == dossier.id))
    }


def _store(dossier: Dossier, key: str, value: str, rows: dict[str, Answer] | None = None) -> None:
    """Store one answer (an empty one is no answer); `rows`: the dossier's answers already loaded, kept up to date."""
    answer = rows.get(key) if rows is not None else db.session.get(Answer, (dossier.id, key))
    if not value:
        if answer is not None:
            db.session.delete(answer)
            if rows is not None:
                del rows[key]
        return
    if answer is None:
        answer = Answer(dossier_id=dossier.id, field=key, value=value, saved_at=utcnow())
        db.session.add(answer)
        if rows is not None:
            rows[key] = answer
    else:
        answer.value, answer.saved_at = value, utcnow()


def save_field(dossier: Dossier, key: str, form) -> dict[str, str]:
    """Autosave: one field as the student left it; all of the dossier's answers after it (one query for both).
    A DomainError (nothing stored) for a value the field does not take."""
    require_open(dossier)
    field = formdef.FIELDS.get(key)
    if field is None:
        raise NotFound()
    value = clean(field, posted_value(field, form) or "")
    rows = _answer_rows(dossier)
    _store(dossier, key, value, rows)
    dossier.updated_at = utcnow()
    db.session.flush()
    return {name: answer.value for name, answer in rows.items()}


def save_section(dossier: Dossier, section: formdef.Section, form) -> dict[str, str]:
    """Opslaan en sluiten: every field of the section the form posted; the good ones are stored, the others
    answered with their message (field key -> message)."""
    require_open(dossier)
    values, problems = filling.cleaned_section(section, form)
    store_answers(dossier, values)
    return problems


def store_answers(dossier: Dossier, values: dict[str, str]) -> None:
    """Store cleaned answers in the dossier (an empty one removes the answer)."""
    rows = _answer_rows(dossier)
    for key, value in values.items():
        _store(dossier, key, value, rows)
    dossier.updated_at = utcnow()
    db.session.flush()


# ---------------------------------------------------------------- progress


def section_progress(dossier: Dossier, section: formdef.Section, given: dict[str, str] | None = None) -> int:
    """The share of the section's required fields that are filled, in whole percents (rounded down)."""
    return filling.section_progress(section, answers(dossier) if given is None else given)


def progress(dossier: Dossier, given: dict[str, str] | None = None) -> int:
    """The share of all of part A's required fields that are filled."""
    return filling.progress(formdef.SECTIONS, answers(dossier) if given is None else given)


def section_states(dossier: Dossier, given: dict[str, str] | None = None) -> list[SectionState]:
    return filling.section_states(formdef.SECTIONS, answers(dossier) if given is None else given)


def complete(dossier: Dossier, given: dict[str, str] | None = None) -> bool:
    return progress(dossier, given) == 100


# ---------------------------------------------------------------- sending to a mentor


def mentors_for(dossier: Dossier) -> list[Membership]:
    """Whom the student may send part A to: the mentors of their class; when it has none, the school's
    counsellors."""
    student = dossier.student
    mentors = []
    if student.class_id is not None:
        mentors = list(
            db.session.scalars(
                select(Membership)
                .join(ClassMentor, ClassMentor.membership_id == Membership.id)
                .where(ClassMentor.class_id == student.class_id, Membership.organisation_id == student.school_id)
                .order_by(Membership.id)
            )
        )
    if not mentors:
        mentors = list(
            db.session.scalars(
                select(Membership)
                .where(Membership.organisation_id == student.school_id, Membership.role == "counsellor")
                .order_by(Membership.id)
            )
        )
    return mentors


def send_to_mentor(dossier: Dossier, membership_id: int | None, by: User) -> Membership:
    """Versturen naar mentor: only a complete part A, to one of the class's mentors, and only as the state table
    allows (once); the mentor gets a signal mail after the commit."""
    states.next_state(dossier.state, "send_to_mentor")  # refuses a second time before anything else
    if not complete(dossier):
        raise DomainError("Vul eerst alle verplichte onderdelen van deel A helemaal in.")
    mentor = next((m for m in mentors_for(dossier) if m.id == membership_id), None)
    if mentor is None:
        raise DomainError("Kies een mentor van je klas.", "mentor")
    history.take(dossier, "send_to_mentor", by)
    dossier.mentor_id = mentor.id
    student = dossier.student
    send_mail(
        mentor.user.email,
        f"Deel A van {student.name} staat voor u klaar",
        "dossiers_part_a_sent",
        mentor=mentor.user,
        student=student,
        programme=dossier.programme,
        college=dossier.programme.college.organisation,
    )
    return mentor


# ---------------------------------------------------------------- answers posted after the session ended


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def keep_for_later(dossier_id: int, section_key: str, form) -> str | None:
    """A section posted by a browser whose session has ended: keep the posted answers (only the section's own
    fields) until the student logs in again; the token the browser keeps in a cookie. Nothing is applied yet:
    who posted them is not known until that login (apply_kept checks it)."""
    section = formdef.section(section_key)
    if section is None or db.session.get(Dossier, dossier_id) is None:
        return None
    data = {}
    for field in section.fields:
        for name in (field.key, field.key + "_land") if field.kind == formdef.PHONE else (field.key,):
            if name in form:
                data[name] = (form.get(name) or "")[: field.max_length + 8]
    db.session.execute(delete(KeptAnswers).where(KeptAnswers.kept_at < utcnow() - KEEP_FOR))
    token = secrets.token_urlsafe(24)
    db.session.add(
        KeptAnswers(token_hash=_hash(token), dossier_id=dossier_id, section=section.key, data=json.dumps(data))
    )
    db.session.flush()
    return token


def apply_kept(student: Student, token: str) -> tuple[Dossier, formdef.Section, dict[str, str]] | None:
    """After the next login: store the kept answers in the dossier when it is this student's and still open (the
    dossier, the section and any problems per field); the kept answers are gone either way."""
    kept = db.session.get(KeptAnswers, _hash(token))
    if kept is None:
        return None
    db.session.delete(kept)
    db.session.flush()
    if kept.kept_at < utcnow() - KEEP_FOR:
        return None
    try:
        dossier = get_dossier(student, kept.dossier_id)
    except NotFound:
        return None
    if not is_open(dossier):
        return None
    section = formdef.section(kept.section)
    problems = save_section(dossier, section, json.loads(kept.data))
    return dossier, section, problems
