"""What a resident (or an inspector) sees of their requests and may do with them (DOMAIN.md,
"Workflow actions" and "Who may see a request"). Pure: no I/O.

The request contract exposes no list of allowed actions, so the card offers what the workflow
table allows the person now; the services decide again when the button is pressed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from ukm.requests.v1 import request_pb2

from services.kit.enums import EnumKeys

__all__ = [
    "ACTIVE_STATUSES",
    "CLOSED_STATUSES",
    "LISTS",
    "QUIET_HOURS",
    "CardAction",
    "Facts",
    "Listing",
    "Step",
    "card_actions",
    "facts_of",
    "is_neighbours",
    "quiet_hours_on",
    "recent_steps",
]

# Everything on its way: filed, at work, waiting for materials or an answer, done but not yet
# checked, or sent back for rework.
ACTIVE_STATUSES = ("new", "in_progress", "purchase", "clarification", "completed", "returned")
WAITING_STATUSES = ("confirmed",)
CLOSED_STATUSES = ("accepted", "cancelled")
# The quiet hours the profile offers (Asia/Tashkent), as the notifications service takes them.
QUIET_HOURS = ("22:00", "08:00")


@dataclass(frozen=True)
class Listing:
    """One filter of "my requests": which statuses, and whose requests (`mine`: filed by or
    assigned to the person; `all`: everything they may see, which for a resident adds the
    requests of their flats waiting for acceptance)."""

    statuses: tuple[str, ...]
    view: str


LISTS: dict[str, Listing] = {
    "active": Listing(ACTIVE_STATUSES, "mine"),
    "waiting": Listing(WAITING_STATUSES, "all"),
    "closed": Listing(CLOSED_STATUSES, "mine"),
}


class CardAction(StrEnum):
    """What a card may offer a resident."""

    ACCEPT = "accept"
    RETURN = "return"
    ANSWER = "answer"
    CANCEL = "cancel"


@dataclass(frozen=True)
class Facts:
    """What the rules need to know about one request."""

    status: str
    applicant_id: str
    executor_id: str = ""
    # The request is about an apartment (so its other residents may accept it).
    apartment: bool = False


_STATUS = EnumKeys(request_pb2.RequestStatus.DESCRIPTOR)


def facts_of(request: request_pb2.Request) -> Facts:
    """The facts of a request as the services answered it."""
    return Facts(
        status=_STATUS.by_number.get(request.status, ""),
        applicant_id=request.applicant_id,
        executor_id=request.executor_id,
        apartment=request.address.level == request_pb2.ADDRESS_LEVEL_APARTMENT,
    )


def is_neighbours(facts: Facts, user_id: str) -> bool:
    """A request of the person's flat that someone else filed (they see it while it waits for
    acceptance)."""
    return (
        bool(user_id) and facts.apartment and user_id not in (facts.applicant_id, facts.executor_id)
    )


def card_actions(facts: Facts, user_id: str) -> tuple[CardAction, ...]:
    """The actions the person may take on the request now, in the order the card shows them:

    accept (CONFIRMED: the applicant, or an approved resident of the same apartment), return
    (CONFIRMED: the applicant), answer (CLARIFICATION: the applicant), cancel (NEW: the
    applicant).
    """
    owner = bool(user_id) and facts.applicant_id == user_id
    actions: list[CardAction] = []
    if facts.status == "confirmed" and (owner or is_neighbours(facts, user_id)):
        actions.append(CardAction.ACCEPT)
    if not owner:
        return tuple(actions)
    if facts.status == "confirmed":
        actions.append(CardAction.RETURN)
    if facts.status == "clarification":
        actions.append(CardAction.ANSWER)
    if facts.status == "new":
        actions.append(CardAction.CANCEL)
    return tuple(actions)


@dataclass(frozen=True)
class Step:
    """One entry of a request's history as the card shows it."""

    change: str  # "created", "transition", "updated", "sla"
    to_status: str  # a status key, "" when unknown
    seconds: int  # when, epoch seconds
    reason: str = ""  # the question, the reason of a return or a cancellation…


def recent_steps(steps: Sequence[Step], limit: int = 3) -> list[Step]:
    """The newest `limit` status steps (creation and transitions; edits and SLA marks are the
    staff's business), oldest first."""
    shown = [s for s in steps if s.change in ("created", "transition") and s.to_status]
    return shown[-limit:] if limit > 0 else []


def quiet_hours_on(start: str, end: str) -> bool:
    """Whether preferences with this window have quiet hours at all (unset: none)."""
    return bool(start and end and start != end)
