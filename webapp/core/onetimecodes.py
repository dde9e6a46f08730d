"""One-time codes: short codes a person types, such as a dossier's activation code.

    code = onetimecodes.issue("dossier-activation", f"student:{student.id}", timedelta(days=30))
    # hand `code` out once (a letter, a screen): it is not stored and cannot be shown again
    subject = onetimecodes.redeem("dossier-activation", typed, address=request.remote_addr)

A code is 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown as XXXX-XXXX and
typed in any case, with or without the dash or spaces. Only a keyed hash of it is stored. It works
once, until it expires; a new code for the same purpose and subject revokes the older one.

Guessing is bounded twice. MAX_ATTEMPTS wrong tries at one subject's code lock that code (this needs
a redeem that names the subject it expects: a wrong code alone does not say whose code was meant).
MAX_FAILURES_PER_ADDRESS wrong codes from one address within FAILURE_WINDOW refuse every further try
from that address, the right code included.

A refusal is a CodeRefused: a DomainError with a Dutch message. A wrong try is recorded (flushed into
the transaction) before the error is raised, and it is the commit of the request that keeps it: the
view catches the error and returns its page (Portal commits whatever the status). A view that let the
error escape would roll the record of the try back.
"""

import hmac
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, func, select, update

from webapp.core.errors import DomainError
from webapp.core.models import OneTimeCode, OneTimeCodeFailure
from webapp.core.sealing import keyed_hash
from webapp.core.timeutil import utcnow
from webapp.extensions import db

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
LENGTH = 8
MAX_ATTEMPTS = 5  # wrong tries at one code before it locks
MAX_FAILURES_PER_ADDRESS = 10  # wrong codes from one address within FAILURE_WINDOW
FAILURE_WINDOW = timedelta(hours=1)


class CodeRefused(DomainError):
    message = "De code klopt niet."

    def __init__(self, message: str | None = None):
        super().__init__(message or type(self).message, field="code")


class CodeIncorrect(CodeRefused):
    message = "De code klopt niet."


class CodeExpired(CodeRefused):
    message = "De code is verlopen."


class CodeUsed(CodeRefused):
    message = "Deze code is al gebruikt."


class CodeLocked(CodeRefused):
    message = "Te veel pogingen; deze code is geblokkeerd. Vraag een nieuwe code aan."


class CodeRevoked(CodeRefused):
    message = "Deze code is vervangen door een nieuwere code."


class TooManyAttempts(CodeRefused):
    message = "Te veel pogingen; probeer het over een uur opnieuw."


@dataclass(frozen=True)
class State:
    label: str  # Dutch, for pages
    refusal: type[CodeRefused] | None = None  # what redeeming a code in this state raises
    next: frozenset[str] = field(default_factory=frozenset)


STATES = {
    "issued": State("Uitgegeven", None, frozenset({"used", "expired", "locked", "revoked"})),
    "used": State("Gebruikt", CodeUsed),
    "expired": State("Verlopen", CodeExpired),
    "locked": State("Geblokkeerd", CodeLocked),
    "revoked": State("Ingetrokken", CodeRevoked),
}


