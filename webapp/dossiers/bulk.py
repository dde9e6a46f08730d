"""Activation codes for many students at once (manual 004, 1.2): all students, a year or a class, by mail or as
one PDF of printed letters, made in the background on a BulkHandout row whose progress the page polls.

The students are cut into chunks. A chunk's job issues its students' codes, records the hand-outs and queues the
mails (or renders the chunk's letters into a part file in storage) and commits: the codes and what carries them
are kept together, or not at all. A chunk whose students all have a hand-out in this bulk is done, so a retry
hands nobody a second code. With Redis each chunk is a job of its own (several workers share a bulk); a final job
that depends on them finishes what a dead job left and, for letters, joins the parts into one PDF, kept 7 days
in storage for the school's staff.
"""

import io
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, case, func, select, update

from webapp.core.audit import audit
from webapp.core.errors import DomainError, NotFound
from webapp.core.ids import whole_number
from webapp.core.jobs import enqueue, enqueue_after_commit, will_retry
from webapp.core.mail import send_mails
from webapp.core.models import OneTimeCode, OutgoingMail
from webapp.core.storage import Area, StoredFile
from webapp.core.timeutil import utcnow
from webapp.core.transactions import after_commit
from webapp.dossiers import codes
from webapp.dossiers.actors import SchoolStaff
from webapp.dossiers.models import BulkHandout, ClassMentor, CodeHandout, SchoolClass, Student
from webapp.extensions import db

LETTERS = Area("dossiers")
CHUNK_SIZE = 50
KEEP_DAYS = 7
STATES = {"queued": "In wachtrij", "running": "Bezig", "done": "Klaar", "failed": "Mislukt"}


@dataclass(frozen=True)
class Scope:
    key: str  # "all", "year:4" or "class:<id>"
    label: str  # "alle leerlingen", "leerjaar 4", "klas 4a"


def scope_for(staff: SchoolStaff, key: str) -> Scope:
    """The staff member's choice of students; DomainError when it is none they may choose."""
    key = (key or "").strip()
    if key == "all":
        return Scope("all", "alle leerlingen")
    kind, _, value = key.partition(":")
    number = whole_number(value)
    if kind == "year" and number is not None and number < 10:
        return Scope(key, f"leerjaar {number}")
    if kind == "class" and number is not None:
        klass = db.session.get(SchoolClass, number)
        if klass is not None and klass.school_id == staff.school_id and klass in codes.classes_of(staff):
            return Scope(key, f"klas {klass.name}")
    raise DomainError("Kies voor wie de codes zijn: alle leerlingen, een leerjaar of een klas.", field="scope")


def _scope_query(school_id: int, class_ids, scope_key: str, before=None):
    query = codes.visible_students_of(school_id, class_ids)
    kind, _, value = scope_key.partition(":")
    if kind == "year":
        query = query.where(Student.year == int(value))
    elif kind == "class":
        query = query.where(Student.class_id == int(value))
    if before is not None:
        query = query.where(Student.created_at <= before)  # a retry hands out to the same students
    return query


@dataclass(frozen=True)
class Preview:
    scope: Scope
    method: str
    count: int  # how many students get a new code
    without_email: int  # (mail) students in the scope without an e-mail address: they get nothing
    replaced: int  # how many of them have a code now that stops working


def preview(staff: SchoolStaff, method: str, scope_key: str) -> Preview:
    """What a bulk hand-out would do, for the confirmation step."""
    if method not in codes.METHODS:
        raise DomainError("Kies hoe de codes worden verstrekt: per e-mail of als brieven.", field="method")
    scope = scope_for(staff, scope_key)
    students = _scope_query(staff.school_id, staff.class_ids(), scope.key).subquery()
    total, with_email = db.session.execute(select(func.count(), func.count(case((students.c.email != "", 1))))).one()
    count = with_email if method == "mail" else total
    reached = select(students.c.id)
    if method == "mail":
        reached = reached.where(students.c.email != "")
    live = select(func.count(func.distinct(CodeHandout.student_id))).where(
        CodeHandout.student_id.in_(reached),
        CodeHandout.code_id.in_(select(OneTimeCode.id).where(OneTimeCode.state == "issued")),
    )
    return Preview(scope, method, count, total - with_email if method == "mail" else 0, db.session.scalar(live))


def start(staff: SchoolStaff, method: str, scope_key: str) -> BulkHandout:
    """Record the bulk hand-out and start its job once the request commits."""
    seen = preview(staff, method, scope_key)
    if seen.count == 0:
        raise DomainError(
            "Er zijn geen leerlingen met een e-mailadres in deze keuze."
            if method == "mail"
            else "Er zijn geen leerlingen in deze keuze.",
            field="scope",
        )
    report = ""
    if method == "mail" and seen.without_email:
        without = db.session.scalars(
            _scope_query(staff.school_id, staff.class_ids(), seen.scope.key)
            .where(Student.email == "")
            .order_by(Student.sort_name, Student.id)
        )
        report = "\n".join(f"{student.name}: geen e-mailadres" for student in without)
    bulk = BulkHandout(
        school_id=staff.school_id,
        method=method,
        scope=seen.scope.key,
        scope_label=seen.scope.label,
        state="queued",
        total=seen.count,
        report=report,
        requested_by_id=staff.user.id,
        created_at=utcnow(),
    )
    db.session.add(bulk)
    db.session.flush()
    audit(
        "dossiers.activation_bulk_started",
        subject=f"bulk:{bulk.id}",
        organisation_id=staff.school_id,
        actor_id=staff.user.id,
        method=method,
        scope=bulk.scope_label,
        students=bulk.total,
    )
    enqueue_after_commit(run, bulk.id)
    return bulk


def bulk_for(staff: SchoolStaff, bulk_id: int) -> BulkHandout:
    """A bulk hand-out of the staff member's school: a counsellor's (who sees the whole school) or one the mentor
    asked for themselves (another's may hold students outside their classes); NotFound otherwise."""
    bulk = db.session.get(BulkHandout, bulk_id)
    if bulk is None or bulk.school_id != staff.school_id:
        raise NotFound()
    if not staff.is_counsellor and bulk.requested_by_id != staff.user.id:
        raise NotFound()
    return bulk


def recent(staff: SchoolStaff, limit: int = 10) -> list[BulkHandout]:
    """The latest bulk hand-outs the staff member may follow (see bulk_for)."""
    query = select(BulkHandout).where(BulkHandout.school_id == staff.school_id)
    if not staff.is_counsellor:
        query = query.where(BulkHandout.requested_by_id == staff.user.id)
    return list(db.session.scalars(query.order_by(BulkHandout.created_at.desc(), BulkHandout.id.desc()).limit(limit)))


def letters_file(staff: SchoolStaff, bulk_id: int) -> StoredFile:
    """The bulk's PDF of letters, for the school's staff while it is kept; NotFound otherwise."""
    bulk = bulk_for(staff, bulk_id)
    if bulk.method != "letter" or bulk.state != "done" or not bulk.file_name or is_expired(bulk):
        raise NotFound()
    return LETTERS.file(bulk.file_name, download_name=f"activatiecodes-{bulk.id}.pdf", mimetype="application/pdf")


def is_expired(bulk: BulkHandout) -> bool:
    return bulk.expires_at is not None and bulk.expires_at <= utcnow()


# --- the jobs --------------------------------------------------------------------------------------------------


def letters_name(bulk_id: int) -> str:
    return f"activatiecodes-{bulk_id}.pdf"


def _work_folder(bulk_id: int) -> str:
    return f"bulk-{bulk_id}"


def _part(bulk_id: int, index: int) -> str:
    return f"{_work_folder(bulk_id)}/part-{index:04d}.pdf"


