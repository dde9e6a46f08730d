"""The mentor's dashboards (manual 004, chapter 3): "Te behandelen dossiers" (the dossiers a mentor or counsellor
handles, with their state and the steps the state table allows them), a dossier's history, "Terugzetten naar deel
A", "Archiveren" and "Start deel B", and "Mijn leerlingen" (each student's furthest dossier, finished dossiers, and
students who wait too long with the approval, who can be reminded; a periodic job reminds them once a week).

A mentor handles the dossiers of the students of their classes, a counsellor those of the whole school; anything
else is NotFound. Archived dossiers leave these lists but remain (the history, the student's home). The student
activates an archived dossier again (reactivate)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from webapp.accounts.models import User
from webapp.core.audit import audit
from webapp.core.errors import DomainError, NotFound
from webapp.core.mail import send_mail
from webapp.core.paging import MAX_ROWS, PAGE_SIZE, BoundedPage, page_count
from webapp.core.timeutil import UTCDateTime, format_date, utcnow
from webapp.dossiers import approval, document, history, part_a, part_b, school, states
from webapp.dossiers.actors import SchoolStaff
from webapp.dossiers.dossiers import college_name
from webapp.dossiers.models import Answer, College, Dossier, Programme, Student, Transition
from webapp.extensions import db

MENTOR = "mentor"  # who takes an action in the state table's words (a counsellor acts as a mentor there)
WAITING_FOR_APPROVAL = ("part_b_sent", "approval")  # the student is to fill in the approval
REMIND_EVERY = timedelta(days=7)  # a student gets at most one reminder a week
ORDER = {state: index for index, state in enumerate(states.STATES)}  # how far a dossier has come
IN_PROGRESS = tuple(state for state in states.STATES if state != "finished")
# The states whose step counts its progress ("Deel A invullen 40%", "In akkoordverklaring 0%").
STEP_PROGRESS = ("part_a", "part_b", "approval")


# ---------------------------------------------------------------- who may see a dossier


def get_dossier(staff: SchoolStaff, dossier_id: int) -> Dossier:
    """A dossier of a student this member sees (archived ones too); any other is NotFound."""
    dossier = db.session.get(Dossier, dossier_id)
    if dossier is None or not staff.sees(dossier.student):
        raise NotFound()
    return dossier


def _locked(dossier: Dossier) -> Dossier:
    """The dossier read again and locked until the commit, so two steps at once cannot both start from the same
    state (PostgreSQL; a writing request on SQLite holds the write lock already)."""
    db.session.refresh(dossier, with_for_update=True)
    return dossier


def _seen_students(staff: SchoolStaff, filters: school.Filters) -> list:
    """The conditions on Student for the students this member sees that the filters keep."""
    conditions = [Student.school_id == staff.school_id]
    classes = staff.class_ids()
    if classes is not None:
        conditions.append(Student.class_id.in_(classes))
    if filters.class_id is not None:
        conditions.append(Student.class_id == filters.class_id)
    if filters.year is not None:
        conditions.append(Student.year == filters.year)
    for word in filters.search.lower().split()[:5]:  # a part of the name that starts with the word
        conditions.append(
            Student.sort_name.startswith(word, autoescape=True)
            | Student.sort_name.contains(" " + word, autoescape=True)
        )
    return conditions


# ---------------------------------------------------------------- Te behandelen dossiers


@dataclass
class WorkFilters(school.Filters):
    state: str | None = None  # one of IN_PROGRESS, or all of them


@dataclass(frozen=True)
class WorkRow:
    dossier: Dossier
    student: Student
    programme: str  # the manual's label
    college: str
    takes_part: bool
    status: str  # the state table's label
    actions: tuple[str, ...]  # what the state table lets a mentor do now


def _dossier_options():
    return (
        joinedload(Dossier.student).joinedload(Student.school_class),
        joinedload(Dossier.programme).joinedload(Programme.college).joinedload(College.organisation),
    )


def worklist(staff: SchoolStaff, filters: WorkFilters) -> BoundedPage:
    """One page of the dossiers in progress (not archived, not finished) of the students this member sees: the
    ones whose part B can be started first, then by student name; with a bounded count."""
    conditions = [
        *_seen_students(staff, filters),
        Dossier.archived.is_(False),
        Dossier.state.in_([filters.state] if filters.state in IN_PROGRESS else IN_PROGRESS),
    ]
    base = select(Dossier.id).join(Student, Student.id == Dossier.student_id).where(*conditions)
    total = db.session.execute(select(func.count()).select_from(base.limit(MAX_ROWS + 1).subquery())).scalar_one()
    pages = page_count(total)
    page = max(1, min(filters.page, pages))
    ready_first = case((Dossier.state == "sent_to_mentor", 0), else_=1)
    # the page's ids first, from the two narrow tables; then only those dossiers with what the rows show
    ids = list(
        db.session.scalars(
            base.order_by(ready_first, Student.sort_name, Student.id, Dossier.id)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    found = {
        d.id: d for d in db.session.scalars(select(Dossier).where(Dossier.id.in_(ids)).options(*_dossier_options()))
    }
    dossiers = [found[dossier_id] for dossier_id in ids]
    rows = [
        WorkRow(
            dossier=dossier,
            student=dossier.student,
            programme=dossier.programme.label,
            college=college_name(dossier.programme.college),
            takes_part=dossier.programme.college.takes_part,
            status=states.STATES[dossier.state].label,
            actions=tuple(states.allowed(dossier.state, dossier.archived, MENTOR)),
        )
        for dossier in dossiers
    ]
    return BoundedPage(rows=rows, total=total, page=page, pages=pages, filters=filters)


# ---------------------------------------------------------------- the steps a mentor takes


def _student_address(student: Student) -> str:
    return student.user.email if student.user is not None else student.email


def start_part_b(staff: SchoolStaff, dossier_id: int) -> Dossier:
    """Start deel B: the dossier moves to part B (as the state table allows)."""
    dossier = _locked(get_dossier(staff, dossier_id))
    history.take(dossier, "start_part_b", staff.user)
    audit("dossiers.part_b_started", subject=f"dossier:{dossier.id}", organisation_id=staff.school_id)
    return dossier


def reset_to_part_a(staff: SchoolStaff, dossier_id: int) -> Dossier:
    """Terugzetten naar deel A: only before part B has started (the state table); the student gets a signal mail
    after the commit."""
    dossier = _locked(get_dossier(staff, dossier_id))
    history.take(dossier, "reset_to_part_a", staff.user)
    audit("dossiers.reset_to_part_a", subject=f"dossier:{dossier.id}", organisation_id=staff.school_id)
    student = dossier.student
    address = _student_address(student)
    if address:
        send_mail(
            address,
            "Je dossier is teruggezet naar deel A",
            "dossiers_reset_to_part_a",
            student=student,
            mentor=staff.user,
            programme=dossier.programme,
            college=dossier.programme.college.organisation,
            dossier=dossier,
        )
    return dossier


def archive(staff: SchoolStaff, dossier_id: int) -> Dossier:
    """Archiveren: the dossier leaves the overviews but remains; the student can activate it again."""
    dossier = _locked(get_dossier(staff, dossier_id))
    history.mark(dossier, "archive", staff.user)
    audit("dossiers.archived", subject=f"dossier:{dossier.id}", organisation_id=staff.school_id)
    return dossier


TAKE = {"start_part_b": start_part_b, "reset_to_part_a": reset_to_part_a, "archive": archive}


def check(dossier: Dossier, action: str) -> None:
    """A DomainError with the table's Dutch message when the state table does not allow a mentor `action` now."""
    if action in states.FLAG_ACTIONS:
        states.next_flag(dossier.state, dossier.archived, action)
    else:
        states.check_step(dossier.state, dossier.archived, action)