def issue(purpose: str, subject: str, ttl: timedelta) -> str:
    """A new code for `subject`, shown as XXXX-XXXX: returned once, stored only as a keyed hash.
    The subject's older live code for this purpose is revoked."""
    _move(_live(purpose, subject), "revoked")
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        code_hash = _hash(purpose, code)
        taken = select(OneTimeCode.id).where(OneTimeCode.purpose == purpose, OneTimeCode.code_hash == code_hash)
        if db.session.scalar(taken) is None:
            break
    now = utcnow()
    db.session.add(
        OneTimeCode(
            purpose=purpose,
            subject=subject,
            code_hash=code_hash,
            state="issued",
            failed_attempts=0,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    db.session.flush()
    return display(code)


def redeem(purpose: str, code: str, *, address: str, subject: str | None = None) -> str:
    """The subject the code was issued for, marking the code used; a CodeRefused otherwise.

    `address` is where the try comes from (the client's IP address; stored only as a keyed hash).
    `subject`, when the caller knows whose code it expects, makes wrong tries count against that code."""
    address_hash = keyed_hash("one-time-code-address", address or "")
    if _recent_failures(address_hash) >= MAX_FAILURES_PER_ADDRESS:
        raise TooManyAttempts()
    found = _find(purpose, normalise(code), subject)
    if found is None:
        raise _record_failure(purpose, subject, address_hash)
    state = STATES[found.state]
    if state.refusal is not None:
        raise state.refusal()
    now = utcnow()
    if found.expires_at <= now:
        _move(OneTimeCode.id == found.id, "expired")
        raise CodeExpired()
    if not _move(OneTimeCode.id == found.id, "used", used_at=now):
        raise CodeUsed()  # another request used it just now
    return found.subject


def normalise(typed: str) -> str:
    """The code as typed, upper case, without spaces and dashes; '' when it cannot be a code."""
    compact = "".join(ch for ch in (typed or "") if ch not in " -\t").upper()
    return compact if len(compact) == LENGTH and all(ch in ALPHABET for ch in compact) else ""


def display(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def revoke(purpose: str, subject: str) -> int:
    """Revoke the subject's live code for this purpose (its subject is gone); how many were revoked."""
    return _move(_live(purpose, subject), "revoked")


def sweep() -> str:
    """Periodic: mark the codes past their expiry, forget failures older than the window."""
    now = utcnow()
    expired = _move(OneTimeCode.expires_at <= now, "expired")
    db.session.execute(delete(OneTimeCodeFailure).where(OneTimeCodeFailure.at < now - FAILURE_WINDOW))
    return f"{expired} codes verlopen"


def _hash(purpose: str, code: str) -> str:
    return keyed_hash(f"one-time-code:{purpose}", code)


def _live(purpose: str, subject: str):
    return (OneTimeCode.purpose == purpose) & (OneTimeCode.subject == subject) & (OneTimeCode.state == "issued")


def _find(purpose: str, code: str, subject: str | None) -> OneTimeCode | None:
    if not code:
        return None
    code_hash = _hash(purpose, code)
    if subject is None:
        # An index look-up by a keyed hash: its timing says nothing about a code without the key.
        return db.session.scalar(
            select(OneTimeCode).where(OneTimeCode.purpose == purpose, OneTimeCode.code_hash == code_hash)
        )
    codes = db.session.scalars(
        select(OneTimeCode).where(OneTimeCode.purpose == purpose, OneTimeCode.subject == subject)
    )
    return next((each for each in codes if hmac.compare_digest(each.code_hash, code_hash)), None)


def _record_failure(purpose: str, subject: str | None, address_hash: str) -> CodeRefused:
    """Count the wrong try for the address and, when the subject is known, against its live code; the
    refusal to raise: CodeLocked when that was the code's last try, CodeIncorrect otherwise."""
    db.session.add(OneTimeCodeFailure(address_hash=address_hash, at=utcnow()))
    locked = 0
    if subject is not None:
        db.session.execute(
            update(OneTimeCode).where(_live(purpose, subject)).values(failed_attempts=OneTimeCode.failed_attempts + 1)
        )
        locked = _move(_live(purpose, subject) & (OneTimeCode.failed_attempts >= MAX_ATTEMPTS), "locked")
    db.session.flush()
    return CodeLocked() if locked else CodeIncorrect()


def _recent_failures(address_hash: str) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(OneTimeCodeFailure)
        .where(OneTimeCodeFailure.address_hash == address_hash, OneTimeCodeFailure.at > utcnow() - FAILURE_WINDOW)
    )


def _move(where, to: str, **values) -> int:
    """Move the codes `where` selects to state `to`, from whichever states the table allows it; how many
    moved. A conditional UPDATE: of two requests using one code at once, only one moves it."""
    sources = [name for name, state in STATES.items() if to in state.next]
    result = db.session.execute(
        update(OneTimeCode)
        .where(where, OneTimeCode.state.in_(sources))
        .values(state=to, **values)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount
