"""The throttle applied: judging an attempt from the audit log, recording failures, and telling
the owner when their account starts being held back.

Attempts on one account are also serialised inside the process (`AccountGate`): otherwise a
burst of parallel guesses would all be judged before any of their failures was recorded. Across
replicas each process serialises its own, so a burst gains at most one guess per replica.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.auth import audit, events
from services.auth.throttle import ThrottlePolicy, Verdict, account_delay, decide
from services.kit.errors import ResourceExhausted


class AccountGate:
    """One attempt at a time per account within this process."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiters: dict[str, int] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        """Exclusive access for `key` while the block runs (locks are dropped when idle)."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiters[key] = self._waiters.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._waiters[key] -= 1
            if not self._waiters[key]:
                del self._waiters[key]
                del self._locks[key]


class Lockout:
    """Judges attempts and records their outcome (inside the caller's transaction)."""

    def __init__(self, policy: ThrottlePolicy) -> None:
        self.policy = policy

    async def judge(
        self, session: AsyncSession, *, user_id: str | None, client_ip: str, now: datetime
    ) -> Verdict:
        """Whether an attempt on `user_id` from `client_ip` may be checked at `now`."""
        history = await audit.failure_history(
            session, user_id=user_id, client_ip=client_ip, since=now - self.policy.window
        )
        return decide(
            account_failures=history.account_failures,
            ip_failures=history.ip_failures,
            now=now,
            policy=self.policy,
            last_success=history.last_success,
        )

    async def refuse(
        self,
        session: AsyncSession,
        verdict: Verdict,
        *,
        user_id: str | None,
        client_ip: str,
        now: datetime,
    ) -> ResourceExhausted:
        """Record a turned-away attempt; returns the error to raise once the record commits."""
        detail = f"attempt refused unchecked ({verdict.scope} limit)"
        entry = audit.Entry(
            audit.Kind.LOCKED_OUT, audit.Outcome.REFUSED, user_id, client_ip, detail
        )
        await audit.record(session, entry, now)
        # The same words whatever the scope or whether the account exists.
        return ResourceExhausted(
            "too many failed attempts; wait before trying again",
            retry_after_seconds=verdict.retry_after_seconds,
        )

    async def failed(
        self,
        session: AsyncSession,
        *,
        kind: audit.Kind,
        user_id: str | None,
        client_ip: str,
        now: datetime,
        detail: str,
    ) -> None:
        """Record a failed attempt; when it starts holding the account back, say so."""
        entry = audit.Entry(kind, audit.Outcome.FAILURE, user_id, client_ip, detail)
        await audit.record(session, entry, now)
        if user_id is None:
            return
        history = await audit.failure_history(
            session, user_id=user_id, client_ip="", since=now - self.policy.window
        )
        recent = [
            t
            for t in history.account_failures
            if history.last_success is None or t > history.last_success
        ]
        # Only the failure that crosses the free allowance raises the alarm, not every one
        # after it: the owner hears once per attack wave.
        if len(recent) != self.policy.account_free_failures:
            return
        until = now + account_delay(len(recent), self.policy)
        await audit.record(
            session,
            audit.Entry(
                audit.Kind.LOCKED_OUT,
                user_id=user_id,
                client_ip=client_ip,
                detail=f"{len(recent)} failed attempts; further attempts are delayed",
            ),
            now,
        )
        message = events.account_locked_out(
            user_id=user_id, until=until, failed_attempts=len(recent)
        )
        await events.publish(session, message, aggregate_id=user_id)
