"""The lifecycle benchmarks' own logic, without a stack (the end-to-end run is
test_bench_smoke.py): generated lives are what the engine writes, generated data sets are
consistent, and spread runs call every request exactly once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from google.protobuf import json_format
from ukm.requests.v1 import requests_service_pb2 as pb
from ukm.requests.v1 import workflow_pb2

from services.requests.sla_clock import ClockKind, SlaState
from services.requests.workflow import (
    SYSTEM,
    AcceptanceMode,
    Actor,
    RequestState,
    Status,
    apply,
)
from services.requests.workflow_state import Capacity
from tests.perf.dataset import Generator
from tests.perf.dataset_lives import Cast, Notes, live, steps
from tests.perf.spread import H2LoadSpreadClient, split
from tests.perf.transition import (
    GET,
    TRANSITION,
    assign_target,
    get_target,
    round_order,
)

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
CAST = Cast(
    manager="0b4f5d36-3d1f-4c8e-9a51-6f2d1c0e9a11",
    executor="1c5a6e47-4e2a-4d9f-8b62-7a3e2d1f0b22",
    executor_skills=frozenset({"plumber"}),
)
APPLICANT = "2d6b7f58-5f3b-4e0a-9c73-8b4f3e2a1c33"
LIVES = [
    (final, mode, assigned)
    for final in Status
    for mode in AcceptanceMode
    for assigned in (True, False)
    if assigned or final is Status.CANCELLED
]


def _actor(capacity: Capacity) -> Actor:
    """The person the engine needs to see for each capacity in a generated life."""
    return {
        Capacity.SYSTEM: SYSTEM,
        Capacity.MANAGER: Actor(user_id=CAST.manager, roles=frozenset({"manager"})),
        Capacity.EXECUTOR: Actor(
            user_id=CAST.executor,
            roles=frozenset({"executor"}),
            specialisations=CAST.executor_skills,
            on_shift=True,
        ),
        Capacity.APPLICANT: Actor(user_id=APPLICANT, roles=frozenset({"applicant"})),
    }[capacity]


@pytest.mark.parametrize(("final", "mode", "assigned"), LIVES)
def test_a_generated_life_is_what_the_engine_writes(
    final: Status, mode: AcceptanceMode, assigned: bool
) -> None:
    filed = RequestState(
        number="261125-001",
        status=Status.NEW,
        version=1,
        applicant_id=APPLICANT,
        specialisation="plumber",
        acceptance_mode=mode,
        apartment_id="3e7c8a69-6a4c-4f1b-8d84-9c5a4f3b2d44",
        updated_at=NOW,
    )
    actions = steps(final, mode, assigned=assigned)
    times = [NOW + timedelta(hours=i) for i in range(len(actions))]
    generated, history = live(filed, actions, times, CAST, Notes(review="Спасибо"))

    state = filed
    for entry in history:
        outcome = apply(state, entry.action, _actor(entry.acting_as), entry.payload, now=entry.at)
        assert outcome.entry == entry
        state = outcome.state
    assert state == generated
    manager_final = mode is AcceptanceMode.MANAGER and final in (Status.CONFIRMED, Status.RETURNED)
    assert generated.status is (Status.ACCEPTED if manager_final else final)


def test_a_generated_year_is_consistent_and_nothing_is_due() -> None:
    generator = Generator(NOW, seed=7)
    requests = generator.year(400)
    statuses = {r.values["status"] for r in requests}
    assert {"accepted", "cancelled"} <= statuses and len(statuses) >= 5
    for request in requests:
        values, clocks = request.values, request.clocks
        assert 10 <= len(values["description"]) <= 2000
        assert (values["status"] == "in_progress") <= (values["executor_id"] is not None)
        assert values["created_at"] <= values["updated_at"] < NOW
        assert values["response_due_at"] == clocks.response.due_at
        assert values["resolution_due_at"] == clocks.resolution.due_at
        for clock in clocks.clocks:
            assert clock.next_alert_at is None or clock.next_alert_at > NOW
            if clock.state(NOW) is SlaState.BREACHED:
                assert clock.breached_at is not None


def test_the_overdue_backlog_has_one_due_clock_per_request() -> None:
    backlog = Generator(NOW, seed=7).overdue(50)
    for request in backlog:
        assert request.values["status"] == "new" and request.values["urgency"] == "low"
        response, resolution = request.clocks.clocks
        assert response.kind is ClockKind.RESPONSE and response.warned_at is None
        assert response.next_alert_at is not None and response.next_alert_at <= NOW
        assert response.due_at > NOW
        assert resolution.next_alert_at is not None and resolution.next_alert_at > NOW


def test_spread_runs_deal_every_request_to_exactly_one_connection(tmp_path: Path) -> None:
    numbers = tuple(f"261125-{i:03d}" for i in range(1, 11))
    parts = split(numbers, 4)
    assert sorted(n for part in parts for n in part) == sorted(numbers)
    assert len(parts) == 4 and {len(p) for p in parts} == {2, 3}
    assert split(numbers[:2], 4) == [[numbers[0]], [numbers[1]]]

    client = H2LoadSpreadClient("h2load", "127.0.0.1:1", tmp_path, connections=4, streams=16)
    target = assign_target(numbers, CAST.executor)
    argv = client.argv(target, 3, tmp_path / "uris", tmp_path / "log")
    # One connection per h2load, its own URI list, the JSON body: no URI is shared.
    assert argv[argv.index("-c") + 1] == "1" and argv[argv.index("-m") + 1] == "16"
    assert argv[argv.index("-i") + 1] == str(tmp_path / "uris")
    assert "content-type: application/json" in argv
    get_argv = client.argv(get_target(numbers), 3, tmp_path / "uris", tmp_path / "log")
    assert "-d" not in get_argv  # a GET


def test_the_transition_target_reassigns_by_rest_and_by_grpc() -> None:
    executor = CAST.executor
    target = assign_target(("261125-007",), executor)
    assert target.paths() == ["/v1/requests/261125-007:transition"]
    assert target.rest_body is not None
    body = json.loads(target.rest_body)
    assert body == {
        "action": "TRANSITION_ACTION_MANAGER_ASSIGN",
        "payload": {"executorId": executor},
    }
    message = pb.TransitionRequest.FromString(target.grpc_message("261125-007"))
    assert message.request_number == "261125-007" and message.expected_version == 0
    assert message.action == workflow_pb2.TRANSITION_ACTION_MANAGER_ASSIGN
    assert json_format.MessageToDict(message.payload) == {"executorId": executor}
    assert get_target(("261125-007",)).paths() == ["/v1/requests/261125-007"]


def test_the_two_runs_of_a_round_take_turns_at_going_first() -> None:
    assert round_order(1) == (GET, TRANSITION)
    assert round_order(2) == (TRANSITION, GET)
