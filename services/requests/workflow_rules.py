"""Who may do which action from which status: DOMAIN.md's actions table (plus the system's
RELEASE_TO_POOL for shift hand-over) and its guards.

`judge` (and `authorise`, which raises what it finds) runs the checks that do not depend on the
payload, in a fixed order (the first failing one answers): version, frozen, capacity (role,
ownership, residency), assignment, status (pool addressing for claims, an executor to release),
shift, skills.
The order is part of the contract: `workflow`'s docstring lists it, and the table test checks
it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import partial

from services.kit.errors import FailedPrecondition
from services.requests import workflow_refusals as refusals
from services.requests.workflow_state import (
    OPEN,
    TERMINAL,
    UNIVERSAL,
    AcceptanceMode,
    Action,
    Actor,
    AssignmentMode,
    Capacity,
    RequestState,
    Status,
)

# A refusal not yet built: call it for the error to raise.
Refusal = Callable[[], FailedPrecondition]

MANAGER_ROLES = frozenset({"manager", "admin"})
EXECUTOR_ROLE = "executor"

_SYSTEM = Capacity.SYSTEM
_MANAGER = Capacity.MANAGER
_EXECUTOR = Capacity.EXECUTOR
_APPLICANT = Capacity.APPLICANT
_RESIDENT = Capacity.RESIDENT


@dataclass(frozen=True)
class Rule:
    """One row of the actions table: the target status, who may act from which statuses, and
    what the action does (for messages)."""

    target: Status
    may: Mapping[Capacity, frozenset[Status]]
    does: str


def _from(*statuses: Status) -> frozenset[Status]:
    return frozenset(statuses)


S = Status
RULES: Mapping[Action, Rule] = {
    Action.DISPATCH_ASSIGN: Rule(
        S.IN_PROGRESS, {_SYSTEM: _from(S.NEW)}, "assign an executor automatically"
    ),
    Action.ASSIGN_GROUP: Rule(
        S.NEW, {_SYSTEM: _from(S.NEW), _MANAGER: _from(S.NEW)}, "offer the request to a pool"
    ),
    Action.MANAGER_ASSIGN: Rule(
        S.IN_PROGRESS, {_MANAGER: _from(S.NEW, S.IN_PROGRESS)}, "assign an executor"
    ),
    Action.EXECUTOR_CLAIM: Rule(S.IN_PROGRESS, {_EXECUTOR: _from(S.NEW)}, "claim the request"),
    Action.EXECUTOR_PURCHASE: Rule(
        S.PURCHASE, {_EXECUTOR: _from(S.IN_PROGRESS)}, "ask for materials"
    ),
    Action.MANAGER_PURCHASE: Rule(
        S.PURCHASE, {_MANAGER: _from(S.NEW, S.IN_PROGRESS)}, "send the request to purchase"
    ),
    Action.PURCHASE_DONE: Rule(
        S.IN_PROGRESS, {_MANAGER: _from(S.PURCHASE)}, "mark the materials as bought"
    ),
    Action.CLARIFY: Rule(
        S.CLARIFICATION,
        {_MANAGER: _from(S.NEW, S.IN_PROGRESS, S.PURCHASE)},
        "ask the applicant a question",
    ),
    Action.CLARIFY_ANSWER: Rule(
        S.CLARIFICATION, {_APPLICANT: _from(S.CLARIFICATION)}, "answer the question"
    ),
    Action.CLARIFY_RESOLVED: Rule(
        S.IN_PROGRESS, {_MANAGER: _from(S.CLARIFICATION)}, "close the clarification"
    ),
    Action.EXECUTOR_RESUME: Rule(
        S.IN_PROGRESS, {_EXECUTOR: _from(S.PURCHASE, S.CLARIFICATION)}, "resume the work"
    ),
    Action.EXECUTOR_COMPLETE: Rule(
        S.COMPLETED, {_EXECUTOR: _from(S.IN_PROGRESS)}, "report the work as done"
    ),
    Action.MANAGER_COMPLETE: Rule(
        S.COMPLETED,
        {_MANAGER: _from(S.IN_PROGRESS, S.PURCHASE, S.CLARIFICATION)},
        "complete the request on the executor's behalf",
    ),
    Action.MANAGER_CONFIRM: Rule(
        S.CONFIRMED, {_MANAGER: _from(S.COMPLETED)}, "confirm the completed work"
    ),
    Action.RETURN_TO_WORK: Rule(
        S.IN_PROGRESS,
        {_MANAGER: _from(S.COMPLETED, S.CONFIRMED, S.RETURNED)},
        "return the request to work",
    ),
    Action.APPLICANT_ACCEPT: Rule(
        S.ACCEPTED,
        {_APPLICANT: _from(S.CONFIRMED), _RESIDENT: _from(S.CONFIRMED)},
        "accept the work",
    ),
    Action.APPLICANT_RETURN: Rule(S.RETURNED, {_APPLICANT: _from(S.CONFIRMED)}, "return the work"),
    Action.MANAGER_FORCE_ACCEPT: Rule(
        S.ACCEPTED,
        {_MANAGER: _from(S.CONFIRMED, S.RETURNED)},
        "accept the work on the resident's behalf",
    ),
    Action.CANCEL: Rule(
        S.CANCELLED, {_MANAGER: frozenset(OPEN), _APPLICANT: _from(S.NEW)}, "cancel the request"
    ),
    # Not in DOMAIN.md's table: its "Shifts" section wants an off-duty executor's open
    # requests offered to the pool again, and no other action takes a request off someone.
    Action.RELEASE_TO_POOL: Rule(
        S.NEW,
        {_SYSTEM: _from(S.IN_PROGRESS, S.PURCHASE, S.CLARIFICATION)},
        "put the request back in its pool when its executor's shift ends",
    ),
}

# The assigned executor's own work on the request (a claim needs no assignment yet).
WORK_ACTIONS = frozenset(
    {Action.EXECUTOR_PURCHASE, Action.EXECUTOR_RESUME, Action.EXECUTOR_COMPLETE}
)
# When someone holds several capacities that may act, the first one here is recorded.
_PREFERENCE = (_MANAGER, _SYSTEM, _APPLICANT, _RESIDENT, _EXECUTOR)


def target_status(state: RequestState, action: Action) -> Status:
    """Where `action` takes `state`: the table's target, except that a manager's confirmation
    is final in "manager" acceptance mode."""
    if action is Action.MANAGER_CONFIRM and state.acceptance_mode is AcceptanceMode.MANAGER:
        return Status.ACCEPTED
    return RULES[action].target


def capacities(actor: Actor, state: RequestState) -> frozenset[Capacity]:
    """Every capacity in which `actor` could act on `state` (before the table narrows it)."""
    if actor.user_id is None:
        return frozenset({_SYSTEM})
    held: set[Capacity] = set()
    if actor.roles & MANAGER_ROLES:
        held.add(_MANAGER)
    if EXECUTOR_ROLE in actor.roles:
        held.add(_EXECUTOR)
    if actor.user_id == state.applicant_id:
        held.add(_APPLICANT)
    elif actor.resident_of_apartment and state.apartment_id is not None:
        held.add(_RESIDENT)
    return frozenset(held)


def qualifies(skills: Collection[str], specialisation: str) -> bool:
    """Whether someone with `skills` may do work of `specialisation` (ANY, `universal` wins)."""
    return specialisation in skills or UNIVERSAL in skills


def shift_covers(actor: Actor, specialisation: str) -> bool:
    """Whether the actor's active shifts cover `specialisation` (no focus covers everything)."""
    cover = actor.shift_specialisations
    return not cover or qualifies(cover, specialisation)


