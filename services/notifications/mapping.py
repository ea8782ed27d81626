"""Stored rows and domain values ↔ the `ukm.notifications.v1` protos (no I/O, no decisions)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from ukm.notifications.v1 import notifications_service_pb2 as pb

from services.kit.enums import EnumKeys
from services.notifications.preference_store import Stored
from services.notifications.template_store import TemplateView

CHANNEL = EnumKeys(pb.Channel.DESCRIPTOR)
STATE = EnumKeys(pb.DeliveryState.DESCRIPTOR)
OUTCOME = EnumKeys(pb.AttemptOutcome.DESCRIPTOR)


def stamp(moment: datetime | None) -> Timestamp | None:
    """A Timestamp for `moment` (None stays unset)."""
    if moment is None:
        return None
    result = Timestamp()
    result.FromDatetime(moment)
    return result


def delivery(values: Mapping[str, Any], attempts: Sequence[Mapping[str, Any]] = ()) -> pb.Delivery:
    """A stored delivery (and its attempts, when given) as the API shows it."""
    channels = list(values["channels"] or ())
    index = values["channel_index"]
    message = pb.Delivery(
        id=values["id"],
        kind=values["kind"],
        template=values["template"],
        recipient_id=values["recipient_id"],
        subject=values["subject"],
        event_id=values["event_id"] or "",
        state=STATE.number(values["state"]),  # type: ignore[arg-type]
        channels=[CHANNEL.number(c) for c in channels],  # type: ignore[misc]
        urgent=values["urgent"],
        language=values["language"],
        attempt_count=values["attempt_count"],
        last_error=values["last_error"],
        provider_message_id=values["provider_message_id"],
        retried_by=values["retried_by"],
        create_time=stamp(values["created_at"]),
        update_time=stamp(values["updated_at"]),
        sent_time=stamp(values["sent_at"]),
        attempts=[attempt(a) for a in attempts],
    )
    if channels and index < len(channels):
        message.channel = CHANNEL.number(channels[index])  # type: ignore[assignment]
    if values["state"] == "queued":
        message.next_attempt_time.FromDatetime(values["next_attempt_at"])
    return message


def attempt(values: Mapping[str, Any]) -> pb.DeliveryAttempt:
    """One stored attempt."""
    return pb.DeliveryAttempt(
        number=values["number"],
        channel=CHANNEL.number(values["channel"]),  # type: ignore[arg-type]
        outcome=OUTCOME.number(values["outcome"]),  # type: ignore[arg-type]
        error=values["error"],
        time=stamp(values["at"]),
        retry_after_seconds=values["retry_after"],
    )


def template(view: TemplateView) -> pb.Template:
    """A template in force with what was edited."""
    newest = max(view.edits.values(), key=lambda e: e.updated_at, default=None)
    return pb.Template(
        key=view.template.key,
        fields=sorted(view.template.fields),
        texts=dict(view.template.texts),
        edited_languages=sorted(view.edits),
        update_time=stamp(newest.updated_at) if newest else None,
        updated_by=newest.updated_by if newest else "",
    )


def preferences(user_id: str, stored: Stored) -> pb.Preferences:
    """A person's preferences."""
    chosen = stored.preferences
    message = pb.Preferences(
        user_id=user_id,
        channels=[CHANNEL.number(c.value) for c in chosen.channels],  # type: ignore[misc]
        language=chosen.language,
        muted_kinds=sorted(chosen.muted),
        unreachable_channels=[
            CHANNEL.number(c.value)  # type: ignore[misc]
            for c in sorted(stored.unreachable)
        ],
        update_time=stamp(stored.updated_at),
    )
    if chosen.quiet_hours is not None:
        message.quiet_hours.start = chosen.quiet_hours.start.strftime("%H:%M")
        message.quiet_hours.end = chosen.quiet_hours.end.strftime("%H:%M")
    return message
