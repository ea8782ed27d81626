"""Event consumers: inbox dedupe, retries, dead letters — against real PostgreSQL and NATS."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import AckPolicy

from services.kit.consumer import Consumer, Outcome
from services.kit.errors import InvalidArgument, Unavailable
from services.kit.faults import is_transient
from tests.support.events import (
    STREAM,
    SUBJECT,
    EventDb,
    Recorder,
    background,
    dead_letters,
    envelope_for,
    make_consumer,
    publish_envelope,
    wait_until,
)


async def inbox_ids(db: EventDb, consumer: str) -> set[str]:
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(db.inbox.c.event_id).where(db.inbox.c.consumer == consumer)
        )
        return {str(row.event_id) for row in rows}


async def test_handler_effects_and_the_inbox_row_commit_together(
    db: EventDb, nc: NatsClient, js: JetStreamContext
) -> None:
    recorder = Recorder(db, "billing")
    consumer = make_consumer(nc, db, recorder)
    envelopes = [envelope_for(f"R-{i}") for i in range(10)]
    for envelope in envelopes:
        await publish_envelope(js, envelope)

    async with background(consumer.run()):
        await wait_until(lambda: _count(recorder, 10))

    ids = [e.id for e in envelopes]
    assert await recorder.effects() == ids  # stream order
    assert await inbox_ids(db, "billing") == set(ids)
    assert consumer.counts[Outcome.PROCESSED] == 10


async def test_a_redelivered_event_changes_nothing(
    db: EventDb, nc: NatsClient, js: JetStreamContext
) -> None:
    recorder = Recorder(db, "billing")
    consumer = make_consumer(nc, db, recorder)
    envelope = envelope_for("R-1")
    # Two stream messages with one event id: what a producer retry or a replay looks like.
    await publish_envelope(js, envelope)
    await publish_envelope(js, envelope, msg_id="retry-" + envelope.id)

    async with background(consumer.run()):
        await wait_until(lambda: _outcomes(consumer, Outcome.DUPLICATE, 1))

    assert await recorder.effects() == [envelope.id]
    assert recorder.calls == {envelope.id: 1}
    assert consumer.counts[Outcome.PROCESSED] == 1


async def test_a_failed_attempt_leaves_nothing_behind_and_is_retried(
    db: EventDb, nc: NatsClient, js: JetStreamContext
) -> None:
    recorder = Recorder(db, "billing")
    consumer = make_consumer(nc, db, recorder, max_deliver=5)
    envelope = envelope_for("R-1")
    recorder.fail(envelope.id, times=2)
    await publish_envelope(js, envelope)

    async with background(consumer.run()):
        await wait_until(lambda: _outcomes(consumer, Outcome.PROCESSED, 1))

    assert recorder.calls == {envelope.id: 3}
    assert await recorder.effects() == [envelope.id]  # the two failed attempts rolled back
    assert consumer.counts[Outcome.RETRY] == 2
    assert await dead_letters(js, "billing") == []


async def test_an_event_that_keeps_failing_is_dead_lettered_and_the_rest_flow(
    db: EventDb, nc: NatsClient, js: JetStreamContext
) -> None:
    recorder = Recorder(db, "billing")
    consumer = make_consumer(nc, db, recorder, max_deliver=3)
    envelopes = [envelope_for(f"R-{i}") for i in range(5)]
    bad = envelopes[1]
    recorder.fail(bad.id)
    for envelope in envelopes:
        await publish_envelope(js, envelope)

    async with background(consumer.run()):
        await wait_until(lambda: _outcomes(consumer, Outcome.DEAD, 1))
        await wait_until(lambda: _count(recorder, 4))

    assert recorder.calls[bad.id] == 3
    assert bad.id not in await inbox_ids(db, "billing")
    [letter] = await dead_letters(js, "billing")
    assert letter.event_id == bad.id
    assert letter.original_subject == SUBJECT
    assert letter.deliveries == 3
    assert letter.error == f"RuntimeError: boom on {bad.id} second line"
    assert letter.headers["Ukm-Consumer"] == "billing"
    assert letter.headers["Ukm-Original-Stream"] == STREAM
    assert letter.headers["Nats-Msg-Id"].startswith(f"billing:{bad.id}:")
    assert letter.data == bad.SerializeToString()
    info = await js.consumer_info(STREAM, "billing")
    assert info.num_ack_pending == 0
    assert info.num_pending == 0


async def test_poison_goes_to_the_dlq_at_once(
    db: EventDb, nc: NatsClient, js: JetStreamContext
) -> None:
    recorder = Recorder(db, "billing")
    consumer = make_consumer(nc, db, recorder)
    await js.publish(SUBJECT, b"\x08\x96\x01 not an envelope", headers={"X-Trace": "t1"})
    await publish_envelope(js, envelope_for("R-ok"))

    async with background(consumer.run()):
        await wait_until(lambda: _count(recorder, 1))
        await wait_until(lambda: _outcomes(consumer, Outcome.DEAD, 1))

    [letter] = await dead_letters(js, "billing")
    assert letter.event_id is None
    assert letter.deliveries == 1
    assert letter.error.startswith("InvalidEnvelopeError: ")
    assert letter.headers["X-Trace"] == "t1"  # the original headers travel along
    assert letter.headers["Nats-Msg-Id"].startswith("billing:poison:")


async def test_infrastructure_failures_retry_without_ever_dead_lettering(
    db: EventDb, nc: NatsClient, js: JetStreamContext
) -> None:
    recorder = Recorder(db, "billing")
    recorder.error = lambda event_id: Unavailable(f"users service down ({event_id})")
    consumer = make_consumer(nc, db, recorder, max_deliver=2)
    envelope = envelope_for("R-1")
    recorder.fail(envelope.id, times=4)
    await publish_envelope(js, envelope)

    async with background(consumer.run()):
        await wait_until(lambda: _outcomes(consumer, Outcome.PROCESSED, 1))

    assert recorder.calls[envelope.id] == 5
    assert await dead_letters(js, "billing") == []


async def test_ensure_creates_and_then_updates_the_durable_consumer(
    db: EventDb, nc: NatsClient, js: JetStreamContext
) -> None:
    recorder = Recorder(db, "billing")
    await make_consumer(nc, db, recorder, ack_wait=2.0).ensure()
    await make_consumer(nc, db, recorder, ack_wait=2.0).ensure()
    await make_consumer(nc, db, recorder, ack_wait=7.0).ensure()

    info = await js.consumer_info(STREAM, "billing")
    assert info.config.durable_name == "billing"
    assert info.config.ack_policy == AckPolicy.EXPLICIT
    assert info.config.ack_wait == 7.0
    assert info.config.filter_subject == "ukm.requests.>"
    assert info.config.max_deliver == -1  # the DLQ decision is ours; JetStream never drops


def test_transient_means_infrastructure_not_bad_events() -> None:
    assert is_transient(ConnectionRefusedError())
    assert is_transient(Unavailable("down"))
    assert is_transient(sa.exc.TimeoutError("pool exhausted"))
    assert not is_transient(TimeoutError())  # a handler that always times out must end
    assert not is_transient(RuntimeError("bug"))
    assert not is_transient(InvalidArgument("bad"))


async def _count(recorder: Recorder, n: int) -> bool:
    return len(await recorder.effects()) >= n


async def _outcomes(consumer: Consumer, outcome: Outcome, n: int) -> bool:
    return consumer.counts[outcome] >= n


async def test_old_inbox_rows_of_this_consumer_are_purged(
    db: EventDb, nc: NatsClient, js: JetStreamContext
) -> None:
    consumer = make_consumer(nc, db, Recorder(db, "billing"), inbox_retention=timedelta(days=45))
    now = datetime.now(UTC)
    rows = [
        ("billing", now - timedelta(days=50)),  # expired
        ("billing", now - timedelta(days=40)),  # kept: still within the retention
        ("audit", now - timedelta(days=50)),  # another consumer's: not ours to purge
    ]
    async with db.sessions() as session, session.begin():
        for name, processed_at in rows:
            await session.execute(
                sa.insert(db.inbox).values(
                    consumer=name, event_id=uuid.uuid4(), processed_at=processed_at
                )
            )
    assert await consumer.purge_inbox(now=now) == 1
    async with db.sessions() as session:
        left = (
            await session.execute(sa.select(db.inbox.c.consumer, db.inbox.c.processed_at))
        ).all()
    assert sorted(name for name, _ in left) == ["audit", "billing"]
    assert all(at > now - timedelta(days=45) for name, at in left if name == "billing")


async def test_group_commit_handles_a_fetch_in_one_transaction(
    db: EventDb, nc: NatsClient, js: JetStreamContext
) -> None:
    recorder = Recorder(db, "grouped")
    consumer = make_consumer(nc, db, recorder, group_commit=True)
    envelopes = [envelope_for(f"R-{i}") for i in range(10)]
    for envelope in envelopes:
        await publish_envelope(js, envelope)
    # The duplicate of one of them lands in the same fetch: the inbox still sees it.
    await publish_envelope(js, envelopes[3], msg_id="again-" + envelopes[3].id)
    commits: list[int] = []

    def counted(conn: object) -> None:
        commits.append(1)

    sa.event.listen(db.engine.sync_engine, "commit", counted)
    try:
        async with background(consumer.run()):
            await wait_until(lambda: _outcomes(consumer, Outcome.DUPLICATE, 1))
    finally:
        sa.event.remove(db.engine.sync_engine, "commit", counted)
    ids = [e.id for e in envelopes]
    assert await recorder.effects() == ids
    assert await inbox_ids(db, "grouped") == set(ids)
    assert consumer.counts[Outcome.PROCESSED] == 10
    # Eleven messages, fetched 20 at a time: far fewer commits than events.
    assert 1 <= len(commits) < 5


async def test_group_commit_isolates_a_failing_event(
    db: EventDb, nc: NatsClient, js: JetStreamContext
) -> None:
    recorder = Recorder(db, "grouped")
    consumer = make_consumer(nc, db, recorder, group_commit=True, max_deliver=3)
    envelopes = [envelope_for(f"R-{i}") for i in range(6)]
    bad = envelopes[2]
    recorder.fail(bad.id)
    for envelope in envelopes:
        await publish_envelope(js, envelope)

    async with background(consumer.run()):
        await wait_until(lambda: _outcomes(consumer, Outcome.DEAD, 1))
        await wait_until(lambda: _count(recorder, 5))

    assert await recorder.effects() == [e.id for e in envelopes if e is not bad]
    [letter] = await dead_letters(js, "grouped")
    assert letter.event_id == bad.id
    info = await js.consumer_info(STREAM, "grouped")
    assert info.num_ack_pending == 0 and info.num_pending == 0
