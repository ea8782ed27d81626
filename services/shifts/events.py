"""Events the shifts service publishes (subjects `ukm.shifts.*`).

Each is written to the outbox inside the transaction of the change it announces; the subject
(aggregate id) is the shift's id. The requests service consumes `ShiftEnded` to hand the
executor's open requests back to the pool.
"""

from __future__ import annotations

from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncSession
from ukm.shifts.v1 import events_pb2

from services.kit.outbox import enqueue
from services.kit.telemetry import current_traceparent
from services.shifts import mapping, models
from services.shifts.lifecycle import Shift

DOMAIN = "shifts"


async def emit(session: AsyncSession, message: Message, *, shift_id: str) -> None:
    """Queue `message` (about shift `shift_id`) in the caller's transaction."""
    await enqueue(
        session,
        models.outbox,
        message,
        domain=DOMAIN,
        source=DOMAIN,
        aggregate_id=shift_id,
        traceparent=current_traceparent(),
    )


def shift_started(shift: Shift) -> Message:
    """An executor went on duty."""
    return events_pb2.ShiftStarted(shift=mapping.to_proto(shift))


def shift_ended(shift: Shift) -> Message:
    """An executor went off duty (`ended_by`: themselves or a manager)."""
    return events_pb2.ShiftEnded(shift=mapping.to_proto(shift), ended_by=shift.ended_by)
