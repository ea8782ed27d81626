"""The outbox relay: copies committed outbox rows to JetStream, in order, exactly once downstream.

See `services.kit.outbox` for the guarantees; this module is the moving part.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from nats.aio.client import Client as NatsClient
from nats.js.api import PubAck
from prometheus_client import CollectorRegistry, Counter, Histogram
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.kit.db import asyncpg_dsn, create_engine
from services.kit.outbox import outbox_channel
from services.kit.settings import Settings
from services.kit.wakeup import PgWakeup

__all__ = ["BatchResult", "OutboxRelay", "RelayMetrics"]

log = logging.getLogger(__name__)

_LAG_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class RelayMetrics:
    """Prometheus metrics of outbox relays, labelled by outbox table.

    Create one per registry and hand it to every relay of the process; a relay given none
    registers into a private registry, so two relays never collide on metric names.
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.published = Counter(
            "ukm_outbox_published",
            "Outbox events acknowledged by JetStream",
            ["outbox"],
            registry=self.registry,
        )
        self.failed = Counter(
            "ukm_outbox_publish_failures",
            "Outbox publishes that failed (retried later)",
            ["outbox"],
            registry=self.registry,
        )
        self.lag = Histogram(
            "ukm_outbox_lag_seconds",
            "From the producing transaction to the JetStream ack",
            ["outbox"],
            registry=self.registry,
            buckets=_LAG_BUCKETS,
        )
        self.purged = Counter(
            "ukm_outbox_purged",
            "Published outbox rows deleted after the retention",
            ["outbox"],
            registry=self.registry,
        )


@dataclass(frozen=True)
class BatchResult:
    """What one `publish_pending` round did."""

    fetched: int
    published: int
    failed: int


class _Pending(NamedTuple):
    """An outbox row waiting to be published."""

    seq: int
    event_id: uuid.UUID
    subject: str
    payload: bytes


class _Backoff:
    """Capped exponential delays: 50 ms, 100 ms, … up to `cap`."""

    def __init__(self, cap: float, first: float = 0.05) -> None:
        self.cap = cap
        self.first = min(first, cap)
        self.current = self.first

    def next(self) -> float:
        delay = self.current
        self.current = min(self.current * 2, self.cap)
        return delay

    def reset(self) -> None:
        self.current = self.first


