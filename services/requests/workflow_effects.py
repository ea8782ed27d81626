"""What an accepted action changes: a request state and a history entry give the next state.

`evolve` trusts the entry (the rules ran before it was written), so the same function serves
live transitions and `workflow.replay`; it only refuses an entry that does not follow on from
the state (wrong status or version), which would mean a corrupt or misordered history.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from services.requests.workflow_state import (
    Action,
    Assignment,
    AssignmentMode,
    Cancellation,
    Completion,
    HistoryEntry,
    ManagerConfirmation,
    Materials,
    Rating,
    RequestState,
    ReturnInfo,
    Status,
)

Changes = dict[str, Any]

# Individual assignments by their nature, and the actions that lead to IN_PROGRESS and may name
# an executor when the request has none (or should get another).
ASSIGNING = frozenset({Action.DISPATCH_ASSIGN, Action.MANAGER_ASSIGN, Action.EXECUTOR_CLAIM})
MAY_ASSIGN = frozenset({Action.PURCHASE_DONE, Action.CLARIFY_RESOLVED, Action.RETURN_TO_WORK})
# Actions that address the request to a pool (the one in the entry's payload).
POOLING = frozenset({Action.ASSIGN_GROUP, Action.RELEASE_TO_POOL})


def evolve(state: RequestState, entry: HistoryEntry) -> RequestState:
    """The state after `entry`; ValueError if `entry` does not follow on from `state`."""
    if entry.from_status is not state.status or entry.version != state.version + 1:
        raise ValueError(
            f"history entry v{entry.version} {entry.action.name} from "
            f"{entry.from_status.value} does not follow request {state.number} at "
            f"v{state.version} {state.status.value}"
        )
    changes: Changes = {"status": entry.to_status, "version": entry.version, "updated_at": entry.at}
    changes.update(assignment_changes(state, entry))
    effect = _EFFECTS.get(entry.action)
    if effect is not None:
        changes.update(effect(state, entry))
    if entry.to_status is Status.COMPLETED:
        changes["resolved_at"] = entry.at
    if entry.to_status is Status.ACCEPTED:
        changes["accepted_at"] = entry.at
    return replace(state, **changes)


def assigned_executor(state: RequestState, entry: HistoryEntry) -> str | None:
    """The executor `entry` assigns individually, if it (re)assigns anyone."""
    executor = entry.payload.executor_id
    if entry.action in ASSIGNING or (entry.action in MAY_ASSIGN and executor is not None):
        return executor if executor != state.executor_id else None
    return None


def assignment_changes(state: RequestState, entry: HistoryEntry) -> Changes:
    """The new active assignment, replacing the previous one (the history keeps that)."""
    if entry.action in POOLING:
        pool = _required(entry.payload.specialisation, "pool")
        group = Assignment(AssignmentMode.GROUP, None, pool, entry.actor_id, entry.at)
        # A pool request has no executor: a release takes the request off them (NEW never
        # has one); ASSIGN_GROUP starts from NEW, where there is none to clear.
        return {"assignment": group, "executor_id": None}
    executor = assigned_executor(state, entry)
    if executor is None:
        return {}
    individual = Assignment(AssignmentMode.INDIVIDUAL, executor, None, entry.actor_id, entry.at)
    return {
        "executor_id": executor,
        "assignment": individual,
        # The response clock stops at the first individual assignment only.
        "responded_at": state.responded_at or entry.at,
    }


def _person(entry: HistoryEntry) -> str:
    if entry.actor_id is None:
        raise ValueError(f"{entry.action.name} is done by a person, not the system")
    return entry.actor_id


def _required(value: str | int | None, what: str) -> Any:
    if value is None:
        raise ValueError(f"history entry without its {what}")
    return value


def _materials(state: RequestState, entry: HistoryEntry) -> Changes:
    payload = entry.payload
    materials = Materials(payload.materials, payload.comment, _person(entry), entry.at)
    return {"materials": materials}


def _completion(state: RequestState, entry: HistoryEntry) -> Changes:
    payload = entry.payload
    report = _required(payload.report, "report")
    return {"completion": Completion(report, payload.media, _person(entry), entry.at)}


def _confirmation(state: RequestState, entry: HistoryEntry) -> Changes:
    confirmation = ManagerConfirmation(_person(entry), entry.payload.notes, entry.at)
    return {"manager_confirmation": confirmation}


def _back_to_work(state: RequestState, entry: HistoryEntry) -> Changes:
    reason = _required(entry.payload.reason, "reason")
    # The completion and the confirmation no longer hold; the history keeps them.
    return {
        "return_info": ReturnInfo(reason, (), _person(entry), entry.at),
        "completion": None,
        "manager_confirmation": None,
        "resolved_at": None,
    }


def _rating(state: RequestState, entry: HistoryEntry) -> Changes:
    payload = entry.payload
    stars = _required(payload.rating, "rating")
    return {"rating": Rating(stars, payload.review, _person(entry), entry.at)}


def _returned(state: RequestState, entry: HistoryEntry) -> Changes:
    payload = entry.payload
    reason = _required(payload.reason, "reason")
    return {"return_info": ReturnInfo(reason, payload.media, _person(entry), entry.at)}


def _cancellation(state: RequestState, entry: HistoryEntry) -> Changes:
    reason = _required(entry.payload.reason, "reason")
    return {"cancellation": Cancellation(reason, _person(entry), entry.at)}


_EFFECTS: Mapping[Action, Callable[[RequestState, HistoryEntry], Changes]] = {
    Action.EXECUTOR_PURCHASE: _materials,
    Action.MANAGER_PURCHASE: _materials,
    Action.EXECUTOR_COMPLETE: _completion,
    Action.MANAGER_COMPLETE: _completion,
    Action.MANAGER_CONFIRM: _confirmation,
    Action.RETURN_TO_WORK: _back_to_work,
    Action.APPLICANT_ACCEPT: _rating,
    Action.APPLICANT_RETURN: _returned,
    Action.CANCEL: _cancellation,
}
