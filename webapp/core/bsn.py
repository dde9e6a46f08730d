"""BSN: the 11-proef, a value that shows itself masked, encrypted storage and a keyed hash for look-ups.

A BSN never goes into a log or the audit trail. Code holds one as a `BSN`, whose str(), repr() and
format() are masked, so a print or a log line shows `******123`; `.digits` is the explicit way to the
number. Models store it with the `SealedBSN` column type, or with `HasBSN` where persons are looked up
by BSN.
"""

import re

from sqlalchemy import ColumnElement, String
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator
from stdnum.nl import bsn as stdnum_bsn

from webapp.core.sealing import keyed_hash, seal, unseal

_SEPARATORS = re.compile(r"[\s.\-]")
_DIGIT_RUNS = re.compile(r"[0-9](?:[ .]?[0-9])*")  # digits, with the spaces and dots people put between them
MASKED_UNKNOWN = "*********"


def normalise(value: str) -> str:
    """Digits only, as people type them with spaces or dots; '' when other characters remain."""
    compact = _SEPARATORS.sub("", value or "")
    return compact if compact.isascii() and compact.isdigit() else ""


def is_valid(value: str) -> bool:
    return BSN.parse(value) is not None


def mask(value) -> str:
    """Show only the last three digits."""
    if isinstance(value, BSN):
        return value.masked
    digits = normalise(value if isinstance(value, str) else "")
    return "******" + digits[-3:] if len(digits) == 9 else MASKED_UNKNOWN


class BSN:
    """A valid BSN. Made only from a valid one; shows itself masked; `.digits` gives the number."""

    __slots__ = ("_digits",)

    def __init__(self, value: "str | BSN"):
        digits = _digits(value)
        if not (len(digits) == 9 and stdnum_bsn.is_valid(digits)):
            raise ValueError("not a valid BSN")  # never the value: this message may well be logged
        self._digits = digits

    @classmethod
    def parse(cls, value: str) -> "BSN | None":
        """The BSN in what a person typed (spaces and dots allowed); None when it is not a valid one."""
        try:
            return cls(value)
        except ValueError:
            return None

    @property
    def digits(self) -> str:
        return self._digits

    @property
    def masked(self) -> str:
        return "******" + self._digits[-3:]

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"BSN('{self.masked}')"

    def __format__(self, spec: str) -> str:
        return format(self.masked, spec)

    def __eq__(self, other) -> bool:
        return isinstance(other, BSN) and other._digits == self._digits

    def __hash__(self) -> int:
        return hash(("BSN", self._digits))


def _digits(value: "str | BSN") -> str:
    return value.digits if isinstance(value, BSN) else normalise(value) if isinstance(value, str) else ""


def lookup_hash(value: "str | BSN") -> str:
    """The keyed hash a BSN is looked up by: the same for every way of typing it, useless without DATA_KEY."""
    return keyed_hash("bsn", _digits(value))


def encrypt(value: "str | BSN") -> str:
    return seal("bsn", _digits(value))


def decrypt(token: str) -> str:
    return unseal("bsn", token)


class SealedBSN(TypeDecorator):
    """A column holding a BSN encrypted (Fernet, purpose "bsn"); it loads back as a BSN.

    Encryption is randomised, so the column cannot be compared in a query: look a person up through
    `HasBSN`'s keyed hash instead."""

    impl = String(120)  # a Fernet token of 9 digits is 100 characters
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return encrypt(BSN(value))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return BSN(decrypt(value))


class HasBSN:
    """For a model whose persons are looked up by BSN: the sealed value and its keyed look-up hash,
    set together through `bsn`, found with `Model.bsn_is(value)`.

        class RegisteredPerson(HasBSN, db.Model): ...
        person.bsn = BSN("111222333")
        select(RegisteredPerson).where(RegisteredPerson.bsn_is(bsn))

    The hash is indexed, not unique: a model that allows one row per BSN adds its own constraint."""

    bsn_sealed: Mapped[BSN | None] = mapped_column(SealedBSN)
    bsn_hash: Mapped[str | None] = mapped_column(String(64), index=True)

    @property
    def bsn(self) -> BSN | None:
        return self.bsn_sealed

    @bsn.setter
    def bsn(self, value: "BSN | str | None") -> None:
        value = None if value is None else BSN(value)
        self.bsn_sealed = value
        self.bsn_hash = None if value is None else lookup_hash(value)

    @classmethod
    def bsn_is(cls, value: "BSN | str") -> ColumnElement[bool]:
        return cls.bsn_hash == lookup_hash(BSN(value))


def looks_like_bsn(value) -> bool:
    """A BSN, or a text or number holding one: 9 digits (spaces and dots between them allowed) that pass
    the 11-proef. Used to keep BSNs out of the audit trail."""
    if isinstance(value, BSN):
        return True
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return False
    return any(is_valid(run) for run in _DIGIT_RUNS.findall(str(value)))
