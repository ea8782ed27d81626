"""The workflow's vocabulary: statuses, actions, the request snapshot, the actor and the payload.

Plain frozen values, no rules and no I/O: `workflow_rules` decides, `workflow_effects` changes,
`workflow_events` reports. String values are the short lowercase keys the database stores and
`services.kit.enums.EnumKeys` derives from the protos (`REQUEST_STATUS_IN_PROGRESS` ↔
`in_progress`), so the store and the servicer map them without a hand-written table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from services.kit.vocabulary import SPECIALISATIONS as SPECIALISATIONS
from services.kit.vocabulary import UNIVERSAL as UNIVERSAL


class Status(StrEnum):
    """Where a request is in its life (DOMAIN.md "Statuses")."""

    NEW = "new"
    IN_PROGRESS = "in_progress"
    PURCHASE = "purchase"
    CLARIFICATION = "clarification"
    COMPLETED = "completed"
    CONFIRMED = "confirmed"
    RETURNED = "returned"
    ACCEPTED = "accepted"
    CANCELLED = "cancelled"


TERMINAL = frozenset({Status.ACCEPTED, Status.CANCELLED})
OPEN = frozenset(Status) - TERMINAL


class Action(StrEnum):
    """The named workflow actions: DOMAIN.md's 19, plus the system's RELEASE_TO_POOL for shift
    hand-over (DOMAIN.md "Shifts"); every status change is one of them."""

    DISPATCH_ASSIGN = "dispatch_assign"
    ASSIGN_GROUP = "assign_group"
    MANAGER_ASSIGN = "manager_assign"
    EXECUTOR_CLAIM = "executor_claim"
    EXECUTOR_PURCHASE = "executor_purchase"
    MANAGER_PURCHASE = "manager_purchase"
    PURCHASE_DONE = "purchase_done"
    CLARIFY = "clarify"
    CLARIFY_ANSWER = "clarify_answer"
    CLARIFY_RESOLVED = "clarify_resolved"
    EXECUTOR_RESUME = "executor_resume"
    EXECUTOR_COMPLETE = "executor_complete"
    MANAGER_COMPLETE = "manager_complete"
    MANAGER_CONFIRM = "manager_confirm"
    RETURN_TO_WORK = "return_to_work"
    APPLICANT_ACCEPT = "applicant_accept"
    APPLICANT_RETURN = "applicant_return"
    MANAGER_FORCE_ACCEPT = "manager_force_accept"
    CANCEL = "cancel"
    # The executor's shift ended: the request goes back to its pool (system only).
    RELEASE_TO_POOL = "release_to_pool"


class Capacity(StrEnum):
    """In which capacity an actor performs an action (recorded in the history)."""

    SYSTEM = "system"
    MANAGER = "manager"
    EXECUTOR = "executor"
    APPLICANT = "applicant"
    # An approved resident of the request's apartment who is not its applicant (a neighbour).
    RESIDENT = "resident"


class AcceptanceMode(StrEnum):
    """Who has the final word on finished work."""

    RESIDENT = "resident"
    MANAGER = "manager"


class AssignmentMode(StrEnum):
    """Addressed to one executor or to a specialisation pool."""

    INDIVIDUAL = "individual"
    GROUP = "group"


# Media references are opaque to the workflow (the proto JSON form of `MediaRef`, as
# `domain.NewRequest.media` carries them); it only counts them.
Media = tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class Assignment:
    """The request's one active assignment; earlier ones live in the history."""

    mode: AssignmentMode
    executor_id: str | None  # individual assignments
    specialisation: str | None  # group assignments (never universal)
    assigned_by: str | None  # None: the system
    assigned_at: datetime


@dataclass(frozen=True)
class MaterialItem:
    """One line of a materials list; `quantity` is decimal text ("2", "0.5"), never a float."""

    name: str
    quantity: str
    unit: str = "pcs"


@dataclass(frozen=True)
class Materials:
    """What was asked for when the request went to PURCHASE."""

    items: tuple[MaterialItem, ...]
    comment: str | None
    requested_by: str
    requested_at: datetime


@dataclass(frozen=True)
class Completion:
    """The report that the work is done."""

    report: str
    media: Media
    completed_by: str
    completed_at: datetime


@dataclass(frozen=True)
class ReturnInfo:
    """Why the work was last sent back (by the applicant or by a manager)."""

    reason: str
    media: Media
    returned_by: str
    returned_at: datetime


