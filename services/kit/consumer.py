"""Event consumers: durable JetStream pull consumers whose effects are exactly-once through an
inbox table.

For each message one transaction inserts `(consumer, event id)` into the inbox and runs the
handler; the ack follows the commit. A redelivery (crash before the ack, a broker restart, a
DLQ replay) finds the inbox row and is acked without running the handler again.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.kit.dlq import dead_letter
from services.kit.envelope import Envelope, InvalidEnvelopeError, decode_envelope
from services.kit.faults import is_transient

__all__ = ["Consumer", "Handler", "Outcome", "inbox_table"]

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]


def inbox_table(metadata: sa.MetaData) -> sa.Table:
    """The `inbox` table in `metadata.schema`: which events each consumer has processed."""
    return sa.Table(
        "inbox",
        metadata,
        sa.Column("consumer", sa.Text, primary_key=True),
        sa.Column("event_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "processed_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
    )


# Longer than the DLQ keeps letters (30 days), so replays still find what was processed.
INBOX_RETENTION = timedelta(days=45)


class Outcome(enum.Enum):
    """What happened to one delivered message."""

    PROCESSED = "processed"  # handler ran and committed; acked
    DUPLICATE = "duplicate"  # already in the inbox; acked
    RETRY = "retry"  # failed; nak'ed with a delay
    DEAD = "dead"  # sent to UKM_DLQ; terminated


class Consumer:
    """A durable pull consumer of `stream` (subjects `filter_subject`) running `handler`.

    JetStream itself redelivers without limit (`max_deliver` on the server is -1): the DLQ
    decision is ours, made when the handler fails on delivery `max_deliver` or later, so a
    message is never dropped silently (a crash on the last delivery would otherwise lose it).
    Infrastructure failures (`is_transient`) are retried without ever going to the DLQ.

    Messages are handled one at a time in stream order, except that a retried message comes
    back after the ones behind it (handlers must not rely on cross-event order; aggregates
    carry versions for that). With `group_commit`, the messages of one fetch share a single
    transaction (one commit, and one fsync, for many events: what a busy consumer needs);
    when any of them fails, that transaction is rolled back and the batch is handled one by
    one, so the failing event is retried or dead-lettered alone.
    """

    def __init__(
        self,
        nc: NatsClient,
        sessions: async_sessionmaker[AsyncSession],
        inbox: sa.Table,
        *,
        stream: str,
        durable: str,
        filter_subject: str,
        handler: Handler,
        max_deliver: int = 5,
        ack_wait: float = 30.0,
        batch: int = 50,
        backoff: Sequence[float] = (1.0, 5.0, 15.0, 30.0),
        fetch_timeout: float = 5.0,
        max_retry_pause: float = 5.0,
        inbox_retention: timedelta = INBOX_RETENTION,
        purge_interval: float = 3600.0,
        group_commit: bool = False,
    ) -> None:
        if max_deliver < 1 or not backoff:
            raise ValueError("max_deliver must be ≥ 1 and backoff non-empty")
        self._nc = nc
        self._js = nc.jetstream()
        self._sessions = sessions
        self.inbox = inbox
        self.stream = stream
        self.durable = durable
        self.filter_subject = filter_subject
        self._handler = handler
        self.max_deliver = max_deliver
        self.ack_wait = ack_wait
        self.batch = batch
        self.backoff = tuple(backoff)
        self.fetch_timeout = fetch_timeout
        self.max_retry_pause = max_retry_pause
        self.inbox_retention = inbox_retention
        self.purge_interval = purge_interval
        self.group_commit = group_commit
        self.counts: dict[Outcome, int] = dict.fromkeys(Outcome, 0)

    def config(self) -> ConsumerConfig:
        """The JetStream consumer configuration this consumer creates or updates."""
        return ConsumerConfig(
            name=self.durable,
            durable_name=self.durable,
            filter_subject=self.filter_subject,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait,
            max_deliver=-1,
        )

    async def ensure(self) -> None:
        """Create the durable consumer, or update it to `config()`; idempotent."""
        await self._js.add_consumer(self.stream, self.config())

    async def ensure_when_ready(self, *, poll_seconds: float = 5.0) -> None:
        """`ensure`, waiting quietly while the stream does not exist yet (streams appear with
        `ukm migrate`, or when their producer first starts)."""
        while True:
            try:
                await self.ensure()
                return
            except NotFoundError:
                await asyncio.sleep(poll_seconds)

    async def run(self) -> None:
        """Fetch and handle messages until cancelled; survives broker restarts. Old inbox rows
        are purged on the side."""
        purger = asyncio.create_task(self._purge_periodically(), name=f"inbox-{self.durable}")
        try:
            await self._consume()
        finally:
            purger.cancel()
            with suppress(asyncio.CancelledError):
                await purger

    async def purge_inbox(self, *, now: datetime | None = None) -> int:
        """Forget this consumer's processed events older than `inbox_retention`; returns how many.

        The retention outlives the DLQ's, so an event replayed from the DLQ is still recognised
        by every consumer that already processed it.
        """
        cutoff = (now or datetime.now(UTC)) - self.inbox_retention
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                sa.delete(self.inbox).where(
                    self.inbox.c.consumer == self.durable, self.inbox.c.processed_at < cutoff
                )
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def _purge_periodically(self) -> None:
        while True:
            await asyncio.sleep(self.purge_interval)
            try:
                purged = await self.purge_inbox()
            except Exception as exc:  # the database is away: try at the next interval
                log.warning("consumer %s: inbox purge failed: %r", self.durable, exc)
                continue
            if purged:
                log.info("consumer %s: purged %d old inbox rows", self.durable, purged)

    async def _consume(self) -> None:
        pause = 0.05
        while True:
            sub = None
            try:
                await self.ensure()
                sub = await self._js.pull_subscribe_bind(durable=self.durable, stream=self.stream)
                pause = 0.05
                while True:
                    if not self._nc.is_connected:
                        # Pull requests sent now would only pile up in the client's buffer.
                        await asyncio.sleep(0.05)
                        continue
                    try:
                        msgs = await sub.fetch(self.batch, timeout=self.fetch_timeout)
                    except TimeoutError:
                        continue
                    if self.group_commit and len(msgs) > 1:
                        await self.handle_together(msgs)
                    else:
                        for msg in msgs:
                            await self.handle(msg)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("consumer %s: %r; resubscribing in %.2fs", self.durable, exc, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, self.max_retry_pause)
            finally:
                if sub is not None:
                    with suppress(Exception):
                        await sub.unsubscribe()

    async def handle_together(self, msgs: Sequence[Msg]) -> list[Outcome]:
        """Process several deliveries in one transaction (each event's inbox row and effects),
        then ack them all; on any failure, fall back to `handle` for each of them."""
        decoded: list[tuple[Msg, Envelope]] = []
        outcomes: list[Outcome] = []
        for msg in msgs:
            try:
                decoded.append((msg, decode_envelope(msg.data)))
            except InvalidEnvelopeError:
                outcomes.append(await self.handle(msg))  # poison: to the DLQ on its own
        try:
            async with self._sessions() as session, session.begin():
                fresh = [await self._record(session, envelope) for _, envelope in decoded]
        except Exception:
            # Something in the batch failed: nothing of it was committed. Alone, each event
            # gets its own retries and, if it keeps failing, its own dead letter.
            return outcomes + [await self.handle(msg) for msg, _ in decoded]
        for (msg, _), new in zip(decoded, fresh, strict=True):
            await msg.ack()
            outcomes.append(self._count(Outcome.PROCESSED if new else Outcome.DUPLICATE))
        return outcomes

    async def _record(self, session: AsyncSession, envelope: Envelope) -> bool:
        """The inbox row and, for an event not seen before, the handler's effects; whether it
        was new."""
        inserted = await session.execute(
            postgresql.insert(self.inbox)
            .values(consumer=self.durable, event_id=uuid.UUID(envelope.id))
            .on_conflict_do_nothing()
            .returning(self.inbox.c.event_id)
        )
        fresh = inserted.first() is not None
        if fresh:
            await self._handler(session, envelope)
        return fresh

    async def handle(self, msg: Msg) -> Outcome:
        """Process one delivery: inbox row + handler in one transaction, then ack."""
        try:
            envelope = decode_envelope(msg.data)
        except InvalidEnvelopeError as exc:
            log.error("consumer %s: poison message on %s: %s", self.durable, msg.subject, exc)
            return await self._dead_letter(msg, exc, None)
        try:
            async with self._sessions() as session, session.begin():
                fresh = await self._record(session, envelope)
        except Exception as exc:
            return await self._failed(msg, envelope, exc)
        await msg.ack()
        return self._count(Outcome.PROCESSED if fresh else Outcome.DUPLICATE)

    async def _failed(self, msg: Msg, envelope: Envelope, exc: Exception) -> Outcome:
        deliveries = msg.metadata.num_delivered
        extra = {"consumer": self.durable, "event_id": envelope.id, "deliveries": deliveries}
        if not is_transient(exc) and deliveries >= self.max_deliver:
            log.error(
                "consumer %s: event %s failed on delivery %d, giving up: %r",
                self.durable,
                envelope.id,
                deliveries,
                exc,
                extra=extra,
            )
            return await self._dead_letter(msg, exc, envelope.id)
        log.warning(
            "consumer %s: event %s failed on delivery %d: %r",
            self.durable,
            envelope.id,
            deliveries,
            exc,
            extra=extra,
        )
        await msg.nak(delay=self._delay(deliveries))
        return self._count(Outcome.RETRY)

    async def _dead_letter(self, msg: Msg, exc: Exception, event_id: str | None) -> Outcome:
        try:
            await dead_letter(self._js, msg, consumer=self.durable, error=exc, event_id=event_id)
        except Exception as publish_error:
            # The DLQ is unreachable: keep the message; it comes back and we try again.
            log.warning("consumer %s: cannot dead-letter: %r", self.durable, publish_error)
            await msg.nak(delay=self._delay(msg.metadata.num_delivered))
            return self._count(Outcome.RETRY)
        await msg.term()
        return self._count(Outcome.DEAD)

    def _delay(self, deliveries: int) -> float:
        return self.backoff[min(max(deliveries, 1), len(self.backoff)) - 1]

    def _count(self, outcome: Outcome) -> Outcome:
        self.counts[outcome] += 1
        return outcome
