"""Dead letters: listing and replaying them — against real PostgreSQL and NATS."""

from __future__ import annotations

from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from services.kit.consumer import Consumer, Outcome
from services.kit.dlq import describe_error, list_dead_letters, replay_dlq
from tests.support.events import (
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


async def test_replay_after_fixing_the_handler_processes_the_event_exactly_once(
    db: EventDb, nc: NatsClient, js: JetStreamContext
) -> None:
    billing = Recorder(db, "billing")
    audit = Recorder(db, "audit")  # a second consumer of the same subject that never fails
    billing_consumer = make_consumer(nc, db, billing, max_deliver=2)
    audit_consumer = make_consumer(nc, db, audit)
    envelopes = [envelope_for(f"R-{i}") for i in range(3)]
    bad = envelopes[2]
    billing.fail(bad.id)
    for envelope in envelopes:
        await publish_envelope(js, envelope)

    async with background(billing_consumer.run()), background(audit_consumer.run()):
        await wait_until(lambda: _outcomes(billing_consumer, Outcome.DEAD, 1))
        await wait_until(lambda: _outcomes(audit_consumer, Outcome.PROCESSED, 3))
        billing.fix()

        assert await replay_dlq(nc, consumer="billing") == 1

        await wait_until(lambda: _outcomes(billing_consumer, Outcome.PROCESSED, 3))
        await wait_until(lambda: _outcomes(audit_consumer, Outcome.DUPLICATE, 1))

    assert await billing.effects() == [e.id for e in envelopes]
    assert await audit.effects() == [e.id for e in envelopes]  # audit ignored the replay
    assert await dead_letters(js, "billing") == []
    assert await replay_dlq(nc, consumer="billing") == 0


async def test_a_replayed_event_that_fails_again_is_dead_lettered_again(
    db: EventDb, nc: NatsClient, js: JetStreamContext
) -> None:
    billing = Recorder(db, "billing")
    consumer = make_consumer(nc, db, billing, max_deliver=2)
    bad = envelope_for("R-1")
    billing.fail(bad.id)
    await publish_envelope(js, bad)

    async with background(consumer.run()):
        await wait_until(lambda: _outcomes(consumer, Outcome.DEAD, 1))
        [first] = await dead_letters(js, "billing")
        assert await replay_dlq(nc, consumer="billing") == 1
        # Still broken: it must come back (not be dropped as a duplicate of the first letter).
        await wait_until(lambda: _outcomes(consumer, Outcome.DEAD, 2))

    [second] = await dead_letters(js, "billing")
    assert second.event_id == bad.id
    assert second.seq > first.seq
    assert second.original_subject == SUBJECT
    assert billing.calls[bad.id] == 4


async def test_listing_and_replaying_with_a_limit_keeps_the_order(
    db: EventDb, nc: NatsClient, js: JetStreamContext
) -> None:
    billing = Recorder(db, "billing")
    other = Recorder(db, "other")
    consumer = make_consumer(nc, db, billing, max_deliver=1)
    envelopes = [envelope_for(f"R-{i}") for i in range(3)]
    for envelope in envelopes:
        billing.fail(envelope.id)
        await publish_envelope(js, envelope)
    other_letter = envelope_for("R-other")
    other.fail(other_letter.id)
    await publish_envelope(js, other_letter)

    async with background(consumer.run()):
        await wait_until(lambda: _outcomes(consumer, Outcome.DEAD, 3))
    async with background(make_consumer(nc, db, other, max_deliver=1).run()):
        await wait_until(lambda: _letters(js, "other", 1))

    letters = await list_dead_letters(js, "billing")
    assert [letter.event_id for letter in letters] == [e.id for e in envelopes]
    assert [letter.event_id for letter in await list_dead_letters(js, "billing", limit=2)] == [
        e.id for e in envelopes[:2]
    ]

    assert await replay_dlq(nc, consumer="billing", limit=2) == 2
    assert [letter.event_id for letter in await dead_letters(js, "billing")] == [envelopes[2].id]
    assert len(await dead_letters(js, "other")) == 1  # other consumers' letters untouched


async def test_poison_is_left_in_the_dlq_by_replay(
    db: EventDb, nc: NatsClient, js: JetStreamContext
) -> None:
    billing = Recorder(db, "billing")
    consumer = make_consumer(nc, db, billing)
    await js.publish(SUBJECT, b"garbage")
    async with background(consumer.run()):
        await wait_until(lambda: _outcomes(consumer, Outcome.DEAD, 1))

    assert await replay_dlq(nc, consumer="billing") == 0
    assert len(await dead_letters(js, "billing")) == 1


def test_error_descriptions_fit_on_one_short_header_line() -> None:
    assert describe_error(ValueError("bad\r\nthing")) == "ValueError: bad thing"
    long = describe_error(RuntimeError("x" * 5000))
    assert len(long) == 1000
    assert long.endswith("…")


async def _outcomes(consumer: Consumer, outcome: Outcome, n: int) -> bool:
    return consumer.counts[outcome] >= n


async def _letters(js: JetStreamContext, consumer: str, n: int) -> bool:
    return len(await dead_letters(js, consumer)) >= n
