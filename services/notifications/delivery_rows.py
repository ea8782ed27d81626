"""Deliveries as the service handles them between the table and the worker: what a worker
holds (`Claimed`), what it writes back (`Recorded`), what tracking shows (`DeliveryRow`), and
the conversions to and from table rows (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from services.notifications import models
from services.notifications.delivery import Attempt, State
from services.notifications.plan import NewDelivery

_D = models.deliveries
# Wakes every worker at commit: there is something due.
WAKE_WORKERS = sa.select(sa.func.pg_notify(models.DUE_CHANNEL, ""))


@dataclass(frozen=True)
class Claimed:
    """A delivery a worker holds: everything needed to write and send it."""

    id: str
    kind: str
    template: str
    recipient_id: str
    subject: str
    data: dict[str, Any]
    body: str | None
    subject_line: str | None
    actions: tuple[str, ...]
    urgent: bool
    staff_only: bool
    allowed_channels: tuple[str, ...] | None
    contacts: dict[str, str]
    language_hint: str
    secret_fields: tuple[str, ...]
    channels: tuple[str, ...]
    channel_index: int
    channel_attempts: int
    attempt_count: int
    dedup_key: str
    created_at: datetime


@dataclass(frozen=True)
class Started:
    """A delivery whose provider call is about to begin, on `channels[channel_index]`."""

    id: str
    channels: tuple[str, ...]
    channel_index: int


@dataclass(frozen=True)
class Recorded:
    """What became of a claimed delivery, to write back (one row of a batched update)."""

    id: str
    state: State
    next_attempt_at: datetime
    channels: tuple[str, ...]
    channel_index: int
    channel_attempts: int
    attempt_count: int
    language: str = ""
    last_error: str = ""
    provider_message_id: str = ""
    sent_at: datetime | None = None
    data: dict[str, Any] | None = None
    # The provider call this round made (None: no call, e.g. suppressed or delayed).
    attempt: Attempt | None = None
    # Mark the recipient unreachable on the attempt's channel.
    unreachable: bool = False
    recipient_id: str = ""


@dataclass(frozen=True)
class DeliveryFilter:
    """What a listing keeps."""

    recipient_id: str | None = None
    subject: str | None = None
    states: tuple[str, ...] = ()
    kind: str | None = None


@dataclass(frozen=True)
class DeliveryRow:
    """A delivery as tracking shows it, with its attempts when asked for one."""

    values: dict[str, Any]
    attempts: list[dict[str, Any]] = field(default_factory=list)


# The columns a claim reads back: exactly `Claimed`'s fields.
CLAIMED_COLUMNS = tuple(_D.c[f.name] for f in fields(Claimed))


def claimed(row: Any) -> Claimed:
    """A claimed row as the worker holds it (arrays as tuples, label lists as tuples)."""
    values = {f.name: row[f.name] for f in fields(Claimed)}
    allowed = values["allowed_channels"]
    return Claimed(
        **{
            **values,
            "data": template_data(values["data"] or {}),
            "actions": tuple(values["actions"] or ()),
            "allowed_channels": tuple(allowed) if allowed is not None else None,
            "contacts": dict(values["contacts"] or {}),
            "secret_fields": tuple(values["secret_fields"] or ()),
            "channels": tuple(values["channels"] or ()),
        }
    )


def template_data(stored: dict[str, Any]) -> dict[str, Any]:
    """Stored JSON back as template data: label lists are tuples again (`plan.stored_data`)."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in stored.items()}


def new_row(p: NewDelivery, now: datetime) -> dict[str, Any]:
    """The row recording `p`, queued for its first attempt now."""
    return {
        "id": p.id,
        "dedup_key": p.dedup_key,
        "kind": p.kind,
        "template": p.template,
        "recipient_id": p.recipient_id,
        "subject": p.subject,
        "event_id": p.event_id,
        "event_type": p.event_type,
        "data": dict(p.data),
        "body": p.body,
        "subject_line": p.subject_line,
        "actions": list(p.actions),
        "urgent": p.urgent,
        "staff_only": p.staff_only,
        "allowed_channels": list(p.allowed_channels) if p.allowed_channels is not None else None,
        "contacts": dict(p.contacts),
        "language_hint": p.language_hint,
        "secret_fields": list(p.secret_fields),
        "state": State.QUEUED.value,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }
