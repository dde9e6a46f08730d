"""The student's own account: "Maak een nieuw account" with BSN and e-mail, and the activation code that opens the
Digitaal Doorstroomdossier.

Making an account answers the same whatever the BSN: the request only queues a job (`make_account`) with the BSN's
keyed hash and the e-mail address, the same work for a known BSN and an unknown one; the job looks the BSN up and
mails. The BSN itself goes nowhere: not into the job's arguments (a queue and a worker's log show those), not into
a log, not back into the page.

The activation code is a core one-time code (purpose "dossier-activation", subject "student:<id>"), handed out by
the school. Redeeming it is bound to the student: another student's code is a wrong code. The used code is the
record that the student activated (`has_activated`).
"""

from flask import current_app
from sqlalchemy import exists, select

from webapp.accounts.models import User
from webapp.accounts.services import ACTIVATE, create_account, find_user, link_for, normalise_email
from webapp.core.audit import audit
from webapp.core.bsn import BSN, lookup_hash
from webapp.core.jobs import enqueue_after_commit
from webapp.core.mail import send_mail
from webapp.core.models import OneTimeCode
from webapp.core.transactions import take_write_lock
from webapp.dossiers import codes
from webapp.dossiers.models import Student
from webapp.extensions import db

# Maak een nieuw account ---------------------------------------------------------------------------------------


def request_account(bsn: BSN, email: str) -> None:
    """Queue the account's making for after the commit: the same work whatever the BSN, so neither the answer nor
    its timing says whether the BSN is a student's."""
    enqueue_after_commit(make_account, lookup_hash(bsn), normalise_email(email))


def make_account(bsn_hash: str, email: str) -> str:
    """Job: the account for the students with this BSN (one per school that imported them).

    - No such student: nothing (and no mail).
    - The BSN's student has an account already: a note to that account (like a password reset; the activation mail
      again while it is not activated), and a school's student record not linked yet is linked to it.
    - Otherwise the account of `email`: a new one, or an existing one that has no student yet, linked to the
      student records; a new or not yet activated account gets the activation mail (the password is set on the
      portal's activation page), an activated one a note that it now opens the dossiers. An address whose account
      belongs to another student gets a note that it cannot be used.
    What it did, in a word (for the job's result; never the BSN)."""
    take_write_lock()  # two asks for one BSN at once take turns (PostgreSQL: the students' rows are locked)
    students = list(
        db.session.scalars(select(Student).where(Student.bsn_hash == bsn_hash).order_by(Student.id).with_for_update())
    )
    if not students:
        return "unknown"
    owners = [student.user for student in students if student.user is not None]
    if owners:
        owner = owners[-1]  # the newest school's record
        _link([student for student in students if student.user is None], owner)
        for user in {user.id: user for user in owners}.values():
            if user.is_activated:
                _mail(
                    user,
                    "Je hebt al een account voor het Digitaal Doorstroomdossier",
                    "dossiers_student_account_exists",
                )
            else:  # asked before, never activated: the link again, to that account's address
                send_activation(user)
        return "exists"
    newest = students[-1]
    user = find_user(email)
    if user is None:
        user = create_account(
            email,
            first_name=newest.first_name,
            infix=newest.infix,
            last_name=newest.last_name,
            birth_date=newest.birth_date,
        )
    elif db.session.scalar(select(exists().where(Student.user_id == user.id))):
        _mail(user, "Dit e-mailadres is al in gebruik", "dossiers_student_email_taken")
        return "email taken"
    _link(students, user)
    if user.is_activated:
        _mail(user, "Je account opent nu het Digitaal Doorstroomdossier", "dossiers_student_account_linked")
        return "linked"
    send_activation(user)
    return "activation sent"


def send_activation(user: User) -> str:
    """Mail the student the link to the portal's activation page, where they choose their password."""
    link = link_for(ACTIVATE, user)
    _mail(
        user,
        "Activeer je account voor het Digitaal Doorstroomdossier",
        "dossiers_student_activation",
        link=link,
        valid_hours=current_app.config["TOKEN_MAX_AGE"] // 3600,
    )
    return link


def _link(students: list[Student], user: User) -> None:
    for student in students:
        student.user_id = user.id
        audit(
            "dossiers.student_account_linked",
            subject=codes.subject(student),
            organisation_id=student.school_id,
            actor_id=None,
            account=f"user:{user.id}",
        )
    db.session.flush()


def _mail(user: User, subject: str, template: str, **context) -> None:
    send_mail(user.email, subject, template, user=user, start_link=start_link(), **context)


def start_link() -> str:
    """The full address of the students' landing page (for mail: a job has no request to build it from)."""
    path = current_app.url_map.bind("localhost").build("dossiers_student.start")
    return current_app.config["PUBLIC_URL"] + path


# De activatiecode ----------------------------------------------------------------------------------------------


def has_activated(student: Student) -> bool:
    """Whether the student has redeemed an activation code: its used code is the record."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    OneTimeCode.purpose == codes.PURPOSE,
                    OneTimeCode.subject == codes.subject(student),
                    OneTimeCode.state == "used",
                )
            )
        )
    )


def activate(student: Student, typed: str, *, address: str) -> None:
    """Redeem the code the student typed, bound to them; a onetimecodes.CodeRefused (with its Dutch message)
    otherwise. A wrong try is recorded in the transaction: the caller must let it commit."""
    codes.redeem(student, typed, address)
    audit("dossiers.code_redeemed", subject=codes.subject(student), organisation_id=student.school_id)
