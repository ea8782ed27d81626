"""Protos ↔ domain values and stored rows. No rules here, only translation."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp
from ukm.common.v1 import media_pb2
from ukm.requests.v1 import request_pb2, requests_service_pb2, workflow_pb2

from services.kit.enums import EnumKeys
from services.requests.domain import Address, NewRequest
from services.requests.lifecycle_edit import EditRequest

STATUS = EnumKeys(request_pb2.RequestStatus.DESCRIPTOR)
URGENCY = EnumKeys(request_pb2.Urgency.DESCRIPTOR)
CATEGORY = EnumKeys(request_pb2.Category.DESCRIPTOR)
SOURCE = EnumKeys(request_pb2.Source.DESCRIPTOR)
LEVEL = EnumKeys(request_pb2.AddressLevel.DESCRIPTOR)
ACCEPTANCE = EnumKeys(request_pb2.AcceptanceMode.DESCRIPTOR)
ACTION = EnumKeys(workflow_pb2.TransitionAction.DESCRIPTOR)
COMMENT_KIND = EnumKeys(workflow_pb2.CommentKind.DESCRIPTOR)

# Sub-records stored as JSON, by column name → message type.
_JSON_FIELDS: Mapping[str, type[Any]] = {
    "assignment": request_pb2.Assignment,
    "materials": request_pb2.Materials,
    "completion": request_pb2.Completion,
    "return_info": request_pb2.ReturnInfo,
    "manager_confirmation": request_pb2.ManagerConfirmation,
    "rating": request_pb2.Rating,
    "cancellation": request_pb2.Cancellation,
}


def new_request(message: requests_service_pb2.CreateRequestRequest) -> NewRequest:
    """The domain input of a create call."""
    address = message.address
    return NewRequest(
        category=CATEGORY.key(message.category),
        description=message.description,
        urgency=URGENCY.key(message.urgency) if message.urgency else None,
        address=Address(
            level=LEVEL.key(address.level),
            yard_id=address.yard_id,
            building_id=address.building_id or None,
            apartment_id=address.apartment_id or None,
        ),
        source=SOURCE.key(message.source) if message.source else None,
        acceptance_mode=ACCEPTANCE.key(message.acceptance_mode)
        if message.acceptance_mode
        else None,
        applicant_id=message.applicant_id or None,
        media=tuple(json_format.MessageToDict(m) for m in message.media),
    )


def request_status_name(key: str) -> str:
    """The enum name of a stored status (`in_progress` → `REQUEST_STATUS_IN_PROGRESS`), as
    JSON clients see statuses everywhere else."""
    return request_pb2.RequestStatus.Name(STATUS.number(key))


def edit_request(message: requests_service_pb2.UpdateRequestRequest) -> EditRequest:
    """The domain input of an edit (fields not given stay as they are)."""
    return EditRequest(
        urgency=URGENCY.key(message.urgency) if message.HasField("urgency") else None,
        category=CATEGORY.key(message.category) if message.HasField("category") else None,
        description=message.description if message.HasField("description") else None,
    )


def to_proto(row: sa.RowMapping) -> request_pb2.Request:
    """A stored row as the `Request` resource."""
    request = request_pb2.Request(
        request_number=row["number"],
        status=STATUS.number(row["status"]),  # type: ignore[arg-type]
        applicant_id=str(row["applicant_id"]),
        category=CATEGORY.number(row["category"]),  # type: ignore[arg-type]
        description=row["description"],
        urgency=URGENCY.number(row["urgency"]),  # type: ignore[arg-type]
        address=request_pb2.Address(
            level=LEVEL.number(row["address_level"]),  # type: ignore[arg-type]
            yard_id=str(row["yard_id"]),
            building_id=str(row["building_id"] or ""),
            apartment_id=str(row["apartment_id"] or ""),
        ),
        source=SOURCE.number(row["source"]),  # type: ignore[arg-type]
        media=[json_format.ParseDict(m, media_pb2.MediaRef()) for m in row["media"]],
        acceptance_mode=ACCEPTANCE.number(row["acceptance_mode"]),  # type: ignore[arg-type]
        executor_id=str(row["executor_id"] or ""),
        version=row["version"],
    )
    for column, message_type in _JSON_FIELDS.items():
        if row[column] is not None:
            # The stored JSON may keep facts the resource does not show (who rated).
            stored = json_format.ParseDict(row[column], message_type(), ignore_unknown_fields=True)
            getattr(request, column).CopyFrom(stored)
    sla = request.sla
    _stamp(sla.response_due_time, row["response_due_at"])
    _stamp(sla.resolution_due_time, row["resolution_due_at"])
    _stamp(sla.respond_time, row["responded_at"])
    _stamp(sla.resolve_time, row["resolved_at"])
    _stamp(request.create_time, row["created_at"])
    _stamp(request.update_time, row["updated_at"])
    _stamp(request.accept_time, row["accepted_at"])
    return request


def comment_proto(row: Mapping[Any, Any]) -> workflow_pb2.Comment:
    """A stored comment as the `Comment` resource."""
    comment = workflow_pb2.Comment(
        id=str(row["id"]),
        request_number=row["request_number"],
        author_id=str(row["author_id"] or ""),
        kind=COMMENT_KIND.number(row["kind"]),  # type: ignore[arg-type]
        text=row["text"],
        internal=row["internal"],
        media=[json_format.ParseDict(m, media_pb2.MediaRef()) for m in row["media"]],
    )
    _stamp(comment.create_time, row["created_at"])
    return comment


def history_proto(
    row: Mapping[Any, Any], *, reason: str | None, details: Mapping[str, str]
) -> workflow_pb2.HistoryEntry:
    """A stored history step as a `HistoryEntry` (`reason` and `details` as the viewer may
    read them)."""
    entry = workflow_pb2.HistoryEntry(
        version=row["version"],
        actor_id=str(row["actor_id"] or ""),
        action=ACTION.number(row["action"]) if row["action"] else 0,  # type: ignore[arg-type]
        from_status=STATUS.number(row["from_status"]) if row["from_status"] else 0,  # type: ignore[arg-type]
        to_status=STATUS.number(row["to_status"]),  # type: ignore[arg-type]
        reason=reason or "",
        change=row["change"],
        details=dict(details),
    )
    _stamp(entry.occur_time, row["occurred_at"])
    return entry


def _stamp(target: Timestamp, value: datetime | None) -> None:
    if value is not None:
        target.FromDatetime(value)