# ---------------------------------------------------------------- the student activates a dossier again


def reactivate(student: Student, dossier_id: int) -> Dossier:
    """Activeren: the student's own archived dossier comes back; not while another dossier of theirs for the same
    programme is open (one at a time per programme, as when starting one)."""
    dossier = part_a.get_dossier(student, dossier_id)
    # the student first, as starting a dossier locks it: one open dossier per programme
    db.session.execute(select(Student.id).where(Student.id == dossier.student_id).with_for_update())
    _locked(dossier)
    states.next_flag(dossier.state, dossier.archived, "reactivate")
    other = db.session.scalar(
        select(Dossier.id).where(
            Dossier.student_id == dossier.student_id,
            Dossier.programme_id == dossier.programme_id,
            Dossier.archived.is_(False),
            Dossier.id != dossier.id,
        )
    )
    if other is not None:
        raise DomainError(
            f"Je hebt al een ander dossier voor {dossier.programme.name}. Ga daarmee verder, of vraag je mentor dat "
            "dossier te archiveren."
        )
    history.mark(dossier, "reactivate", student.user)
    audit("dossiers.reactivated", subject=f"dossier:{dossier.id}", organisation_id=dossier.student.school_id)
    return dossier


# ---------------------------------------------------------------- history


@dataclass(frozen=True)
class Step:
    at: datetime
    by: str
    action: str  # the table's label
    from_state: str  # labels
    to_state: str


