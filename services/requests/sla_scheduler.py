"""The SLA scheduler: sends `SlaWarning` at 80 % and `SlaBreached` at 100 % of each clock, once.

Exactly once per request and clock, across restarts and replicas: each round locks the clocks
whose `next_alert_at` has come (`FOR UPDATE SKIP LOCKED`, so replicas split the work), writes
the events to the outbox and records `warned_at` / `breached_at` in the same transaction. A crash
before the commit leaves both undone; after it, both done. All state is in the database, so a
restarted scheduler simply carries on.

It sleeps until the next alert is due, but never longer than `poll_seconds` (new clocks and
status changes move deadlines without telling it), and it loops without sleeping while batches
come back full, so a backlog (after an outage) is caught up in batches.

Wiring (app.py)::

    scheduler = SlaScheduler.from_settings(settings, SlaSettings(), clock=clock)
    ServiceApp(..., background=[..., scheduler.run], close=[..., scheduler.close])
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.kit.db import create_engine
from services.kit.settings import Settings
from services.requests import models
from services.requests.sla_clock import Clock
from services.requests.sla_events import PendingEvent, alert_event, enqueue_all
from services.requests.sla_proto import request_with_sla
from services.requests.sla_settings import SlaSettings
from services.requests.sla_store import claim_due, load_clocks, next_alert_at, save_alerts

log = logging.getLogger(__name__)

# Shortest sleep: clocks that are due but locked by another replica must not make us spin.
_MIN_SLEEP = 0.25
_MAX_BACKOFF = 30.0


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SlaScheduler:
    """Finds clocks due for a warning or a breach and emits the events through the outbox."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        clock: Callable[[], datetime] = _utc_now,
        batch_size: int = 500,
        poll_seconds: float = 5.0,
        owns_engine: bool = False,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self._owns_engine = owns_engine
        # Totals for tests and status pages.
        self.alerts_sent = 0

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        sla: SlaSettings,
        *,
        clock: Callable[[], datetime] = _utc_now,
    ) -> SlaScheduler:
        """A scheduler with its own small connection pool: a saturated request pool must not
        delay alerts, and `pre_ping` survives database restarts between polls."""
        engine = create_engine(
            settings.database_url.get_secret_value(),
            pool_size=2,
            application_name="ukm-requests-sla",
            pre_ping=True,
        )
        return cls(
            engine,
            clock=clock,
            batch_size=sla.batch_size,
            poll_seconds=sla.poll_seconds,
            owns_engine=True,
        )

    async def close(self) -> None:
        """Release the engine if the scheduler created it (after `run` was cancelled)."""
        if self._owns_engine:
            await self.engine.dispose()

    async def run(self) -> None:
        """Send alerts until cancelled; failures (database away) are logged and retried."""
        backoff = _MIN_SLEEP
        while True:
            try:
                handled = await self.run_once()
                if handled >= self.batch_size:
                    continue  # a backlog: next batch at once
                delay = await self._idle_seconds()
                backoff = _MIN_SLEEP
            except Exception as exc:
                delay, backoff = backoff, min(backoff * 2, _MAX_BACKOFF)
                log.warning(
                    "sla scheduler: round failed (%s); retrying in %.2f s", _kind(exc), delay
                )
            await asyncio.sleep(delay)

    async def run_once(self) -> int:
        """One batch in one transaction: lock due clocks, send their alerts, record them.
        Returns how many clocks it handled (a full batch means more may be waiting)."""
        now = self.clock()
        async with self.engine.begin() as connection:
            due = await claim_due(connection, now, limit=self.batch_size)
            if not due:
                return 0
            numbers = sorted({number for number, _ in due})
            requests = await _requests(connection, numbers)
            snapshots = await load_clocks(connection, numbers)
            marked: list[tuple[str, Clock]] = []
            events: list[PendingEvent] = []
            for number, clock in due:
                alerts = clock.due_alerts(now)
                sent = clock.mark_sent(alerts, now)
                marked.append((number, sent))
                if not alerts or number not in requests:
                    continue
                snapshot = snapshots.get(number)
                if snapshot is not None:
                    snapshot = snapshots[number] = snapshot.with_clock(sent)
                request = request_with_sla(requests[number], snapshot, now)
                events += [PendingEvent(number, alert_event(a, request, clock)) for a in alerts]
            await save_alerts(connection, marked)
            await enqueue_all(connection, events, now)
        self.alerts_sent += len(events)
        return len(due)

    async def catch_up(self) -> int:
        """Run batches until nothing is due; how many clocks were handled."""
        total = 0
        while (handled := await self.run_once()) > 0:
            total += handled
            if handled < self.batch_size:
                break
        return total

    async def _idle_seconds(self) -> float:
        """How long to sleep: until the next alert, at most `poll_seconds`."""
        async with self.engine.connect() as connection:
            upcoming = await next_alert_at(connection)
        if upcoming is None:
            return self.poll_seconds
        wait = (upcoming - self.clock()).total_seconds()
        return min(max(wait, _MIN_SLEEP), self.poll_seconds)


def _kind(exc: Exception) -> str:
    """What went wrong, without the message: a database error's text carries the statement's
    parameters, and the events hold residents' descriptions."""
    if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None:
        return f"{type(exc).__name__} from {type(exc.orig).__name__}"
    return type(exc).__name__


async def _requests(connection: AsyncConnection, numbers: list[str]) -> dict[str, sa.RowMapping]:
    """The request rows of `numbers` (for the events' `Request`)."""
    table = models.requests
    rows = await connection.execute(sa.select(table).where(table.c.number.in_(numbers)))
    return {row["number"]: row for row in rows.mappings()}
