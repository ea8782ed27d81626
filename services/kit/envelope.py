"""Domain events in their wire form: `ukm.events.v1.Envelope` around a packed event message.

Subjects are `ukm.<domain>.<event in snake case>`; the envelope id doubles as the JetStream
`Nats-Msg-Id` (broker-side dedupe) and as the consumers' inbox key (consumer-side dedupe).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import TypeVar

from google.protobuf.message import DecodeError, Message
from ukm.events.v1.envelope_pb2 import Envelope

__all__ = [
    "Envelope",
    "EnvelopeTypeError",
    "InvalidEnvelopeError",
    "decode_envelope",
    "event_subject",
    "unwrap",
    "wrap",
]

M = TypeVar("M", bound=Message)

# Word boundaries of a CamelCase name: "RequestStatusChanged" → request_status_changed and,
# for acronyms, "SLABreached" → sla_breached.
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


class InvalidEnvelopeError(ValueError):
    """Bytes that are not a usable Envelope (undecodable, or without id, type or data)."""


class EnvelopeTypeError(TypeError):
    """`unwrap` was asked for a different message type than the envelope carries."""


def event_subject(domain: str, message: Message | type[Message]) -> str:
    """The NATS subject of an event: RequestCreated in domain `requests` →
    `ukm.requests.request_created`. Accepts a message or its class."""
    name = message.DESCRIPTOR.name
    return f"ukm.{domain}.{_CAMEL_BOUNDARY.sub('_', name).lower()}"


def wrap(
    message: Message,
    *,
    source: str,
    subject: str,
    event_id: str | uuid.UUID | None = None,
    time: datetime | None = None,
    traceparent: str = "",
    tracestate: str = "",
) -> Envelope:
    """Put `message` into a new Envelope (`type` = its full proto name, data packed as Any).

    `subject` is the aggregate the event is about; `event_id` defaults to a fresh UUID and
    `time` to now (UTC).
    """
    envelope = Envelope(
        id=str(event_id if event_id is not None else uuid.uuid4()),
        type=message.DESCRIPTOR.full_name,
        source=source,
        subject=subject,
        traceparent=traceparent,
        tracestate=tracestate,
    )
    envelope.time.FromDatetime(time if time is not None else datetime.now(UTC))
    envelope.data.Pack(message)
    return envelope


def unwrap(envelope: Envelope, message_type: type[M]) -> M:
    """The event inside `envelope`, as `message_type`.

    Raises EnvelopeTypeError when the envelope carries another type, so a handler bound to
    the wrong subject fails loudly instead of reading garbage.
    """
    if envelope.data.TypeName() != message_type.DESCRIPTOR.full_name:
        raise EnvelopeTypeError(
            f"envelope {envelope.id} carries {envelope.data.TypeName() or '(nothing)'}, "
            f"not {message_type.DESCRIPTOR.full_name}"
        )
    message: M = message_type()
    envelope.data.Unpack(message)
    return message


def decode_envelope(payload: bytes) -> Envelope:
    """Parse and sanity-check an Envelope received from the broker.

    Raises InvalidEnvelopeError for anything a consumer cannot act on; such a message is poison and
    goes straight to the dead-letter stream (retrying cannot fix it).
    """
    envelope = Envelope()
    try:
        envelope.ParseFromString(payload)
    except DecodeError as exc:
        raise InvalidEnvelopeError(f"not an Envelope: {exc}") from exc
    try:
        uuid.UUID(envelope.id)
    except ValueError:
        raise InvalidEnvelopeError(f"envelope id {envelope.id!r} is not a UUID") from None
    if not envelope.type or not envelope.HasField("data"):
        raise InvalidEnvelopeError(f"envelope {envelope.id} has no type or data")
    if envelope.data.TypeName() != envelope.type:
        raise InvalidEnvelopeError(
            f"envelope {envelope.id}: type {envelope.type} but data is {envelope.data.TypeName()}"
        )
    return envelope
