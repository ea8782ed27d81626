"""`Transition` throughput through Envoy, as a ratio to `GetRequest` measured the same way in
the same run.

What every call does: a manager's `Transition` with action MANAGER_ASSIGN and
`expected_version` 0, on a request that can take it: the row lock, the engine, the history
entry, the assignment log (the previous assignment ended, a new one active), the SLA hooks and
the events (assigned, unassigned…) in one transaction, plus the service's look-up of the
named executor (who is on duty: the shifts service through the mesh). Nothing is repeated on
the same request within a run, so no call is refused and none waits for another's row lock.

How: N requests filed earlier by the bench's CreateRequest runs (all for one applicant), NEW
in their pool, are found with `ListRequests`. Two executors go on duty (`StartShift`).
Warm-up: every request is assigned to executor A (NEW → IN_PROGRESS: the first assignment),
and read once. Then each round reassigns all N to the other executor (B, then A, then B…):
every call a real reassignment, with one fixed body per run. Each round also reads all N
with `GetRequest`, the two runs taking turns at going first; the figure is the median of
the per-round ratios Transition QPS / GetRequest QPS. Both go through the same client
(tests/perf/spread.py: h2load over REST, one URI per request and one h2load per
connection; the Python fallback over gRPC) with the same calls in flight, so the ratio
compares the two methods, not two clients. Afterwards every request must be IN_PROGRESS
with the last executor, at the version the steps imply. The outbox is drained after every
Transition run, so its relay's work does not spill into the next run.
"""

from __future__ import annotations

import statistics
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from google.protobuf import json_format
from ukm.requests.v1 import request_pb2, workflow_pb2
from ukm.requests.v1 import requests_service_pb2 as pb
from ukm.requests.v1 import requests_service_pb2_grpc as rpc

from tests.perf.load import BenchError, LoadResult, Metadata
from tests.perf.spread import SpreadTarget
from tests.requests.factories import APPLICANT as BENCH_APPLICANT

GET = "get_spread"
TRANSITION = "transition"
_SERVICE = "/ukm.requests.v1.RequestService/"
# A request as filed by the bench: version 1, and 2 once the pool step (in the same
# transaction) is done; each assignment adds one.
_FILED_VERSION = 2


class SpreadRunner(Protocol):
    """Runs a spread target and checks it (every call OK), with its CPU figures."""

    async def __call__(self, target: SpreadTarget) -> LoadResult: ...


@dataclass(frozen=True)
class TransitionResult:
    """The warm-up and the measured runs, by target."""

    protocol: str
    numbers: tuple[str, ...]  # the requests: each run calls every one once
    first_assignment: LoadResult  # the warm-up's NEW → IN_PROGRESS run
    runs: dict[str, list[LoadResult]]  # GET and TRANSITION, one per round
    per_round: list[float]  # Transition / GetRequest QPS
    ratio: float  # their median


def get_target(numbers: tuple[str, ...]) -> SpreadTarget:
    """`GetRequest` of each request."""
    return SpreadTarget(
        name=GET,
        numbers=numbers,
        rest_path="/v1/requests/{number}",
        rest_body=None,
        grpc_path=_SERVICE + "GetRequest",
        grpc_message=lambda n: pb.GetRequestRequest(request_number=n).SerializeToString(),
    )


def assign_target(numbers: tuple[str, ...], executor_id: str) -> SpreadTarget:
    """`Transition` MANAGER_ASSIGN of `executor_id` on each request (no version check)."""
    action = workflow_pb2.TRANSITION_ACTION_MANAGER_ASSIGN
    payload = workflow_pb2.TransitionPayload(executor_id=executor_id)

    def message(number: str) -> bytes:
        call = pb.TransitionRequest(request_number=number, action=action, payload=payload)
        return call.SerializeToString()

    # Over REST the number is in the path; the body is the rest of the message.
    body = json_format.MessageToJson(pb.TransitionRequest(action=action, payload=payload))
    return SpreadTarget(
        name=TRANSITION,
        numbers=numbers,
        rest_path="/v1/requests/{number}:transition",
        rest_body=body.encode(),
        grpc_path=_SERVICE + "Transition",
        grpc_message=message,
    )


