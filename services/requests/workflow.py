"""The request workflow engine: one pure function from (request, action, actor, payload, time)
to (new request, history entry, events), or a refusal. No I/O, no protos, no clock reads.

    outcome = apply(state, Action.EXECUTOR_CLAIM, actor, Payload(), now=now, expected_version=7)
    outcome.state, outcome.entry, outcome.events

The store loads a `RequestState`, the servicer builds the `Actor` (roles from the token; shift
and residency facts looked up), `apply` decides, and the store writes the new state, the entry
and the events (as outbox rows) in one transaction, guarded by the version it read.
`replay(initial, history)` rebuilds a state from its history; `allowed_actions` tells a client
which actions to offer (before any payload).

Actions (`Action`): DOMAIN.md's 19, each as its table says, plus one of the system's own:

- RELEASE_TO_POOL (system only; IN_PROGRESS, PURCHASE, CLARIFICATION → NEW): the executor's
  shift ended, so the request goes back to its pool, for the next on-duty executor of that
  specialisation to claim (DOMAIN.md "Shifts": on hand-over the open requests are offered on).
  Payload: a reason (required, e.g. "shift ended") and optionally the pool. The executor is
  cleared and the request is addressed to the pool; events: StatusChanged, Unassigned (the
  executor, the reason, nobody replacing them) and Assigned (group, the pool), so the pool's
  on-duty executors and the managers can be told.

Checks run in this order; the first failing one answers:

1. `expected_version` (None skips it)      → STALE_VERSION
2. the request is not terminal              → REQUEST_FROZEN
3. the actor may act at all (role, or being the applicant / an approved resident of the
   apartment)                               → ROLE_NOT_ALLOWED, NOT_OWNER
4. an executor's work is on their own request → NOT_ASSIGNED
5. the action is allowed from this status for that actor → TRANSITION_NOT_ALLOWED;
   a claim needs a pool-addressed request  → NOT_GROUP_ADDRESSED;
   a release needs an executor to take it from → NOT_ASSIGNED
6. an executor is on an active shift        → EXECUTOR_NOT_ON_SHIFT
7. a claimer's skills and shift cover the pool → SKILL_MISMATCH
8. the payload (InvalidArgument naming the field; REASON_REQUIRED, RATING_REQUIRED)
9. the assignment makes sense               → SKILL_MISMATCH, ALREADY_ASSIGNED, EXECUTOR_REQUIRED

Refusal reasons (`ErrorInfo.reason`; FailedPrecondition unless marked PermissionDenied):

- STALE_VERSION: `expected_version` is not the current version (metadata `current_version`);
  reload and retry.
- REQUEST_FROZEN: the request is ACCEPTED or CANCELLED; nothing changes it any more.
- ROLE_NOT_ALLOWED (PermissionDenied): none of the actor's roles may perform the action (e.g. a
  resident assigning, a manager using the dispatcher's DISPATCH_ASSIGN or the hand-over's
  RELEASE_TO_POOL, the system confirming).
- NOT_OWNER (PermissionDenied): the action belongs to the applicant (CLARIFY_ANSWER,
  APPLICANT_RETURN; CANCEL also to managers; APPLICANT_ACCEPT also to approved residents of the
  same apartment) and the person is none of them.
- NOT_ASSIGNED: an executor's work action (purchase, resume, complete) on a request that is not
  assigned to them; RELEASE_TO_POOL of a request nobody is assigned to (one sent to purchase or
  clarification straight from NEW: no shift of anyone's ends on it).
- TRANSITION_NOT_ALLOWED: the action does not start from the request's status for this actor
  (metadata `status`, `action`); an applicant may cancel only while the request is NEW.
- NOT_GROUP_ADDRESSED: EXECUTOR_CLAIM of a request not offered to a pool.
- EXECUTOR_NOT_ON_SHIFT: an executor acts without an active shift.
- SKILL_MISMATCH: a claimer's own skills or their shift do not cover the pool, or the
  dispatcher assigns an executor without the needed skill (metadata `specialisation`).
- ALREADY_ASSIGNED: MANAGER_ASSIGN of the executor already assigned, or ASSIGN_GROUP to the
  pool the request is already offered to (a retry that would only add noise).
- EXECUTOR_REQUIRED: the action leads to IN_PROGRESS but the request has no executor and the
  payload names none.
- REASON_REQUIRED: CANCEL, RETURN_TO_WORK, APPLICANT_RETURN and RELEASE_TO_POOL need a reason.
- RATING_REQUIRED: APPLICANT_ACCEPT needs a rating.
- InvalidArgument (field violations): a field the action does not take; a missing executor,
  pool, materials list, question, answer or report; text over 2000 characters; more than 10
  media or 50 material lines; a bad material line; an unknown or `universal` pool; unknown
  skills; a rating outside 1–5; a MANAGER_FORCE_ACCEPT comment under 10 characters.

Decisions where DOMAIN.md is silent (or reads two ways):

- "IN_PROGRESS ⟺ an executor is set" is kept as: IN_PROGRESS always has an executor and NEW
  never has one. PURCHASE, CLARIFICATION, COMPLETED, CONFIRMED and RETURNED keep the executor
  (they resume, and are told of returns and cancellations); a request sent to purchase or
  clarification straight from NEW has none. So PURCHASE_DONE, CLARIFY_RESOLVED and
  RETURN_TO_WORK may name an executor in the payload (a reassignment when it is someone else);
  without one they keep the current executor, and without either they answer
  EXECUTOR_REQUIRED. Otherwise such a request could never get back to work.
- All roles a person holds count, not only the active one; `admin` acts as a manager. The
  applicant is recognised by id, whatever their roles (an inspector accepts their own filings).
  Inspectors have no other workflow powers. Account status and visibility are checked before
  (RBAC, and the servicer answers NotFound for requests the caller may not see).
- Managers may assign any executor (they "can always override"); the event says whether the
  skills matched. The dispatcher (DISPATCH_ASSIGN) must match. A claim needs both the
  executor's own skills and their shift to cover the pool: a cleaner on an unfocused shift
  still does not claim lift repairs. The needed skill is the pool's when the request is offered
  to one (a manager may pick another pool than the category's), else the category's. The
  caller checks that a named executor exists and holds the executor role; whether they are on
  duty is the dispatcher's or the manager's call (planned work).
- An applicant answering a clarification may attach media; only the applicant answers
  (neighbours do not see the request while it is in clarification).
- RETURN_TO_WORK clears the completion and the confirmation (no longer true; the history keeps
  them) and the resolution time; `return_info` always holds the latest return.
- A cancelled request keeps its executor and assignment, so they can be told.
- Materials: quantity is positive decimal text; an empty unit means pieces ("pcs").
- Empty strings, empty lists and a rating of 0 mean "not given" (proto3 defaults).
- RELEASE_TO_POOL goes to the pool named in its payload, else to `needed_specialisation`: the
  pool the request is offered to, else its category's. Once someone is assigned, the snapshot no
  longer shows which pool the request came from (a manager may have chosen another than the
  category's), so the caller that knows it (from the assignment log) names it; the engine
  records the pool it used in the history entry, which therefore replays on its own. It keeps
  the materials, the return and the first response time (`responded_at`: the request was
  answered once; the SLA's response clock does not restart); the clarification question stays
  in the history and comments. It records no comment: the reason travels with the status
  change, the unassignment and the history. Like every action it is guarded by the version, so
  a hand-over that read the request before a manager reassigned it answers STALE_VERSION when
  it passes `expected_version`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import reduce

from services.requests import workflow_refusals as refusals
from services.requests.workflow_effects import MAY_ASSIGN, evolve
from services.requests.workflow_events import (
    Assigned,
    Commented,
    CommentKind,
    Event,
    Rated,
    StatusChanged,
    Unassigned,
    events_for,
)
from services.requests.workflow_payload import normalise
from services.requests.workflow_rules import (
    RULES,
    authorise,
    judge,
    needed_specialisation,
    qualifies,
    target_status,
)
from services.requests.workflow_state import (
    OPEN,
    SPECIALISATIONS,
    SYSTEM,
    TERMINAL,
    UNIVERSAL,
    AcceptanceMode,
    Action,
    Actor,
    Assignment,
    AssignmentMode,
    Cancellation,
    Capacity,
    Completion,
    HistoryEntry,
    ManagerConfirmation,
    MaterialItem,
    Materials,
    Payload,
    Rating,
    RequestState,
    ReturnInfo,
    Status,
)

__all__ = [
    "OPEN",
    "REASONS",
    "SPECIALISATIONS",
    "SYSTEM",
    "TERMINAL",
    "UNIVERSAL",
    "AcceptanceMode",
    "Action",
    "Actor",
    "Assigned",
    "Assignment",
    "AssignmentMode",
    "Cancellation",
    "Capacity",
    "CommentKind",
    "Commented",
    "Completion",
    "Event",
    "HistoryEntry",
    "ManagerConfirmation",
    "MaterialItem",
    "Materials",
    "Outcome",
    "Payload",
    "Rated",
    "Rating",
    "RequestState",
    "ReturnInfo",
    "Status",
    "StatusChanged",
    "Unassigned",
    "allowed_actions",
    "apply",
    "replay",
]

# Every FailedPrecondition / PermissionDenied reason the engine gives, for the API docs.
REASONS: Mapping[str, str] = {
    "STALE_VERSION": "the request changed since it was read; reload and retry",
    "REQUEST_FROZEN": "the request is accepted or cancelled",
    "ROLE_NOT_ALLOWED": "none of the caller's roles may perform this action",
    "NOT_OWNER": "only the applicant (or, for some actions, a neighbour or manager) may",
    "NOT_ASSIGNED": "the request is assigned to another executor, or to nobody",
    "TRANSITION_NOT_ALLOWED": "the action does not start from the current status",
    "NOT_GROUP_ADDRESSED": "only requests offered to a pool can be claimed",
    "EXECUTOR_NOT_ON_SHIFT": "the executor has no active shift",
    "SKILL_MISMATCH": "the executor's skills (or shift) do not cover the request",
    "ALREADY_ASSIGNED": "the request is already assigned that way",
    "EXECUTOR_REQUIRED": "the request would be in progress without an executor",
    "REASON_REQUIRED": "the action needs a reason",
    "RATING_REQUIRED": "accepting needs a rating from 1 to 5",
}


@dataclass(frozen=True)
class Outcome:
    """An accepted action: the request after it, its history entry and what happened."""

    state: RequestState
    entry: HistoryEntry
    events: tuple[Event, ...]


def apply(
    state: RequestState,
    action: Action,
    actor: Actor,
    payload: Payload | None = None,
    *,
    now: datetime,
    expected_version: int | None = None,
) -> Outcome:
    """Perform `action` on `state` for `actor` at `now` (timezone-aware), or raise the refusal
    (a `services.kit.errors` exception; see the module docstring for the reasons)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    capacity = authorise(state, action, actor, expected_version)
    clean = _implied(state, action, actor, normalise(action, payload or Payload()))
    _check_assignment(state, action, clean)
    entry = HistoryEntry(
        version=state.version + 1,
        action=action,
        actor_id=actor.user_id,
        acting_as=capacity,
        from_status=state.status,
        to_status=target_status(state, action),
        at=now,
        payload=clean,
    )
    after = evolve(state, entry)
    return Outcome(after, entry, events_for(state, entry, after))


