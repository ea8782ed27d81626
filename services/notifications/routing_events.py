"""Reading a routed event: whom it is about, who caused it, who hears it (pure).

Events of different services name the same things differently (`actor_id`, `assigned_by`,
`decided_by`…; a request, a binding or a bare user id); these functions hide that so the
routing table can speak only of parties.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message
from ukm.auth.v1 import events_pb2 as auth_events
from ukm.requests.v1 import events_pb2 as request_events
from ukm.requests.v1 import request_pb2
from ukm.users.v1 import events_pb2 as user_events

from services.kit.vocabulary import CATEGORY_SPECIALISATION as CATEGORY_POOL
from services.notifications.routing_data import CATEGORY, SPECIALIZATION
from services.notifications.routing_model import (
    AddressRef,
    OnShiftRecipient,
    Party,
    RecipientSpec,
    RoleRecipient,
    UserRecipient,
)


def request_of(message: Message) -> request_pb2.Request | None:
    """The request `message` carries, or None for events about no request."""
    if message.DESCRIPTOR.fields_by_name.get("request") is None:
        return None
    request: request_pb2.Request = getattr(message, "request")  # noqa: B009
    return request


def subject_user(message: Message) -> str:
    """The user a users/auth event is about ("" when it names none)."""
    if isinstance(message, user_events.ApartmentBindingDecided):
        return message.binding.user_id
    user_id: str = getattr(message, "user_id", "")
    return user_id


def recipient(
    party: Party, message: Message, request: request_pb2.Request | None
) -> RecipientSpec | None:
    """Who plays `party` in `message`, or None when nobody does (no executor yet…)."""
    user_id = ""
    if party is Party.MANAGERS:
        return RoleRecipient("manager", party)
    if party is Party.POOL:
        pool = _pool(message, request)
        return OnShiftRecipient(pool, party) if pool else None
    if party is Party.APPLICANT and request is not None:
        user_id = request.applicant_id
    elif party is Party.EXECUTOR:
        user_id = _executor(message, request)
    elif party is Party.REMOVED_EXECUTOR and isinstance(message, request_events.RequestUnassigned):
        user_id = message.executor_id
    elif party is Party.SUBJECT:
        user_id = subject_user(message)
    return UserRecipient(user_id, party) if user_id else None


def _executor(message: Message, request: request_pb2.Request | None) -> str:
    if isinstance(message, request_events.RequestAssigned | request_events.RequestRated):
        return message.executor_id
    return request.executor_id if request is not None else ""


def _pool(message: Message, request: request_pb2.Request | None) -> str:
    if isinstance(message, request_events.RequestAssigned):
        if message.specialization:
            return SPECIALIZATION.key(message.specialization)
        # A claim: the pool it was taken from is told.
        if message.previous_specialization:
            return SPECIALIZATION.key(message.previous_specialization)
    # Events that name no pool: the category's.
    if request is not None and request.category:
        return CATEGORY_POOL.get(CATEGORY.key(request.category), "")
    return ""


def actor(message: Message) -> str:
    """Who caused `message` ("" when the system did): they are never told of their own act."""
    for name in ("actor_id", "assigned_by", "updated_by", "requested_by", "decided_by"):
        if message.DESCRIPTOR.fields_by_name.get(name) is not None:
            actor_id: str = getattr(message, name)
            return actor_id
    if isinstance(message, request_events.RequestCommented):
        return message.comment.author_id
    return ""


def free_text(message: Message) -> str:
    """The event's own free text (`text`, `reason` or `comment`), "" when it has none."""
    for name in ("text", "reason", "comment"):
        descriptor = message.DESCRIPTOR.fields_by_name.get(name)
        if descriptor is not None and descriptor.type == descriptor.TYPE_STRING:
            text: str = getattr(message, name)
            return text
    return ""


def address(message: Message, request: request_pb2.Request | None) -> AddressRef | None:
    """The directory ids of the place the event concerns, or None when it concerns none."""
    if request is not None and request.HasField("address"):
        a = request.address
        return AddressRef(a.yard_id, a.building_id, a.apartment_id)
    if isinstance(message, user_events.ApartmentBindingDecided):
        return AddressRef(apartment_id=message.binding.apartment_id)
    return None


def delivery_overrides(message: Message) -> dict[str, Any]:
    """`Route` fields the event itself decides (channels, contacts, language, secrets)."""
    # The reset link is for the address that asked for it, by e-mail only, in the asker's
    # language; the token is a secret.
    if isinstance(message, auth_events.PasswordResetRequested):
        return {
            "channels": ("email",),
            "contacts": {"email": message.email} if message.email else {},
            "language": message.language,
            "secret_fields": frozenset({"reset_token", "reset_link"}),
        }
    return {}
