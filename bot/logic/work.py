"""Pure rules of the executor's flows: what a shift may focus on, hand-over notes, work
reports, and which statuses each list shows (DOMAIN.md "Shifts", "Workflow actions")."""

from __future__ import annotations

from collections.abc import Iterable

from bot.logic.inputs import Checked
from services.kit.vocabulary import SPECIALISATIONS, UNIVERSAL

__all__ = [
    "ACTIVE_STATUSES",
    "ARCHIVE_STATUSES",
    "NOTE_MAX",
    "REPORT_MAX",
    "REPORT_MIN",
    "SPECIALISATIONS",
    "UNIVERSAL",
    "check_note",
    "check_report",
    "focus_options",
    "toggle",
]

# What an executor holds while working on it ("my work"), and what is behind them (archive).
ACTIVE_STATUSES = ("in_progress", "purchase", "clarification")
ARCHIVE_STATUSES = ("completed", "confirmed", "returned", "accepted", "cancelled")
# The shifts service's limit on notes; the workflow's on reports (the contract allows 4000,
# the engine 2000).
NOTE_MAX = 500
REPORT_MIN, REPORT_MAX = 3, 2000


def focus_options(own: Iterable[str]) -> tuple[str, ...]:
    """What a shift may focus on: the executor's own specialisations in canonical order, or
    every one when their set holds `universal` ("can do anything")."""
    held = set(own)
    if UNIVERSAL in held:
        return SPECIALISATIONS
    return tuple(s for s in SPECIALISATIONS if s in held)


def toggle(chosen: Iterable[str], key: str) -> list[str]:
    """`chosen` with `key` added or removed, in canonical order."""
    picked = set(chosen) ^ {key}
    return [s for s in SPECIALISATIONS if s in picked]


def check_note(raw: str | None) -> Checked:
    """A hand-over note: optional, at most 500 characters."""
    text = (raw or "").strip()
    if len(text) > NOTE_MAX:
        return Checked(problem="shift.note.too_long", length=len(text))
    return Checked(value=text, length=len(text))


def check_report(raw: str | None) -> Checked:
    """What was done: 3–2000 characters."""
    text = (raw or "").strip()
    if len(text) < REPORT_MIN:
        return Checked(problem="work.complete.report.too_short", length=len(text))
    if len(text) > REPORT_MAX:
        return Checked(problem="work.complete.report.too_long", length=len(text))
    return Checked(value=text, length=len(text))
