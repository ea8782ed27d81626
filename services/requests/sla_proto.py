"""SLA clocks as protos: the `Sla` block of a `Request` and the `SlaClock`/`SlaState` enums.

Only translation, no rules. `fill_sla` is what `mapping.to_proto` callers use to show where the
clocks stand (states and `paused` depend on the time of reading, so they are not stored).
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

import sqlalchemy as sa
from ukm.requests.v1 import events_pb2, request_pb2

from services.kit.enums import EnumKeys
from services.requests.mapping import to_proto
from services.requests.sla_clock import ClockKind, SlaSnapshot, SlaState

SLA_STATE = EnumKeys(request_pb2.SlaState.DESCRIPTOR)
# Derived from the enums' names, so a renamed proto value fails at import, not at runtime.
# (The stubs type `Value` as int; the numbers are the enums' own.)
_STATES = {
    state: cast(request_pb2.SlaState, request_pb2.SlaState.Value(f"SLA_STATE_{state.upper()}"))
    for state in SlaState
}
_CLOCKS = {
    kind: cast(events_pb2.SlaClock, events_pb2.SlaClock.Value(f"SLA_CLOCK_{kind.upper()}"))
    for kind in ClockKind
}


def clock_number(kind: ClockKind) -> events_pb2.SlaClock:
    """The `SlaClock` enum value of a clock kind."""
    return _CLOCKS[kind]


def state_number(state: SlaState) -> request_pb2.SlaState:
    """The `SlaState` enum value of a state."""
    return _STATES[state]


def fill_sla(sla: request_pb2.Sla, snapshot: SlaSnapshot, now: datetime) -> None:
    """Set the due times, the states at `now` and `paused` of `sla` from the clocks.

    `respond_time` / `resolve_time` come from the request row (`mapping.to_proto`): they are
    the workflow's facts, the clocks only follow them.
    """
    sla.response_due_time.FromDatetime(snapshot.response_due_at)
    sla.resolution_due_time.FromDatetime(snapshot.resolution_due_at)
    sla.response_state = state_number(snapshot.response.state(now))
    sla.resolution_state = state_number(snapshot.resolution.state(now))
    sla.paused = snapshot.paused


def request_with_sla(
    row: sa.RowMapping, snapshot: SlaSnapshot | None, now: datetime
) -> request_pb2.Request:
    """`mapping.to_proto(row)` with its `Sla` block completed from the clocks (if any)."""
    request = to_proto(row)
    if snapshot is not None:
        fill_sla(request.sla, snapshot, now)
    return request
