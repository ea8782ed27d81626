"""Event → provider call: how long after an event is published the local Bot API receives the
`sendMessage` it causes, at a steady rate, against the broker's own delivery latency.

Each event is a `RequestAssigned` of a request reassigned to one of the bench's executors
(only the new executor hears it: `request.assigned`, non-urgent, one inline button), published
into JetStream exactly as the requests service's relay does (the envelope, `Nats-Msg-Id` = the
event id). Publishing is open loop at `rate`/s (absolute due times; a slow ack does not delay
the next event). The same events are read meanwhile by a bare durable pull consumer of this
process (fetch 50 and ack, the kit's consumer without the work): publish → that consumer is
the broker's share, publish → Bot API the service's; the difference per event is what the
service adds (intake transaction, the worker's claim, contacts, preferences, the per-person
limit, rendering, the HTTP call). Events and messages are matched by request number.

Where the service's time goes, per event, from its own timestamps on the delivery (same host,
same wall clock): publish → `created_at` (the intake handler recording it: fetch, inbox, routing),
→ `started_at` (the worker's round that claimed it: commit, NOTIFY, wake-up, claim), → the
Bot API receiving the call (contacts, preferences, the per-person limit, rendering, marking it
started, the HTTP call). The service's CPU per event and the machine's other load are read from
/proc over the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass

import nats
import sqlalchemy as sa
from nats.aio.client import Client as NatsClient
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy.ext.asyncio import AsyncEngine
from ukm.requests.v1 import events_pb2 as request_events
from ukm.requests.v1 import request_pb2

from services.kit.envelope import Envelope, event_subject, wrap
from services.notifications import models
from tests.perf.bot_api import Arrival, TimedBotApi
from tests.perf.cpu import OTHER, CpuSnapshot
from tests.perf.load import BenchError, percentile
from tests.perf.notify_people import Recipient, new_id

SUBJECT = event_subject("requests", request_events.RequestAssigned)
STREAM = "REQUESTS"
BASELINE_DURABLE = "bench-broker-baseline"
MEASURED = "990001"
WARMUP = "990000"
PROFILED = "990006"  # a second paced run, sampled (--profile), outside the figures


@dataclass(frozen=True)
class LatencyResult:
    """Figures of one paced run (milliseconds)."""

    target_rate: float
    achieved_rate: float
    seconds: float
    events: int
    recipients: int
    p50_ms: float  # publish → Bot API
    p99_ms: float
    max_ms: float
    broker_p50_ms: float  # publish → a bare consumer
    broker_p99_ms: float
    broker_max_ms: float
    added_p50_ms: float  # per event: service − broker
    added_p99_ms: float
    publish_p99_ms: float  # until JetStream acknowledged the publish
    # The service's own stages (p50, p99 ms): publish → recorded by the intake, → claimed by
    # the worker, → received by the Bot API.
    intake_ms: tuple[float, float]
    to_claim_ms: tuple[float, float]
    to_call_ms: tuple[float, float]
    service_cpu_us_per_event: float
    other_cores: float

    @property
    def ratio_p99(self) -> float:
        """p99 of the service over the broker's."""
        return self.p99_ms / self.broker_p99_ms if self.broker_p99_ms > 0 else 0.0

    def as_dict(self) -> dict[str, object]:
        """The JSON section."""
        found: dict[str, object] = {**vars(self), "ratio_p99": self.ratio_p99}
        for name in ("intake_ms", "to_claim_ms", "to_call_ms"):
            p50, p99 = found.pop(name)  # type: ignore[misc]
            found[name] = {"p50": p50, "p99": p99}
        return found