def history_of(dossier: Dossier) -> list[Step]:
    return [
        Step(
            at=step.at,
            by=step.by.full_name if step.by is not None else "onbekend",
            action=states.action_label(step.action),
            from_state=states.STATES[step.from_state].label,
            to_state=states.STATES[step.to_state].label,
        )
        for step in history.steps(dossier)
    ]


# ---------------------------------------------------------------- Mijn leerlingen


def remind_after() -> timedelta:
    return timedelta(days=current_app.config["DOSSIER_REMINDER_DAYS"])


def _sent_at():
    """When part B was last sent to the student, for the dossier of the outer query (its creation when the history
    does not say)."""
    last = (
        select(func.max(Transition.at))
        .where(Transition.dossier_id == Dossier.id, Transition.to_state == "part_b_sent")
        .correlate(Dossier)
        .scalar_subquery()
    )
    return func.coalesce(last, Dossier.created_at, type_=UTCDateTime)


@dataclass
class StudentRow:
    student: Student
    furthest: Dossier | None = None  # the dossier (not archived) that has come furthest
    best_choice: str = ""  # its college and programme
    status: str = ""  # "Deel A invullen 40%"
    finished: list[Dossier] = field(default_factory=list)
    waiting_since: datetime | None = None  # part B sent to the student this long ago, when too long
    reminded_at: datetime | None = None

    @property
    def overdue(self) -> bool:
        return self.waiting_since is not None


def status_words(dossier: Dossier, progress: dict[int, int]) -> str:
    """The state's label, with the progress of the current step where it counts one: "Deel A invullen 40%"."""
    label = states.STATES[dossier.state].label
    return f"{label} {progress[dossier.id]}%" if dossier.id in progress else label


def step_progress(dossiers: list[Dossier]) -> dict[int, int]:
    """The current step's progress of each of these dossiers (those in a state that counts one), read for them all
    at once: their answers, the student parts kept for part B, the parents' approvals."""
    counting = [dossier for dossier in dossiers if dossier.state in STEP_PROGRESS]
    given = _answers_of([dossier.id for dossier in counting])
    kept = part_b.student_answers_of([dossier.student_id for dossier in counting if dossier.state == "part_b"])
    parents = approval.parent_approvals_of([dossier.id for dossier in counting if dossier.state == "approval"])
    progress = {}
    for dossier in counting:
        answers = given[dossier.id]
        if dossier.state == "part_a":
            progress[dossier.id] = part_a.progress(dossier, answers)
        elif dossier.state == "part_b":
            sheet = part_b.Sheet(dossier.student, dossier)
            progress[dossier.id] = part_b.progress(sheet, answers | kept.get(dossier.student_id, {}))
        else:
            progress[dossier.id] = approval.progress(dossier, document.hash_of(answers), parents.get(dossier.id))
    return progress


def _answers_of(dossier_ids: list[int]) -> dict[int, dict[str, str]]:
    """The answers of these dossiers, in one query."""
    given = {dossier_id: {} for dossier_id in dossier_ids}
    if dossier_ids:
        rows = db.session.execute(
            select(Answer.dossier_id, Answer.field, Answer.value).where(Answer.dossier_id.in_(dossier_ids))
        )
        for dossier_id, key, value in rows:
            given[dossier_id][key] = value
    return given


