"""Deliveries in PostgreSQL: recording them exactly once, the worker's queue (claim, start,
record, recover) and reading them back for tracking.

The queue is the `deliveries` table itself: due rows are claimed with `FOR UPDATE SKIP LOCKED`
(any number of workers, each row to one of them) under a lease; `started_at` is stamped just
before the provider calls, so a worker that dies is recovered without ever sending twice (see
`recover`). New work wakes the workers with a NOTIFY on commit.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from services.kit.errors import FailedPrecondition, NotFound
from services.notifications import models
from services.notifications.channels.base import ChannelKind
from services.notifications.delivery import Attempt, AttemptOutcome, State, interrupted
from services.notifications.plan import NewDelivery

_D = models.deliveries
_A = models.attempts


@dataclass(frozen=True)
class Claimed:
    """A delivery a worker holds: everything needed to write and send it."""

    id: str
    kind: str
    template: str
    recipient_id: str
    subject: str
    data: dict[str, Any]
    body: str | None
    subject_line: str | None
    actions: tuple[str, ...]
    urgent: bool
    staff_only: bool
    allowed_channels: tuple[str, ...] | None
    contacts: dict[str, str]
    language_hint: str
    secret_fields: tuple[str, ...]
    channels: tuple[str, ...]
    channel_index: int
    channel_attempts: int
    attempt_count: int
    dedup_key: str
    created_at: datetime


@dataclass(frozen=True)
class Started:
    """A delivery whose provider call is about to begin, on `channels[channel_index]`."""

    id: str
    channels: tuple[str, ...]
    channel_index: int


@dataclass(frozen=True)
class Recorded:
    """What became of a claimed delivery, to write back (one row of a batched update)."""

    id: str
    state: State
    next_attempt_at: datetime
    channels: tuple[str, ...]
    channel_index: int
    channel_attempts: int
    attempt_count: int
    language: str = ""
    last_error: str = ""
    provider_message_id: str = ""
    sent_at: datetime | None = None
    data: dict[str, Any] | None = None
    # The provider call this round made (None: no call, e.g. suppressed or delayed).
    attempt: Attempt | None = None
    # Mark the recipient unreachable on the attempt's channel.
    unreachable: bool = False
    recipient_id: str = ""


@dataclass(frozen=True)
class DeliveryFilter:
    """What a listing keeps."""

    recipient_id: str | None = None
    subject: str | None = None
    states: tuple[str, ...] = ()
    kind: str | None = None


@dataclass(frozen=True)
class DeliveryRow:
    """A delivery as tracking shows it, with its attempts when asked for one."""

    values: dict[str, Any]
    attempts: list[dict[str, Any]] = field(default_factory=list)


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
        rows = [_new_row(p, now) for p in planned]
        inserted = await session.execute(
            postgresql.insert(_D)
            .values(rows)
            .on_conflict_do_nothing(index_elements=[_D.c.dedup_key])
            .returning(_D.c.id)
        )
        ids = [row[0] for row in inserted]
        if ids:
            await session.execute(sa.select(sa.func.pg_notify(models.DUE_CHANNEL, "")))
        return ids

    async def by_keys(self, keys: Sequence[str]) -> list[DeliveryRow]:
        """The deliveries recorded under these exactly-once keys."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(sa.select(_D).where(_D.c.dedup_key.in_(list(keys))))
            return [DeliveryRow(dict(r._mapping)) for r in rows]

    # --- the worker's queue -----------------------------------------------------------------

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
                .returning(*_CLAIMED_COLUMNS)
            )
            return [_claimed(r._mapping) for r in rows]

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
                await conn.execute(sa.select(sa.func.pg_notify(models.DUE_CHANNEL, "")))

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
            await conn.execute(sa.select(sa.func.pg_notify(models.DUE_CHANNEL, "")))


_CLAIMED_COLUMNS = (
    _D.c.id,
    _D.c.kind,
    _D.c.template,
    _D.c.recipient_id,
    _D.c.subject,
    _D.c.data,
    _D.c.body,
    _D.c.subject_line,
    _D.c.actions,
    _D.c.urgent,
    _D.c.staff_only,
    _D.c.allowed_channels,
    _D.c.contacts,
    _D.c.language_hint,
    _D.c.secret_fields,
    _D.c.channels,
    _D.c.channel_index,
    _D.c.channel_attempts,
    _D.c.attempt_count,
    _D.c.dedup_key,
    _D.c.created_at,
)


def _claimed(row: Any) -> Claimed:
    allowed = row["allowed_channels"]
    return Claimed(
        id=row["id"],
        kind=row["kind"],
        template=row["template"],
        recipient_id=row["recipient_id"],
        subject=row["subject"],
        data=template_data(row["data"] or {}),
        body=row["body"],
        subject_line=row["subject_line"],
        actions=tuple(row["actions"] or ()),
        urgent=row["urgent"],
        staff_only=row["staff_only"],
        allowed_channels=tuple(allowed) if allowed is not None else None,
        contacts=dict(row["contacts"] or {}),
        language_hint=row["language_hint"],
        secret_fields=tuple(row["secret_fields"] or ()),
        channels=tuple(row["channels"] or ()),
        channel_index=row["channel_index"],
        channel_attempts=row["channel_attempts"],
        attempt_count=row["attempt_count"],
        dedup_key=row["dedup_key"],
        created_at=row["created_at"],
    )


def template_data(stored: dict[str, Any]) -> dict[str, Any]:
    """Stored JSON back as template data: label lists are tuples again (`plan.stored_data`)."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in stored.items()}


def _new_row(p: NewDelivery, now: datetime) -> dict[str, Any]:
    return {
        "id": p.id,
        "dedup_key": p.dedup_key,
        "kind": p.kind,
        "template": p.template,
        "recipient_id": p.recipient_id,
        "subject": p.subject,
        "event_id": p.event_id,
        "event_type": p.event_type,
        "data": dict(p.data),
        "body": p.body,
        "subject_line": p.subject_line,
        "actions": list(p.actions),
        "urgent": p.urgent,
        "staff_only": p.staff_only,
        "allowed_channels": list(p.allowed_channels) if p.allowed_channels is not None else None,
        "contacts": dict(p.contacts),
        "language_hint": p.language_hint,
        "secret_fields": list(p.secret_fields),
        "state": State.QUEUED.value,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }


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
