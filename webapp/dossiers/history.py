"""Moving a dossier through its state table, and the history that keeps each step."""

from sqlalchemy import select

from webapp.accounts.models import User
from webapp.core.timeutil import utcnow
from webapp.dossiers import states
from webapp.dossiers.models import Dossier, Transition
from webapp.extensions import db


def take(dossier: Dossier, action: str, by: User | None) -> Transition:
    """Take `action` on the dossier if its state table allows it (a DomainError otherwise; an archived dossier takes no
    step), and record it."""
    target = states.check_step(dossier.state, dossier.archived, action)
    now = utcnow()
    step = Transition(dossier_id=dossier.id, action=action, from_state=dossier.state, to_state=target, at=now)
    step.by_id = by.id if by is not None else None
    dossier.state, dossier.updated_at = target, now
    if target == states.COLLEGE_SEES:
        dossier.finished_at = now  # the receiving college's "afgerond op" (college.py)
    db.session.add(step)
    db.session.flush()
    return step


def mark(dossier: Dossier, action: str, by: User | None) -> Transition:
    """Archive or activate the dossier if the flag table allows it (a DomainError otherwise), and record it as a
    step that keeps the state."""
    archived = states.next_flag(dossier.state, dossier.archived, action)
    now = utcnow()
    step = Transition(dossier_id=dossier.id, action=action, from_state=dossier.state, to_state=dossier.state, at=now)
    step.by_id = by.id if by is not None else None
    dossier.archived, dossier.updated_at = archived, now
    db.session.add(step)
    db.session.flush()
    return step


def steps(dossier: Dossier) -> list[Transition]:
    return list(
        db.session.scalars(
            select(Transition).where(Transition.dossier_id == dossier.id).order_by(Transition.at, Transition.id)
        )
    )
