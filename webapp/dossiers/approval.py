"""The approval (akkoordverklaring, manual 004 chapter 4): the student starts it once the mentor has sent part B,
views parts A and B, may comment on part B, and finishes the dossier ("Afronden", final) or goes back to part A. A
student under 18 on the day of approval needs a parent's approval too, given through a mailed link that works once
and expires. Each approval is its own record tied to the dossier's content hash (document.content_hash): when the
content changes afterwards it no longer counts and is asked again. The dossier moves only through its state table
(history.take); the signal mails leave after the commit."""

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, has_request_context, url_for
from sqlalchemy import func, select, update

from webapp.accounts.models import User
from webapp.core import tokens
from webapp.core.errors import DomainError
from webapp.core.mail import send_mail
from webapp.core.timeutil import today_local, utcnow
from webapp.dossiers import document, history, states
from webapp.dossiers.approval_models import PARENT, STUDENT, Approval, ApprovalComment, ParentRequest
from webapp.dossiers.models import Dossier, Transition
from webapp.extensions import db

ADULT_AGE = 18
PARENT_LINK_LIFETIME = timedelta(days=14)
TOKEN_PURPOSE = "dossier-parent-approval"
COMMENT_LENGTH = 2000
NAME_LENGTH = 200
# The states in which the student sees part B (the mentor has sent it).
PART_B_SHOWN = frozenset({"part_b_sent", "approval", "finished"})
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


# ---------------------------------------------------------------- who must approve, and what counts


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def needs_parent(dossier: Dossier, day: date | None = None) -> bool:
    """A student under 18 on the day of approval (today, unless given) needs a parent's approval too."""
    return age_on(dossier.student.birth_date, day or today_local()) < ADULT_AGE


def visible_parts(dossier: Dossier) -> tuple[str, ...]:
    """The parts the student may see: part A always, part B once the mentor has sent it."""
    return ("A", "B") if dossier.state in PART_B_SHOWN else ("A",)


def counts(approval: Approval | None, content_hash: str) -> bool:
    return approval is not None and approval.agreed and hmac.compare_digest(approval.content_hash, content_hash)


def approvals(dossier: Dossier) -> list[Approval]:
    """Every approval of the dossier, the newest first."""
    return list(
        db.session.scalars(
            select(Approval).where(Approval.dossier_id == dossier.id).order_by(Approval.at.desc(), Approval.id.desc())
        )
    )


@dataclass(frozen=True)
class Status:
    """Where the approval stands, as the student's page shows it."""

    needs_parent: bool
    parent: Approval | None  # the parent's latest answer
    parent_counts: bool  # it is an approval of the dossier as it is now
    parent_outdated: bool  # an approval of an earlier content: asked again
    open_request: ParentRequest | None  # a mailed link not yet used, not expired
    last_parent_email: str
    comment: str

    @property
    def can_finish(self) -> bool:
        return not self.needs_parent or self.parent_counts


def status(dossier: Dossier, day: date | None = None) -> Status:
    content_hash = document.content_hash(dossier)
    given = approvals(dossier)
    parent = next((each for each in given if each.role == PARENT), None)
    requests = _requests(dossier)
    return Status(
        needs_parent=needs_parent(dossier, day),
        parent=parent,
        parent_counts=counts(parent, content_hash),
        parent_outdated=parent is not None and parent.agreed and not counts(parent, content_hash),
        open_request=next((each for each in requests if _live(each)), None),
        last_parent_email=requests[0].email if requests else "",
        comment=comment_of(dossier),
    )


def progress(dossier: Dossier, content_hash: str, parent: Approval | None) -> int:
    """The share of the approvals the dossier needs that are given and count: the student's (given when they finish)
    and, under 18, a parent's (`parent`: their latest answer; `content_hash`: the dossier's now)."""
    return 50 if needs_parent(dossier) and counts(parent, content_hash) else 0


def parent_approvals_of(dossier_ids: list[int]) -> dict[int, Approval]:
    """The latest parent's answer of each of these dossiers that has one, in one query."""
    latest = {}
    if dossier_ids:
        for given in db.session.scalars(
            select(Approval)
            .where(Approval.dossier_id.in_(dossier_ids), Approval.role == PARENT)
            .order_by(Approval.at.desc(), Approval.id.desc())
        ):
            latest.setdefault(given.dossier_id, given)
    return latest


def final(dossier: Dossier) -> list[Approval]:
    """The approvals that count for the dossier as it is now (a finished dossier's: the student's and, under 18, a
    parent's), the newest first."""
    content_hash = document.content_hash(dossier)
    return [given for given in approvals(dossier) if counts(given, content_hash)]


def pdf(dossier: Dossier, keys: tuple[str, ...] | None = None) -> bytes:
    """The dossier as one PDF: its parts (`keys`, else all) and the approvals that count."""
    return document.pdf(dossier, keys, extra={"approvals": final(dossier)})