def assigned_event(number: str, executor: Recipient, manager_id: str) -> Envelope:
    """A request reassigned by the manager to `executor`, as the requests service announces it."""
    request = request_pb2.Request(
        request_number=number,
        category=request_pb2.CATEGORY_PLUMBING,
        urgency=request_pb2.URGENCY_HIGH,
        status=request_pb2.REQUEST_STATUS_IN_PROGRESS,
        description="Течёт смеситель на кухне, капает в соседей снизу",
        applicant_id=new_id(),
        executor_id=executor.user_id,
    )
    event = request_events.RequestAssigned(
        request=request,
        executor_id=executor.user_id,
        previous_executor_id=new_id(),
        assigned_by=manager_id,
    )
    return wrap(event, source="requests", subject=number)


class BrokerBaseline:
    """A bare durable pull consumer of the events (own connection), noting arrival times."""

    def __init__(self, nats_url: str) -> None:
        self.nats_url = nats_url
        self.arrived: dict[str, float] = {}  # request number → time.monotonic()
        self._nc: NatsClient | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Create the consumer (new messages only) and start fetching."""
        self._nc = nc = await nats.connect(self.nats_url, name="ukm-bench-broker-baseline")
        js = nc.jetstream()
        await js.add_consumer(
            STREAM,
            ConsumerConfig(
                name=BASELINE_DURABLE,
                durable_name=BASELINE_DURABLE,
                filter_subject=SUBJECT,
                deliver_policy=DeliverPolicy.NEW,
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=30.0,
            ),
        )
        sub = await js.pull_subscribe_bind(durable=BASELINE_DURABLE, stream=STREAM)

        async def fetch_forever() -> None:
            while True:
                try:
                    msgs = await sub.fetch(50, timeout=1.0)
                except TimeoutError:
                    continue
                for msg in msgs:
                    at = time.monotonic()
                    self.arrived[Envelope.FromString(msg.data).subject] = at
                    await msg.ack()

        self._task = asyncio.create_task(fetch_forever(), name="bench-broker-baseline")

    async def stop(self) -> None:
        """Stop fetching, delete the consumer, close the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.jetstream().delete_consumer(STREAM, BASELINE_DURABLE)
            await self._nc.close()


async def paced_publish(
    nc: NatsClient,
    recipients: Sequence[Recipient],
    manager_id: str,
    *,
    prefix: str,
    count: int,
    rate: float,
    walls: dict[str, float] | None = None,
) -> tuple[dict[str, float], list[float], float]:
    """Publish `count` events at `rate`/s; returns (number → publish time, ack latencies in ms,
    seconds the publishing took). `walls` gets the publish times by the wall clock."""
    js = nc.jetstream()
    published: dict[str, float] = {}
    walls = walls if walls is not None else {}
    acks: list[float] = []
    failures: list[str] = []

    async def one(i: int) -> None:
        number = f"{prefix}-{i + 1}"
        envelope = assigned_event(number, recipients[i % len(recipients)], manager_id)
        data = envelope.SerializeToString()
        started = time.monotonic()
        published[number] = started
        walls[number] = time.time()
        try:
            await js.publish(SUBJECT, data, headers={"Nats-Msg-Id": envelope.id})
        except Exception as exc:
            failures.append(repr(exc))
            return
        acks.append((time.monotonic() - started) * 1000)

    loop = asyncio.get_running_loop()
    tasks: list[asyncio.Task[None]] = []
    begin = loop.time()
    for i in range(count):
        delay = begin + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    elapsed = loop.time() - begin
    if failures:
        raise BenchError(f"{len(failures)} event publishes failed, e.g. {failures[0]}")
    return published, acks, elapsed


def _arrivals(bot: TimedBotApi, mark: int, prefix: str) -> dict[str, Arrival]:
    """Number → the first successful call the Bot API received for it (after `mark`)."""
    found: dict[str, Arrival] = {}
    for arrival in bot.since(mark, prefix):
        if arrival.status == 200:
            found.setdefault(arrival.number, arrival)
    return found


async def _stamps(engine: AsyncEngine, prefix: str) -> dict[str, tuple[float, float]]:
    """Request number → the delivery's (created_at, started_at) as epoch seconds."""
    table = models.deliveries
    query = sa.select(table.c.subject, table.c.created_at, table.c.started_at).where(
        table.c.subject.like(f"{prefix}-%")
    )
    async with engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    return {
        str(subject): (created.timestamp(), started.timestamp())
        for subject, created, started in rows
        if started is not None
    }


