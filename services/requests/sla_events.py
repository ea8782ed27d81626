"""`SlaWarning` / `SlaBreached`: building them and writing many to the outbox at once.

The scheduler sends thousands while catching up; one multi-row INSERT and one NOTIFY per batch
keep that to a few round trips (`services.kit.outbox.enqueue` costs one per event). The rows are
the same as `enqueue` writes, so the kit's relay publishes them like any other event.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncConnection
from ukm.requests.v1 import events_pb2, request_pb2

from services.kit.envelope import event_subject, wrap
from services.kit.outbox import outbox_channel
from services.requests import models
from services.requests.sla_clock import AlertKind, Clock
from services.requests.sla_proto import clock_number

DOMAIN = "requests"


@dataclass(frozen=True)
class PendingEvent:
    """An event about one request, not yet written."""

    number: str
    message: Message


def alert_event(
    alert: AlertKind, request: request_pb2.Request, clock: Clock
) -> events_pb2.SlaWarning | events_pb2.SlaBreached:
    """The event announcing `alert` for `clock` of `request`."""
    event_type = events_pb2.SlaWarning if alert is AlertKind.WARNING else events_pb2.SlaBreached
    event = event_type(request=request, clock=clock_number(clock.kind))
    event.due_time.FromDatetime(clock.due_at)
    return event


async def enqueue_all(
    connection: AsyncConnection, events: Sequence[PendingEvent], at: datetime
) -> None:
    """Write `events` to the service's outbox inside the caller's transaction, then wake the
    relay (the NOTIFY is delivered at commit)."""
    if not events:
        return
    rows = []
    for pending in events:
        envelope = wrap(pending.message, source=DOMAIN, subject=pending.number, time=at)
        rows.append(
            {
                "event_id": uuid.UUID(envelope.id),
                "subject": event_subject(DOMAIN, pending.message),
                "payload": envelope.SerializeToString(),
            }
        )
    await connection.execute(sa.insert(models.outbox), rows)
    await connection.execute(sa.select(sa.func.pg_notify(outbox_channel(models.outbox), "")))
