"""MFA backup codes: ten single-use codes shown once, stored only as hashes (pure functions).

A code is 10 characters from a 32-letter alphabet without look-alikes (no 0/O, 1/I), i.e. 50
random bits, shown as two groups of five ("K7QX2-MNP4R"). That entropy, single use and the login
throttle make a fast hash (SHA-256) sufficient: nobody can search 2^50 codes through the API, and
a stolen hash table gives nothing a slow hash would protect better at this size.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
COUNT = 10
LENGTH = 10
GROUP = 5


def generate_codes(count: int = COUNT) -> list[str]:
    """`count` fresh codes in their display form."""
    return [_display(_random_code()) for _ in range(count)]


def _random_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def _display(raw: str) -> str:
    return "-".join(raw[i : i + GROUP] for i in range(0, len(raw), GROUP))


def normalise(code: str) -> str:
    """The canonical form of a typed code: upper case, without separators and spaces."""
    return "".join(ch for ch in code.upper() if ch not in " -")


def hash_code(code: str) -> str:
    """The stored form of a code (hex SHA-256 of its canonical form)."""
    return hashlib.sha256(normalise(code).encode("utf-8")).hexdigest()


def match(code: str, hashes: Sequence[str]) -> int | None:
    """The index of the unused hash `code` matches, or None.

    Every stored hash is compared in constant time, so timing does not reveal how close a guess
    came or which slot matched. Used codes are removed from `hashes` by the caller (the store),
    which is what makes each one single-use.
    """
    typed = normalise(code)
    if len(typed) != LENGTH or any(ch not in ALPHABET for ch in typed):
        return None
    candidate = hash_code(typed)
    found: int | None = None
    for index, stored in enumerate(hashes):
        if hmac.compare_digest(candidate, stored) and found is None:
            found = index
    return found