def chunks_of(bulk: BulkHandout) -> list[list[int]]:
    """The bulk's students (as they were when it was asked), CHUNK_SIZE at a time, in name order."""
    query = _scope_query(bulk.school_id, _requester_classes(bulk), bulk.scope, before=bulk.created_at)
    if bulk.method == "mail":
        query = query.where(Student.email != "")
    ids = list(db.session.scalars(query.with_only_columns(Student.id).order_by(Student.sort_name, Student.id)))
    return [ids[i : i + CHUNK_SIZE] for i in range(0, len(ids), CHUNK_SIZE)]


def _requester_classes(bulk: BulkHandout):
    """The classes the requester saw: None for a counsellor (the whole school), a mentor's classes otherwise."""
    from webapp.accounts.models import Membership

    membership = db.session.scalar(
        select(Membership).where(
            Membership.user_id == bulk.requested_by_id, Membership.organisation_id == bulk.school_id
        )
    )
    if membership is not None and membership.role == "counsellor":
        return None
    membership_id = membership.id if membership is not None else -1
    return select(ClassMentor.class_id).where(ClassMentor.membership_id == membership_id)


def run(bulk_id: int) -> None:
    """Job, started once the bulk is committed: every chunk here (in process), or a job per chunk on RQ and a
    final job after them."""
    bulk = db.session.get(BulkHandout, bulk_id)
    if bulk is None or bulk.state in ("done", "failed"):
        return
    chunks = chunks_of(bulk)
    if not current_app.config["REDIS_URL"]:
        for index, student_ids in enumerate(chunks):
            hand_out_chunk(bulk_id, index, student_ids)
        finish(bulk_id, chunks)
        return
    jobs = [enqueue(hand_out_chunk, bulk_id, index, student_ids, retries=1) for index, student_ids in enumerate(chunks)]
    enqueue(finish, bulk_id, chunks, depends_on=jobs or None, retries=1)


def hand_out_chunk(bulk_id: int, index: int, student_ids: list[int]) -> int:
    """Job: codes for the chunk's students that have none from this bulk yet, their mails queued or their letters
    rendered into the chunk's part file; committed with the progress. Returns how many got a code."""

    def step():
        bulk = db.session.get(BulkHandout, bulk_id)
        if bulk is None or bulk.state in ("done", "failed"):
            return 0
        handed = set(
            db.session.scalars(
                select(CodeHandout.student_id).where(
                    CodeHandout.bulk_id == bulk_id, CodeHandout.student_id.in_(student_ids)
                )
            )
        )
        letters_kept = LETTERS.exists(_part(bulk_id, index)) or LETTERS.exists(letters_name(bulk_id))
        if bulk.method == "letter" and letters_kept and handed >= set(student_ids):
            return 0  # done before
        if bulk.method == "mail" and handed >= set(student_ids):
            return 0
        db.session.execute(
            update(BulkHandout).where(BulkHandout.id == bulk_id, BulkHandout.state == "queued").values(state="running")
        )
        db.session.commit()  # checkpoint: the polling page shows "Bezig"
        students = list(
            db.session.scalars(
                select(Student).where(Student.id.in_(student_ids)).order_by(Student.sort_name, Student.id)
            )
        )
        if bulk.method == "mail":
            students = [s for s in students if s.id not in handed and s.email]
            letters = [codes.issue(s, "mail", bulk.requested_by_id, bulk_id)[0] for s in students]
            send_mails(
                (s.email, codes.MAIL_SUBJECT, "dossiers_activation_code", codes.mail_context(letter))
                for s, letter in zip(students, letters, strict=True)
            )
        else:
            # every letter of the part again: a part file is only there complete, with the codes it carries
            from webapp.dossiers.letters import render_letters

            letters = [codes.issue(s, "letter", bulk.requested_by_id, bulk_id)[0] for s in students]
            LETTERS.store(_part(bulk_id, index), render_letters(letters))
        counted = len(students) if bulk.method == "mail" else len(set(student_ids) - handed)
        db.session.execute(update(BulkHandout).where(BulkHandout.id == bulk_id).values(done=BulkHandout.done + counted))
        if bulk.method == "mail":
            # the last chunk's mails are queued: done now, not when the final job's turn comes behind the mails
            db.session.execute(
                update(BulkHandout)
                .where(BulkHandout.id == bulk_id, BulkHandout.done >= BulkHandout.total, BulkHandout.state != "done")
                .values(state="done", finished_at=utcnow())
            )
        db.session.commit()  # the codes, the hand-outs, the mails and the progress at once
        return len(students)

    return _failing(bulk_id, step)


