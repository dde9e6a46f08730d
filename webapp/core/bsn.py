"""BSN: the 11-proef, masking for display, encrypted storage and a keyed hash for look-ups.

A BSN never goes into a log or the audit trail; keep it in memory only as long as needed.
"""
import re

from stdnum.nl import bsn as stdnum_bsn

from webapp.core.sealing import keyed_hash, seal, unseal

_SEPARATORS = re.compile(r"[\s.\-]")


def normalise(value: str) -> str:
    """Digits only, as people type them with spaces or dots; '' when other characters remain."""
    compact = _SEPARATORS.sub("", value or "")
    return compact if compact.isdigit() else ""


def is_valid(value: str) -> bool:
    digits = normalise(value)
    return len(digits) == 9 and stdnum_bsn.is_valid(digits)


def mask(value: str) -> str:
    """Show only the last three digits."""
    digits = normalise(value)
    return "******" + digits[-3:] if len(digits) == 9 else "*********"


def lookup_hash(value: str) -> str:
    return keyed_hash("bsn", normalise(value))


def encrypt(value: str) -> str:
    return seal("bsn", normalise(value))


def decrypt(token: str) -> str:
    return unseal("bsn", token)
