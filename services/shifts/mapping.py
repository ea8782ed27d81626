"""Protos ↔ the shift values of this service. Translation only, no rules."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import cast

from google.protobuf.timestamp_pb2 import Timestamp
from ukm.common.v1 import specialization_pb2
from ukm.shifts.v1 import shift_pb2

from services.kit.enums import EnumKeys
from services.kit.errors import InvalidArgument
from services.shifts.coverage import canonical
from services.shifts.lifecycle import Shift

SPECIALIZATION = EnumKeys(specialization_pb2.Specialization.DESCRIPTOR)
STATUS = EnumKeys(shift_pb2.ShiftStatus.DESCRIPTOR)
TYPE = EnumKeys(shift_pb2.ShiftType.DESCRIPTOR)


def specialisation_keys(numbers: Iterable[int]) -> tuple[str, ...]:
    """Stored keys (canonical order) of `Specialization` enum numbers; unknown numbers (a newer
    client) are dropped rather than guessed."""
    return canonical(SPECIALIZATION.key(n) for n in numbers if n in SPECIALIZATION.by_number)


def specialisation_numbers(keys: Iterable[str]) -> list[specialization_pb2.Specialization]:
    """Enum numbers of stored specialisation keys."""
    return [cast(specialization_pb2.Specialization, SPECIALIZATION.number(k)) for k in keys]


def type_key(number: int) -> str | None:
    """The stored key of a `ShiftType` (None when unspecified: the service's default)."""
    return TYPE.key(number) if number else None


def to_proto(shift: Shift) -> shift_pb2.Shift:
    """A stored shift as the `Shift` message."""
    message = shift_pb2.Shift(
        id=shift.id,
        executor_id=shift.executor_id or "",
        status=cast(shift_pb2.ShiftStatus, STATUS.number(shift.status)),
        type=cast(shift_pb2.ShiftType, TYPE.number(shift.type)),
        specializations=specialisation_numbers(shift.focus),
        yard_ids=list(shift.yard_ids),
        building_ids=list(shift.building_ids),
        capacity=shift.capacity,
        template_id=shift.template_id or "",
        note=shift.note,
    )
    for target, value in (
        (message.planned_start_time, shift.planned_start_at),
        (message.planned_end_time, shift.planned_end_at),
        (message.start_time, shift.started_at),
        (message.end_time, shift.ended_at),
        (message.create_time, shift.created_at),
    ):
        if value is not None:
            target.FromDatetime(value)
    return message


def moment(timestamp: Timestamp) -> datetime:
    """An aware UTC datetime of a set timestamp field."""
    return timestamp.ToDatetime(UTC)


def keyset(position: list[object]) -> tuple[datetime, str]:
    """The (started_at, id) sort key inside a page token of the history listing."""
    try:
        started, shift_id = position
        at = datetime.fromisoformat(str(started))
        # Checked here: a hand-made token must fail as bad input, not deep in the database.
        if at.tzinfo is None:
            raise ValueError("naive time")
        return at, str(uuid.UUID(str(shift_id)))
    except ValueError as exc:
        raise InvalidArgument.field("page_token", "is not a token this service issued") from exc
