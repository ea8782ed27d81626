"""What a manager types on a request: a question, confirmation notes, a reason, a comment —
with the limits of the contracts (requests_service.proto) and the workflow (DOMAIN.md:
accepting on the resident's behalf needs a comment of at least 10 characters).

Each check returns the cleaned value or a problem key (`review.input.*`) for the catalogue;
the services check again.
"""

from __future__ import annotations

from bot.logic.inputs import Checked

__all__ = [
    "COMMENT_MIN",
    "QUESTION_MAX",
    "QUESTION_MIN",
    "TEXT_MAX",
    "check_comment",
    "check_notes",
    "check_question",
    "check_reason",
]

QUESTION_MIN, QUESTION_MAX = 3, 1000
REASON_MIN = 3
# MANAGER_FORCE_ACCEPT (services/requests/workflow_payload.py).
COMMENT_MIN = 10
TEXT_MAX = 2000


def _text(raw: str | None) -> str:
    return (raw or "").strip()


def _bounded(raw: str | None, low: int, high: int, name: str) -> Checked:
    text = _text(raw)
    if not text:
        return Checked(problem=f"review.input.{name}.empty", length=0)
    if len(text) < low:
        return Checked(problem=f"review.input.{name}.too_short", length=len(text))
    if len(text) > high:
        return Checked(problem=f"review.input.{name}.too_long", length=len(text))
    return Checked(value=text, length=len(text))


def check_question(raw: str | None) -> Checked:
    """A question for the applicant: 3–1000 characters."""
    return _bounded(raw, QUESTION_MIN, QUESTION_MAX, "question")


def check_reason(raw: str | None) -> Checked:
    """Why the work goes back, or why the request is cancelled: 3–2000 characters."""
    return _bounded(raw, REASON_MIN, TEXT_MAX, "reason")


def check_comment(raw: str | None) -> Checked:
    """Why the manager accepts on the resident's behalf: 10–2000 characters."""
    return _bounded(raw, COMMENT_MIN, TEXT_MAX, "comment")


def check_notes(raw: str | None) -> Checked:
    """Optional notes of a confirmation: at most 2000 characters (empty is fine)."""
    text = _text(raw)
    if len(text) > TEXT_MAX:
        return Checked(problem="review.input.notes.too_long", length=len(text))
    return Checked(value=text, length=len(text))
