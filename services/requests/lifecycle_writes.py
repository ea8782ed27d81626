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
# Something else that must happen in the same transaction as a workflow step (e.g. SLA clock
# bookkeeping): called with the session, the state before and the outcome, after the request
# row and its history are written and before the events are.
ChangeHook = Callable[[AsyncSession, RequestState, Outcome], Awaitable[None]]
# Something else that must happen when a request is filed, before its first dispatch (e.g.
# starting its SLA clocks): called with the session and the inserted row.
FiledHook = Callable[[AsyncSession, Mapping[Any, Any]], Awaitable[object]]
# Something else that must happen when a manager edits a request: called with the session and
# the row before and after the edit, before its event is written.
EditHook = Callable[[AsyncSession, Mapping[Any, Any], Mapping[Any, Any]], Awaitable[object]]
# How a new request is first dispatched: the outcome of a system action, or None to leave it.
Dispatch = Callable[[RequestState], Outcome | None]

_PURCHASE_REQUESTS = frozenset({Action.EXECUTOR_PURCHASE, Action.MANAGER_PURCHASE})


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
        sa.insert(models.history).values(
            request_number=row["number"],
            version=row["version"],
            change=history.CREATED,
            actor_id=filed_by,
            to_status=row["status"],
            details=history.created_details(row),
            payload=history.created_payload(row),
            occurred_at=row["created_at"],
        )
    )
    for hook in on_filed:
        await hook(session, row)
    if on_filed:
        row = await reload_request(session, row["number"])
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
    requests = models.requests
    updated = (
        (
            await session.execute(
                sa.update(requests)
                .where(requests.c.number == state.number, requests.c.version == before.version)
                .values(**columns_of(state))
                .returning(*requests.c)
            )
        )
        .mappings()
        .first()
    )
    if updated is None:
        # Only possible if the caller did not lock the row: never overwrite someone's change.
        raise FailedPrecondition(
            "STALE_VERSION", f"request {state.number} changed meanwhile: reload and try again"
        )
    await session.execute(sa.insert(models.history).values(_history_values(before, entry, state)))
    if state.assignment != before.assignment:
        await _log_assignment(session, before, state, entry)
    await _log_purchase(session, state.number, entry)
    for hook in hooks:
        await hook(session, before, outcome)
    if hooks:
        updated = await reload_request(session, state.number)
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
    stored = (
        (
            await session.execute(
                sa.insert(models.comments)
                .values(
                    id=str(uuid.uuid4()),
                    request_number=number,
                    author_id=author_id,
                    kind=kind,
                    text=text,
                    internal=internal,
                    media=[dict(m) for m in media],
                    version=version,
                    created_at=at,
                )
                .returning(*models.comments.c)
            )
        )
        .mappings()
        .one()
    )
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
    table = models.assignments
    if before.assignment is not None:
        await session.execute(
            sa.update(table)
            .where(table.c.request_number == after.number, table.c.active)
            .values(
                active=False,
                ended_at=entry.at,
                ended_by=entry.actor_id,
                end_reason=entry.action.value,
            )
        )
    assignment = after.assignment
    if assignment is not None:
        await session.execute(
            sa.insert(table).values(
                request_number=after.number,
                version=entry.version,
                mode=assignment.mode.value,
                executor_id=assignment.executor_id,
                specialisation=assignment.specialisation,
                assigned_by=assignment.assigned_by,
                assigned_at=assignment.assigned_at,
            )
        )


async def _log_purchase(session: AsyncSession, number: str, entry: HistoryEntry) -> None:
    if entry.action in _PURCHASE_REQUESTS:
        step, items = "requested", [material_json(i) for i in entry.payload.materials]
    elif entry.action is Action.PURCHASE_DONE:
        step, items = "done", []
    else:
        return
    await session.execute(
        sa.insert(models.purchases).values(
            request_number=number,
            version=entry.version,
            step=step,
            items=items,
            comment=entry.payload.comment,
            actor_id=entry.actor_id,
            occurred_at=entry.at,
        )
    )


async def _rate(session: AsyncSession, rated: Rated) -> None:
    await session.execute(
        sa.insert(models.ratings).values(
            request_number=rated.number,
            stars=rated.stars,
            review=rated.review,
            rated_by=rated.rated_by,
            executor_id=rated.executor_id,
            rated_at=rated.at,
        )
    )


async def reload_request(session: AsyncSession, number: str) -> Row:
    """The request row as this transaction sees it now (after hooks changed it)."""
    table = models.requests
    query = sa.select(table).where(table.c.number == number)
    return (await session.execute(query)).mappings().one()
