"""When an executor's shift ends, their open requests go back to the pool (DOMAIN.md, "Shifts").

The shifts service publishes `ShiftEnded`; this consumer releases every request the executor
still holds (IN_PROGRESS, PURCHASE, CLARIFICATION) with the system's RELEASE_TO_POOL action, to
the pool it came from (or its category's). Each release is its own workflow step with its own
events (RequestUnassigned, RequestAssigned to the pool), which is how the pool's on-duty
executors and the managers hear of it.

Redelivery is harmless without sharing the consumer's transaction: a request already released
no longer names the executor and is not picked again, and one that moved on meanwhile (a
manager reassigned it, a race with the executor's own step) is skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from ukm.shifts.v1 import events_pb2 as shift_events

from services.kit.envelope import Envelope, unwrap
from services.kit.errors import FailedPrecondition
from services.requests import models
from services.requests.lifecycle_store import LifecycleStore
from services.requests.workflow import SYSTEM, Action, Outcome, Payload, RequestState, apply

log = logging.getLogger(__name__)

# The executor holds these; everything else is either not theirs yet or already done.
HELD = ("in_progress", "purchase", "clarification")
REASON = "the executor's shift ended"
# The request moved on between our read and our step: nothing left to release.
_ALREADY_MOVED = frozenset({"STALE_VERSION", "NOT_ASSIGNED", "TRANSITION_NOT_ALLOWED"})


class Handover:
    """Releases an executor's open requests to their pools."""

    def __init__(
        self, engine: AsyncEngine, store: LifecycleStore, *, clock: Callable[[], datetime]
    ) -> None:
        self.reader = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.store = store
        self.clock = clock

    async def release(self, executor_id: str) -> list[str]:
        """Release what `executor_id` holds; the numbers released."""
        released = []
        for number, version, pool in await self._held_by(executor_id):
            try:
                await self.store.transition(number, self._step(version, pool))
            except FailedPrecondition as refusal:
                if refusal.reason not in _ALREADY_MOVED:
                    raise
                continue
            released.append(number)
        if released:
            log.info("released to the pool", extra={"requests": len(released)})
        return released

    def _step(self, version: int, pool: str | None) -> Callable[[RequestState], Outcome]:
        now = self.clock()

        def decide(state: RequestState) -> Outcome:
            return apply(
                state,
                Action.RELEASE_TO_POOL,
                SYSTEM,
                Payload(reason=REASON, specialisation=pool),
                now=now,
                expected_version=version,
            )

        return decide

    async def _held_by(self, executor_id: str) -> list[tuple[str, int, str | None]]:
        requests, log_ = models.requests, models.assignments
        # The pool each request was last offered to (None: never pooled → its category's).
        last_pool = (
            sa.select(log_.c.specialisation)
            .where(log_.c.request_number == requests.c.number, log_.c.mode == "group")
            .order_by(log_.c.version.desc())
            .limit(1)
            .scalar_subquery()
        )
        query = (
            sa.select(requests.c.number, requests.c.version, last_pool)
            .where(requests.c.executor_id == executor_id, requests.c.status.in_(HELD))
            .order_by(requests.c.created_at)
        )
        async with self.reader.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [(row[0], int(row[1]), row[2]) for row in rows]

    async def on_shift_ended(self, session: AsyncSession, envelope: Envelope) -> None:
        """The `ShiftEnded` handler of the requests service's consumer."""
        del session  # each release commits on its own (see the module docstring)
        ended = unwrap(envelope, shift_events.ShiftEnded)
        if ended.shift.executor_id:
            await self.release(ended.shift.executor_id)
