"""Random walks through the workflow by random people: the invariants always hold.

Each step picks an action, an actor and a payload (see `steps`): usually a step someone may
take with a good payload, sometimes anything at all; refusals change nothing and give a
documented reason. After every accepted step the request is checked; at the end its history
must replay to it.
"""

from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from services.kit.errors import FailedPrecondition, InvalidArgument, UkmError
from services.requests.workflow import (
    OPEN,
    REASONS,
    SPECIALISATIONS,
    TERMINAL,
    AcceptanceMode,
    Action,
    Actor,
    Assigned,
    AssignmentMode,
    Commented,
    HistoryEntry,
    MaterialItem,
    Outcome,
    Payload,
    Rated,
    RequestState,
    Status,
    StatusChanged,
    Unassigned,
    allowed_actions,
    apply,
    replay,
)
from services.requests.workflow_effects import evolve
from services.requests.workflow_payload import ACCEPTS
from tests.requests.test_workflow_world import (
    ACTORS,
    APARTMENT,
    APPLICANT,
    CREATED,
    GOOD_PAYLOADS,
    NUMBER,
    request_in,
)

S = Status
EXECUTOR_IDS = ("user-executor", "user-other-executor", "user-electrician", "user-universal")
CAST: tuple[Actor, ...] = (
    *ACTORS.values(),
    Actor(
        "user-electrician",
        frozenset({"executor"}),
        frozenset({"electrician"}),
        on_shift=True,
        shift_specialisations=frozenset({"electrician"}),
    ),
    Actor(
        "user-universal",
        frozenset({"executor", "applicant"}),
        frozenset({"universal"}),
        on_shift=True,
    ),
)

_TEXTS = st.sampled_from(["", "   ", "short", "A proper explanation of it"])
_SKILLS = st.frozensets(st.sampled_from((*SPECIALISATIONS, "universal")), max_size=2)
_MATERIALS = st.lists(
    st.builds(
        MaterialItem,
        st.sampled_from(["Tap", "Pipe", ""]),
        st.sampled_from(["1", "0.5", "0"]),
        st.sampled_from(["", "m"]),
    ),
    max_size=2,
).map(tuple)
# Per field, a strategy for values (mostly good, sometimes not).
FIELDS: dict[str, st.SearchStrategy[object]] = {
    "executor_id": st.sampled_from(EXECUTOR_IDS),
    "executor_specialisations": _SKILLS,
    "specialisation": st.sampled_from((*SPECIALISATIONS, "universal")),
    "materials": _MATERIALS,
    "question": _TEXTS,
    "answer": _TEXTS,
    "reason": _TEXTS,
    "comment": _TEXTS,
    "notes": _TEXTS,
    "report": _TEXTS,
    "media": st.lists(st.just({"mediaId": "m-1"}), max_size=2).map(tuple),
    "rating": st.integers(0, 6),
    "review": _TEXTS,
}


@st.composite
def payloads(draw: st.DrawFn, action: Action) -> Payload:
    """The action's good payload, or one with some of its fields (rarely others) redrawn."""
    if draw(st.booleans()):
        return GOOD_PAYLOADS[action]
    names = sorted(ACCEPTS[action])
    if draw(st.integers(0, 9)) == 0:
        names = sorted(FIELDS)  # now and then a field the action does not take
    chosen = draw(st.lists(st.sampled_from(names), unique=True)) if names else []
    values = {name: draw(FIELDS[name]) for name in chosen}
    return Payload(**values)  # type: ignore[arg-type]


@st.composite
def steps(draw: st.DrawFn, state: RequestState) -> tuple[Action, Actor, Payload]:
    """A random step; three times in four one that someone may take, mostly with a good
    payload, so walks get deep (cancelling, which ends a walk, only now and then)."""
    if draw(st.integers(0, 3)):
        cancel = draw(st.integers(0, 19)) == 0
        options = sorted(
            (action, i)
            for i, actor in enumerate(CAST)
            for action in allowed_actions(state, actor)
            if cancel or action is not Action.CANCEL
        )
        if options:
            action, i = draw(st.sampled_from(options))
            good = draw(st.integers(0, 3)) > 0
            payload = GOOD_PAYLOADS[action] if good else draw(payloads(action))
            return action, CAST[i], payload
    action = draw(st.sampled_from(Action))
    return action, draw(st.sampled_from(CAST)), draw(payloads(action))


def initial_request(mode: AcceptanceMode, specialisation: str) -> RequestState:
    return RequestState(
        number=NUMBER,
        status=S.NEW,
        version=1,
        applicant_id=APPLICANT,
        specialisation=specialisation,
        acceptance_mode=mode,
        apartment_id=APARTMENT,
        updated_at=CREATED,
    )


def check_state(state: RequestState) -> None:
    """The invariants of a single request state."""
    if state.status is S.IN_PROGRESS:
        assert state.executor_id is not None, "IN_PROGRESS without an executor"
    if state.status is S.NEW:
        assert state.executor_id is None, "NEW with an executor"
    # One active assignment, and the executor is the one it names.
    assignment = state.assignment
    if state.executor_id is not None:
        assert assignment is not None and assignment.mode is AssignmentMode.INDIVIDUAL
        assert assignment.executor_id == state.executor_id
    if assignment is not None and assignment.mode is AssignmentMode.GROUP:
        assert assignment.executor_id is None and assignment.specialisation in SPECIALISATIONS
    if state.rating is not None:
        assert 1 <= state.rating.stars <= 5 and state.status is S.ACCEPTED
    assert (state.accepted_at is not None) == (state.status is S.ACCEPTED)
    assert (state.cancellation is not None) == (state.status is S.CANCELLED)
    if state.status is S.COMPLETED:
        assert state.completion is not None and state.resolved_at is not None