def comment_of(dossier: Dossier) -> str:
    """The student's comment on part B ("" for none)."""
    comment = db.session.get(ApprovalComment, dossier.id)
    return comment.text if comment is not None else ""


def missing(dossier: Dossier, day: date | None = None) -> str | None:
    """Why "Afronden" must wait (Dutch), or None when every needed approval counts."""
    if not needs_parent(dossier, day):
        return None
    content_hash = document.content_hash(dossier)
    parent = next((each for each in approvals(dossier) if each.role == PARENT), None)
    if counts(parent, content_hash):
        return None
    if parent is not None and parent.agreed:
        return (
            "Het akkoord van je ouder/verzorger telt niet meer: het dossier is daarna gewijzigd. "
            "Vraag je ouder/verzorger opnieuw om akkoord te geven."
        )
    return "Je bent jonger dan 18 jaar: je ouder/verzorger moet eerst akkoord geven. Daarna kun je afronden."


# ---------------------------------------------------------------- the student's steps


def start(dossier: Dossier, by: User) -> None:
    """Start de akkoordverklaring (once the mentor has sent part B)."""
    history.take(dossier, "start_approval", by)


def back_to_part_a(dossier: Dossier, by: User) -> None:
    """Terug naar deel A: part A opens again and the cycle repeats; a parent's link that was mailed stops working."""
    history.take(dossier, "back_to_part_a", by)
    _revoke_requests(dossier)


def _require_approval(dossier: Dossier) -> None:
    if dossier.state != "approval":
        raise DomainError(
            f"Het dossier is {states.STATES[dossier.state].label.lower()}: de akkoordverklaring is nu niet open."
        )


def save_comment(dossier: Dossier, text: str) -> None:
    """The student's comment on part B (optional; an empty one removes it)."""
    _require_approval(dossier)
    text = (text or "").strip()
    if "\x00" in text:
        raise DomainError("Je opmerking bevat een ongeldig teken.", "comment")
    if len(text) > COMMENT_LENGTH:
        raise DomainError(f"Gebruik hoogstens {COMMENT_LENGTH} tekens (nu {len(text)}).", "comment")
    comment = db.session.get(ApprovalComment, dossier.id)
    if comment is None:
        comment = ApprovalComment(dossier_id=dossier.id)
        db.session.add(comment)
    comment.text, comment.saved_at = text, utcnow()
    db.session.flush()


def finish(dossier: Dossier, by: User, day: date | None = None) -> Approval:
    """Afronden: the student's final approval, once every needed approval counts; the dossier is finished and the
    student and the mentor get a signal mail after the commit."""
    states.next_state(dossier.state, "finish")  # the table's refusal first
    waiting = missing(dossier, day)
    if waiting:
        raise DomainError(waiting)
    student = dossier.student
    own = Approval(
        dossier_id=dossier.id,
        role=STUDENT,
        name=student.name[:NAME_LENGTH],
        email=by.email,
        agreed=True,
        comment=comment_of(dossier),
        content_hash=document.content_hash(dossier),
        at=utcnow(),
        by_id=by.id,
    )
    db.session.add(own)
    history.take(dossier, "finish", by)
    _revoke_requests(dossier)
    college = dossier.programme.college.organisation
    context = dict(student=student, programme=dossier.programme, college=college)
    send_mail(by.email, "Je Digitaal Doorstroomdossier is afgerond", "dossiers_finished_student", **context)
    if dossier.mentor is not None:
        send_mail(
            dossier.mentor.user.email,
            f"Het dossier van {student.name} is afgerond",
            "dossiers_finished_mentor",
            mentor=dossier.mentor.user,
            **context,
        )
    return own


# ---------------------------------------------------------------- the parent's link


def clean_email(text: str) -> str:
    email = (text or "").strip()
    if not email:
        raise DomainError("Vul het e-mailadres van je ouder/verzorger in.", "email")
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        raise DomainError("Vul een geldig e-mailadres in.", "email")
    return email


def ask_parent(dossier: Dossier, email: str, by: User) -> ParentRequest:
    """Mail a parent a link to approve the dossier as it is now; an earlier link stops working."""
    _require_approval(dossier)
    if not needs_parent(dossier):
        raise DomainError("Je bent 18 jaar of ouder: een akkoord van je ouder/verzorger is niet nodig.")
    if missing(dossier) is None:
        raise DomainError("Je ouder/verzorger heeft al akkoord gegeven op het dossier zoals het nu is.")
    email = clean_email(email)
    if email.lower() == (by.email or "").lower():
        raise DomainError("Vul het e-mailadres van je ouder/verzorger in, niet je eigen.", "email")
    _revoke_requests(dossier)
    now = utcnow()
    request = ParentRequest(
        dossier_id=dossier.id,
        email=email,
        nonce=secrets.token_hex(16),
        created_at=now,
        expires_at=now + PARENT_LINK_LIFETIME,
    )
    db.session.add(request)
    db.session.flush()
    student = dossier.student
    send_mail(
        email,
        f"{student.name} vraagt uw akkoord op het Digitaal Doorstroomdossier",
        "dossiers_parent_request",
        student=student,
        programme=dossier.programme,
        college=dossier.programme.college.organisation,
        link=parent_link(request),
        expires_at=request.expires_at,
    )
    return request


