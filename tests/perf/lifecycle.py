"""The request lifecycle's benchmarks, on the same stack as the mesh's:

1. first, a year of a housing company's requests is generated and written straight into the
   database (tests/perf/dataset.py, bulk.py), and `ListRequests` is timed per filter
   combination on it (tests/perf/listing.py);
2. after the mesh's figures, `Transition` throughput as a ratio to `GetRequest`
   (tests/perf/transition.py), on requests the create runs filed;
3. last, the service's SLA scheduler catching up a backlog of due clocks
   (tests/perf/sla_catchup.py).

Why this order: every figure is then taken on a database of a company's size, and the listing
sees the year as a company has it, not beside thousands of requests the load runs filed a
minute ago, all still open (the newest-first walk of an SLA filter would cross all of them,
which no real board does). The backlog lands last so that its alerts disturb nothing else.
Everything goes through Envoy's edge as the signed-in manager, except the data set's insert
and the bench's own bookkeeping (is the outbox drained? how many clocks are still due?),
which read the database directly.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import grpc
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from ukm.requests.v1 import requests_service_pb2_grpc as rpc

from services.kit.db import create_engine
from services.requests import models
from services.requests.sla_settings import SlaSettings
from tests.perf.access_log import OK
from tests.perf.bulk import insert_requests
from tests.perf.dataset import Generator
from tests.perf.listing import ListingResult, cases, time_listings
from tests.perf.load import BenchError, LoadResult
from tests.perf.people import go_on_duty
from tests.perf.report import median_result
from tests.perf.sla_catchup import CatchUpResult, measure_catch_up
from tests.perf.spread import (
    REST,
    H2LoadSpreadClient,
    PythonSpreadClient,
    SpreadClient,
    SpreadTarget,
)
from tests.perf.transition import (
    TRANSITION,
    SpreadRunner,
    TransitionResult,
    get_target,
    measure_transitions,
)

if TYPE_CHECKING:
    from tests.perf.measure import Bench


@dataclass(frozen=True)
class DataSet:
    """The generated requests and what putting them in took."""

    requests: int
    generate_s: float
    insert_s: float


@dataclass(frozen=True)
class LifecycleFigures:
    """Everything the lifecycle phase measured."""

    transition: TransitionResult
    outbox_drains: list[float]  # seconds, after each Transition run
    dataset: DataSet
    listings: list[ListingResult]
    catch_up: CatchUpResult
    # GetRequest spread over the same requests by the Python client, when h2load did the runs
    # and the fallback is to be proven (--quick).
    python_client_get: LoadResult | None = None

    def figures(self) -> dict[str, float]:
        """The values of the lifecycle's goals (tests/perf/report.py GOALS)."""
        return {
            "transition_ratio": self.transition.ratio,
            "list_p95_ms": max(result.p95_ms for result in self.listings),
            "sla_catch_up_s": self.catch_up.catch_up_s,
        }

    def as_dict(self) -> dict[str, Any]:
        """The report's sections (JSON-friendly; report.build_report rounds them)."""
        transition = self.transition
        return {
            "transition": {
                "protocol": transition.protocol,
                "requests_per_run": len(transition.numbers),
                "ratio": transition.ratio,
                "per_round": transition.per_round,
                "first_assignment": transition.first_assignment.as_dict(),
                "throughput": {
                    name: {"median": median_result(runs), "runs": [r.as_dict() for r in runs]}
                    for name, runs in transition.runs.items()
                },
                "outbox_drain_seconds": self.outbox_drains,
                **(
                    {"python_client_get": self.python_client_get.as_dict()}
                    if self.python_client_get is not None
                    else {}
                ),
            },
            "dataset": vars(self.dataset),
            "listing": [vars(result) for result in self.listings],
            "sla_catch_up": vars(self.catch_up),
        }


