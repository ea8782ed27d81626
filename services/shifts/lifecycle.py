"""Shifts and their life: what a shift is, opening an ad-hoc one and ending it. No I/O.

Statuses: `planned` → `active` (↔ `paused`) → `completed`, or `cancelled` before it starts.
Only ad-hoc shifts exist yet ("take shift" now, "hand over"); planned shifts, templates and
transfers arrive later and use the same record (planned window, template id, coverage area,
capacity). An executor has at most one *open* shift (active or paused) at a time; the database
enforces it with a partial unique index, so two racing "take shift" calls cannot both win.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.kit.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from services.shifts import coverage

PLANNED = "planned"
ACTIVE = "active"
PAUSED = "paused"
COMPLETED = "completed"
CANCELLED = "cancelled"
STATUSES = (PLANNED, ACTIVE, PAUSED, COMPLETED, CANCELLED)
# Shifts that still belong to someone's working day: one per executor at a time.
OPEN = (ACTIVE, PAUSED)

REGULAR = "regular"
TYPES = (REGULAR, "emergency", "overtime", "maintenance")

# The longest shift the company runs is a 24-hour one ("сутки"); a planned end further than
# this is a typo (a wrong day), not a plan.
MAX_PLANNED_LENGTH = timedelta(hours=36)
NOTE_MAX = 500


@dataclass(frozen=True)
class ExecutorProfile:
    """What the users service says about a person right now (its `Principal`)."""

    user_id: str
    roles: frozenset[str]
    status: str
    specialisations: tuple[str, ...]


@dataclass(frozen=True)
class NewShift:
    """An ad-hoc shift about to be opened (the store gives it an id)."""

    executor_id: str
    type: str
    focus: tuple[str, ...]
    # The executor's own set when the shift started, and what the shift therefore covers.
    executor_specialisations: tuple[str, ...]
    coverage: tuple[str, ...]
    planned_start_at: datetime
    planned_end_at: datetime | None
    note: str
    created_by: str
    at: datetime


@dataclass(frozen=True)
class Shift:
    """A stored shift."""

    id: str
    executor_id: str | None
    status: str
    type: str
    focus: tuple[str, ...]
    executor_specialisations: tuple[str, ...]
    coverage: tuple[str, ...]
    yard_ids: tuple[str, ...]
    building_ids: tuple[str, ...]
    capacity: int
    planned_start_at: datetime | None
    planned_end_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    template_id: str | None
    note: str
    end_note: str
    created_by: str
    ended_by: str
    created_at: datetime
    updated_at: datetime
    version: int

    @property
    def is_open(self) -> bool:
        """Whether the shift is still under way (active or paused)."""
        return self.status in OPEN


def open_adhoc(
    profile: ExecutorProfile,
    *,
    requested_focus: Iterable[str],
    shift_type: str | None,
    planned_end: datetime | None,
    note: str,
    now: datetime,
) -> NewShift:
    """Take shift: the ad-hoc shift `profile`'s person opens now, or a refusal.

    The profile is the users service's current word, not the token's: a person blocked or
    stripped of the executor role a minute ago must not go on duty with an older token.
    """
    if profile.status != "approved":
        raise PermissionDenied(
            "ACCOUNT_NOT_APPROVED", "your account is not approved; you cannot go on duty"
        )
    if "executor" not in profile.roles:
        raise PermissionDenied("NOT_AN_EXECUTOR", "only executors go on duty")
    focus = coverage.focus_of(requested_focus)
    coverage.require_held(focus, profile.specialisations)
    if planned_end is not None:
        check_planned_end(planned_end, now)
    return NewShift(
        executor_id=profile.user_id,
        type=shift_type or REGULAR,
        focus=focus,
        executor_specialisations=coverage.canonical(profile.specialisations),
        coverage=coverage.coverage_of(focus, profile.specialisations),
        # An ad-hoc shift's plan is "from now": planning and overlap checks of later issues
        # then read every shift's window the same way.
        planned_start_at=now,
        planned_end_at=planned_end,
        note=clean_note(note, field="note"),
        created_by=profile.user_id,
        at=now,
    )


def check_planned_end(planned_end: datetime, now: datetime) -> None:
    """A planned end must lie ahead, and within one long shift of now."""
    if planned_end <= now:
        raise InvalidArgument.field("planned_end_time", "must be in the future")
    if planned_end - now > MAX_PLANNED_LENGTH:
        hours = int(MAX_PLANNED_LENGTH.total_seconds() // 3600)
        raise InvalidArgument.field(
            "planned_end_time", f"must be at most {hours} hours from now (is the date right?)"
        )


def clean_note(note: str, *, field: str) -> str:
    """A note without surrounding blanks (its length is checked by the contract too)."""
    cleaned = note.strip()
    if len(cleaned) > NOTE_MAX:
        raise InvalidArgument.field(field, f"must be at most {NOTE_MAX} characters")
    return cleaned


def check_may_end(shift: Shift, *, caller_id: str, manager: bool) -> None:
    """Hand over: executors end their own shift, managers anyone's; only open shifts end.

    Whose shift it is is checked first, so an executor learns nothing about others' shifts.
    """
    if not manager and shift.executor_id != caller_id:
        raise PermissionDenied("NOT_YOUR_SHIFT", "you may end only your own shift")
    if not shift.is_open:
        raise FailedPrecondition(
            "SHIFT_NOT_ACTIVE",
            f"shift {shift.id} is {shift.status}; only an active shift can be ended",
            {"shift_id": shift.id, "status": shift.status},
        )


def already_open(shift_id: str) -> FailedPrecondition:
    """The refusal of a second "take shift" while one is open."""
    return FailedPrecondition(
        "SHIFT_ALREADY_ACTIVE",
        "you are already on duty; hand over your current shift before taking a new one",
        {"shift_id": shift_id},
    )


def no_open_shift() -> FailedPrecondition:
    """The refusal of "hand over" by someone who is not on duty."""
    return FailedPrecondition(
        "NO_ACTIVE_SHIFT",
        "you have no active shift to end; to end someone else's shift, give its shift_id",
    )
