"""Waking a worker loop when PostgreSQL says there is work: LISTEN/NOTIFY with a poll fallback.

Producers `NOTIFY <channel>` in the transaction that creates the work (PostgreSQL delivers it
at commit); the loop waits on `PgWakeup.wait()`, which returns on a notification or after
`poll_seconds` at the latest, so nothing waits longer than the poll interval even while the
LISTEN connection is being re-established (a database restart, a half-open TCP connection).
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from typing import Any

import asyncpg

__all__ = ["PgWakeup"]

log = logging.getLogger(__name__)


class PgWakeup:
    """A LISTEN connection on `channel` (kept open by `run`) and the event it sets."""

    def __init__(
        self,
        dsn: str,
        channel: str,
        *,
        poll_seconds: float,
        keepalive_seconds: float = 15.0,
        max_backoff: float = 5.0,
        label: str = "",
    ) -> None:
        self._dsn = dsn
        self.channel = channel
        self.poll_seconds = poll_seconds
        self.keepalive_seconds = keepalive_seconds
        self.max_backoff = max_backoff
        self._label = label or channel
        self._event = asyncio.Event()

    def set(self) -> None:
        """Wake the waiting loop now (work arrived by another way)."""
        self._event.set()

    async def wait(self) -> None:
        """Until a notification arrives, or `poll_seconds` pass."""
        with suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), self.poll_seconds)
        # Cleared after waking: a NOTIFY arriving while the loop works sets it again, so the
        # next wait returns at once instead of sitting out the poll interval.
        self._event.clear()

    async def run(self) -> None:
        """Keep the LISTEN connection open until cancelled."""
        delay = min(0.05, self.max_backoff)
        while True:
            conn: Any = None
            try:
                conn = await asyncpg.connect(self._dsn, timeout=5)
                await self._listen_on(conn)
                delay = min(0.05, self.max_backoff)
                log.warning("%s: LISTEN connection lost; reconnecting", self._label)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("%s: LISTEN failed: %r", self._label, exc)
            finally:
                if conn is not None and not conn.is_closed():
                    conn.terminate()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_backoff)

    async def _listen_on(self, conn: Any) -> None:
        """LISTEN on `conn`; returns when the connection is lost."""
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        await conn.add_listener(self.channel, self._on_notify)
        # Work committed while nobody listened would otherwise wait for the poll.
        self._event.set()
        while not lost.is_set():
            try:
                await asyncio.wait_for(lost.wait(), self.keepalive_seconds)
            except TimeoutError:
                # A half-open TCP connection never fires the termination listener.
                await conn.fetchval("SELECT 1", timeout=5)

    def _on_notify(self, _conn: object, _pid: int, _channel: str, _payload: str) -> None:
        self._event.set()