class Lifecycle:
    """The lifecycle phases of one bench run, and their figures."""

    def __init__(self, bench: Bench) -> None:
        self.bench = bench
        # Connects on first use (the bench's bookkeeping and the data set's insert).
        self.engine = create_engine(
            bench.stack.database_url, pool_size=2, application_name="ukm-bench"
        )
        self.generator: Generator | None = None
        self.dataset: DataSet | None = None
        self.listings: list[ListingResult] = []
        self.transition: TransitionResult | None = None
        self.drains: list[float] = []
        self.catch_up: CatchUpResult | None = None
        self.python_client_get: LoadResult | None = None

    async def close(self) -> None:
        """Release the database connections."""
        await self.engine.dispose()

    async def listing(self) -> None:
        """The data set, then ListRequests on it (before anything else fills the database)."""
        bench, config = self.bench, self.bench.config
        self.dataset, self.generator = await _dataset(self.engine, config.dataset, bench.say)
        bench.say(f"  · ListRequests: {config.list_calls} timed calls per filter combination")
        self.listings = await time_listings(
            bench.stack.edge_address,
            await bench.session.metadata(),
            cases(self.generator.directory),
            calls=config.list_calls,
            warmup=config.list_warmup,
            groups=bench.stack.process_groups(),
        )

    async def workflow(self) -> None:
        """Transition against GetRequest, then the SLA scheduler's catch-up."""
        bench, config = self.bench, self.bench.config
        if self.generator is None:
            raise BenchError("the data set comes first (Lifecycle.listing)")
        async with grpc.aio.insecure_channel(bench.stack.edge_address) as channel:
            stub = rpc.RequestServiceStub(channel)
            self.transition = await _transitions(bench, stub, self.engine, self.drains)
        if config.check_fallback and bench.h2load is not None:
            python = _runner(bench, self.engine, _python_client(bench), self.drains)
            self.python_client_get = await python(get_target(self.transition.numbers))
            bench.say(
                f"  · Python client, GetRequest spread: {self.python_client_get.qps:,.0f} QPS"
            )
        bench.say(f"  · SLA scheduler: a backlog of {config.due_clocks:,} due clocks lands")
        # Due as of now: the generator's own moment is the start of the run.
        backlog = self.generator.overdue(config.due_clocks, at=datetime.now(UTC))
        self.catch_up = await measure_catch_up(self.engine, bench.nc, backlog)

    def results(self) -> LifecycleFigures:
        """Everything measured (BenchError if a phase did not run)."""
        if self.transition is None or self.dataset is None or self.catch_up is None:
            raise BenchError("a lifecycle phase did not run")
        return LifecycleFigures(
            self.transition,
            self.drains,
            self.dataset,
            self.listings,
            self.catch_up,
            self.python_client_get,
        )


async def _transitions(
    bench: Bench, stub: rpc.RequestServiceStub, engine: AsyncEngine, drains: list[float]
) -> TransitionResult:
    """Both executors on duty, then the runs."""
    executors = bench.stack.people.executors
    for executor in executors:
        await go_on_duty(bench.stack.edge_address, executor)
    client = _spread_client(bench)
    return await measure_transitions(
        _runner(bench, engine, client, drains),
        stub,
        bench.session.metadata,
        (executors[0].user_id, executors[1].user_id),
        count=bench.config.transitions,
        rounds=bench.config.rounds,
        protocol=client.protocol,
        say=bench.say,
    )


def _runner(
    bench: Bench, engine: AsyncEngine, client: SpreadClient, drains: list[float]
) -> SpreadRunner:
    """Runs spread targets with `client` as the manager, with their CPU; checks every call in
    the access log and drains the outbox after each Transition run (into `drains`)."""

    async def run(target: SpreadTarget) -> LoadResult:
        signed = replace(target, metadata=await bench.session.metadata())
        count = len(target.numbers)
        result = await bench.with_cpu(bench.main, count, lambda: client.run(signed))
        if client.protocol == REST:
            expected = {(path, OK): 1 for path in target.paths()}
            await bench.main.log.expect_outcomes(expected, within=30)
        else:
            await bench.main.log.expect(target.grpc_path, count, within=30)
        if target.name == TRANSITION:
            drains.append(await outbox_drained(engine))
        return result

    return run


def _spread_client(bench: Bench) -> SpreadClient:
    """h2load (over REST) when the bench found it, else the Python client (gRPC)."""
    config = bench.config
    if bench.h2load is not None:
        return H2LoadSpreadClient(
            bench.h2load,
            bench.main.address,
            bench.stack.workdir / "h2load",
            connections=config.connections,
            streams=config.streams,
        )
    return _python_client(bench)


def _python_client(bench: Bench) -> PythonSpreadClient:
    config = bench.config
    return PythonSpreadClient(
        bench.main.address, connections=config.connections, streams=config.streams
    )


async def _dataset(
    engine: AsyncEngine, count: int, say: Callable[[str], None]
) -> tuple[DataSet, Generator]:
    say(f"  · data set: generating {count:,} requests (a year of a housing company)")
    started = time.monotonic()
    # The services' SLA policy (they got this process's environment).
    generator = Generator(datetime.now(UTC), policy=SlaSettings().policy())
    requests = generator.year(count)
    generated = time.monotonic()
    say("  · data set: COPY into requests.requests and requests.sla_clocks, ANALYZE")
    await insert_requests(engine, requests)
    inserted = time.monotonic()
    return DataSet(count, generated - started, inserted - generated), generator


async def outbox_drained(engine: AsyncEngine, *, within: float = 120.0) -> float:
    """Wait until the requests service's relay has published every event; the seconds waited."""
    outbox = models.outbox
    query = sa.select(sa.func.count()).where(outbox.c.published_at.is_(None))
    started = time.monotonic()
    while True:
        async with engine.connect() as connection:
            waiting = int((await connection.execute(query)).scalar_one())
        if waiting == 0:
            return time.monotonic() - started
        if time.monotonic() - started > within:
            raise BenchError(f"{waiting} events still in the outbox after {within:.0f}s")
        await asyncio.sleep(0.05)
