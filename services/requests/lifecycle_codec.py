"""Stored rows ↔ the workflow's values (pure translation, no rules and no I/O).

The lifecycle sub-records live in the `requests` table's JSONB columns in the proto JSON form of
their `ukm.requests.v1` messages (what `mapping.to_proto` reads back), plus the few facts the
resource does not show but the workflow needs (who rated). History rows keep each action's
normalised payload as plain JSON, so a request's history replays to its current state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from ukm.common.v1 import media_pb2, specialization_pb2
from ukm.requests.v1 import request_pb2

from services.kit.enums import EnumKeys
from services.requests.workflow import (
    AcceptanceMode,
    Action,
    Assignment,
    AssignmentMode,
    Cancellation,
    Capacity,
    Completion,
    HistoryEntry,
    ManagerConfirmation,
    MaterialItem,
    Materials,
    Payload,
    Rating,
    RequestState,
    ReturnInfo,
    Status,
)

SPECIALISATION = EnumKeys(specialization_pb2.Specialization.DESCRIPTOR)
ASSIGNMENT_MODE = EnumKeys(request_pb2.AssignmentMode.DESCRIPTOR)

Json = dict[str, Any]
# Who rated is not part of the `Rating` resource; it rides along in the stored JSON.
RATED_BY = "ratedBy"


def state_of(row: Mapping[Any, Any]) -> RequestState:
    """The workflow's view of a stored request row."""
    return RequestState(
        number=row["number"],
        status=Status(row["status"]),
        version=row["version"],
        applicant_id=str(row["applicant_id"]),
        specialisation=row["specialisation"],
        acceptance_mode=AcceptanceMode(row["acceptance_mode"]),
        apartment_id=_id(row["apartment_id"]),
        executor_id=_id(row["executor_id"]),
        assignment=_maybe(row["assignment"], assignment_of),
        materials=_maybe(row["materials"], _materials_of),
        completion=_maybe(row["completion"], _completion_of),
        return_info=_maybe(row["return_info"], _return_of),
        manager_confirmation=_maybe(row["manager_confirmation"], _confirmation_of),
        rating=_maybe(row["rating"], _rating_of),
        cancellation=_maybe(row["cancellation"], _cancellation_of),
        responded_at=row["responded_at"],
        resolved_at=row["resolved_at"],
        accepted_at=row["accepted_at"],
        updated_at=row["updated_at"],
    )


def columns_of(state: RequestState) -> dict[str, Any]:
    """The `requests` columns the workflow may change, as `state` has them."""
    return {
        "status": state.status.value,
        "version": state.version,
        "executor_id": state.executor_id,
        "assignment": _maybe(state.assignment, assignment_json),
        "materials": _maybe(state.materials, _materials_json),
        "completion": _maybe(state.completion, _completion_json),
        "return_info": _maybe(state.return_info, _return_json),
        "manager_confirmation": _maybe(state.manager_confirmation, _confirmation_json),
        "rating": _maybe(state.rating, _rating_json),
        "cancellation": _maybe(state.cancellation, _cancellation_json),
        "responded_at": state.responded_at,
        "resolved_at": state.resolved_at,
        "accepted_at": state.accepted_at,
        "updated_at": state.updated_at,
    }


# --- history ------------------------------------------------------------------------------------


def payload_json(payload: Payload) -> Json:
    """A normalised payload as JSON, given fields only."""
    out: Json = {}
    for f in fields(payload):
        value = getattr(payload, f.name)
        if value is None or value == () or value == frozenset():
            continue
        if f.name == "executor_specialisations":
            value = sorted(value)
        elif f.name == "materials":
            value = [material_json(item) for item in value]
        elif f.name == "media":
            value = [dict(m) for m in value]
        out[f.name] = value
    return out


def payload_of(data: Mapping[Any, Any]) -> Payload:
    """The payload `payload_json` wrote."""
    values = dict(data)
    if "executor_specialisations" in values:
        values["executor_specialisations"] = frozenset(values["executor_specialisations"])
    if "materials" in values:
        values["materials"] = tuple(MaterialItem(**item) for item in values["materials"])
    if "media" in values:
        values["media"] = tuple(values["media"])
    return Payload(**values)


def entry_of(row: Mapping[Any, Any]) -> HistoryEntry:
    """A stored workflow step (change "transition") as the engine's history entry."""
    return HistoryEntry(
        version=row["version"],
        action=Action(row["action"]),
        actor_id=_id(row["actor_id"]),
        acting_as=Capacity(row["acting_as"]),
        from_status=Status(row["from_status"]),
        to_status=Status(row["to_status"]),
        at=row["occurred_at"],
        payload=payload_of(row["payload"] or {}),
    )


# --- sub-records: proto JSON ↔ workflow values --------------------------------------------------


def assignment_json(value: Assignment) -> Json:
    """An assignment in the proto JSON form of `ukm.requests.v1.Assignment`."""
    message = request_pb2.Assignment(
        mode=ASSIGNMENT_MODE.number(value.mode.value),  # type: ignore[arg-type]
        executor_id=value.executor_id or "",
        assigned_by=value.assigned_by or "",
    )
    if value.specialisation is not None:
        message.specialization = SPECIALISATION.number(value.specialisation)  # type: ignore[assignment]
    message.assign_time.CopyFrom(_timestamp(value.assigned_at))
    return _json(message)


