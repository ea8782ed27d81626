"""The workflow's refusals: each builds the kit error for one reason, with a message that says
what to do. Built only when an action is really refused (`allowed_actions` never formats
them). The reasons are listed in `workflow`'s docstring.
"""

from __future__ import annotations

from collections.abc import Collection

from services.kit.errors import FailedPrecondition, PermissionDenied
from services.requests.workflow_state import Action, Capacity, RequestState, Status


def stale(state: RequestState, expected_version: int) -> FailedPrecondition:
    """STALE_VERSION: the caller's copy is out of date."""
    return FailedPrecondition(
        "STALE_VERSION",
        f"request {state.number} changed since you loaded it (it is at version "
        f"{state.version}, you had {expected_version}): reload it and try again",
        {"current_version": str(state.version)},
    )


def frozen(state: RequestState) -> FailedPrecondition:
    """REQUEST_FROZEN: accepted and cancelled requests never change."""
    return FailedPrecondition(
        "REQUEST_FROZEN",
        f"request {state.number} is {state.status.value} and can no longer change; if the "
        "problem is back, file a new request",
    )


def capacity(who: Collection[Capacity], does: str, by_system: bool) -> PermissionDenied:
    """NOT_OWNER or ROLE_NOT_ALLOWED: the actor is none of `who`."""
    if not by_system and (Capacity.APPLICANT in who or Capacity.RESIDENT in who):
        if Capacity.RESIDENT in who:
            allowed = "the applicant or an approved resident of the apartment"
        elif Capacity.MANAGER in who:
            allowed = "the applicant or a manager"
        else:
            allowed = "the applicant"
        return PermissionDenied("NOT_OWNER", f"only {allowed} may {does}")
    if set(who) == {Capacity.SYSTEM}:
        message = f"only the system may {does}; managers assign with MANAGER_ASSIGN"
    elif Capacity.EXECUTOR in who:
        message = f"only an executor may {does}"
    elif by_system:
        message = f"the system may not {does}; a person must do it"
    else:
        message = f"only a manager may {does}; ask the dispatcher"
    return PermissionDenied("ROLE_NOT_ALLOWED", message)


def not_assigned(state: RequestState, does: str) -> FailedPrecondition:
    """NOT_ASSIGNED: an executor's work on someone else's request."""
    return FailedPrecondition(
        "NOT_ASSIGNED",
        f"request {state.number} is not assigned to you: only its executor may {does}; ask a "
        "manager to assign it to you",
    )


def nobody_to_release(state: RequestState) -> FailedPrecondition:
    """NOT_ASSIGNED for a release: no executor holds the request, so there is nobody to take it
    from (the caller's list of the executor's requests is out of date)."""
    return FailedPrecondition(
        "NOT_ASSIGNED",
        f"request {state.number} has no executor, so it cannot be released to its pool; it "
        "stays where it is",
    )


def status(
    state: RequestState,
    action: Action,
    does: str,
    allowed: Collection[Status],
    owner_only: bool,
) -> FailedPrecondition:
    """TRANSITION_NOT_ALLOWED: the action does not start from this status (for this actor)."""
    message = (
        f"cannot {does} while request {state.number} is {state.status.value} (only from "
        f"{', '.join(sorted(s.value for s in allowed))})"
    )
    if owner_only:
        message += "; work has started, so ask a manager to cancel it"
    return FailedPrecondition(
        "TRANSITION_NOT_ALLOWED",
        message,
        {"status": state.status.value, "action": action.value},
    )


def not_pooled(state: RequestState) -> FailedPrecondition:
    """NOT_GROUP_ADDRESSED: only pool requests can be claimed."""
    return FailedPrecondition(
        "NOT_GROUP_ADDRESSED",
        f"request {state.number} is not offered to a pool, so it cannot be claimed; ask a "
        "manager to assign it to you",
    )


def off_shift(does: str) -> FailedPrecondition:
    """EXECUTOR_NOT_ON_SHIFT: executors work only on duty."""
    return FailedPrecondition(
        "EXECUTOR_NOT_ON_SHIFT", f"you are not on duty: take a shift first, then {does}"
    )


def claim_skills(state: RequestState, pool: str) -> FailedPrecondition:
    """SKILL_MISMATCH for a claim: the claimer or their shift does not cover the pool."""
    return FailedPrecondition(
        "SKILL_MISMATCH",
        f"request {state.number} needs a {pool} and your skills or your shift do not cover "
        "it; claim requests of your own specialisation",
        {"specialisation": pool},
    )


def dispatch_skills(executor: str | None, needed: str) -> FailedPrecondition:
    """SKILL_MISMATCH for the dispatcher: the named executor lacks the skill."""
    return FailedPrecondition(
        "SKILL_MISMATCH",
        f"executor {executor} is not a {needed}: choose a qualified executor or leave the "
        "request in its pool",
        {"specialisation": needed},
    )


def already_assigned(state: RequestState, to_whom: str) -> FailedPrecondition:
    """ALREADY_ASSIGNED: the assignment asked for is the current one."""
    return FailedPrecondition(
        "ALREADY_ASSIGNED", f"request {state.number} is already assigned to {to_whom}"
    )


def executor_required(state: RequestState) -> FailedPrecondition:
    """EXECUTOR_REQUIRED: IN_PROGRESS needs an executor and there is none."""
    return FailedPrecondition(
        "EXECUTOR_REQUIRED",
        f"nobody is assigned to request {state.number}, so it cannot go to work: name the "
        "executor (executor_id)",
    )
