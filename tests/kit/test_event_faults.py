"""Nothing is lost or duplicated when the broker, the database connections or a relay die
mid-flow — against real, restarted servers."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import pytest
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from mesh.infra import EmbeddedNats
from services.kit.consumer import Outcome
from services.kit.nats import connect_nats
from services.kit.relay import OutboxRelay
from tests.support.events import (
    STREAM,
    EventDb,
    Recorder,
    background,
    envelope_for,
    event_ids,
    make_consumer,
    produce,
    publish_envelope,
    relay,
    setup_streams,
    stream_count,
    stream_messages,
    unpublished,
    wait_until,
)


@pytest.fixture
async def own_nc(own_nats: EmbeddedNats) -> AsyncIterator[NatsClient]:
    client = await connect_nats(own_nats.url, "test-faults", reconnect_wait=0.1)
    await setup_streams(client)
    yield client
    await client.close()


async def test_events_committed_while_the_broker_is_down_are_published_once_it_is_back(
    db: EventDb, own_nats: EmbeddedNats, own_nc: NatsClient
) -> None:
    js = own_nc.jetstream()
    worker = relay(db, own_nc, batch_size=20, publish_timeout=1.0, max_backoff=0.5)
    async with background(worker.run()):
        own_nats.stop()
        await wait_until(lambda: _disconnected(own_nc))
        committed = await produce(db, 50)  # 50 transactions, 50 commits
        await asyncio.sleep(0.5)  # the relay tries, backs off, and marks nothing
        assert await unpublished(db) == 50

        own_nats.start()  # same port, same store directory
        await wait_until(lambda: _all_published(db), within=15)
        await asyncio.sleep(0.5)  # a late duplicate would show up now

    ids = event_ids(await stream_messages(js, STREAM))
    assert len(ids) == len(set(ids)) == 50
    assert ids == committed  # one relay: seq order survives the outage


async def test_a_relay_killed_between_publishing_and_marking_is_replaced_without_duplicates(
    db: EventDb, nc: NatsClient, database_url: str
) -> None:
    committed = await produce(db, 120)
    js = nc.jetstream()
    published = asyncio.Event()

    class Doomed(OutboxRelay):
        async def _mark(self, conn: object, seqs: list[int]) -> None:
            published.set()
            await asyncio.Event().wait()  # killed here, its batch on the broker but unmarked

    # Its own engine, as if it were another process.
    doomed = Doomed(database_url, db.outbox, nc, batch_size=50, poll_seconds=0.2)
    task = asyncio.create_task(doomed.run())
    await asyncio.wait_for(published.wait(), 5)
    assert await stream_count(js, STREAM) == 50
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await doomed.close()
    assert await unpublished(db) == 120  # its transaction rolled back

    async with background(relay(db, nc, batch_size=50).run()):
        await wait_until(lambda: _all_published(db))
        await asyncio.sleep(0.3)

    assert event_ids(await stream_messages(js, STREAM)) == committed


async def test_relays_cancelled_at_random_moments_still_publish_exactly_once(
    db: EventDb, nc: NatsClient, database_url: str
) -> None:
    committed = await produce(db, 400)
    js = nc.jetstream()
    rng = random.Random(7)
    for _ in range(12):
        if await unpublished(db) == 0:
            break
        victim = relay(db, nc, database=database_url, batch_size=25)
        task = asyncio.create_task(victim.run())
        await asyncio.sleep(rng.uniform(0.0, 0.03))
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await victim.close()

    async with background(relay(db, nc, batch_size=25).run()):
        await wait_until(lambda: _all_published(db))
        await asyncio.sleep(0.3)

    ids = event_ids(await stream_messages(js, STREAM))
    assert len(ids) == 400
    assert sorted(ids) == sorted(committed)


async def test_the_relay_survives_losing_its_database_connections(
    db: EventDb, nc: NatsClient
) -> None:
    js = nc.jetstream()
    sleepy = relay(db, nc, poll_seconds=30.0)  # only NOTIFY can wake it in time
    async with background(sleepy.run()):
        await asyncio.sleep(0.5)
        # What a PostgreSQL restart does to clients: every connection of this database dies.
        killed = await db.scalar(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert killed >= 1  # at least the LISTEN connection
        await asyncio.sleep(0.5)  # the relay re-LISTENs (its backoff starts at 50 ms)
        committed = await produce(db, 3)
        took = await wait_until(lambda: _has(js, 3), within=5)

    assert took < 2.0
    assert event_ids(await stream_messages(js, STREAM)) == committed


async def test_a_consumer_keeps_consuming_across_a_broker_restart(
    db: EventDb, own_nats: EmbeddedNats, own_nc: NatsClient
) -> None:
    js = own_nc.jetstream()
    recorder = Recorder(db, "billing")
    consumer = make_consumer(own_nc, db, recorder)
    before = [envelope_for(f"R-{i}") for i in range(10)]
    after = [envelope_for(f"R-{i}") for i in range(10, 20)]
    async with background(consumer.run()):
        for envelope in before:
            await publish_envelope(js, envelope)
        await wait_until(lambda: _processed(recorder, 10))

        own_nats.stop()
        await wait_until(lambda: _disconnected(own_nc))
        own_nats.start()
        await wait_until(lambda: _connected(own_nc), within=10)
        for envelope in after:
            await publish_envelope(js, envelope)
        await wait_until(lambda: _processed(recorder, 20), within=15)
        await asyncio.sleep(0.3)

    assert await recorder.effects() == [e.id for e in before + after]
    assert consumer.counts[Outcome.DEAD] == 0


async def _disconnected(nc: NatsClient) -> bool:
    return not nc.is_connected


async def _connected(nc: NatsClient) -> bool:
    return nc.is_connected


async def _all_published(db: EventDb) -> bool:
    return await unpublished(db) == 0


async def _has(js: JetStreamContext, count: int) -> bool:
    return await stream_count(js, STREAM) >= count


async def _processed(recorder: Recorder, count: int) -> bool:
    return len(await recorder.effects()) >= count
