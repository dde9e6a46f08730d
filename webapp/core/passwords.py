"""The password rule of the manual, plus a common-password list, and argon2id hashing."""

import re
from functools import lru_cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MAX_LENGTH = 256  # long passphrases are welcome; this only keeps hashing bounded
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

_CLASSES = (
    re.compile(r"[A-Z]"),
    re.compile(r"[a-z]"),
    re.compile(r"[0-9]"),
    re.compile(r"[^A-Za-z0-9]"),
)
# How people disguise a name in a password: "$omm1234Q" still holds "somm" of Sommer.
_LOOKALIKES = [
    str.maketrans({"$": "s", "5": "s", "0": "o", "1": "i", "!": "i", "3": "e", "4": "a", "@": "a", "7": "t", "|": "l"}),
    str.maketrans({"$": "s", "5": "s", "0": "o", "1": "l", "!": "l", "3": "e", "4": "a", "@": "a", "7": "t", "|": "l"}),
]
_PART = 4  # a run of this many letters from a name or address counts as "a part of" it


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# Checking an unknown account costs as much as checking a known one.
_DUMMY_HASH = _hasher.hash("loket-dummy-password-for-timing")


def burn_verification_time(password: str) -> None:
    verify_password(_DUMMY_HASH, password)


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    text = files("webapp.core").joinpath("data/common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def _personal_parts(names: list[str], email: str) -> set[str]:
    words: list[str] = []
    for name in names:
        words += re.split(r"[^a-z0-9]+", (name or "").lower())
    local, _, domain = (email or "").lower().partition("@")
    words += re.split(r"[^a-z0-9]+", local)
    words += re.split(r"[^a-z0-9]+", domain.rsplit(".", 1)[0])
    parts: set[str] = set()
    for word in words:
        if len(word) < 3:
            continue
        if len(word) <= _PART:
            parts.add(word)
        else:
            parts.update(word[i : i + _PART] for i in range(len(word) - _PART + 1))
    return parts


def password_problems(password: str, *, names: list[str] = (), email: str = "") -> list[str]:
    """Dutch messages for every rule the password breaks; empty when it is strong enough."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Het wachtwoord moet minimaal {MIN_LENGTH} tekens lang zijn.")
    if len(password) > MAX_LENGTH:
        problems.append(f"Het wachtwoord mag maximaal {MAX_LENGTH} tekens lang zijn.")
    if sum(1 for pattern in _CLASSES if pattern.search(password)) < 3:
        problems.append(
            "Gebruik tekens uit minimaal drie van de vier groepen: hoofdletters (A-Z), "
            "kleine letters (a-z), cijfers (0-9) en vreemde tekens (zoals ! @ # $ %)."
        )
    lowered = password.lower()
    variants = {lowered} | {lowered.translate(table) for table in _LOOKALIKES}
    if any(part in variant for part in _personal_parts(list(names), email) for variant in variants):
        problems.append("Het wachtwoord mag geen (deel van) uw naam of e-mailadres bevatten.")
    if lowered in _common_passwords():
        problems.append("Dit wachtwoord is te bekend en wordt veel geraden. Kies een ander wachtwoord.")
    return problems
