"""What one module announces and others act on without importing each other (blinker, as Flask's own signals)."""

from blinker import Namespace

_signals = Namespace()

# A member's role or mandates changed, or their membership ended: send(app, user_id=...) inside the
# transaction that made the change, so what receivers write is committed with it.
membership_changed = _signals.signal("membership-changed")

# An account was activated (its first password set through the mailed link): send(app, user=...) inside the
# transaction; the organisations module turns the invitations that mail answered into memberships.
account_activated = _signals.signal("account-activated")
