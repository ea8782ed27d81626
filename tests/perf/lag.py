"""Outbox → JetStream lag under a steady, paced create load.

A paced client files requests through Envoy at a fixed rate (open loop: a slow answer does not
delay the next call); a core NATS subscription on the `RequestCreated` subject notes when each
such event arrives. Lag = arrival − `Envelope.time`, which the service sets when it writes the
outbox row inside the create's transaction, so it covers commit, NOTIFY, the relay's read and
its publish. Events are matched to the calls by request number (the envelope's subject).

Filing publishes two events (`RequestCreated`, then `RequestAssigned`: the request goes to its
category's pool in the same transaction); only the first is timed, so that each request has
exactly one lag and a later event of the same request never overwrites it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

import grpc
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from ukm.requests.v1 import events_pb2
from ukm.requests.v1 import requests_service_pb2 as pb

from services.kit.envelope import Envelope, event_subject
from tests.perf.load import BenchError, Target, percentile

CREATED_SUBJECT = event_subject("requests", events_pb2.RequestCreated)
CREATED_TYPE = events_pb2.RequestCreated.DESCRIPTOR.full_name


@dataclass(frozen=True)
class LagResult:
    """Figures of one paced run."""

    target_rate: float
    achieved_rate: float
    seconds: float
    creates: int
    events: int
    lag_p50_ms: float
    lag_p99_ms: float
    lag_max_ms: float
    create_p50_ms: float
    create_p99_ms: float


def _identity(data: bytes) -> bytes:
    return data


async def measure_lag(
    nc: NatsClient,
    address: str,
    create: Target,
    *,
    rate: float,
    seconds: float,
    max_in_flight: int = 512,
    settle: float = 15.0,
) -> LagResult:
    """Create `rate × seconds` requests at `rate`/s and measure each one's event lag."""
    arrivals: dict[str, float] = {}  # request number → lag (s)
    numbers: list[str] = []  # the requests filed, in answer order
    waiting: set[str] | None = None  # once all are filed: those still without an event
    all_arrived = asyncio.Event()

    async def on_event(msg: Msg) -> None:
        now = time.time()
        envelope = Envelope.FromString(msg.data)
        if envelope.type != CREATED_TYPE:
            return
        arrivals[envelope.subject] = now - envelope.time.ToNanoseconds() / 1e9
        if waiting is not None:
            waiting.discard(envelope.subject)
            if not waiting:
                all_arrived.set()

    subscription = await nc.subscribe(CREATED_SUBJECT, cb=on_event)
    await nc.flush()
    channel = grpc.aio.insecure_channel(address)
    try:
        await asyncio.wait_for(channel.channel_ready(), 10)
        call = channel.unary_unary(
            create.path,
            request_serializer=_identity,
            response_deserializer=pb.CreateRequestResponse.FromString,
        )
        latencies: list[float] = []
        failures: list[str] = []
        slots = asyncio.Semaphore(max_in_flight)

        async def one() -> None:
            started = time.perf_counter()
            try:
                response = await call(create.message, timeout=30, metadata=create.metadata or None)
            except grpc.aio.AioRpcError as exc:
                failures.append(f"{exc.code().name}: {exc.details()}")
                return
            finally:
                slots.release()
            latencies.append((time.perf_counter() - started) * 1000)
            numbers.append(response.request.request_number)

        total = max(1, round(rate * seconds))
        loop = asyncio.get_running_loop()
        tasks: list[asyncio.Task[None]] = []
        begin = loop.time()
        for i in range(total):
            # Absolute due times: a late wake-up is caught up, so the average rate holds.
            delay = begin + i / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            await slots.acquire()
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
        elapsed = loop.time() - begin
        if failures:
            raise BenchError(f"{len(failures)} paced creates failed, e.g. {failures[0]}")
        waiting = {n for n in numbers if n not in arrivals}
        if not waiting:
            all_arrived.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_arrived.wait(), settle)
    finally:
        await channel.close()
        await subscription.unsubscribe()
    missing = [n for n in numbers if n not in arrivals]
    if missing:
        raise BenchError(
            f"{len(missing)} of {len(numbers)} RequestCreated events did not arrive within "
            f"{settle:.0f}s, e.g. {missing[0]}"
        )
    lags = [arrivals[n] * 1000 for n in numbers]
    return LagResult(
        target_rate=rate,
        achieved_rate=len(numbers) / elapsed,
        seconds=elapsed,
        creates=len(numbers),
        events=len(lags),
        lag_p50_ms=percentile(lags, 50),
        lag_p99_ms=percentile(lags, 99),
        lag_max_ms=max(lags),
        create_p50_ms=percentile(latencies, 50),
        create_p99_ms=percentile(latencies, 99),
    )