def my_students(staff: SchoolStaff, filters: school.Filters) -> BoundedPage:
    """One page of the students this member sees (school.student_list's search and filters), each with their
    furthest dossier and its status, their finished dossiers, and whether they wait too long with the approval."""
    page = school.student_list(staff, filters)
    rows = {student.id: StudentRow(student, reminded_at=student.reminded_at) for student in page.rows}
    if rows:
        found = db.session.execute(
            select(Dossier, _sent_at())
            .where(Dossier.student_id.in_(rows), Dossier.archived.is_(False))
            .options(joinedload(Dossier.programme).joinedload(Programme.college).joinedload(College.organisation))
            .order_by(Dossier.created_at, Dossier.id)
        ).all()
        too_long = utcnow() - remind_after()
        for dossier, sent_at in found:
            row = rows[dossier.student_id]
            if dossier.state == "finished":
                row.finished.append(dossier)
            if row.furthest is None or ORDER[dossier.state] >= ORDER[row.furthest.state]:
                row.furthest = dossier
            if dossier.state in WAITING_FOR_APPROVAL and sent_at <= too_long:
                row.waiting_since = min(sent_at, row.waiting_since or sent_at)
        progress = step_progress([row.furthest for row in rows.values() if row.furthest is not None])
        for row in rows.values():
            if row.furthest is not None:
                programme = row.furthest.programme
                row.best_choice = f"{college_name(programme.college)}: {programme.name}"
                row.status = status_words(row.furthest, progress)
    page.rows = list(rows.values())
    return page


def finished_dossier(staff: SchoolStaff, dossier_id: int) -> Dossier:
    """A finished dossier of a student this member sees (its PDF); any other is NotFound."""
    dossier = get_dossier(staff, dossier_id)
    if dossier.state != "finished":
        raise NotFound()
    return dossier


# ---------------------------------------------------------------- reminders


def waiting_students(student_ids=None):
    """The students (ids) with a dossier, not archived, that has waited for the approval longer than the setting."""
    query = select(Dossier.student_id).where(
        Dossier.state.in_(WAITING_FOR_APPROVAL), Dossier.archived.is_(False), _sent_at() <= utcnow() - remind_after()
    )
    if student_ids is not None:
        query = query.where(Dossier.student_id.in_(student_ids))
    return query


def _send_reminder(student: Student, now: datetime) -> bool:
    """Mail the student (after the commit) to fill in the approval; False when they have no address."""
    address = _student_address(student)
    if not address:
        return False
    waiting = list(
        db.session.scalars(
            select(Dossier)
            .where(
                Dossier.student_id == student.id,
                Dossier.state.in_(WAITING_FOR_APPROVAL),
                Dossier.archived.is_(False),
            )
            .options(joinedload(Dossier.programme).joinedload(Programme.college).joinedload(College.organisation))
            .order_by(Dossier.id)
        )
    )
    send_mail(
        address,
        "Vul je akkoordverklaring in",
        "dossiers_approval_reminder",
        student=student,
        dossiers=waiting,
        college_name=college_name,
    )
    student.reminded_at = now
    return True


def remind(staff: SchoolStaff, student_id: int, by: User | None = None) -> Student:
    """Aansporen: the mentor reminds a student who waits too long with the approval, with a mail; at most once a
    week per student (the weekly job's reminders count too)."""
    student = school.get_student(staff, student_id)
    # one at a time per student (PostgreSQL; a writing request on SQLite holds the write lock already)
    db.session.execute(select(Student.id).where(Student.id == student.id).with_for_update())
    db.session.refresh(student, ["reminded_at"])
    if db.session.scalar(waiting_students([student.id]).limit(1)) is None:
        raise DomainError(
            f"{student.name} wacht niet te lang met een akkoordverklaring: een herinnering is niet nodig."
        )
    now = utcnow()
    if student.reminded_at is not None and student.reminded_at > now - REMIND_EVERY:
        again = format_date(student.reminded_at + REMIND_EVERY)
        raise DomainError(
            f"{student.name} is op {format_date(student.reminded_at)} al herinnerd. Een nieuwe herinnering kan vanaf "
            f"{again}."
        )
    if not _send_reminder(student, now):
        raise DomainError(f"Van {student.name} is geen e-mailadres bekend.")
    db.session.flush()
    audit("dossiers.approval_reminded", subject=f"student:{student.id}", organisation_id=staff.school_id)
    return student


def remind_waiting() -> str:
    """Periodic: every student who waits too long with the approval and was not reminded in the past week gets a
    reminder (idempotent: a second run in the same week sends nothing)."""
    now = utcnow()
    students = list(
        db.session.scalars(
            select(Student)
            .where(
                Student.id.in_(waiting_students()),
                (Student.reminded_at.is_(None)) | (Student.reminded_at <= now - REMIND_EVERY),
            )
            .order_by(Student.id)
            .with_for_update(skip_locked=True)
        )
    )
    sent = sum(1 for student in students if _send_reminder(student, now))
    db.session.flush()
    return f"{sent} leerling(en) herinnerd aan de akkoordverklaring"
