"""What a route's texts need, read off the event: the template data (pure).

Every route carries the request's own facts (number, category, urgency…) when the event has a
request, plus the facts particular to its event type, built by one small function per type.
Enum values travel as their lowercase keys (`plumbing`), which the templates turn into labels in
the reader's language; instants travel as business-local wall time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from ukm.auth.v1 import events_pb2 as auth_events
from ukm.common.v1 import media_pb2, specialization_pb2
from ukm.requests.v1 import events_pb2 as request_events
from ukm.requests.v1 import request_pb2, workflow_pb2
from ukm.users.v1 import events_pb2 as user_events
from ukm.users.v1 import verification_service_pb2

from services.kit.enums import EnumKeys
from services.kit.timezone import BUSINESS_TZ
from services.notifications.routing_model import Value

CATEGORY = EnumKeys(request_pb2.Category.DESCRIPTOR)
URGENCY = EnumKeys(request_pb2.Urgency.DESCRIPTOR)
SPECIALIZATION = EnumKeys(specialization_pb2.Specialization.DESCRIPTOR)
SLA_CLOCK = EnumKeys(request_events.SlaClock.DESCRIPTOR)
DOCUMENT_TYPE = EnumKeys(verification_service_pb2.DocumentType.DESCRIPTOR)
ACTION = EnumKeys(workflow_pb2.TransitionAction.DESCRIPTOR)


def local_time(stamp: Timestamp) -> str:
    """`stamp` as people in the business read it: `25.11.2025 14:30` in Asia/Tashkent."""
    moment = datetime.fromtimestamp(stamp.seconds, UTC).astimezone(BUSINESS_TZ)
    return moment.strftime("%d.%m.%Y %H:%M")


def request_data(request: request_pb2.Request) -> dict[str, Value]:
    """The facts of `request` every request-related text may show."""
    data: dict[str, Value] = {"number": request.request_number}
    if request.description:
        data["description"] = request.description
    if request.category:
        data["category"] = CATEGORY.key(request.category)
    if request.urgency:
        data["urgency"] = URGENCY.key(request.urgency)
    if request.materials.items:
        data["materials"] = "; ".join(
            " ".join(part for part in (item.name, item.quantity, item.unit) if part)
            for item in request.materials.items
        )
    return data


def event_data(message: Message) -> dict[str, Value]:
    """The facts particular to `message`'s event type (empty when it has none)."""
    builder = _EVENT_DATA.get(type(message))
    return builder(message) if builder is not None else {}


def _assigned_data(e: request_events.RequestAssigned) -> dict[str, Value]:
    return {"specialization": SPECIALIZATION.key(e.specialization)} if e.specialization else {}


def _unassigned_data(e: request_events.RequestUnassigned) -> dict[str, Value]:
    # The action says why in the reader's language; `reason` is only a person's own words.
    return {"cause": ACTION.key(e.action)} if e.action in ACTION.by_number else {}


def _commented_data(e: request_events.RequestCommented) -> dict[str, Value]:
    return {"comment": e.comment.text}


def _rated_data(e: request_events.RequestRated) -> dict[str, Value]:
    data: dict[str, Value] = {"rating": str(e.rating.stars)}
    if e.rating.review:
        data["review"] = e.rating.review
    return data


def _updated_data(e: request_events.RequestUpdated) -> dict[str, Value]:
    return {"changes": "; ".join(f"{k}: {v}" for k, v in sorted(e.changes.items()))}


def _sla_data(e: request_events.SlaWarning | request_events.SlaBreached) -> dict[str, Value]:
    data: dict[str, Value] = {"due": local_time(e.due_time)}
    if e.clock:
        data["clock"] = SLA_CLOCK.key(e.clock)
    return data


def _verification_data(e: user_events.VerificationRequested) -> dict[str, Value]:
    return {"documents": tuple(DOCUMENT_TYPE.key(t) for t in e.document_types if t)}


def _binding_data(e: user_events.ApartmentBindingDecided) -> dict[str, Value]:
    reason = e.binding.decision_reason
    return {"reason": reason} if reason else {}


def _reset_data(e: auth_events.PasswordResetRequested) -> dict[str, Value]:
    return {"reset_token": e.reset_token, "expires": local_time(e.expires_at)}


def _locked_data(e: auth_events.AccountLockedOut) -> dict[str, Value]:
    return {"until": local_time(e.until), "failed_attempts": str(e.failed_attempts)}


_EVENT_DATA: Mapping[type[Message], Callable[[Any], dict[str, Value]]] = {
    request_events.RequestAssigned: _assigned_data,
    request_events.RequestUnassigned: _unassigned_data,
    request_events.RequestCommented: _commented_data,
    request_events.RequestRated: _rated_data,
    request_events.RequestUpdated: _updated_data,
    request_events.SlaWarning: _sla_data,
    request_events.SlaBreached: _sla_data,
    user_events.VerificationRequested: _verification_data,
    user_events.ApartmentBindingDecided: _binding_data,
    auth_events.PasswordResetRequested: _reset_data,
    auth_events.AccountLockedOut: _locked_data,
}


def first_photo(refs: Sequence[media_pb2.MediaRef]) -> str:
    """The Telegram file id of the first photo among `refs` ("" when there is none)."""
    for ref in refs:
        if ref.kind == media_pb2.MEDIA_KIND_PHOTO and ref.telegram_file_id:
            return str(ref.telegram_file_id)
    return ""
