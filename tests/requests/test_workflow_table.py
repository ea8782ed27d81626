"""Every action × every status × every role, against DOMAIN.md's actions table.

The expectation below is DOMAIN.md's table transcribed by hand, plus the system's
RELEASE_TO_POOL (shift hand-over, documented in services/requests/workflow.py), plus the
documented order of checks: frozen, capacity, assignment, status, shift.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from services.kit.errors import FailedPrecondition, PermissionDenied
from services.requests.workflow import (
    OPEN,
    TERMINAL,
    AcceptanceMode,
    Action,
    Status,
    allowed_actions,
    apply,
)
from tests.requests.test_workflow_world import (
    ACTORS,
    EXECUTOR,
    GOOD_PAYLOADS,
    NOW,
    request_in,
)

A, S = Action, Status
N, W, P, C = S.NEW, S.IN_PROGRESS, S.PURCHASE, S.CLARIFICATION
DONE, OK, RET = S.COMPLETED, S.CONFIRMED, S.RETURNED

# DOMAIN.md "Workflow actions": action → ({who: from statuses}, to).
TABLE: Mapping[Action, tuple[Mapping[str, frozenset[Status]], Status]] = {
    A.DISPATCH_ASSIGN: ({"system": frozenset({N})}, W),
    A.ASSIGN_GROUP: ({"system": frozenset({N}), "manager": frozenset({N})}, N),
    A.MANAGER_ASSIGN: ({"manager": frozenset({N, W})}, W),
    A.EXECUTOR_CLAIM: ({"executor": frozenset({N})}, W),
    A.EXECUTOR_PURCHASE: ({"executor": frozenset({W})}, P),
    A.MANAGER_PURCHASE: ({"manager": frozenset({N, W})}, P),
    A.PURCHASE_DONE: ({"manager": frozenset({P})}, W),
    A.CLARIFY: ({"manager": frozenset({N, W, P})}, C),
    A.CLARIFY_ANSWER: ({"owner": frozenset({C})}, C),
    A.CLARIFY_RESOLVED: ({"manager": frozenset({C})}, W),
    A.EXECUTOR_RESUME: ({"executor": frozenset({P, C})}, W),
    A.EXECUTOR_COMPLETE: ({"executor": frozenset({W})}, DONE),
    A.MANAGER_COMPLETE: ({"manager": frozenset({W, P, C})}, DONE),
    A.MANAGER_CONFIRM: ({"manager": frozenset({DONE})}, OK),
    A.RETURN_TO_WORK: ({"manager": frozenset({DONE, OK, RET})}, W),
    A.APPLICANT_ACCEPT: ({"owner": frozenset({OK}), "resident": frozenset({OK})}, S.ACCEPTED),
    A.APPLICANT_RETURN: ({"owner": frozenset({OK})}, RET),
    A.MANAGER_FORCE_ACCEPT: ({"manager": frozenset({OK, RET})}, S.ACCEPTED),
    A.CANCEL: ({"manager": frozenset(OPEN), "owner": frozenset({N})}, S.CANCELLED),
    # Not DOMAIN.md's table: the hand-over ("Shifts") gives an executor's work back to the pool.
    A.RELEASE_TO_POOL: ({"system": frozenset({W, P, C})}, N),
}

# Who each cast member is in the table's terms (admin ⊇ manager; inspectors and strangers
# are nobody here).
WHO: Mapping[str, frozenset[str]] = {
    "owner": frozenset({"owner"}),
    "other_resident": frozenset(),
    "neighbour": frozenset({"resident"}),
    "executor_on_shift": frozenset({"executor"}),
    "executor_off_shift": frozenset({"executor"}),
    "executor_not_assigned": frozenset({"executor"}),
    "manager": frozenset({"manager"}),
    "admin": frozenset({"manager"}),
    "inspector": frozenset(),
    "system": frozenset({"system"}),
}
PERMISSION_REASONS = frozenset({"ROLE_NOT_ALLOWED", "NOT_OWNER"})


def expected(action: Action, status: Status, role: str) -> Status | str:
    """The status the action leads to, or the reason it is refused."""
    if status in TERMINAL:
        return "REQUEST_FROZEN"
    who, target = TABLE[action]
    held = WHO[role] & who.keys()
    if not held:
        owner_action = bool(who.keys() & {"owner", "resident"})
        return "NOT_OWNER" if owner_action and role != "system" else "ROLE_NOT_ALLOWED"
    # The request's executor (from IN_PROGRESS on) is the "executor_on/off_shift" person.
    assigned = role in ("executor_on_shift", "executor_off_shift") and status is not N
    if held == {"executor"} and action is not A.EXECUTOR_CLAIM and not assigned:
        return "NOT_ASSIGNED"
    if not any(status in who[h] for h in held):
        return "TRANSITION_NOT_ALLOWED"
    if role == "executor_off_shift":
        return "EXECUTOR_NOT_ON_SHIFT"
    return target


CASES = [(a, s, r) for a in Action for s in Status for r in ACTORS]


@pytest.mark.parametrize(("action", "status", "role"), CASES)
def test_action_status_role(action: Action, status: Status, role: str) -> None:
    state = request_in(status)
    want = expected(action, status, role)
    if not isinstance(want, Status):
        with pytest.raises(FailedPrecondition) as raised:
            apply(state, action, ACTORS[role], GOOD_PAYLOADS[action], now=NOW)
        assert raised.value.reason == want, raised.value.message
        wanted_type = PermissionDenied if want in PERMISSION_REASONS else FailedPrecondition
        assert type(raised.value) is wanted_type
        return
    outcome = apply(state, action, ACTORS[role], GOOD_PAYLOADS[action], now=NOW)
    assert outcome.state.status == want
    assert outcome.state.version == state.version + 1
    entry = outcome.entry
    assert (entry.action, entry.from_status, entry.to_status) == (action, status, want)
    assert (entry.actor_id, entry.at, entry.version) == (
        ACTORS[role].user_id,
        NOW,
        state.version + 1,
    )
    if want is S.IN_PROGRESS:
        assert outcome.state.executor_id is not None
    if want is S.NEW:
        assert outcome.state.executor_id is None


def test_every_action_is_allowed_somewhere_and_refused_somewhere() -> None:
    for action in Action:
        outcomes = {expected(action, s, r) for s in Status for r in ACTORS}
        assert any(isinstance(o, Status) for o in outcomes), action
        assert any(not isinstance(o, Status) for o in outcomes), action


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("role", list(ACTORS))
def test_allowed_actions_match_the_table(status: Status, role: str) -> None:
    offered = allowed_actions(request_in(status), ACTORS[role])
    assert offered == {a for a in Action if isinstance(expected(a, status, role), Status)}


def test_manager_confirmation_is_final_in_manager_acceptance_mode() -> None:
    state = request_in(S.COMPLETED, AcceptanceMode.MANAGER)
    outcome = apply(state, A.MANAGER_CONFIRM, ACTORS["manager"], now=NOW)
    assert (outcome.entry.to_status, outcome.state.status) == (S.ACCEPTED, S.ACCEPTED)
    assert outcome.state.accepted_at == NOW
    assert outcome.state.rating is None


def test_only_the_system_releases_and_people_are_told_so() -> None:
    for role in ACTORS.keys() - {"system"}:
        with pytest.raises(PermissionDenied) as raised:
            apply(
                request_in(W),
                A.RELEASE_TO_POOL,
                ACTORS[role],
                GOOD_PAYLOADS[A.RELEASE_TO_POOL],
                now=NOW,
            )
        assert raised.value.reason == "ROLE_NOT_ALLOWED"
        assert "only the system may" in raised.value.message


def test_the_table_cast_is_what_the_world_says() -> None:
    # The "assigned" executors are the request's executor from IN_PROGRESS on.
    assert request_in(S.IN_PROGRESS).executor_id == EXECUTOR
    assert request_in(S.NEW).executor_id is None
