"""What happened, as plain values: the domain events of one accepted action.

Each event carries what notifications and analytics need without calling back (the request,
who acted, who is affected, the reason); the servicer maps them to `ukm.requests.v1` events and
the store writes comments from `Commented`. Order within one action: status change,
unassignment, assignment, comment, rating.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.requests.workflow_effects import assigned_executor
from services.requests.workflow_rules import qualifies
from services.requests.workflow_state import (
    Action,
    AssignmentMode,
    HistoryEntry,
    Media,
    RequestState,
    Status,
)


class CommentKind(StrEnum):
    """The kinds of request comments (DOMAIN.md "Comments")."""

    STATUS_CHANGE = "status_change"
    CLARIFICATION = "clarification"
    PURCHASE = "purchase"
    REPORT = "report"
    MATERIAL = "material"
    NOTE = "note"


@dataclass(frozen=True)
class StatusChanged:
    """The request moved from one status to another."""

    number: str
    version: int
    at: datetime
    action: Action
    actor_id: str | None
    from_status: Status
    to_status: Status
    applicant_id: str
    executor_id: str | None  # after the change (cancelled: whoever was working on it)
    reason: str | None


@dataclass(frozen=True)
class Assigned:
    """The request got a new active assignment: to one executor or to a specialisation pool."""

    number: str
    version: int
    at: datetime
    action: Action
    actor_id: str | None
    mode: AssignmentMode
    executor_id: str | None  # individual
    specialisation: str | None  # group: the pool
    previous_executor_id: str | None
    # The pool the request was taken from (a claim: tell the pool's other executors).
    previous_specialisation: str | None
    # Individual: whether the executor's skills match the request (managers may override).
    skill_match: bool | None
    applicant_id: str


@dataclass(frozen=True)
class Unassigned:
    """An executor was taken off the request: someone else was assigned (`replaced_by`), or
    their shift ended and the request went back to its pool (`replaced_by` None)."""

    number: str
    version: int
    at: datetime
    action: Action
    actor_id: str | None
    executor_id: str
    replaced_by: str | None
    reason: str | None


@dataclass(frozen=True)
class Commented:
    """The action recorded a comment (a question, answer, report, reason…)."""

    number: str
    version: int
    at: datetime
    action: Action
    author_id: str | None
    kind: CommentKind
    text: str
    internal: bool  # staff only
    media: Media


@dataclass(frozen=True)
class Rated:
    """The work was accepted with a rating."""

    number: str
    version: int
    at: datetime
    rated_by: str
    executor_id: str | None
    stars: int
    review: str | None


Event = StatusChanged | Assigned | Unassigned | Commented | Rated

_K = CommentKind
# Which actions record their note as a comment, of which kind, and whether it is staff-only
# (purchase details, confirmation notes and reassignment reasons are the staff's business).
COMMENTS: Mapping[Action, tuple[CommentKind, bool]] = {
    Action.MANAGER_ASSIGN: (_K.NOTE, True),
    Action.EXECUTOR_PURCHASE: (_K.MATERIAL, True),
    Action.MANAGER_PURCHASE: (_K.MATERIAL, True),
    Action.PURCHASE_DONE: (_K.PURCHASE, True),
    Action.CLARIFY: (_K.CLARIFICATION, False),
    Action.CLARIFY_ANSWER: (_K.CLARIFICATION, False),
    Action.EXECUTOR_COMPLETE: (_K.REPORT, False),
    Action.MANAGER_COMPLETE: (_K.REPORT, False),
    Action.MANAGER_CONFIRM: (_K.NOTE, True),
    Action.RETURN_TO_WORK: (_K.STATUS_CHANGE, False),
    Action.APPLICANT_RETURN: (_K.STATUS_CHANGE, False),
    Action.MANAGER_FORCE_ACCEPT: (_K.STATUS_CHANGE, False),
    Action.CANCEL: (_K.STATUS_CHANGE, False),
}


def events_for(before: RequestState, entry: HistoryEntry, after: RequestState) -> tuple[Event, ...]:
    """The events of `entry`, which took `before` to `after`."""
    events: list[Event] = []
    if entry.from_status is not entry.to_status:
        events.append(_status_changed(after, entry))
    events.extend(_assignment_events(before, entry, after))
    comment = _comment(after, entry)
    if comment is not None:
        events.append(comment)
    if after.rating is not None and before.rating is None:
        rating = after.rating
        events.append(
            Rated(
                after.number,
                entry.version,
                entry.at,
                rating.rated_by,
                after.executor_id,
                rating.stars,
                rating.review,
            )
        )
    return tuple(events)


def _status_changed(after: RequestState, entry: HistoryEntry) -> StatusChanged:
    return StatusChanged(
        after.number,
        entry.version,
        entry.at,
        entry.action,
        entry.actor_id,
        entry.from_status,
        entry.to_status,
        after.applicant_id,
        after.executor_id,
        entry.note,
    )


def _assignment_events(
    before: RequestState, entry: HistoryEntry, after: RequestState
) -> list[Event]:
    if after.assignment is before.assignment or after.assignment is None:
        return []
    events: list[Event] = []
    previous = before.assignment
    executor = assigned_executor(before, entry)
    if before.executor_id is not None and before.executor_id != after.executor_id:
        events.append(
            Unassigned(
                after.number,
                entry.version,
                entry.at,
                entry.action,
                entry.actor_id,
                before.executor_id,
                after.executor_id,
                entry.payload.reason,
            )
        )
    pooled = previous is not None and previous.mode is AssignmentMode.GROUP
    events.append(
        Assigned(
            after.number,
            entry.version,
            entry.at,
            entry.action,
            entry.actor_id,
            after.assignment.mode,
            after.assignment.executor_id,
            after.assignment.specialisation,
            before.executor_id,
            previous.specialisation if previous is not None and pooled else None,
            qualifies(entry.payload.executor_specialisations, before.specialisation)
            if executor is not None
            else None,
            after.applicant_id,
        )
    )
    return events


def _comment(after: RequestState, entry: HistoryEntry) -> Commented | None:
    described = COMMENTS.get(entry.action)
    text = entry.note
    if described is None or text is None:
        return None
    kind, internal = described
    return Commented(
        after.number,
        entry.version,
        entry.at,
        entry.action,
        entry.actor_id,
        kind,
        text,
        internal,
        entry.payload.media,
    )