def finish(bulk_id: int, chunks: list[list[int]]) -> None:
    """Job (and the last step in process): do any chunk a dead job left, then, for letters, join the parts into
    the one PDF; the bulk is done."""

    def step():
        bulk = db.session.get(BulkHandout, bulk_id)
        if bulk is None or bulk.state == "done":
            return
        for index, student_ids in enumerate(chunks):
            hand_out_chunk(bulk_id, index, student_ids)
        bulk = db.session.get(BulkHandout, bulk_id)
        if bulk.method == "letter":
            from pypdf import PdfWriter

            writer = PdfWriter()
            for index in range(len(chunks)):
                writer.append(str(LETTERS.path(_part(bulk_id, index))))
            output = io.BytesIO()
            writer.write(output)
            LETTERS.store(letters_name(bulk_id), output.getvalue())
            bulk.file_name = letters_name(bulk_id)
            bulk.expires_at = utcnow() + timedelta(days=KEEP_DAYS)
            after_commit(LETTERS.delete, _work_folder(bulk_id))
        bulk.state, bulk.finished_at, bulk.done = "done", utcnow(), bulk.total

    return _failing(bulk_id, step)


def _failing(bulk_id: int, step):
    """Run the step; when it fails for good (no retry follows) the bulk says Mislukt."""
    try:
        return step()
    except Exception:
        db.session.rollback()
        if not will_retry():
            db.session.execute(
                update(BulkHandout).where(BulkHandout.id == bulk_id, BulkHandout.state != "done").values(state="failed")
            )
            db.session.commit()
        raise


# --- mail delivery, expiry ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    sent: int
    pending: int
    failed: list[tuple[str, str]]  # (student's name, address) of the mails that could not be delivered


def delivery(bulk: BulkHandout) -> Delivery:
    """How the bulk's mails fared: the activation mails to its students' addresses queued while it ran."""
    if bulk.method != "mail":
        return Delivery(0, 0, [])
    window = [OutgoingMail.subject == codes.MAIL_SUBJECT[:200], OutgoingMail.created_at >= bulk.created_at]
    if bulk.finished_at is not None:
        window.append(OutgoingMail.created_at <= bulk.finished_at)
    rows = db.session.execute(
        select(Student.first_name, Student.infix, Student.last_name, OutgoingMail.recipient, OutgoingMail.status)
        .join(CodeHandout, and_(CodeHandout.student_id == Student.id, CodeHandout.bulk_id == bulk.id))
        .join(OutgoingMail, OutgoingMail.recipient == Student.email)
        .where(*window)
        .order_by(Student.sort_name, Student.id)
    ).all()
    sent = sum(1 for row in rows if row.status == "sent")
    failed = [
        (" ".join(part for part in (row.first_name, row.infix, row.last_name) if part), row.recipient)
        for row in rows
        if row.status == "failed"
    ]
    return Delivery(sent, len(rows) - sent - len(failed), failed)


def sweep() -> str:
    """Periodic: the letters of bulk hand-outs past their 7 days go; what killed jobs left half-written too."""
    expired = list(
        db.session.scalars(
            select(BulkHandout).where(BulkHandout.file_name.is_not(None), BulkHandout.expires_at <= utcnow())
        )
    )
    for bulk in expired:
        name = bulk.file_name
        bulk.file_name = None
        after_commit(LETTERS.delete, name)
    removed = LETTERS.sweep(keep=timedelta(days=KEEP_DAYS + 1))
    return f"{len(expired)} brievenbestand(en) verlopen, {removed} achtergebleven bestand(en) verwijderd"
