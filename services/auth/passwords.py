"""Passwords: the acceptance policy and Argon2id hashing (no I/O besides the bundled word list).

Hashing is deliberately slow (tens of milliseconds of CPU and ~19 MiB of memory per call):
callers on the event loop run `PasswordHasher` methods through `asyncio.to_thread` (the argon2
binding releases the GIL, so other calls keep being served meanwhile).
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from importlib import resources

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from services.kit.errors import FieldViolation, InvalidArgument

MIN_LENGTH = 12
MAX_LENGTH = 256
# A shorter e-mail local part ("al") would forbid too many good passwords by containment;
# such a part is still refused as the whole password.
_EMAIL_PART_MIN_CONTAINED = 4


def normalise(password: str) -> str:
    """The form that is measured and hashed: Unicode NFKC.

    The same password typed on two keyboards can arrive as different code point sequences
    (composed "é" or "e" + combining accent); normalising makes both verify.
    """
    return unicodedata.normalize("NFKC", password)


@functools.cache
def common_passwords() -> frozenset[str]:
    """The bundled list of refused passwords (lower-case), read once per process."""
    text = resources.files("services.auth").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().casefold()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


@dataclass(frozen=True)
class PasswordPolicy:
    """What a new password must satisfy."""

    common: frozenset[str]
    min_length: int = MIN_LENGTH
    max_length: int = MAX_LENGTH

    def problems(self, password: str, *, email: str | None = None) -> list[str]:
        """Every rule `password` breaks, as messages that say what to fix (empty: acceptable)."""
        candidate = normalise(password)
        length = len(candidate)
        if length < self.min_length:
            return [f"must have at least {self.min_length} characters (has {length})"]
        if length > self.max_length:
            return [f"must have at most {self.max_length} characters (has {length})"]
        found: list[str] = []
        folded = candidate.casefold()
        if folded in self.common:
            found.append("is one of the most common passwords; choose something less guessable")
        local_part = _email_local_part(email)
        if local_part and (
            folded == local_part
            or (len(local_part) >= _EMAIL_PART_MIN_CONTAINED and local_part in folded)
        ):
            found.append("must not contain your e-mail name")
        return found

    def check(self, password: str, *, email: str | None = None, field: str = "password") -> None:
        """Raise InvalidArgument (one violation per broken rule on `field`) unless acceptable."""
        found = self.problems(password, email=email)
        if found:
            raise InvalidArgument(
                f"{field}: {'; '.join(found)}", [FieldViolation(field, p) for p in found]
            )


def default_policy() -> PasswordPolicy:
    """The policy of the issue: 12–256 characters, not common, not the e-mail name."""
    return PasswordPolicy(common=common_passwords())


def _email_local_part(email: str | None) -> str:
    if not email:
        return ""
    return email.rsplit("@", 1)[0].strip().casefold()


@dataclass(frozen=True)
class Argon2Params:
    """Argon2id cost parameters; the defaults are the floor the issue requires."""

    time_cost: int = 2
    memory_cost_kib: int = 19456
    parallelism: int = 1


class PasswordHasher:
    """Argon2id hashes in the PHC string format (parameters and salt travel with the hash)."""

    def __init__(self, params: Argon2Params | None = None) -> None:
        params = params or Argon2Params()
        self._argon2 = argon2.PasswordHasher(
            time_cost=params.time_cost,
            memory_cost=params.memory_cost_kib,
            parallelism=params.parallelism,
            type=argon2.Type.ID,
        )
        # Verified against when an account does not exist, so that an unknown e-mail costs as
        # much time as a wrong password and response times do not reveal who has an account.
        self._decoy = self._argon2.hash("decoy password that is never anybody's")

    def hash(self, password: str) -> str:
        """A new salted hash of `password` (slow: run it in a thread)."""
        return self._argon2.hash(normalise(password))

    def verify(self, stored: str, password: str) -> bool:
        """Whether `password` matches `stored` (slow; False also for a malformed hash)."""
        try:
            return self._argon2.verify(stored, normalise(password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def verify_decoy(self, password: str) -> None:
        """Spend the time of one verification and learn nothing (the unknown-account path)."""
        self.verify(self._decoy, password)

    def needs_rehash(self, stored: str) -> bool:
        """Whether `stored` was made with weaker parameters than the current ones."""
        try:
            return self._argon2.check_needs_rehash(stored)
        except InvalidHashError:
            return True
