"""Where a request goes when nobody has chosen yet: its category's specialisation pool (pure).

A new request is offered to the pool of its category's specialisation (ASSIGN_GROUP by the
system) in the same transaction that files it, so executors on duty with that skill can claim
it at once. When a manager corrects the category of a request still waiting in the old
category's pool, it follows to the new pool; a pool a manager chose explicitly is left alone.
(Choosing an executor automatically is the assignment service's job, later.)
"""

from __future__ import annotations

from datetime import datetime

from services.requests.workflow import (
    SYSTEM,
    Action,
    AssignmentMode,
    Outcome,
    Payload,
    RequestState,
    Status,
    apply,
)


def to_pool(state: RequestState, *, now: datetime) -> Outcome:
    """Offer a just-filed request to its category's pool."""
    return apply(
        state, Action.ASSIGN_GROUP, SYSTEM, Payload(specialisation=state.specialisation), now=now
    )


def follow_category(
    state: RequestState, *, previous_specialisation: str, now: datetime
) -> Outcome | None:
    """Move a request waiting in its old category's pool to the new category's pool, if its
    category (and so its specialisation) changed; None when nothing should move."""
    current = state.assignment
    waiting_in_old_pool = (
        state.status is Status.NEW
        and current is not None
        and current.mode is AssignmentMode.GROUP
        and current.specialisation == previous_specialisation
    )
    if not waiting_in_old_pool or state.specialisation == previous_specialisation:
        return None
    return to_pool(state, now=now)
