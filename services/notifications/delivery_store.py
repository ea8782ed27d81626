"""Deliveries in PostgreSQL for everyone but the worker: recording them exactly once (the
intake and direct sends), reading them back for tracking, and sending a dead letter again.
The worker's side of the same table is `delivery_queue`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from services.kit.errors import FailedPrecondition, NotFound
from services.notifications import models
from services.notifications.delivery import State
from services.notifications.delivery_rows import (
    WAKE_WORKERS,
    DeliveryFilter,
    DeliveryRow,
    new_row,
)
from services.notifications.plan import NewDelivery

_D = models.deliveries
_A = models.attempts


class DeliveryStore:
    """The deliveries table and its attempts."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    # --- recording --------------------------------------------------------------------------

    async def add(
        self, session: AsyncSession, planned: Sequence[NewDelivery], *, now: datetime
    ) -> list[str]:
        """Record `planned` in the caller's transaction; returns the ids actually inserted
        (a delivery whose key exists already is left as it is)."""
        if not planned:
            return []
        rows = [new_row(p, now) for p in planned]
        inserted = await session.execute(
            postgresql.insert(_D)
            .values(rows)
            .on_conflict_do_nothing(index_elements=[_D.c.dedup_key])
            .returning(_D.c.id)
        )
        ids = [row[0] for row in inserted]
        if ids:
            await session.execute(WAKE_WORKERS)
        return ids

    async def by_keys(self, keys: Sequence[str]) -> list[DeliveryRow]:
        """The deliveries recorded under these exactly-once keys."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(sa.select(_D).where(_D.c.dedup_key.in_(list(keys))))
            return [DeliveryRow(dict(r._mapping)) for r in rows]

    # --- tracking ---------------------------------------------------------------------------

    async def get(self, delivery_id: str) -> DeliveryRow:
        """One delivery with its attempts; NotFound when there is none."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(sa.select(_D).where(_D.c.id == delivery_id))).first()
            if row is None:
                raise NotFound("delivery", delivery_id)
            attempts = await conn.execute(
                sa.select(_A).where(_A.c.delivery_id == delivery_id).order_by(_A.c.number)
            )
            return DeliveryRow(dict(row._mapping), [dict(a._mapping) for a in attempts])

    async def list(
        self, filters: DeliveryFilter, *, limit: int, after: tuple[datetime, str] | None
    ) -> list[DeliveryRow]:
        """Deliveries newest first, keyset-paged by (created_at, id)."""
        query = sa.select(_D)
        if filters.recipient_id:
            query = query.where(_D.c.recipient_id == filters.recipient_id)
        if filters.subject:
            query = query.where(_D.c.subject == filters.subject)
        if filters.states:
            query = query.where(_D.c.state.in_(filters.states))
        if filters.kind:
            query = query.where(_D.c.kind == filters.kind)
        if after is not None:
            query = query.where(sa.tuple_(_D.c.created_at, _D.c.id) < sa.tuple_(*after))
        query = query.order_by(_D.c.created_at.desc(), _D.c.id.desc()).limit(limit)
        async with self.engine.connect() as conn:
            return [DeliveryRow(dict(r._mapping)) for r in await conn.execute(query)]

    async def retry(self, delivery_id: str, *, by: str, now: datetime) -> None:
        """Send a dead letter again from the start: channels are chosen anew."""
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    sa.select(_D.c.state).where(_D.c.id == delivery_id).with_for_update()
                )
            ).first()
            if row is None:
                raise NotFound("delivery", delivery_id)
            if row.state != State.FAILED.value:
                raise FailedPrecondition(
                    "NOT_A_DEAD_LETTER",
                    f"only failed deliveries can be retried; this one is {row.state}",
                    {"state": row.state},
                )
            await conn.execute(
                sa.update(_D)
                .where(_D.c.id == delivery_id)
                .values(
                    state=State.QUEUED.value,
                    channels=[],
                    channel_index=0,
                    channel_attempts=0,
                    next_attempt_at=now,
                    lease_until=None,
                    started_at=None,
                    retried_by=by,
                    updated_at=now,
                )
            )
            await conn.execute(WAKE_WORKERS)