def replay(initial: RequestState, history: Iterable[HistoryEntry]) -> RequestState:
    """The state `history` leads to from `initial` (ValueError if an entry does not fit)."""
    return reduce(evolve, history, initial)


def allowed_actions(state: RequestState, actor: Actor) -> frozenset[Action]:
    """The actions `actor` could perform on `state` now, given a good payload (the buttons a
    client offers)."""
    return frozenset(
        action for action in RULES if isinstance(judge(state, action, actor, None), Capacity)
    )


def _implied(state: RequestState, action: Action, actor: Actor, payload: Payload) -> Payload:
    """`payload` with what the action implies filled in; recording it makes the history entry
    replayable on its own, whatever the state looks like later."""
    if action is Action.EXECUTOR_CLAIM:
        # The claimer assigns themselves.
        return replace(
            payload, executor_id=actor.user_id, executor_specialisations=actor.specialisations
        )
    if action is Action.RELEASE_TO_POOL and payload.specialisation is None:
        return replace(payload, specialisation=needed_specialisation(state))
    return payload


def _check_assignment(state: RequestState, action: Action, payload: Payload) -> None:
    executor = payload.executor_id
    if action is Action.DISPATCH_ASSIGN:
        needed = needed_specialisation(state)
        if not qualifies(payload.executor_specialisations, needed):
            raise refusals.dispatch_skills(executor, needed)
    if action is Action.MANAGER_ASSIGN and executor == state.executor_id:
        raise refusals.already_assigned(state, f"executor {executor}")
    current = state.assignment
    if (
        action is Action.ASSIGN_GROUP
        and current is not None
        and current.mode is AssignmentMode.GROUP
        and current.specialisation == payload.specialisation
    ):
        raise refusals.already_assigned(state, f"the {payload.specialisation} pool")
    if action in MAY_ASSIGN and executor is None and state.executor_id is None:
        raise refusals.executor_required(state)
