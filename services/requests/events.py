"""Events the requests service publishes (through the outbox, subjects `ukm.requests.*`).

Every event carries the request as it stands after the change, so notifications and analytics
work without calling back; the workflow's plain events (`workflow_events`) are translated here.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from google.protobuf.message import Message
from ukm.requests.v1 import events_pb2, request_pb2, workflow_pb2

from services.requests.lifecycle_codec import SPECIALISATION
from services.requests.mapping import ACTION, STATUS, to_proto
from services.requests.workflow import Assigned, Commented, Event, Rated, StatusChanged, Unassigned


def request_created(row: sa.RowMapping) -> events_pb2.RequestCreated:
    """`RequestCreated` carrying the request as stored."""
    return events_pb2.RequestCreated(request=to_proto(row))


def request_updated(
    request: request_pb2.Request,
    changes: Mapping[str, str],
    *,
    updated_by: str | None,
    reason: str | None,
) -> events_pb2.RequestUpdated:
    """`RequestUpdated`: a manager edited urgency, category or description."""
    return events_pb2.RequestUpdated(
        request=request, changes=dict(changes), updated_by=updated_by or "", reason=reason or ""
    )


def request_commented(
    request: request_pb2.Request,
    comment: workflow_pb2.Comment,
    action: workflow_pb2.TransitionAction = workflow_pb2.TRANSITION_ACTION_UNSPECIFIED,
) -> events_pb2.RequestCommented:
    """`RequestCommented`, with the workflow action that wrote it (consumers tell staff only
    about internal comments)."""
    return events_pb2.RequestCommented(request=request, comment=comment, action=action)


def workflow_event(
    event: Event, request: request_pb2.Request, comment: workflow_pb2.Comment | None = None
) -> Message:
    """The published form of one workflow event; `comment` is the stored comment of a
    `Commented` event (it has an id and time only once written)."""
    if isinstance(event, StatusChanged):
        return events_pb2.RequestStatusChanged(
            request=request,
            from_status=STATUS.number(event.from_status.value),  # type: ignore[arg-type]
            to_status=STATUS.number(event.to_status.value),  # type: ignore[arg-type]
            action=ACTION.number(event.action.value),  # type: ignore[arg-type]
            actor_id=event.actor_id or "",
            text=event.reason or "",
        )
    if isinstance(event, Assigned):
        assigned = events_pb2.RequestAssigned(
            request=request,
            executor_id=event.executor_id or "",
            previous_executor_id=event.previous_executor_id or "",
            assigned_by=event.actor_id or "",
        )
        if event.specialisation is not None:
            assigned.specialization = SPECIALISATION.number(event.specialisation)  # type: ignore[assignment]
        if event.previous_specialisation is not None:
            assigned.previous_specialization = SPECIALISATION.number(  # type: ignore[assignment]
                event.previous_specialisation
            )
        return assigned
    if isinstance(event, Unassigned):
        return events_pb2.RequestUnassigned(
            request=request,
            executor_id=event.executor_id,
            # Only a person's own words: the system's (a shift ended) are told by `action`.
            reason=(event.reason or "") if event.actor_id else "",
            action=ACTION.number(event.action.value),  # type: ignore[arg-type]
        )
    if isinstance(event, Commented):
        if comment is None:
            raise ValueError("a Commented event is published with its stored comment")
        return request_commented(request, comment, ACTION.number(event.action.value))  # type: ignore[arg-type]
    if isinstance(event, Rated):
        return events_pb2.RequestRated(
            request=request, rating=request.rating, executor_id=event.executor_id or ""
        )
    raise TypeError(f"no published form for {type(event).__name__}")
