"""The lives of generated requests: which workflow steps lead to a status, as the history
entries the engine would have written (pure, no I/O).

A generated request does not just get a status: it is filed, offered to its category's pool,
and then taken through the steps that lead to its status (assigned by a manager, completed by
the executor, confirmed, accepted with a rating…), each a `HistoryEntry` replayed through the
engine's own `evolve`. Its row is then what the service would have stored, and its SLA clocks
can follow the same steps. Writing the entries directly (instead of calling `workflow.apply`,
which checks every rule and derives the events) keeps 100 000 lives cheap;
`test_bench_smoke.py` checks that `apply` writes exactly these entries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from services.requests.workflow import (
    AcceptanceMode,
    Action,
    HistoryEntry,
    MaterialItem,
    Payload,
    RequestState,
    Status,
)
from services.requests.workflow_effects import evolve
from services.requests.workflow_rules import target_status
from services.requests.workflow_state import Capacity

_A = Action
# The steps after filing (which always ends in the pool step) that lead to each status.
# Requests in "manager" acceptance mode are final at the manager's confirmation: they are
# never CONFIRMED or RETURNED (`steps` maps those to ACCEPTED).
_AFTER_FILING: Mapping[Status, tuple[Action, ...]] = MappingProxyType(
    {
        Status.NEW: (),
        Status.IN_PROGRESS: (_A.MANAGER_ASSIGN,),
        Status.PURCHASE: (_A.MANAGER_ASSIGN, _A.EXECUTOR_PURCHASE),
        Status.CLARIFICATION: (_A.MANAGER_ASSIGN, _A.CLARIFY),
        Status.COMPLETED: (_A.MANAGER_ASSIGN, _A.EXECUTOR_COMPLETE),
        Status.CONFIRMED: (_A.MANAGER_ASSIGN, _A.EXECUTOR_COMPLETE, _A.MANAGER_CONFIRM),
        Status.RETURNED: (
            _A.MANAGER_ASSIGN,
            _A.EXECUTOR_COMPLETE,
            _A.MANAGER_CONFIRM,
            _A.APPLICANT_RETURN,
        ),
        Status.ACCEPTED: (
            _A.MANAGER_ASSIGN,
            _A.EXECUTOR_COMPLETE,
            _A.MANAGER_CONFIRM,
            _A.APPLICANT_ACCEPT,
        ),
        Status.CANCELLED: (_A.MANAGER_ASSIGN, _A.CANCEL),
    }
)
# Cancelled before anyone was assigned (a duplicate, or the resident changed their mind).
_CANCELLED_WHILE_NEW = (_A.CANCEL,)

# Who performs each step, in which capacity.
_BY: Mapping[Action, Capacity] = MappingProxyType(
    {
        _A.ASSIGN_GROUP: Capacity.SYSTEM,
        _A.MANAGER_ASSIGN: Capacity.MANAGER,
        _A.EXECUTOR_PURCHASE: Capacity.EXECUTOR,
        _A.CLARIFY: Capacity.MANAGER,
        _A.EXECUTOR_COMPLETE: Capacity.EXECUTOR,
        _A.MANAGER_CONFIRM: Capacity.MANAGER,
        _A.APPLICANT_ACCEPT: Capacity.APPLICANT,
        _A.APPLICANT_RETURN: Capacity.APPLICANT,
        _A.CANCEL: Capacity.MANAGER,
    }
)


@dataclass(frozen=True)
class Cast:
    """The people in one request's life."""

    manager: str
    executor: str
    executor_skills: frozenset[str]


@dataclass(frozen=True)
class Notes:
    """The texts and choices of one life (each used only by the step that takes it)."""

    report: str = "Сделано"
    question: str = "Когда можно прийти?"
    cancel_reason: str = "Дубликат заявки"
    return_reason: str = "Снова течёт"
    review: str | None = None
    stars: int = 5
    materials: tuple[MaterialItem, ...] = (MaterialItem("Прокладка", "1"),)


def steps(final: Status, mode: AcceptanceMode, *, assigned: bool = True) -> tuple[Action, ...]:
    """The actions of a life ending in `final`, the pool step first (`assigned` False: a
    cancellation while the request was still NEW)."""
    if mode is AcceptanceMode.MANAGER and final in (Status.CONFIRMED, Status.RETURNED):
        final = Status.ACCEPTED
    after = _AFTER_FILING[final]
    if final is Status.CANCELLED and not assigned:
        after = _CANCELLED_WHILE_NEW
    if mode is AcceptanceMode.MANAGER and final is Status.ACCEPTED:
        after = after[:-1]  # the confirmation already accepts
    return (Action.ASSIGN_GROUP, *after)


def payload(action: Action, state: RequestState, cast: Cast, notes: Notes) -> Payload:
    """What the step's actor sends (already in the engine's normal form)."""
    if action is Action.ASSIGN_GROUP:
        return Payload(specialisation=state.specialisation)
    if action is Action.MANAGER_ASSIGN:
        return Payload(executor_id=cast.executor, executor_specialisations=cast.executor_skills)
    if action is Action.EXECUTOR_PURCHASE:
        return Payload(materials=notes.materials)
    if action is Action.CLARIFY:
        return Payload(question=notes.question)
    if action is Action.EXECUTOR_COMPLETE:
        return Payload(report=notes.report)
    if action is Action.APPLICANT_ACCEPT:
        return Payload(rating=notes.stars, review=notes.review)
    if action is Action.APPLICANT_RETURN:
        return Payload(reason=notes.return_reason)
    if action is Action.CANCEL:
        return Payload(reason=notes.cancel_reason)
    return Payload()


def actor_id(capacity: Capacity, state: RequestState, cast: Cast) -> str | None:
    """Who acts in `capacity` (None: the system)."""
    return {
        Capacity.SYSTEM: None,
        Capacity.MANAGER: cast.manager,
        Capacity.EXECUTOR: cast.executor,
        Capacity.APPLICANT: state.applicant_id,
    }[capacity]


def live(
    filed: RequestState,
    actions: Sequence[Action],
    times: Sequence[datetime],
    cast: Cast,
    notes: Notes,
) -> tuple[RequestState, list[HistoryEntry]]:
    """The request after `actions` (performed at `times`), and the history entries written."""
    state = filed
    history: list[HistoryEntry] = []
    for action, at in zip(actions, times, strict=True):
        capacity = _BY[action]
        entry = HistoryEntry(
            version=state.version + 1,
            action=action,
            actor_id=actor_id(capacity, state, cast),
            acting_as=capacity,
            from_status=state.status,
            to_status=target_status(state, action),
            at=at,
            payload=payload(action, state, cast, notes),
        )
        state = evolve(state, entry)
        history.append(entry)
    return state, history
