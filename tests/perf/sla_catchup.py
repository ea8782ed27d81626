"""The SLA scheduler catching up a backlog of due clocks: how long until every alert is out.

The backlog is what an outage of the scheduler leaves behind: requests whose response warning
came due while nobody was sending alerts (`Generator.overdue`: one due clock each, none
breached). They land in one transaction (tests/perf/bulk.py) and from then on the requests
service's own scheduler, running in its process as in production (its pool, its batch size,
its relay), works through them: each batch locks due clocks, writes `SlaWarning` events to the
outbox and records the alert in the same transaction.

Timed: from the start of the scheduler's first batch (the `warned_at` it records, its own
clock) until no clock due at the landing is left without its alert (polled every 50 ms), i.e.
every event is committed in the outbox. Also reported: how long the scheduler took to notice
(it sleeps up to `UKM_SLA_POLL_SECONDS` between looks, 5 s by default) and when the last
`SlaWarning` of the backlog reached JetStream (the relay's share), from a core NATS
subscription. Why not `SlaScheduler.catch_up()` in this process: the service's scheduler is
running, and two would share the batches (SKIP LOCKED), timing neither.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from sqlalchemy.ext.asyncio import AsyncEngine
from ukm.requests.v1 import events_pb2

from services.kit.envelope import Envelope, event_subject
from services.requests.sla_models import sla_clocks
from tests.perf.bulk import insert_requests
from tests.perf.dataset import GeneratedRequest
from tests.perf.load import BenchError

WARNING_SUBJECT = event_subject("requests", events_pb2.SlaWarning)
WARNING_TYPE = events_pb2.SlaWarning.DESCRIPTOR.full_name
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class CatchUpResult:
    """What the catching up took."""

    clocks: int  # due clocks of the backlog (one per request)
    due_at_landing: int  # every clock due when the backlog landed (the backlog and any other)
    noticed_after_s: float  # landing → the scheduler's first batch
    catch_up_s: float  # first batch → the last alert committed in the outbox
    published_s: float  # first batch → the last SlaWarning of the backlog in JetStream
    alerts_per_s: float


async def measure_catch_up(
    engine: AsyncEngine,
    nc: NatsClient,
    backlog: Sequence[GeneratedRequest],
    *,
    within: float = 300.0,
) -> CatchUpResult:
    """Land `backlog` and time the running scheduler through it (see the module docstring)."""
    arrivals: dict[str, float] = {}  # request number → when its warning reached us

    async def on_event(msg: Msg) -> None:
        envelope = Envelope.FromString(msg.data)
        if envelope.type == WARNING_TYPE:
            arrivals.setdefault(envelope.subject, time.time())

    subscription = await nc.subscribe(WARNING_SUBJECT, cb=on_event)
    await nc.flush()
    try:
        # No ANALYZE: an outage's backlog is not a data load, and the clock starts at commit.
        numbers = await insert_requests(engine, backlog, analyze=False)
        landed = datetime.now(UTC)
        # Right after the landing (the scheduler may already be at its first batch).
        due_at_landing = remaining = await _still_due(engine, landed)
        deadline = time.monotonic() + within
        while remaining:
            if time.monotonic() > deadline:
                raise BenchError(f"{remaining} due clocks still without an alert after {within}s")
            await asyncio.sleep(POLL_SECONDS)
            remaining = await _still_due(engine, landed)
        done = time.time()
        wanted = set(numbers)
        while len(wanted & arrivals.keys()) < len(wanted):
            if time.monotonic() > deadline:
                missing = len(wanted - arrivals.keys())
                raise BenchError(f"{missing} SlaWarning events did not reach JetStream")
            await asyncio.sleep(POLL_SECONDS)
    finally:
        await subscription.unsubscribe()
    first_batch = (await _first_alert(engine, numbers)).timestamp()
    catch_up = done - first_batch
    return CatchUpResult(
        clocks=len(numbers),
        due_at_landing=due_at_landing,
        noticed_after_s=first_batch - landed.timestamp(),
        catch_up_s=catch_up,
        published_s=max(arrivals[n] for n in numbers) - first_batch,
        alerts_per_s=len(numbers) / catch_up if catch_up > 0 else 0.0,
    )


async def _still_due(engine: AsyncEngine, landed: datetime) -> int:
    """Clocks that were due at the landing and still wait for their alert (served by the
    scheduler's own partial index on `next_alert_at`)."""
    query = sa.select(sa.func.count()).where(sla_clocks.c.next_alert_at <= landed)
    async with engine.connect() as connection:
        return int((await connection.execute(query)).scalar_one())


async def _first_alert(engine: AsyncEngine, numbers: Sequence[str]) -> datetime:
    """When the scheduler started its first batch on the backlog: the earliest `warned_at` it
    recorded. BenchError unless every clock of the backlog has its warning recorded."""
    query = sa.select(sa.func.count(sla_clocks.c.warned_at), sa.func.min(sla_clocks.c.warned_at))
    query = query.where(
        sla_clocks.c.request_number == sa.any_(sa.bindparam("numbers", type_=sa.ARRAY(sa.Text))),
        sla_clocks.c.clock == "response",
    )
    async with engine.connect() as connection:
        warned, first = (await connection.execute(query, {"numbers": list(numbers)})).one()
    if warned != len(numbers) or first is None:
        raise BenchError(f"the scheduler recorded {warned} of {len(numbers)} warnings")
    when: datetime = first
    return when
