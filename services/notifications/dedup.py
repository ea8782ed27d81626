"""Exactly-once keys: stable strings naming one delivery, stored with a unique constraint (pure).

A JetStream redelivery, a restart mid-send or a provider retry all arrive at the same key, so
the delivery record that owns the key is found instead of a second message being sent:

- an event's delivery: event id × recipient × channel (falling back to another channel is a
  new delivery of the same notification, never a repeat on the one already used);
- the notification behind it: event id × recipient (one per person per event);
- a direct send: the caller's idempotency key × recipient.

Each part is percent-encoded, so a `:` inside an id can never make two different triples read
alike; UUIDs are written in their canonical lowercase form, so `ABC…` and `abc…` are one event.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

_VERSION = "v1"


def delivery_key(event_id: str, recipient_id: str, channel: str) -> str:
    """The key of delivering event `event_id` to `recipient_id` on `channel`."""
    return _key("delivery", _uuid_or_text(event_id), recipient_id, str(channel))


def notification_key(event_id: str, recipient_id: str) -> str:
    """The key of notifying `recipient_id` of event `event_id` (whatever the channel)."""
    return _key("notification", _uuid_or_text(event_id), recipient_id)


def direct_key(idempotency_key: str, recipient_id: str) -> str:
    """The key of a direct send with `idempotency_key` to `recipient_id`."""
    return _key("direct", idempotency_key, recipient_id)


def _key(kind: str, *parts: str) -> str:
    for part in parts:
        if not part or not part.strip():
            raise ValueError(f"a {kind} key needs every part; got {parts!r}")
    return ":".join((kind, _VERSION, *(quote(part, safe="") for part in parts)))


def _uuid_or_text(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value
