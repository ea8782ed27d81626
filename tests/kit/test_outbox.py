"""The transactional outbox against real PostgreSQL and NATS JetStream."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from functools import partial

import pytest
import sqlalchemy as sa
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import StorageType
from prometheus_client import CollectorRegistry

from mesh.topology import load_topology
from services.kit.db import transaction
from services.kit.nats import connect_nats
from services.kit.outbox import enqueue, outbox_channel
from services.kit.relay import OutboxRelay, RelayMetrics
from services.kit.settings import Settings
from services.kit.streams import DLQ_MAX_AGE, DLQ_STREAM, EVENT_MAX_AGE, ensure_streams
from tests.support.events import (
    DOMAIN,
    STREAM,
    SUBJECT,
    EventDb,
    background,
    event_ids,
    produce,
    relay,
    request_created,
    setup_streams,
    stream_count,
    stream_messages,
    unpublished,
    wait_until,
)


async def test_ensure_streams_is_idempotent_and_configures_dedupe(nats_url: str) -> None:
    client = await connect_nats(nats_url, "test-streams")
    try:
        js = client.jetstream()
        topology = load_topology()
        first = await ensure_streams(js, topology)
        second = await ensure_streams(js, topology)
        domains = [s.stream for s in topology.services.values() if s.stream]
        assert STREAM in domains
        assert first == second == [*domains, DLQ_STREAM]
        info = await js.stream_info(STREAM)
        assert info.config.subjects == ["ukm.requests.>"]
        assert info.config.storage == StorageType.FILE
        assert info.config.duplicate_window == 120
        dlq = await js.stream_info(DLQ_STREAM)
        assert dlq.config.subjects == ["ukm.dlq.>"]
        assert info.config.max_age == EVENT_MAX_AGE
        assert dlq.config.max_age == DLQ_MAX_AGE > EVENT_MAX_AGE
    finally:
        await client.close()


async def test_enqueue_writes_a_row_and_notifies_at_commit(db: EventDb, database_url: str) -> None:
    import asyncpg

    from services.kit.db import asyncpg_dsn

    listener = await asyncpg.connect(asyncpg_dsn(database_url))
    heard: asyncio.Queue[str] = asyncio.Queue()
    await listener.add_listener(outbox_channel(db.outbox), lambda *args: heard.put_nowait(args[2]))
    try:
        async with transaction(db.sessions) as session:
            envelope = await enqueue(
                session,
                db.outbox,
                request_created("R-9"),
                domain=DOMAIN,
                source="requests",
                aggregate_id="R-9",
            )
            await enqueue(
                session,
                db.outbox,
                request_created("R-10"),
                domain=DOMAIN,
                source="requests",
                aggregate_id="R-10",
            )
            await asyncio.sleep(0.1)
            assert heard.empty(), "NOTIFY must not arrive before the commit"
        assert await asyncio.wait_for(heard.get(), 2) == "ukm_outbox_evt_test"
        await asyncio.sleep(0.1)
        assert heard.empty(), "one transaction, one notification"
    finally:
        await listener.close()
    async with db.engine.connect() as conn:
        row = (await conn.execute(sa.select(db.outbox).order_by(db.outbox.c.seq).limit(1))).one()
    assert str(row.event_id) == envelope.id
    assert row.subject == SUBJECT
    assert row.published_at is None
    assert row.payload == envelope.SerializeToString()


async def test_committed_events_reach_the_stream_once_in_seq_order(
    db: EventDb, nc: NatsClient
) -> None:
    committed = await produce(db, 40, rollback_every=4)  # 10 rolled back
    js = nc.jetstream()
    async with background(relay(db, nc, batch_size=7).run()):
        await wait_until(lambda: _has(js, len(committed)))
        await asyncio.sleep(0.3)  # would any straggler or duplicate show up?
    messages = await stream_messages(js, STREAM)
    assert event_ids(messages) == committed
    assert [m.headers and m.headers["Nats-Msg-Id"] for m in messages] == committed
    assert {m.subject for m in messages} == {SUBJECT}
    assert await unpublished(db) == 0


async def test_two_relays_at_once_publish_each_event_exactly_once(
    db: EventDb, nc: NatsClient
) -> None:
    metrics = RelayMetrics(CollectorRegistry())  # shared: no duplicate registration
    js = nc.jetstream()
    first = relay(db, nc, batch_size=15, metrics=metrics)
    second = relay(db, nc, batch_size=15, metrics=metrics)
    async with background(first.run()), background(second.run()):
        committed = await produce(db, 150)
        committed += await produce(db, 150)
        await wait_until(lambda: _has(js, 300))
        await asyncio.sleep(0.3)
    ids = event_ids(await stream_messages(js, STREAM))
    assert len(ids) == 300
    assert sorted(ids) == sorted(committed)
    assert first.published_total + second.published_total == 300
    assert first.published_total > 0, "SKIP LOCKED shares the work"
    assert second.published_total > 0, "SKIP LOCKED shares the work"
    sample = metrics.registry.get_sample_value(
        "ukm_outbox_published_total", {"outbox": "evt_test.outbox"}
    )
    assert sample == 300
    assert (
        metrics.registry.get_sample_value(
            "ukm_outbox_lag_seconds_count", {"outbox": "evt_test.outbox"}
        )
        == 300
    )


async def test_notify_wakes_the_relay_long_before_the_poll(db: EventDb, nc: NatsClient) -> None:
    js = nc.jetstream()
    sleepy = relay(db, nc, poll_seconds=30.0)
    async with background(sleepy.run()):
        await asyncio.sleep(0.5)  # first round done, LISTEN established, now waiting on poll
        for expected in (1, 2, 3):
            await produce(db, 1)
            took = await wait_until(partial(_has, js, expected), within=2.0)
            assert took < 1.0


async def test_a_republish_after_a_crash_before_marking_is_dropped_as_duplicate(
    db: EventDb, nc: NatsClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    committed = await produce(db, 12)
    js = nc.jetstream()
    crashing = relay(db, nc, batch_size=50)

    async def crash(*_args: object) -> None:
        raise ConnectionResetError("relay died after publishing")

    monkeypatch.setattr(crashing, "_mark", crash)
    with pytest.raises(ConnectionResetError):
        await crashing.publish_pending()
    assert await stream_count(js, STREAM) == 12
    assert await unpublished(db) == 12  # nothing marked: the transaction rolled back

    result = await relay(db, nc, batch_size=50).publish_pending()

    assert (result.fetched, result.published, result.failed) == (12, 12, 0)
    assert await unpublished(db) == 0
    assert event_ids(await stream_messages(js, STREAM)) == committed


async def test_nothing_is_marked_while_jetstream_refuses(db: EventDb, nc: NatsClient) -> None:
    await produce(db, 5)
    js = nc.jetstream()
    await js.delete_stream(STREAM)  # no stream takes the subject: every publish fails
    result = await relay(db, nc, publish_timeout=1.0).publish_pending()
    assert (result.published, result.failed) == (0, 5)
    assert await unpublished(db) == 5

    await setup_streams(nc)
    assert (await relay(db, nc).publish_pending()).published == 5
    assert await unpublished(db) == 0


async def test_purge_deletes_only_rows_published_before_the_retention(
    db: EventDb, nc: NatsClient
) -> None:
    await produce(db, 6)
    worker = relay(db, nc, retention=timedelta(hours=24))
    assert (await worker.publish_pending()).published == 6
    await produce(db, 1)  # unpublished: never purged
    async with db.engine.begin() as conn:
        await conn.execute(
            sa.text(
                "UPDATE evt_test.outbox SET published_at = now() - interval '2 days' WHERE seq <= 4"
            )
        )
    assert await worker.purge_published(limit=3) == 3
    assert await worker.purge_published() == 1
    assert await worker.purge_published() == 0
    assert await db.scalar("SELECT count(*) FROM evt_test.outbox") == 3
    assert await unpublished(db) == 1


async def test_a_running_relay_purges_in_the_background(db: EventDb, nc: NatsClient) -> None:
    eager = relay(db, nc, retention=timedelta(0), purge_interval=0.1)
    async with background(eager.run()):
        await produce(db, 5)
        await wait_until(lambda: _outbox_empty(db))
    assert eager.published_total == 5
    assert await stream_count(nc.jetstream(), STREAM) == 5


async def test_relay_from_settings_uses_the_outbox_settings(db: EventDb, nc: NatsClient) -> None:
    settings = Settings(outbox_poll_seconds=0.3, outbox_batch_size=17)
    configured = OutboxRelay.from_settings(settings, db.outbox, nc, engine=db.engine)
    assert (configured.poll_seconds, configured.batch_size) == (0.3, 17)
    assert configured.channel == "ukm_outbox_evt_test"


async def _outbox_empty(db: EventDb) -> bool:
    return bool(await db.scalar("SELECT count(*) FROM evt_test.outbox") == 0)


async def _has(js: JetStreamContext, count: int) -> bool:
    return await stream_count(js, STREAM) >= count
