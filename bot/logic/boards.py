"""The manager's request boards and what a manager may do from each status (DOMAIN.md,
"Workflow actions"), as data: no I/O, no protos (status, category and specialisation keys are
the lowercase enum keys, `in_progress`, `plumbing`, `plumber`).

The services decide anyway; these only choose which buttons to offer, so a manager is never
shown an action that the workflow would refuse for the status the card shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from services.kit.vocabulary import CATEGORY_SPECIALISATION as _CATEGORY_SPECIALISATION

__all__ = [
    "BOARDS",
    "POOLS",
    "TERMINAL",
    "Board",
    "Pool",
    "Verb",
    "covers_place",
    "has_room",
    "needed_specialisation",
    "verbs_for",
]


class Board(StrEnum):
    """The five boards of the manager's menu (values are short: they travel in buttons)."""

    NEW = "n"
    ACTIVE = "a"
    CHECK = "c"
    RETURNED = "r"
    WAITING = "w"


# Which statuses each board lists.
BOARDS: dict[Board, tuple[str, ...]] = {
    Board.NEW: ("new",),
    Board.ACTIVE: ("in_progress", "purchase", "clarification"),
    Board.CHECK: ("completed",),
    Board.RETURNED: ("returned",),
    Board.WAITING: ("confirmed",),
}

TERMINAL = frozenset({"accepted", "cancelled"})


class Verb(StrEnum):
    """A manager's action on a request card (values are short: they travel in buttons)."""

    ASSIGN = "as"  # MANAGER_ASSIGN / ASSIGN_GROUP (NEW); reassignment (IN_PROGRESS)
    CLARIFY = "cl"  # CLARIFY
    CONFIRM = "cf"  # MANAGER_CONFIRM
    REWORK = "rw"  # RETURN_TO_WORK
    ACCEPT = "ac"  # MANAGER_FORCE_ACCEPT
    CANCEL = "cn"  # CANCEL


# DOMAIN.md's table, from the manager's side: the statuses each verb starts from.
_FROM: dict[Verb, frozenset[str]] = {
    Verb.ASSIGN: frozenset({"new", "in_progress"}),
    Verb.CLARIFY: frozenset({"new", "in_progress", "purchase"}),
    Verb.CONFIRM: frozenset({"completed"}),
    Verb.REWORK: frozenset({"completed", "confirmed", "returned"}),
    Verb.ACCEPT: frozenset({"confirmed", "returned"}),
    Verb.CANCEL: frozenset(
        {
            "new",
            "in_progress",
            "purchase",
            "clarification",
            "completed",
            "confirmed",
            "returned",
        }
    ),
}


def verbs_for(status: str, *, has_executor: bool = True) -> tuple[Verb, ...]:
    """The verbs a manager may use on a request in `status`, in the order buttons show them.

    Returning to work keeps the executor, so a request that has none (completed by a manager
    straight from a clarification asked while it was new) cannot go back to work: the engine
    would answer EXECUTOR_REQUIRED, and assigning is not possible from there either.
    """
    return tuple(
        verb for verb in Verb if status in _FROM[verb] and (has_executor or verb is not Verb.REWORK)
    )


class Pool(StrEnum):
    """Specialisation pools in canonical order (DOMAIN.md); `universal` is never a pool."""

    ELECTRICIAN = "electrician"
    PLUMBER = "plumber"
    HEATING = "heating"
    VENTILATION = "ventilation"
    ELEVATOR = "elevator"
    CLEANING = "cleaning"
    SECURITY = "security"
    LANDSCAPING = "landscaping"
    REPAIR = "repair"


POOLS: tuple[str, ...] = tuple(pool.value for pool in Pool)


def needed_specialisation(category: str, pool: str = "") -> str:
    """Who can do the work: the pool the request is offered to (a manager may have chosen
    another than the category's), else the category's specialisation."""
    if pool in POOLS:
        return pool
    return _CATEGORY_SPECIALISATION.get(category, "repair")


def covers_place(
    yard_ids: Sequence[str], building_ids: Sequence[str], *, yard_id: str, building_id: str
) -> bool:
    """Whether a shift's coverage area takes in a request's place (DOMAIN.md: empty means
    everywhere; a yard covers its buildings; a yard-level request needs its yard or no area)."""
    if not yard_ids and not building_ids:
        return True
    if yard_id and yard_id in yard_ids:
        return True
    return bool(building_id) and building_id in building_ids


def has_room(capacity: int, load: int) -> bool:
    """Whether an executor is below their shift's capacity (0: no limit)."""
    return capacity <= 0 or load < capacity