def assignment_of(data: Mapping[Any, Any]) -> Assignment:
    """The assignment stored by `assignment_json`."""
    message = json_format.ParseDict(dict(data), request_pb2.Assignment())
    return Assignment(
        mode=AssignmentMode(ASSIGNMENT_MODE.key(message.mode)),
        executor_id=message.executor_id or None,
        specialisation=SPECIALISATION.key(message.specialization)
        if message.specialization
        else None,
        assigned_by=message.assigned_by or None,
        assigned_at=_datetime(message.assign_time),
    )


def material_json(item: MaterialItem) -> Json:
    """One material line as JSON."""
    return {"name": item.name, "quantity": item.quantity, "unit": item.unit}


def _materials_json(value: Materials) -> Json:
    message = request_pb2.Materials(
        items=[request_pb2.MaterialItem(**material_json(i)) for i in value.items],
        comment=value.comment or "",
        requested_by=value.requested_by,
    )
    message.request_time.CopyFrom(_timestamp(value.requested_at))
    return _json(message)


def _materials_of(data: Mapping[Any, Any]) -> Materials:
    message = json_format.ParseDict(dict(data), request_pb2.Materials())
    return Materials(
        items=tuple(MaterialItem(i.name, i.quantity, i.unit) for i in message.items),
        comment=message.comment or None,
        requested_by=message.requested_by,
        requested_at=_datetime(message.request_time),
    )


def _completion_json(value: Completion) -> Json:
    message = request_pb2.Completion(report=value.report, completed_by=value.completed_by)
    _add_media(message, value.media)
    message.complete_time.CopyFrom(_timestamp(value.completed_at))
    return _json(message)


def _completion_of(data: Mapping[Any, Any]) -> Completion:
    message = json_format.ParseDict(dict(data), request_pb2.Completion())
    return Completion(
        report=message.report,
        media=_media_of(message),
        completed_by=message.completed_by,
        completed_at=_datetime(message.complete_time),
    )


def _return_json(value: ReturnInfo) -> Json:
    message = request_pb2.ReturnInfo(reason=value.reason, returned_by=value.returned_by)
    _add_media(message, value.media)
    message.return_time.CopyFrom(_timestamp(value.returned_at))
    return _json(message)


def _return_of(data: Mapping[Any, Any]) -> ReturnInfo:
    message = json_format.ParseDict(dict(data), request_pb2.ReturnInfo())
    return ReturnInfo(
        reason=message.reason,
        media=_media_of(message),
        returned_by=message.returned_by,
        returned_at=_datetime(message.return_time),
    )


def _confirmation_json(value: ManagerConfirmation) -> Json:
    message = request_pb2.ManagerConfirmation(
        confirmed_by=value.confirmed_by, notes=value.notes or ""
    )
    message.confirm_time.CopyFrom(_timestamp(value.confirmed_at))
    return _json(message)


def _confirmation_of(data: Mapping[Any, Any]) -> ManagerConfirmation:
    message = json_format.ParseDict(dict(data), request_pb2.ManagerConfirmation())
    return ManagerConfirmation(
        confirmed_by=message.confirmed_by,
        notes=message.notes or None,
        confirmed_at=_datetime(message.confirm_time),
    )


def _rating_json(value: Rating) -> Json:
    message = request_pb2.Rating(stars=value.stars, review=value.review or "")
    message.rate_time.CopyFrom(_timestamp(value.rated_at))
    return {**_json(message), RATED_BY: value.rated_by}


def _rating_of(data: Mapping[Any, Any]) -> Rating:
    message = json_format.ParseDict(dict(data), request_pb2.Rating(), ignore_unknown_fields=True)
    return Rating(
        stars=message.stars,
        review=message.review or None,
        rated_by=str(data.get(RATED_BY, "")),
        rated_at=_datetime(message.rate_time),
    )


def _cancellation_json(value: Cancellation) -> Json:
    message = request_pb2.Cancellation(reason=value.reason, cancelled_by=value.cancelled_by)
    message.cancel_time.CopyFrom(_timestamp(value.cancelled_at))
    return _json(message)


def _cancellation_of(data: Mapping[Any, Any]) -> Cancellation:
    message = json_format.ParseDict(dict(data), request_pb2.Cancellation())
    return Cancellation(
        reason=message.reason,
        cancelled_by=message.cancelled_by,
        cancelled_at=_datetime(message.cancel_time),
    )


# --- small helpers ------------------------------------------------------------------------------


def _maybe(value: Any, convert: Any) -> Any:
    return None if value is None else convert(value)


def _id(value: object) -> str | None:
    return None if value is None else str(value)


def _json(message: Message) -> Json:
    return json_format.MessageToDict(message)


def _timestamp(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def _datetime(stamp: Timestamp) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC)


def _add_media(message: Any, media: tuple[Mapping[Any, Any], ...]) -> None:
    message.media.extend(json_format.ParseDict(dict(m), media_pb2.MediaRef()) for m in media)


def _media_of(message: Any) -> tuple[Mapping[Any, Any], ...]:
    return tuple(json_format.MessageToDict(m) for m in message.media)
