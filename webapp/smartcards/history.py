"""A card's history: every state change goes through `move`, which follows the state table and writes who,
when, from which state and why."""

from webapp.core.audit import audit
from webapp.extensions import db
from webapp.smartcards import states
from webapp.smartcards.models import Smartcard, SmartcardEvent


def move(card: Smartcard, action: str, *, actor_id: int | None, reason: str = "", note: str = "") -> SmartcardEvent:
    """Take `action` on the card (a Dutch DomainError where the table refuses it) and record the event."""
    target = states.next_state(card.state, action)
    event = SmartcardEvent(
        smartcard=card,
        action=action,
        from_state=card.state,
        to_state=target,
        reason=reason,
        note=note,
        actor_id=actor_id,
    )
    card.state = target
    db.session.add(event)
    db.session.flush()
    audit(
        f"smartcard.{action}",
        organisation_id=card.organisation_id,
        subject=f"smartcard:{card.id}",
        old_state=event.from_state,
        new_state=target,
        actor_id=actor_id,
        reason=reason,
    )
    return event
