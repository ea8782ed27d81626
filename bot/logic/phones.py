"""Uzbek phone numbers as people type them, or as Telegram's contact button shares them.

The same rules as the users service (`services/users/phones.py`, the authority that stores
the number; a property test keeps the two in agreement), but answering with a problem the bot
can put into words in the person's language instead of an English message.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["PhoneProblem", "PhoneResult", "from_contact", "parse_phone"]

COUNTRY_CODE = "998"
NATIONAL_DIGITS = 9
MAX_INPUT_LENGTH = 32
_DIGITS = frozenset("0123456789")
_SEPARATORS = frozenset(" -().\u00a0\t")


class PhoneProblem(StrEnum):
    """What is wrong with a typed number (a catalogue key suffix: `phone.problem.<value>`)."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    CHARACTERS = "characters"
    NOT_UZBEK = "not_uzbek"
    DIGITS = "digits"
    OPERATOR = "operator"


@dataclass(frozen=True)
class PhoneResult:
    """Either the E.164 number or the problem."""

    e164: str = ""
    problem: PhoneProblem | None = None

    @property
    def ok(self) -> bool:
        """True when the number is usable."""
        return self.problem is None


def parse_phone(raw: str) -> PhoneResult:
    """`+998 90 123-45-67`, `(90) 123 45 67`, `998901234567`, `00998…` → `+998901234567`."""
    text = raw.strip()
    if not text:
        return PhoneResult(problem=PhoneProblem.EMPTY)
    if len(text) > MAX_INPUT_LENGTH:
        return PhoneResult(problem=PhoneProblem.TOO_LONG)
    plus = text.startswith("+")
    body = text[1:] if plus else text
    if any(ch not in _DIGITS and ch not in _SEPARATORS for ch in body):
        return PhoneResult(problem=PhoneProblem.CHARACTERS)
    digits = "".join(ch for ch in body if ch in _DIGITS)
    international = plus
    if digits.startswith("00") and not international:
        digits, international = digits[2:], True
    if international or len(digits) > NATIONAL_DIGITS:
        if not digits.startswith(COUNTRY_CODE):
            return PhoneResult(problem=PhoneProblem.NOT_UZBEK)
        digits = digits[len(COUNTRY_CODE) :]
    if len(digits) != NATIONAL_DIGITS:
        return PhoneResult(problem=PhoneProblem.DIGITS)
    if digits[0] == "0":
        return PhoneResult(problem=PhoneProblem.OPERATOR)
    return PhoneResult(e164=f"+{COUNTRY_CODE}{digits}")


def from_contact(phone_number: str) -> PhoneResult:
    """A number from Telegram's "share contact" button.

    Telegram sends it in international form, with or without the "+" (`998901234567`), so a
    bare 12-digit number starting with 998 is international, never a national one.
    """
    text = phone_number.strip()
    if text and not text.startswith("+"):
        text = "+" + text
    return parse_phone(text)
