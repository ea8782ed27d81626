"""A person as the users service knows them, and the rules about their profile. Pure; no I/O.

`Person` is the decrypted view of a `users` row (the store opens the sealed columns); servicers
map it to the `User` and `Principal` protos.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from services.kit.errors import FailedPrecondition, InvalidArgument
from services.users.roles import APPLICANT, BLOCKED, PENDING

LANGUAGES = ("ru", "uz", "en")
DEFAULT_LANGUAGE = "ru"
NAME_MAX = 200
ANONYMIZED_NAME = "Deleted user"
TELEGRAM_FALLBACK_NAME = "Telegram user"
# What a search query must look like to be taken for a phone number (digits and separators).
_PHONE_QUERY = re.compile(r"\+?[\d\s()\-.]{7,}")


@dataclass(frozen=True)
class Person:
    """Everything held in the `users` row, personal fields decrypted."""

    id: str
    full_name: str
    phone: str | None
    email: str | None
    language: str
    roles: tuple[str, ...]
    active_role: str
    status: str
    status_reason: str
    verification_status: str
    specializations: tuple[str, ...]
    telegram_user_id: int | None
    channel: str
    anonymized: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class NewPerson:
    """A person about to be stored: always a pending applicant at first."""

    full_name: str
    language: str
    channel: str  # web | oidc | telegram
    email: str | None = None
    telegram_user_id: int | None = None
    roles: tuple[str, ...] = (APPLICANT,)
    status: str = PENDING


def clean_name(raw: str, *, field: str = "full_name") -> str:
    """A display name: spaces collapsed, 1–200 characters, no control characters."""
    name = " ".join(raw.split())
    if not name:
        raise InvalidArgument.field(field, "is required")
    if len(name) > NAME_MAX:
        raise InvalidArgument.field(field, f"must have at most {NAME_MAX} characters")
    if any(not ch.isprintable() for ch in name):
        raise InvalidArgument.field(field, "must not contain control characters")
    return name


def telegram_name(raw: str) -> str:
    """The name Telegram gave (first and last name), or a neutral placeholder when empty."""
    name = " ".join("".join(ch for ch in raw if ch.isprintable()).split())
    return name[:NAME_MAX] or TELEGRAM_FALLBACK_NAME


def language_from_telegram(code: str) -> str:
    """Our language for a Telegram `language_code` (`uz`, `en-US`…); Russian otherwise."""
    primary = code.strip().lower().replace("_", "-").split("-", 1)[0]
    return primary if primary in LANGUAGES else DEFAULT_LANGUAGE


def check_language(language: str, *, field: str = "language") -> str:
    """`language` if we speak it; an empty one means the default."""
    if not language:
        return DEFAULT_LANGUAGE
    if language not in LANGUAGES:
        raise InvalidArgument.field(field, f"must be one of {', '.join(LANGUAGES)}")
    return language


def clean_email(raw: str) -> str | None:
    """A trimmed e-mail address (None when empty). Auth checks the address; this only stores."""
    email = raw.strip()
    if not email:
        return None
    if "@" not in email or any(ch.isspace() for ch in email):
        raise InvalidArgument.field("email", "is not an e-mail address")
    return email


def looks_like_phone(query: str) -> bool:
    """Whether a search text is a phone number rather than a name."""
    return bool(_PHONE_QUERY.fullmatch(query.strip()))


def require_not_anonymized(person: Person) -> None:
    """FailedPrecondition for changes to an erased person (only the id is left)."""
    if person.anonymized:
        raise FailedPrecondition(
            "USER_ANONYMIZED", "this person's data was erased; their account cannot change"
        )


def require_not_blocked(person: Person) -> None:
    """FailedPrecondition for a blocked account (a polite refusal, nothing else)."""
    if person.status == BLOCKED:
        raise FailedPrecondition(
            "USER_BLOCKED", "this account is blocked; please contact the management company"
        )