def judge(
    state: RequestState, action: Action, actor: Actor, expected_version: int | None
) -> Capacity | Refusal:
    """The capacity in which `actor` may perform `action` on `state`, or the first refusal (a
    function building the error, so that `allowed_actions` does not format messages)."""
    if expected_version is not None and expected_version != state.version:
        return partial(refusals.stale, state, expected_version)
    if state.status in TERMINAL:
        return partial(refusals.frozen, state)
    rule = RULES[action]
    held = capacities(actor, state) & rule.may.keys()
    if not held:
        return partial(refusals.capacity, rule.may.keys(), rule.does, actor.is_system)
    if held == {_EXECUTOR} and action in WORK_ACTIONS and state.executor_id != actor.user_id:
        return partial(refusals.not_assigned, state, rule.does)
    able = [c for c in _PREFERENCE if c in held and state.status in rule.may[c]]
    if not able:
        allowed = frozenset(s for c in held for s in rule.may[c])
        owner_only = action is Action.CANCEL and held == {_APPLICANT}
        return partial(refusals.status, state, action, rule.does, allowed, owner_only)
    capacity = able[0]
    if action is Action.EXECUTOR_CLAIM and not _pooled(state):
        return partial(refusals.not_pooled, state)
    if action is Action.RELEASE_TO_POOL and state.executor_id is None:
        # Sent to purchase or clarification straight from NEW: nobody's shift can end on it.
        return partial(refusals.nobody_to_release, state)
    if capacity is _EXECUTOR and not actor.on_shift:
        return partial(refusals.off_shift, rule.does)
    if action is Action.EXECUTOR_CLAIM:
        # Both must hold: a cleaner on an unfocused shift still does not fix lifts.
        pool = needed_specialisation(state)
        if not (qualifies(actor.specialisations, pool) and shift_covers(actor, pool)):
            return partial(refusals.claim_skills, state, pool)
    return capacity


def authorise(
    state: RequestState, action: Action, actor: Actor, expected_version: int | None
) -> Capacity:
    """The capacity in which `actor` may perform `action` on `state`, or raise the refusal."""
    verdict = judge(state, action, actor, expected_version)
    if isinstance(verdict, Capacity):
        return verdict
    raise verdict()


def needed_specialisation(state: RequestState) -> str:
    """The skill the work needs: the pool's when the request is offered to one (a manager may
    have chosen another pool than the category's), else the category's."""
    assignment = state.assignment
    if assignment is not None and assignment.specialisation is not None:
        return assignment.specialisation
    return state.specialisation


def _pooled(state: RequestState) -> bool:
    assignment = state.assignment
    return assignment is not None and assignment.mode is AssignmentMode.GROUP
