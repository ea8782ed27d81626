"""The worker's queue: the `deliveries` table itself. Due rows are claimed with `FOR UPDATE SKIP
LOCKED` (any number of workers, each row to one of them) under a lease; `started_at` is stamped
just before the provider calls, so a worker that dies is recovered without ever sending twice
(see `recover`); results are written back in batches.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.notifications import models
from services.notifications.channels.base import ChannelKind
from services.notifications.delivery import AttemptOutcome, State, interrupted
from services.notifications.delivery_rows import (
    CLAIMED_COLUMNS,
    WAKE_WORKERS,
    Claimed,
    Recorded,
    Started,
    claimed,
)

_D = models.deliveries
_A = models.attempts


class DeliveryQueue:
    """Claiming, starting, recording and recovering deliveries."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def claim(self, *, limit: int, now: datetime, lease: timedelta) -> list[Claimed]:
        """Take up to `limit` due deliveries under a lease (oldest due first)."""
        due = (
            sa.select(_D.c.id)
            .where(_D.c.state == State.QUEUED.value, _D.c.next_attempt_at <= now)
            .order_by(_D.c.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        async with self.engine.begin() as conn:
            rows = await conn.execute(
                sa.update(_D)
                .where(_D.c.id.in_(due))
                .values(
                    state=State.SENDING.value,
                    lease_until=now + lease,
                    started_at=None,
                    updated_at=now,
                )
                .returning(*CLAIMED_COLUMNS)
            )
            return [claimed(r._mapping) for r in rows]

    async def mark_started(self, started: Sequence[Started], *, now: datetime) -> None:
        """The provider calls of these deliveries begin now, on the channels given."""
        if not started:
            return
        b = sa.bindparam
        statement = (
            sa.update(_D)
            .where(_D.c.id == b("b_id"))
            .values(
                started_at=now,
                channels=b("b_channels", type_=ARRAY(sa.Text)),
                channel_index=b("b_index"),
            )
        )
        async with self.engine.begin() as conn:
            await conn.execute(
                statement,
                [
                    {"b_id": s.id, "b_channels": list(s.channels), "b_index": s.channel_index}
                    for s in started
                ],
            )

    async def record(self, results: Sequence[Recorded], *, now: datetime) -> None:
        """Write back a round's results in one transaction (rows another worker recovered in
        the meantime are left alone)."""
        if not results:
            return
        async with self.engine.begin() as conn:
            await conn.execute(_record_statement(), [_record_params(r, now) for r in results])
            attempts = [
                {
                    "delivery_id": r.id,
                    "number": r.attempt_count,
                    "channel": r.attempt.channel.value,
                    "outcome": r.attempt.outcome.value,
                    "error": r.attempt.error,
                    "retry_after": r.attempt.retry_after,
                    "at": now,
                }
                for r in results
                if r.attempt is not None
            ]
            if attempts:
                await conn.execute(postgresql.insert(_A).values(attempts).on_conflict_do_nothing())
            marks = [
                {
                    "user_id": r.recipient_id,
                    "channel": r.attempt.channel.value,
                    "reason": r.attempt.error,
                    "since": now,
                }
                for r in results
                if r.unreachable and r.attempt is not None
            ]
            if marks:
                await conn.execute(
                    postgresql.insert(models.unreachable).values(marks).on_conflict_do_nothing()
                )
            if any(r.state is State.QUEUED and r.next_attempt_at <= now for r in results):
                await conn.execute(WAKE_WORKERS)

    async def recover(self, *, now: datetime) -> tuple[int, int]:
        """Deliveries whose worker's lease ran out: those whose provider call never began go
        back to the queue; those whose call began may have been sent and are not repeated.
        Returns (requeued, settled)."""
        stale = sa.and_(_D.c.state == State.SENDING.value, _D.c.lease_until < now)
        async with self.engine.begin() as conn:
            requeued = await conn.execute(
                sa.update(_D)
                .where(stale, _D.c.started_at.is_(None))
                .values(state=State.QUEUED.value, lease_until=None, updated_at=now)
            )
            settled = (
                await conn.execute(
                    sa.select(_D.c.id, _D.c.channels, _D.c.channel_index, _D.c.attempt_count)
                    .where(stale, _D.c.started_at.is_not(None))
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for delivery_id, channels, index, count in settled:
                await _settle_interrupted(conn, delivery_id, channels[index], count + 1, now)
        return int(requeued.rowcount or 0), len(settled)


# None binds as SQL NULL (not JSON null), so COALESCE keeps the stored data.
_NULLABLE_JSON = postgresql.JSONB(none_as_null=True)


@functools.cache
def _record_statement() -> sa.Update:
    """One UPDATE for every result of a round (executemany), built once."""
    b = sa.bindparam
    return (
        sa.update(_D)
        .where(_D.c.id == b("b_id"), _D.c.state == State.SENDING.value)
        .values(
            state=b("b_state"),
            next_attempt_at=b("b_next"),
            channels=b("b_channels", type_=ARRAY(sa.Text)),
            channel_index=b("b_index"),
            channel_attempts=b("b_channel_attempts"),
            attempt_count=b("b_attempts"),
            language=sa.func.coalesce(sa.func.nullif(b("b_language"), ""), _D.c.language),
            last_error=b("b_error"),
            provider_message_id=b("b_provider_id"),
            sent_at=sa.func.coalesce(b("b_sent", type_=sa.DateTime(timezone=True)), _D.c.sent_at),
            data=sa.func.coalesce(b("b_data", type_=_NULLABLE_JSON), _D.c.data),
            # Whatever the event named to reach the person is kept only while it is needed.
            contacts=sa.case((b("b_final"), sa.text("'{}'::jsonb")), else_=_D.c.contacts),
            lease_until=None,
            updated_at=b("b_now"),
        )
    )


def _record_params(r: Recorded, now: datetime) -> dict[str, Any]:
    return {
        "b_id": r.id,
        "b_state": r.state.value,
        "b_next": r.next_attempt_at,
        "b_channels": list(r.channels),
        "b_index": r.channel_index,
        "b_channel_attempts": r.channel_attempts,
        "b_attempts": r.attempt_count,
        "b_language": r.language,
        "b_error": r.last_error,
        "b_provider_id": r.provider_message_id,
        "b_sent": r.sent_at,
        "b_data": r.data,
        "b_final": r.state is not State.QUEUED,
        "b_now": now,
    }


async def _settle_interrupted(
    conn: AsyncConnection, delivery_id: str, channel: str, number: int, now: datetime
) -> None:
    done = interrupted(ChannelKind(channel))
    await conn.execute(
        sa.update(_D)
        .where(_D.c.id == delivery_id)
        .values(
            state=done.state.value,
            attempt_count=number,
            last_error=done.attempt.error,
            sent_at=now,
            lease_until=None,
            contacts={},
            updated_at=now,
        )
    )
    await conn.execute(
        postgresql.insert(_A)
        .values(
            delivery_id=delivery_id,
            number=number,
            channel=channel,
            outcome=AttemptOutcome.UNCERTAIN.value,
            error=done.attempt.error,
            at=now,
        )
        .on_conflict_do_nothing()
    )
