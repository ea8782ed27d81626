"""The transactional outbox: events are rows written in the same transaction as the state change,
and a relay (`services.kit.relay`) copies them to JetStream.

Nothing is lost (a row exists iff its transaction committed, and it stays until JetStream has
acknowledged it) and nothing is duplicated downstream (each publish carries
`Nats-Msg-Id` = event id, so the broker drops a republish after a relay crash). Several relays
(replicas) may run at once: `FOR UPDATE SKIP LOCKED` hands each row to one of them.
"""

from __future__ import annotations

import functools
import logging
import uuid
from typing import Any

import sqlalchemy as sa
from google.protobuf.message import Message
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from services.kit.envelope import Envelope, event_subject, wrap

__all__ = ["enqueue", "outbox_channel", "outbox_table"]

log = logging.getLogger(__name__)


def outbox_table(metadata: sa.MetaData) -> sa.Table:
    """The `outbox` table in `metadata.schema` (include it in the service's models/migrations).

    `seq` gives the publishing order; the partial index keeps "what is left to publish" cheap
    however many published rows wait for the purge, which uses the other partial index.
    """
    table = sa.Table(
        "outbox",
        metadata,
        sa.Column("seq", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("event_id", postgresql.UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),  # a serialized Envelope
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    )
    sa.Index("outbox_unpublished_idx", table.c.seq, postgresql_where=table.c.published_at.is_(None))
    sa.Index(
        "outbox_published_at_idx",
        table.c.published_at,
        postgresql_where=table.c.published_at.is_not(None),
    )
    return table


def outbox_channel(table: sa.Table) -> str:
    """The LISTEN/NOTIFY channel of an outbox: `ukm_outbox_<schema>` (one per service)."""
    return f"ukm_outbox_{table.schema}" if table.schema else "ukm_outbox"


async def enqueue(
    session: AsyncSession,
    table: sa.Table,
    message: Message,
    *,
    domain: str,
    source: str,
    aggregate_id: str,
    traceparent: str = "",
) -> Envelope:
    """Record `message` as an event of `domain` inside the caller's transaction.

    It is published iff the transaction commits. The NOTIFY is delivered at commit too, so the
    relay wakes exactly when there is something to read (PostgreSQL folds repeated notifications
    of one transaction into one).
    """
    envelope = wrap(message, source=source, subject=aggregate_id, traceparent=traceparent)
    await session.execute(
        _insert_and_notify(table),
        {
            "event_id": uuid.UUID(envelope.id),
            "subject": event_subject(domain, message),
            "payload": envelope.SerializeToString(),
        },
    )
    return envelope


@functools.cache
def _insert_and_notify(table: sa.Table) -> sa.Select[Any]:
    """INSERT + NOTIFY as one statement (one round trip: callers often hold row locks until
    commit), built once per table (building statements costs more than running them)."""
    inserted = (
        sa.insert(table)
        .values(
            event_id=sa.bindparam("event_id"),
            subject=sa.bindparam("subject"),
            payload=sa.bindparam("payload"),
        )
        .returning(table.c.seq)
        .cte("inserted")
    )
    return sa.select(sa.func.pg_notify(outbox_channel(table), "")).select_from(inserted)
