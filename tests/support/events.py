"""Helpers for event tests: test tables in schema `evt_test`, streams, reading a stream back,
background tasks that are always cancelled, and waiting for a condition."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import RawStreamMsg
from nats.js.errors import NotFoundError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from ukm.requests.v1.events_pb2 import RequestCreated

from mesh.topology import load_topology
from services.kit.consumer import Consumer, inbox_table
from services.kit.db import create_engine, session_factory
from services.kit.dlq import DeadLetter, list_dead_letters
from services.kit.envelope import Envelope, decode_envelope, wrap
from services.kit.outbox import enqueue, outbox_table
from services.kit.relay import OutboxRelay
from services.kit.streams import ensure_streams

SCHEMA = "evt_test"
DOMAIN = "requests"  # the real topology's REQUESTS stream carries the test events
STREAM = "REQUESTS"
SUBJECT = "ukm.requests.request_created"


@dataclass
class EventDb:
    """A test database with the outbox, the inbox and an `effects` table for handlers."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    outbox: sa.Table
    inbox: sa.Table
    effects: sa.Table

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.engine.connect() as conn:
            return (await conn.execute(sa.text(sql), params)).scalar()


@asynccontextmanager
async def event_db(database_url: str) -> AsyncIterator[EventDb]:
    """Create schema `evt_test` with the kit's tables in the test's own database."""
    metadata = sa.MetaData(schema=SCHEMA)
    outbox = outbox_table(metadata)
    inbox = inbox_table(metadata)
    effects = sa.Table(
        "effects",
        metadata,
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("consumer", sa.Text, nullable=False),
        sa.Column("event_id", sa.Text, nullable=False),
    )
    engine = create_engine(database_url, pool_size=5)
    async with engine.begin() as conn:
        await conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{SCHEMA}"'))
        await conn.run_sync(metadata.create_all)
    try:
        yield EventDb(engine, session_factory(engine), outbox, inbox, effects)
    finally:
        await engine.dispose()


async def setup_streams(nc: NatsClient) -> JetStreamContext:
    """The topology's streams plus UKM_DLQ on `nc`'s server."""
    js = nc.jetstream()
    await ensure_streams(js, load_topology())
    return js


def request_created(number: str) -> RequestCreated:
    """A small event whose request number identifies it in assertions."""
    event = RequestCreated()
    event.request.request_number = number
    event.request.description = f"leaking tap {number}"
    return event


def envelope_for(number: str) -> Envelope:
    """A RequestCreated event wrapped as the `requests` service would."""
    return wrap(request_created(number), source="requests", subject=number)


async def publish_envelope(
    js: JetStreamContext, envelope: Envelope, *, msg_id: str | None = None
) -> None:
    """Publish directly (as the relay would), `Nats-Msg-Id` defaulting to the event id."""
    await js.publish(
        SUBJECT, envelope.SerializeToString(), headers={"Nats-Msg-Id": msg_id or envelope.id}
    )


async def stream_messages(js: JetStreamContext, stream: str) -> list[RawStreamMsg]:
    """Every message currently stored in `stream`, in stream order."""
    info = await js.stream_info(stream)
    messages: list[RawStreamMsg] = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        try:
            messages.append(await js.get_msg(stream, seq))
        except NotFoundError:  # deleted
            continue
    return messages


async def stream_count(js: JetStreamContext, stream: str) -> int:
    """How many messages `stream` holds."""
    return (await js.stream_info(stream)).state.messages


def event_ids(messages: list[RawStreamMsg]) -> list[str]:
    """The envelope ids of stream messages, in order."""
    return [decode_envelope(m.data or b"").id for m in messages]


async def wait_until(
    condition: Callable[[], Awaitable[bool]], *, within: float = 10.0, interval: float = 0.02
) -> float:
    """Poll `condition` until it holds; returns the seconds it took (fails after `within`)."""
    start = time.monotonic()
    while not await condition():
        if time.monotonic() - start > within:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(interval)
    return time.monotonic() - start


