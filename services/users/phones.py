"""Uzbek phone numbers: whatever people type → E.164 (`+998901234567`). Pure; no I/O.

People type `+998 90 123-45-67`, `(90) 123 45 67`, `998901234567`, `90 1234567` or
`00998 90 123 45 67`; all mean the same subscriber. Numbers are stored (encrypted) and indexed
in E.164 only, so equality search works whatever was typed. Only Uzbek numbers are accepted:
the business and its SMS gateway are in Uzbekistan.
"""

from __future__ import annotations

from services.kit.errors import InvalidArgument

COUNTRY_CODE = "998"
NATIONAL_DIGITS = 9  # two-digit operator or area code + seven-digit subscriber number
MAX_INPUT_LENGTH = 32
_DIGITS = frozenset("0123456789")
# What people put between digits; all of it is dropped.
_SEPARATORS = frozenset(" -().\u00a0\t")
_EXAMPLE = "+998 90 123 45 67"


def normalize_phone(raw: str, *, field: str = "phone") -> str:
    """The E.164 form of an Uzbek number, or InvalidArgument on `field` saying what is wrong.

    The error never repeats the input: a phone number is personal data.
    """
    text = raw.strip()
    if not text:
        raise InvalidArgument.field(field, f"is required, e.g. {_EXAMPLE}")
    if len(text) > MAX_INPUT_LENGTH:
        raise InvalidArgument.field(field, f"is too long for a phone number, e.g. {_EXAMPLE}")
    plus = text.startswith("+")
    body = text[1:] if plus else text
    if any(ch not in _DIGITS and ch not in _SEPARATORS for ch in body):
        raise InvalidArgument.field(
            field, "may contain only digits, spaces, dashes, brackets and a leading +"
        )
    digits = "".join(ch for ch in body if ch in _DIGITS)
    national = _national_part(digits, international=plus, field=field)
    if national[0] == "0":
        raise InvalidArgument.field(
            field, f"has no valid operator or area code after +998, e.g. {_EXAMPLE}"
        )
    return f"+{COUNTRY_CODE}{national}"


def _national_part(digits: str, *, international: bool, field: str) -> str:
    """The nine national digits, whichever way the number was written."""
    if digits.startswith("00") and not international:
        # The international dialling prefix typed instead of "+".
        digits, international = digits[2:], True
    if international or len(digits) > NATIONAL_DIGITS:
        if not digits.startswith(COUNTRY_CODE):
            raise InvalidArgument.field(
                field, f"must be an Uzbek number (+998 followed by 9 digits), e.g. {_EXAMPLE}"
            )
        digits = digits[len(COUNTRY_CODE) :]
    if len(digits) != NATIONAL_DIGITS:
        raise InvalidArgument.field(
            field,
            f"must have 9 digits after +998 (has {len(digits)}), e.g. {_EXAMPLE}",
        )
    return digits


def format_phone(e164: str) -> str:
    """`+998901234567` → `+998 90 123 45 67` (for people, e.g. a profile screen)."""
    n = e164.removeprefix("+" + COUNTRY_CODE)
    return f"+{COUNTRY_CODE} {n[:2]} {n[2:5]} {n[5:7]} {n[7:]}"


def mask_phone(e164: str) -> str:
    """`+998901234567` → `+998 90 *** ** 67`: enough for a person to recognise their number."""
    n = e164.removeprefix("+" + COUNTRY_CODE)
    return f"+{COUNTRY_CODE} {n[:2]} *** ** {n[7:]}"
