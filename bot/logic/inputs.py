"""Checks of what people type at each step, with the limits of the contracts (DOMAIN.md).

Each check returns the cleaned value or a problem key for the catalogue; the services check
again (they are the authority), these only save a round trip and say precisely what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DESCRIPTION_MAX",
    "DESCRIPTION_MIN",
    "MAX_MEDIA",
    "Checked",
    "check_answer",
    "check_description",
    "check_full_name",
    "check_rating",
    "check_reason",
    "check_review",
]

DESCRIPTION_MIN = 10
DESCRIPTION_MAX = 2000
# The bot takes up to 5 photos or videos when filing (DOMAIN.md; the request holds up to 10).
MAX_MEDIA = 5
NAME_MIN, NAME_MAX = 2, 200
REASON_MIN, REASON_MAX = 3, 2000
REVIEW_MAX = 2000
ANSWER_MAX = 2000


@dataclass(frozen=True)
class Checked:
    """A cleaned value, or `problem` (a catalogue key) with the numbers it mentions."""

    value: str = ""
    problem: str = ""
    length: int = 0

    @property
    def ok(self) -> bool:
        """True when the value passed."""
        return not self.problem


def _text(raw: str | None) -> str:
    # Telegram keeps what people typed; surrounding whitespace is never meaningful here.
    return (raw or "").strip()


def check_description(raw: str | None) -> Checked:
    """A request's description: 10–2000 characters, surrounding whitespace not counted."""
    text = _text(raw)
    if len(text) < DESCRIPTION_MIN:
        return Checked(problem="input.description.too_short", length=len(text))
    if len(text) > DESCRIPTION_MAX:
        return Checked(problem="input.description.too_long", length=len(text))
    return Checked(value=text, length=len(text))


def check_full_name(raw: str | None) -> Checked:
    """A person's full name: 2–200 characters with at least one letter."""
    text = " ".join(_text(raw).split())
    if len(text) < NAME_MIN or not any(ch.isalpha() for ch in text):
        return Checked(problem="input.name.too_short", length=len(text))
    if len(text) > NAME_MAX:
        return Checked(problem="input.name.too_long", length=len(text))
    return Checked(value=text, length=len(text))


def check_reason(raw: str | None) -> Checked:
    """Why work is returned: 3–2000 characters."""
    text = _text(raw)
    if len(text) < REASON_MIN:
        return Checked(problem="input.reason.too_short", length=len(text))
    if len(text) > REASON_MAX:
        return Checked(problem="input.reason.too_long", length=len(text))
    return Checked(value=text, length=len(text))


def check_review(raw: str | None) -> Checked:
    """An optional review with a rating: at most 2000 characters."""
    text = _text(raw)
    if len(text) > REVIEW_MAX:
        return Checked(problem="input.review.too_long", length=len(text))
    return Checked(value=text, length=len(text))


def check_answer(raw: str | None) -> Checked:
    """An answer to a clarification: 1–2000 characters."""
    text = _text(raw)
    if not text:
        return Checked(problem="input.answer.empty")
    if len(text) > ANSWER_MAX:
        return Checked(problem="input.answer.too_long", length=len(text))
    return Checked(value=text, length=len(text))


def check_rating(raw: int | str) -> int | None:
    """Stars 1–5, or None."""
    try:
        stars = int(raw)
    except (TypeError, ValueError):
        return None
    return stars if 1 <= stars <= 5 else None