@dataclass(frozen=True)
class ManagerConfirmation:
    """A manager's check of completed work."""

    confirmed_by: str
    notes: str | None
    confirmed_at: datetime


@dataclass(frozen=True)
class Rating:
    """The one rating of accepted work."""

    stars: int
    review: str | None
    rated_by: str
    rated_at: datetime


@dataclass(frozen=True)
class Cancellation:
    """Why and by whom the request was cancelled."""

    reason: str
    cancelled_by: str
    cancelled_at: datetime


@dataclass(frozen=True)
class RequestState:
    """What the workflow needs to know of a request, and everything it may change.

    Field names follow the `requests.requests` columns. `specialisation` is the one its category
    maps to; `apartment_id` is None for building- and yard-level requests.
    """

    number: str
    status: Status
    version: int
    applicant_id: str
    specialisation: str
    acceptance_mode: AcceptanceMode = AcceptanceMode.RESIDENT
    apartment_id: str | None = None
    executor_id: str | None = None
    assignment: Assignment | None = None
    materials: Materials | None = None
    completion: Completion | None = None
    return_info: ReturnInfo | None = None
    manager_confirmation: ManagerConfirmation | None = None
    rating: Rating | None = None
    cancellation: Cancellation | None = None
    # SLA clock stops: first individual assignment, and reaching COMPLETED (cleared when the
    # work is sent back, since it was not resolved after all).
    responded_at: datetime | None = None
    resolved_at: datetime | None = None
    accepted_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Actor:
    """Who acts, with the facts about them the rules need (looked up by the caller).

    `user_id` None is the system (auto-dispatch). `roles` are the roles held (`admin` counts as
    `manager`). `specialisations` is an executor's own set; `on_shift` whether they have an
    active shift now and `shift_specialisations` what their active shifts cover (an empty set on
    an active shift, like a shift with no focus, covers everything; so does `universal`).
    `resident_of_apartment` whether they are an approved resident of the request's apartment.
    """

    user_id: str | None
    roles: frozenset[str] = frozenset()
    specialisations: frozenset[str] = frozenset()
    on_shift: bool = False
    shift_specialisations: frozenset[str] = frozenset()
    resident_of_apartment: bool = False

    @property
    def is_system(self) -> bool:
        """Whether this is the system rather than a person."""
        return self.user_id is None


SYSTEM = Actor(user_id=None)


@dataclass(frozen=True)
class Payload:
    """An action's input. Empty strings and empty collections mean "not given" (proto3
    defaults); each action accepts only its own fields (see `workflow_payload`)."""

    executor_id: str | None = None
    executor_specialisations: frozenset[str] = frozenset()
    specialisation: str | None = None
    materials: tuple[MaterialItem, ...] = ()
    question: str | None = None
    answer: str | None = None
    reason: str | None = None
    comment: str | None = None
    notes: str | None = None
    report: str | None = None
    media: Media = ()
    rating: int | None = None
    review: str | None = None


# The free text that explains each action, by payload field (shown in the history and sent
# with the status change).
NOTE_FIELD: Mapping[Action, str] = {
    Action.MANAGER_ASSIGN: "reason",
    Action.EXECUTOR_PURCHASE: "comment",
    Action.MANAGER_PURCHASE: "comment",
    Action.PURCHASE_DONE: "comment",
    Action.CLARIFY: "question",
    Action.CLARIFY_ANSWER: "answer",
    Action.EXECUTOR_COMPLETE: "report",
    Action.MANAGER_COMPLETE: "report",
    Action.MANAGER_CONFIRM: "notes",
    Action.RETURN_TO_WORK: "reason",
    Action.APPLICANT_ACCEPT: "review",
    Action.APPLICANT_RETURN: "reason",
    Action.MANAGER_FORCE_ACCEPT: "comment",
    Action.CANCEL: "reason",
    Action.RELEASE_TO_POOL: "reason",
}


@dataclass(frozen=True)
class HistoryEntry:
    """One accepted action: enough to replay it (`workflow.replay`) and to show it.

    `version` is the version the action produced; `payload` is the validated, normalised input.
    """

    version: int
    action: Action
    actor_id: str | None
    acting_as: Capacity
    from_status: Status
    to_status: Status
    at: datetime
    payload: Payload

    @property
    def note(self) -> str | None:
        """The reason, question, answer, report or comment given with the action, if any."""
        name = NOTE_FIELD.get(self.action)
        value: str | None = getattr(self.payload, name) if name else None
        return value