def check_step(before: RequestState, outcome: Outcome) -> None:
    """What every accepted action must do."""
    after, entry = outcome.state, outcome.entry
    assert before.status not in TERMINAL
    assert after.version == entry.version == before.version + 1
    assert (entry.from_status, entry.to_status) == (before.status, after.status)
    assert evolve(before, entry) == after
    check_state(after)
    assert all(e.number == after.number and e.version == after.version for e in outcome.events)
    changed = [e for e in outcome.events if isinstance(e, StatusChanged)]
    assert len(changed) == (before.status is not after.status)
    assigned = [e for e in outcome.events if isinstance(e, Assigned)]
    assert len(assigned) == (before.assignment != after.assignment)
    unassigned = [e for e in outcome.events if isinstance(e, Unassigned)]
    replaced = before.executor_id is not None and before.executor_id != after.executor_id
    assert [e.executor_id for e in unassigned] == ([before.executor_id] if replaced else [])
    assert [e.replaced_by for e in unassigned] == ([after.executor_id] if replaced else [])
    rated = [e for e in outcome.events if isinstance(e, Rated)]
    assert len(rated) == (after.rating is not None)
    comments = [e for e in outcome.events if isinstance(e, Commented)]
    assert all(c.text.strip() == c.text and c.text for c in comments)
    if entry.action is Action.RELEASE_TO_POOL:
        check_release(before, outcome)


def check_release(before: RequestState, outcome: Outcome) -> None:
    """A release takes the request off its executor and gives it to a pool, and nothing else:
    what was asked, bought or answered stays."""
    after, entry = outcome.state, outcome.entry
    assert before.executor_id is not None and after.executor_id is None
    assert after.assignment is not None and after.assignment.mode is AssignmentMode.GROUP
    assert after.assignment.specialisation == entry.payload.specialisation
    assert entry.actor_id is None and entry.payload.reason
    kept = ("materials", "return_info", "completion", "responded_at", "resolved_at")
    assert all(getattr(after, name) == getattr(before, name) for name in kept)
    assert [type(e) for e in outcome.events] == [StatusChanged, Unassigned, Assigned]


def check_refusal(state: RequestState, error: UkmError) -> None:
    """Refusals are kit errors with a documented reason; frozen requests refuse everything."""
    if isinstance(error, InvalidArgument):
        assert error.violations and state.status not in TERMINAL
        return
    assert isinstance(error, FailedPrecondition), error
    assert error.reason in REASONS, error.reason
    if state.status in TERMINAL:
        assert error.reason in ("REQUEST_FROZEN", "STALE_VERSION")


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    data=st.data(),
    mode=st.sampled_from(AcceptanceMode),
    specialisation=st.sampled_from(SPECIALISATIONS),
    start=st.sampled_from(sorted(OPEN)),
    length=st.integers(1, 50),
)
def test_random_walks_keep_the_invariants(
    data: st.DataObject,
    mode: AcceptanceMode,
    specialisation: str,
    start: Status,
    length: int,
) -> None:
    # From a fresh request, or from one built by hand in any open status (walks get there
    # too, but rarely as far as RETURNED).
    fresh = data.draw(st.booleans())
    initial = initial_request(mode, specialisation) if fresh else request_in(start, mode)
    check_state(initial)
    state = initial
    history: list[HistoryEntry] = []
    now = CREATED
    for _ in range(length):
        action, actor, payload = data.draw(steps(state))
        version = data.draw(st.sampled_from([None, state.version, state.version - 1]))
        now += timedelta(minutes=data.draw(st.integers(0, 600)))
        try:
            outcome = apply(state, action, actor, payload, now=now, expected_version=version)
        except UkmError as error:
            check_refusal(state, error)
            continue
        check_step(state, outcome)
        state = outcome.state
        history.append(outcome.entry)
    for status in sorted({e.to_status for e in history}):
        event(f"reached {status.value}")
    if any(e.action is Action.RELEASE_TO_POOL for e in history):
        event("released to the pool")
    assert state.version == initial.version + len(history)
    assert replay(initial, history) == state


def test_walks_reach_every_status_and_take_every_action() -> None:
    """The walks above can go everywhere: a seeded walk with good payloads visits all statuses
    and takes every action, the system's release included (otherwise the property test would
    prove little)."""
    seen: set[Status] = set()
    taken: set[Action] = set()
    rng = random.Random(4)
    for _ in range(200):
        state = initial_request(AcceptanceMode.RESIDENT, "plumber")
        for _ in range(30):
            actor = rng.choice(CAST)
            options = sorted(allowed_actions(state, actor))
            if not options:
                continue
            action = rng.choice(options)
            try:
                state = apply(state, action, actor, GOOD_PAYLOADS[action], now=CREATED).state
            except UkmError:
                continue
            seen.add(state.status)
            taken.add(action)
    assert seen == set(Status)
    assert taken == set(Action)