def parent_token(request: ParentRequest) -> str:
    return tokens.make_token(TOKEN_PURPOSE, request.id, request.nonce)


def parent_link(request: ParentRequest) -> str:
    endpoint, values = "dossiers_parent.approve", {"token": parent_token(request)}
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["PUBLIC_URL"] + path


def request_for(token: str) -> ParentRequest | None:
    """The parent's request the link is for, while it is genuine, unused, not replaced, not expired and the dossier
    is in its approval; None otherwise (the page then shows nothing of any dossier)."""
    found = tokens.read_token(TOKEN_PURPOSE, token, int(PARENT_LINK_LIFETIME.total_seconds()))
    if found is None:
        return None
    request = db.session.get(ParentRequest, found[0])
    if request is None or not hmac.compare_digest(tokens.fingerprint(request.nonce), found[1]):
        return None
    if not _live(request) or request.dossier.state != "approval":
        return None
    return request


def parent_answers(request: ParentRequest, name: str, agreed: bool, comment: str, shown_hash: str) -> Approval:
    """The parent's answer through the link: their name and approval, or their comment (approving with a comment
    too). The link is used up; the answer is tied to the content the parent was shown."""
    name, comment = (name or "").strip(), (comment or "").strip()
    if not name:
        raise DomainError("Vul uw naam in.", "name")
    if len(name) > NAME_LENGTH or len(comment) > COMMENT_LENGTH or "\x00" in name + comment:
        raise DomainError("Uw naam of opmerking is te lang of bevat een ongeldig teken.", "comment")
    if not agreed and not comment:
        raise DomainError("Geeft u geen akkoord? Schrijf dan in uw opmerking waarom.", "comment")
    dossier = request.dossier
    content_hash = document.content_hash(dossier)
    if not hmac.compare_digest(content_hash.encode(), (shown_hash or "").encode()):  # str: ASCII only
        raise DomainError("Het dossier is gewijzigd nadat u deze pagina opende. Bekijk het opnieuw.")
    now = utcnow()
    used = db.session.execute(
        update(ParentRequest).where(ParentRequest.id == request.id, ParentRequest.used_at.is_(None)).values(used_at=now)
    )
    if used.rowcount != 1:
        raise DomainError("Deze link is al gebruikt.")
    answer = Approval(
        dossier_id=dossier.id,
        role=PARENT,
        name=name,
        email=request.email,
        agreed=agreed,
        comment=comment,
        content_hash=content_hash,
        at=now,
    )
    db.session.add(answer)
    db.session.flush()
    student = dossier.student
    if student.user is not None:
        send_mail(
            student.user.email,
            "Je ouder/verzorger heeft gereageerd op je dossier",
            "dossiers_parent_answered",
            student=student,
            answer=answer,
            programme=dossier.programme,
        )
    return answer


def _requests(dossier: Dossier) -> list[ParentRequest]:
    return list(
        db.session.scalars(
            select(ParentRequest)
            .where(ParentRequest.dossier_id == dossier.id)
            .order_by(ParentRequest.created_at.desc(), ParentRequest.id.desc())
        )
    )


def _live(request: ParentRequest) -> bool:
    return request.used_at is None and request.revoked_at is None and request.expires_at > utcnow()


def _revoke_requests(dossier: Dossier) -> None:
    db.session.execute(
        update(ParentRequest)
        .where(
            ParentRequest.dossier_id == dossier.id,
            ParentRequest.used_at.is_(None),
            ParentRequest.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
    db.session.flush()


# ---------------------------------------------------------------- the student's home


@dataclass(frozen=True)
class Milestones:
    """When a dossier was last sent to the mentor and when it was finished (handled), for the student's home."""

    sent_at: datetime | None
    finished_at: datetime | None


def milestones(dossier_ids: list[int]) -> dict[int, Milestones]:
    """Per dossier: the last "Versturen naar mentor" and "Afronden" of its history (one query for all)."""
    if not dossier_ids:
        return {}
    rows = db.session.execute(
        select(Transition.dossier_id, Transition.action, func.max(Transition.at))
        .where(Transition.dossier_id.in_(dossier_ids), Transition.action.in_(("send_to_mentor", "finish")))
        .group_by(Transition.dossier_id, Transition.action)
    ).all()
    found: dict[int, dict[str, datetime]] = {}
    for dossier_id, action, at in rows:
        found.setdefault(dossier_id, {})[action] = at
    return {
        dossier_id: Milestones(steps.get("send_to_mentor"), steps.get("finish")) for dossier_id, steps in found.items()
    }