def round_order(round_no: int) -> tuple[str, str]:
    """Which run of a round goes first: they take turns, so that whatever the previous round
    left behind (checkpoints, autovacuum after thousands of updates) touches both alike."""
    return (GET, TRANSITION) if round_no % 2 else (TRANSITION, GET)


async def pool_requests(
    stub: rpc.RequestServiceStub, metadata: Metadata, count: int
) -> tuple[str, ...]:
    """`count` NEW requests the bench filed (waiting in their pool, untouched since), newest
    first. The generated data set has NEW requests too, of other applicants."""
    numbers: list[str] = []
    token = ""
    while len(numbers) < count:
        page = await stub.ListRequests(
            pb.ListRequestsRequest(
                statuses=[request_pb2.REQUEST_STATUS_NEW],
                applicant_id=BENCH_APPLICANT,
                page_size=100,
                page_token=token,
            ),
            timeout=30,
            metadata=metadata,
        )
        numbers += [r.request_number for r in page.requests if r.version == _FILED_VERSION]
        token = page.next_page_token
        if not token:
            break
    if len(numbers) < count:
        raise BenchError(f"only {len(numbers)} NEW requests to assign, {count} wanted")
    return tuple(numbers[:count])


async def measure_transitions(
    run: SpreadRunner,
    stub: rpc.RequestServiceStub,
    metadata: Callable[[], Awaitable[Metadata]],
    executors: tuple[str, str],
    *,
    count: int,
    rounds: int,
    protocol: str,
    say: Callable[[str], None],
) -> TransitionResult:
    """The warm-up, `rounds` rounds and the check afterwards (see the module docstring)."""
    numbers = await pool_requests(stub, await metadata(), count)
    say(f"  · Transition: {count} requests, warm-up (first assignment, one read each)")
    await run(get_target(numbers))
    first = await run(assign_target(numbers, executors[0]))
    runs: dict[str, list[LoadResult]] = {GET: [], TRANSITION: []}
    executor = executors[0]
    for round_no in range(1, rounds + 1):
        executor = executors[round_no % 2]  # B, A, B…: each call a reassignment
        targets = {GET: get_target(numbers), TRANSITION: assign_target(numbers, executor)}
        for name in round_order(round_no):
            result = await run(targets[name])
            runs[name].append(result)
            say(
                f"  · round {round_no}/{rounds} {name:<12} {result.qps:>8,.0f} QPS  "
                f"p50 {result.p50_ms:6.1f} ms  p99 {result.p99_ms:6.1f} ms"
            )
    await _check_assigned(stub, await metadata(), numbers, executor, _FILED_VERSION + 1 + rounds)
    per_round = [
        t.qps / g.qps if g.qps > 0 else 0.0
        for t, g in zip(runs[TRANSITION], runs[GET], strict=True)
    ]
    return TransitionResult(
        protocol=protocol,
        numbers=numbers,
        first_assignment=first,
        runs=runs,
        per_round=per_round,
        ratio=statistics.median(per_round),
    )


async def _check_assigned(
    stub: rpc.RequestServiceStub,
    metadata: Metadata,
    numbers: tuple[str, ...],
    executor: str,
    version: int,
) -> None:
    """Every request is IN_PROGRESS with `executor`, at `version` (one step per call, none
    lost, none doubled). Read with ListRequests: GetRequest is a measured path, and the
    access-log checks count every call of it."""
    found: dict[str, int] = {}
    token = ""
    while True:
        page = await stub.ListRequests(
            pb.ListRequestsRequest(
                executor_id=executor,
                statuses=[request_pb2.REQUEST_STATUS_IN_PROGRESS],
                applicant_id=BENCH_APPLICANT,
                page_size=100,
                page_token=token,
            ),
            timeout=30,
            metadata=metadata,
        )
        found.update((r.request_number, r.version) for r in page.requests)
        token = page.next_page_token
        if not token:
            break
    if set(found) != set(numbers):
        raise BenchError(
            f"{len(set(found) & set(numbers))} of {len(numbers)} requests ended with the executor"
        )
    wrong = {n: v for n, v in found.items() if v != version}
    if wrong:
        number, seen = next(iter(wrong.items()))
        raise BenchError(f"{len(wrong)} requests not at version {version}, e.g. {number} at {seen}")