class OutboxRelay:
    """Publishes an outbox table's rows to JetStream, in `seq` order, until cancelled.

    Wakes on NOTIFY (a dedicated asyncpg connection, re-established if PostgreSQL restarts) or
    every `poll_seconds`, and loops without waiting while batches come back full. While NATS or
    PostgreSQL is unreachable it retries the same rows with capped exponential backoff; rows are
    never skipped. Published rows are deleted `retention` after publishing.
    """

    def __init__(
        self,
        database: str | AsyncEngine,
        table: sa.Table,
        nc: NatsClient,
        *,
        batch_size: int = 200,
        poll_seconds: float = 1.0,
        publish_timeout: float = 5.0,
        max_backoff: float = 5.0,
        retention: timedelta = timedelta(hours=24),
        purge_interval: float = 600.0,
        keepalive_seconds: float = 15.0,
        metrics: RelayMetrics | None = None,
    ) -> None:
        if isinstance(database, str):
            self._engine = create_engine(
                database, pool_size=2, application_name="ukm-outbox", pre_ping=True
            )
            self._owns_engine = True
        else:
            self._engine = database
            self._owns_engine = False
        self.table = table
        self.channel = outbox_channel(table)
        self._nc = nc
        self._js = nc.jetstream(timeout=publish_timeout)
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.publish_timeout = publish_timeout
        self.max_backoff = max_backoff
        self.retention = retention
        self.purge_interval = purge_interval
        self.keepalive_seconds = keepalive_seconds
        self._metrics = metrics if metrics is not None else RelayMetrics()
        self._label = table.fullname
        self._wakeup = PgWakeup(
            asyncpg_dsn(self._engine.url.render_as_string(hide_password=False)),
            self.channel,
            poll_seconds=poll_seconds,
            keepalive_seconds=keepalive_seconds,
            max_backoff=max_backoff,
            label=f"outbox {self._label}",
        )
        # Plain totals for callers without Prometheus (tests, `ukm status`).
        self.published_total = 0
        self.failed_total = 0

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        table: sa.Table,
        nc: NatsClient,
        *,
        engine: AsyncEngine | None = None,
        metrics: RelayMetrics | None = None,
    ) -> OutboxRelay:
        """A relay configured by `UKM_OUTBOX_POLL_SECONDS` / `UKM_OUTBOX_BATCH_SIZE`."""
        return cls(
            engine if engine is not None else settings.database_url.get_secret_value(),
            table,
            nc,
            batch_size=settings.outbox_batch_size,
            poll_seconds=settings.outbox_poll_seconds,
            metrics=metrics,
        )

    async def close(self) -> None:
        """Release the engine if the relay created it (after `run` has been cancelled)."""
        if self._owns_engine:
            await self._engine.dispose()

    async def run(self) -> None:
        """Relay until cancelled. Never returns or raises otherwise: every failure is retried."""
        helpers = [
            asyncio.create_task(self._wakeup.run(), name=f"outbox-listen-{self.channel}"),
            # Its own task so that deleting old rows never delays publishing new ones.
            asyncio.create_task(self._purge_forever(), name=f"outbox-purge-{self.channel}"),
        ]
        backoff = _Backoff(self.max_backoff)
        try:
            while True:
                try:
                    result = await self.publish_pending()
                except Exception as exc:
                    # PostgreSQL away (or NATS gone mid-batch): nothing was marked; retry.
                    log.warning("outbox %s: relay round failed: %r", self._label, exc)
                    await self._pause(backoff.next())
                    continue
                if result.failed and not result.published:
                    await self._pause(backoff.next())
                    continue
                backoff.reset()
                if result.fetched < self.batch_size:
                    await self._wakeup.wait()
        finally:
            for helper in helpers:
                helper.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)

    async def publish_pending(self) -> BatchResult:
        """One round: lock the oldest unpublished rows, publish them concurrently, mark the
        acknowledged ones, commit. Unacknowledged rows stay unmarked for the next round."""
        t = self.table
        async with self._engine.begin() as conn:
            rows = [
                _Pending(*row)
                for row in await conn.execute(
                    sa.select(t.c.seq, t.c.event_id, t.c.subject, t.c.payload)
                    .where(t.c.published_at.is_(None))
                    .order_by(t.c.seq)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ]
            if not rows:
                return BatchResult(0, 0, 0)
            acked = await self._publish(rows)
            done = [row.seq for row, ok in zip(rows, acked, strict=True) if ok]
            if done:
                await self._mark(conn, done)
        failed = len(rows) - len(done)
        self.published_total += len(done)
        self.failed_total += failed
        self._metrics.published.labels(self._label).inc(len(done))
        if failed:
            self._metrics.failed.labels(self._label).inc(failed)
        return BatchResult(len(rows), len(done), failed)

    async def _publish(self, rows: Sequence[_Pending]) -> list[bool]:
        """Publish in `seq` order, then await the acks together; True per acknowledged row."""
        if not self._nc.is_connected:
            log.warning("outbox %s: NATS not connected; %d rows wait", self._label, len(rows))
            return [False] * len(rows)
        futures: list[asyncio.Future[PubAck]] = []
        try:
            # Sending one by one keeps the stream in seq order; only the acks overlap.
            for row in rows:
                futures.append(
                    await self._js.publish_async(
                        row.subject, row.payload, headers={"Nats-Msg-Id": str(row.event_id)}
                    )
                )
        except Exception as exc:
            log.warning("outbox %s: publish failed: %r", self._label, exc)
        if futures:
            _, pending = await asyncio.wait(futures, timeout=self.publish_timeout)
            for future in pending:
                future.cancel()
        acked = [f.done() and not f.cancelled() and f.exception() is None for f in futures]
        errors = [f.exception() for f in futures if f.done() and not f.cancelled()]
        if first_error := next((e for e in errors if e is not None), None):
            log.warning("outbox %s: JetStream refused a publish: %r", self._label, first_error)
        return acked + [False] * (len(rows) - len(futures))

    async def _mark(self, conn: AsyncConnection, seqs: list[int]) -> None:
        t = self.table
        lags = await conn.execute(
            sa.update(t)
            .where(t.c.seq == sa.any_(sa.bindparam("seqs", seqs, postgresql.ARRAY(sa.BigInteger))))
            .values(published_at=sa.func.clock_timestamp())
            .returning(sa.extract("epoch", t.c.published_at - t.c.created_at))
        )
        histogram = self._metrics.lag.labels(self._label)
        for (lag,) in lags:
            histogram.observe(float(lag))

    async def purge_published(self, *, limit: int = 10_000) -> int:
        """Delete up to `limit` rows published more than `retention` ago; returns how many."""
        t = self.table
        cutoff = datetime.now(UTC) - self.retention
        victims = sa.select(t.c.seq).where(t.c.published_at < cutoff).limit(limit)
        async with self._engine.begin() as conn:
            result = await conn.execute(sa.delete(t).where(t.c.seq.in_(victims.scalar_subquery())))
        deleted = int(result.rowcount)
        if deleted:
            self._metrics.purged.labels(self._label).inc(deleted)
        return deleted

    async def _purge_forever(self, chunk: int = 10_000) -> None:
        while True:
            try:
                deleted = await self.purge_published(limit=chunk)
            except Exception as exc:
                log.warning("outbox %s: purge failed: %r", self._label, exc)
                deleted = 0
            # Chunks keep each DELETE short; a full chunk means more is due right away.
            await asyncio.sleep(0.1 if deleted >= chunk else self.purge_interval)

    async def _pause(self, delay: float) -> None:
        """Back off for `delay`, but resume as soon as NATS comes back after an outage."""
        was_connected = self._nc.is_connected
        deadline = time.monotonic() + delay
        while (remaining := deadline - time.monotonic()) > 0:
            await asyncio.sleep(min(remaining, 0.05))
            if not was_connected and self._nc.is_connected:
                return