@asynccontextmanager
async def background(coro: Coroutine[Any, Any, None]) -> AsyncIterator[asyncio.Task[None]]:
    """Run `coro` as a task for the duration of the block; cancel it afterwards and re-raise
    anything it died of (a relay or consumer must never stop by itself)."""
    task = asyncio.create_task(coro)
    try:
        yield task
    finally:
        if task.done() and not task.cancelled() and task.exception() is not None:
            raise AssertionError("background task died") from task.exception()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def new_id() -> str:
    """A fresh event id."""
    return str(uuid.uuid4())


async def produce(db: EventDb, count: int, *, rollback_every: int = 0) -> list[str]:
    """`count` events, one transaction each; every `rollback_every`-th transaction is rolled
    back. Returns the ids of the committed ones, in commit order."""
    committed: list[str] = []
    for i in range(count):
        session = db.sessions()
        async with session:
            async with session.begin():
                envelope = await enqueue(
                    session,
                    db.outbox,
                    request_created(f"R-{i}"),
                    domain=DOMAIN,
                    source="requests",
                    aggregate_id=f"R-{i}",
                )
                if rollback_every and i % rollback_every == 0:
                    await session.rollback()
                    continue
            committed.append(envelope.id)
    return committed


def relay(db: EventDb, nc: NatsClient, **options: Any) -> OutboxRelay:
    """A relay of the test outbox with test-sized timings (fast polls, short backoff)."""
    settings: dict[str, Any] = {"batch_size": 10, "poll_seconds": 0.2, "max_backoff": 0.2}
    settings.update(options)
    database = settings.pop("database", db.engine)
    return OutboxRelay(database, db.outbox, nc, **settings)


async def unpublished(db: EventDb) -> int:
    """Outbox rows not yet published."""
    return int(await db.scalar("SELECT count(*) FROM evt_test.outbox WHERE published_at IS NULL"))


class Recorder:
    """A consumer handler that writes one `effects` row per event and can be told to fail.

    The effect is written *before* failing, so a test can see that a failed attempt left
    nothing behind (the transaction rolled back).
    """

    def __init__(self, db: EventDb, consumer: str) -> None:
        self.db = db
        self.consumer = consumer
        self.calls: dict[str, int] = {}
        self.failing: dict[str, int | None] = {}  # event id → failures left (None: always)
        self.error: Callable[[str], Exception] = lambda event_id: RuntimeError(
            f"boom on {event_id}\nsecond line"
        )

    def fail(self, event_id: str, times: int | None = None) -> None:
        """Raise for `event_id` (the next `times` deliveries, or always)."""
        self.failing[event_id] = times

    def fix(self) -> None:
        """Stop failing."""
        self.failing.clear()

    async def __call__(self, session: AsyncSession, envelope: Envelope) -> None:
        self.calls[envelope.id] = self.calls.get(envelope.id, 0) + 1
        await session.execute(
            sa.insert(self.db.effects).values(consumer=self.consumer, event_id=envelope.id)
        )
        if envelope.id in self.failing:
            left = self.failing[envelope.id]
            if left is not None:
                if left <= 1:
                    del self.failing[envelope.id]
                else:
                    self.failing[envelope.id] = left - 1
            raise self.error(envelope.id)

    async def effects(self) -> list[str]:
        """Event ids with a committed effect of this consumer, in commit order."""
        async with self.db.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(self.db.effects.c.event_id)
                .where(self.db.effects.c.consumer == self.consumer)
                .order_by(self.db.effects.c.id)
            )
            return [row.event_id for row in rows]


def make_consumer(nc: NatsClient, db: EventDb, recorder: Recorder, **options: Any) -> Consumer:
    """A consumer of the REQUESTS stream with test-sized timings."""
    settings: dict[str, Any] = {
        "max_deliver": 3,
        "ack_wait": 2.0,
        "backoff": (0.05,),
        "fetch_timeout": 0.5,
        "batch": 20,
    }
    settings.update(options)
    return Consumer(
        nc,
        db.sessions,
        db.inbox,
        stream=STREAM,
        durable=recorder.consumer,
        filter_subject="ukm.requests.>",
        handler=recorder,
        **settings,
    )


async def dead_letters(js: JetStreamContext, consumer: str) -> list[DeadLetter]:
    """`consumer`'s letters in UKM_DLQ."""
    return await list_dead_letters(js, consumer)