def _p50_p99(values: Sequence[float]) -> tuple[float, float]:
    return (percentile(values, 50), percentile(values, 99)) if values else (0.0, 0.0)


async def measure_latency(
    nc: NatsClient,
    nats_url: str,
    bot: TimedBotApi,
    engine: AsyncEngine,
    groups: dict[str, int],
    recipients: Sequence[Recipient],
    manager_id: str,
    *,
    rate: float,
    seconds: float,
    warmup: int,
    settle: float = 30.0,
    prefix: str = MEASURED,
) -> LatencyResult:
    """A short warm-up (connections, caches), then `rate × seconds` events at `rate`/s
    (numbered `<prefix>-n`)."""
    if warmup:
        mark = len(bot.arrivals)
        sent, _, _ = await paced_publish(
            nc, recipients, manager_id, prefix=WARMUP, count=warmup, rate=rate / 2
        )
        if not await bot.wait_for(
            lambda: len(_arrivals(bot, mark, WARMUP)) >= len(sent), within=settle
        ):
            raise BenchError("the warm-up events did not all reach the Bot API")
    baseline = BrokerBaseline(nats_url)
    await baseline.start()
    walls: dict[str, float] = {}
    try:
        mark = len(bot.arrivals)
        total = max(1, round(rate * seconds))
        before = CpuSnapshot.take(groups)
        begun = time.monotonic()
        published, acks, elapsed = await paced_publish(
            nc, recipients, manager_id, prefix=prefix, count=total, rate=rate, walls=walls
        )

        def complete() -> bool:
            return len(_arrivals(bot, mark, prefix)) >= total and len(baseline.arrived) >= total

        await bot.wait_for(complete, within=settle, poll=0.05)
        spent = before.until(CpuSnapshot.take(groups))
        span = time.monotonic() - begun
        arrived = _arrivals(bot, mark, prefix)
        broker = dict(baseline.arrived)
    finally:
        await baseline.stop()
    missing = [n for n in published if n not in arrived]
    if missing:
        raise BenchError(
            f"{len(missing)} of {total} events never reached the Bot API within {settle:.0f}s, "
            f"e.g. request {missing[0]}"
        )
    unseen = [n for n in published if n not in broker]
    if unseen:
        raise BenchError(f"the bare consumer missed {len(unseen)} of {total} events")
    service = [(arrived[n].at - t) * 1000 for n, t in published.items()]
    by_broker = [(broker[n] - t) * 1000 for n, t in published.items()]
    added = [(arrived[n].at - broker[n]) * 1000 for n in published]
    stamps = await _stamps(engine, prefix)
    timed = [n for n in published if n in stamps]
    return LatencyResult(
        target_rate=rate,
        achieved_rate=total / elapsed if elapsed > 0 else float(total),
        seconds=elapsed,
        events=total,
        recipients=min(len(recipients), total),
        p50_ms=percentile(service, 50),
        p99_ms=percentile(service, 99),
        max_ms=max(service),
        broker_p50_ms=percentile(by_broker, 50),
        broker_p99_ms=percentile(by_broker, 99),
        broker_max_ms=max(by_broker),
        added_p50_ms=percentile(added, 50),
        added_p99_ms=percentile(added, 99),
        publish_p99_ms=percentile(acks, 99),
        intake_ms=_p50_p99([(stamps[n][0] - walls[n]) * 1000 for n in timed]),
        to_claim_ms=_p50_p99([(stamps[n][1] - stamps[n][0]) * 1000 for n in timed]),
        to_call_ms=_p50_p99([(arrived[n].wall - stamps[n][1]) * 1000 for n in timed]),
        service_cpu_us_per_event=spent.get("notifications", 0.0) / total * 1e6,
        other_cores=spent[OTHER] / span if span > 0 else 0.0,
    )
