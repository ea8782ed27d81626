"""Writing one change of a request inside the caller's transaction.

A workflow outcome becomes: the request's new columns (guarded by the version it was read at),
its history row, the assignment log, the comment, rating and purchase-log rows, and its events
in the outbox — all or nothing, because the caller's transaction holds them together.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncSession
from ukm.requests.v1 import workflow_pb2

from services.kit.errors import FailedPrecondition
from services.kit.outbox import enqueue
from services.kit.telemetry import current_traceparent
from services.requests import events, history, models
from services.requests.lifecycle_codec import columns_of, material_json, payload_json, state_of
from services.requests.mapping import comment_proto, to_proto
from services.requests.workflow import (
    Action,
    Commented,
    HistoryEntry,
    Outcome,
    Rated,
    RequestState,
)

Row = sa.RowMapping
# The hooks below return the request row as they left it when they changed it (e.g. with
# `UPDATE … RETURNING`), or None when they did not touch it: the row is then not read again.
#
# Something else that must happen in the same transaction as a workflow step (e.g. SLA clock
# bookkeeping): called with the session, the state before and the outcome, after the request
# row and its history are written and before the events are.
ChangeHook = Callable[[AsyncSession, RequestState, Outcome], Awaitable[Row | None]]
# Something else that must happen when a request is filed, before its first dispatch (e.g.
# starting its SLA clocks): called with the session and the inserted row.
FiledHook = Callable[[AsyncSession, Mapping[Any, Any]], Awaitable[Row | None]]
# Something else that must happen when a manager edits a request: called with the session and
# the row before and after the edit, before its event is written.
EditHook = Callable[[AsyncSession, Mapping[Any, Any], Mapping[Any, Any]], Awaitable[Row | None]]
# How a new request is first dispatched: the outcome of a system action, or None to leave it.
Dispatch = Callable[[RequestState], Outcome | None]

_PURCHASE_REQUESTS = frozenset({Action.EXECUTOR_PURCHASE, Action.MANAGER_PURCHASE})

# Built once, values bound per call: building a statement costs more Python time than running it.
_R = models.requests
_A = models.assignments
_ADVANCE = (
    sa.update(_R)
    .where(_R.c.number == sa.bindparam("b_number"), _R.c.version == sa.bindparam("b_version"))
    .returning(*_R.c)
)
_INSERT_HISTORY = sa.insert(models.history)
_END_ASSIGNMENT = sa.update(_A).where(_A.c.request_number == sa.bindparam("b_number"), _A.c.active)
_INSERT_ASSIGNMENT = sa.insert(_A)
_INSERT_COMMENT = sa.insert(models.comments).returning(*models.comments.c)
_INSERT_PURCHASE = sa.insert(models.purchases)
_INSERT_RATING = sa.insert(models.ratings)


async def publish(session: AsyncSession, message: Message, number: str) -> None:
    """Put an event about request `number` in the outbox (sent iff the transaction commits)."""
    await enqueue(
        session,
        models.outbox,
        message,
        domain="requests",
        source="requests",
        aggregate_id=number,
        traceparent=current_traceparent(),
    )


async def record_filing(
    session: AsyncSession,
    row: Row,
    *,
    filed_by: str | None,
    dispatch: Dispatch,
    on_filed: Sequence[FiledHook] = (),
    hooks: Sequence[ChangeHook] = (),
) -> Row:
    """The creation step (version 1) of the just-inserted `row`, the `on_filed` hooks, then
    its first dispatch; returns the request as it stands afterwards."""
    await session.execute(
        _INSERT_HISTORY,
        {
            "request_number": row["number"],
            "version": row["version"],
            "change": history.CREATED,
            "actor_id": filed_by,
            "to_status": row["status"],
            "details": history.created_details(row),
            "payload": history.created_payload(row),
            "occurred_at": row["created_at"],
        },
    )
    inserted = row
    for hook in on_filed:
        if (changed := await hook(session, inserted)) is not None:
            row = changed
    before = state_of(row)
    outcome = dispatch(before)
    if outcome is None:
        return row
    return await write_outcome(session, before, outcome, hooks)


async def write_outcome(
    session: AsyncSession,
    before: RequestState,
    outcome: Outcome,
    hooks: Sequence[ChangeHook] = (),
) -> Row:
    """Store `outcome` of a workflow action on `before` (read under a row lock); returns the
    request row as it stands afterwards."""
    state, entry = outcome.state, outcome.entry
    guard = {"b_number": state.number, "b_version": before.version}
    updated = (await session.execute(_ADVANCE, {**columns_of(state), **guard})).mappings().first()
    if updated is None:
        # Only possible if the caller did not lock the row: never overwrite someone's change.
        raise FailedPrecondition(
            "STALE_VERSION", f"request {state.number} changed meanwhile: reload and try again"
        )
    await session.execute(_INSERT_HISTORY, _history_values(before, entry, state))
    if state.assignment != before.assignment:
        await _log_assignment(session, before, state, entry)
    await _log_purchase(session, state.number, entry)
    for hook in hooks:
        if (changed := await hook(session, before, outcome)) is not None:
            updated = changed
    request = to_proto(updated)
    for event in outcome.events:
        comment = None
        if isinstance(event, Commented):
            comment = await add_comment(
                session,
                number=event.number,
                author_id=event.author_id,
                kind=event.kind.value,
                text=event.text,
                internal=event.internal,
                media=event.media,
                at=event.at,
                version=event.version,
            )
        elif isinstance(event, Rated):
            await _rate(session, event)
        await publish(session, events.workflow_event(event, request, comment), state.number)
    return updated


async def add_comment(
    session: AsyncSession,
    *,
    number: str,
    author_id: str | None,
    kind: str,
    text: str,
    internal: bool,
    media: Sequence[Mapping[Any, Any]],
    at: datetime,
    version: int | None = None,
) -> workflow_pb2.Comment:
    """Insert a comment; returns it as the resource."""
    values = {
        "id": str(uuid.uuid4()),
        "request_number": number,
        "author_id": author_id,
        "kind": kind,
        "text": text,
        "internal": internal,
        "media": [dict(m) for m in media],
        "version": version,
        "created_at": at,
    }
    stored = (await session.execute(_INSERT_COMMENT, values)).mappings().one()
    return comment_proto(stored)


def _history_values(
    before: RequestState, entry: HistoryEntry, after: RequestState
) -> dict[str, Any]:
    return {
        "request_number": after.number,
        "version": entry.version,
        "change": history.TRANSITION,
        "action": entry.action.value,
        "actor_id": entry.actor_id,
        "acting_as": entry.acting_as.value,
        "from_status": entry.from_status.value,
        "to_status": entry.to_status.value,
        "reason": entry.note,
        "details": history.transition_details(before, entry, after),
        "payload": payload_json(entry.payload),
        "occurred_at": entry.at,
    }


async def _log_assignment(
    session: AsyncSession, before: RequestState, after: RequestState, entry: HistoryEntry
) -> None:
    """End the active assignment and start the new one (the partial unique index guarantees
    there is never a second active one)."""
    if before.assignment is not None:
        await session.execute(
            _END_ASSIGNMENT,
            {
                "b_number": after.number,
                "active": False,
                "ended_at": entry.at,
                "ended_by": entry.actor_id,
                "end_reason": entry.action.value,
            },
        )
    assignment = after.assignment
    if assignment is not None:
        await session.execute(
            _INSERT_ASSIGNMENT,
            {
                "request_number": after.number,
                "version": entry.version,
                "mode": assignment.mode.value,
                "executor_id": assignment.executor_id,
                "specialisation": assignment.specialisation,
                "assigned_by": assignment.assigned_by,
                "assigned_at": assignment.assigned_at,
            },
        )


async def _log_purchase(session: AsyncSession, number: str, entry: HistoryEntry) -> None:
    if entry.action in _PURCHASE_REQUESTS:
        step, items = "requested", [material_json(i) for i in entry.payload.materials]
    elif entry.action is Action.PURCHASE_DONE:
        step, items = "done", []
    else:
        return
    await session.execute(
        _INSERT_PURCHASE,
        {
            "request_number": number,
            "version": entry.version,
            "step": step,
            "items": items,
            "comment": entry.payload.comment,
            "actor_id": entry.actor_id,
            "occurred_at": entry.at,
        },
    )


async def _rate(session: AsyncSession, rated: Rated) -> None:
    await session.execute(
        _INSERT_RATING,
        {
            "request_number": rated.number,
            "stars": rated.stars,
            "review": rated.review,
            "rated_by": rated.rated_by,
            "executor_id": rated.executor_id,
            "rated_at": rated.at,
        },
    )
