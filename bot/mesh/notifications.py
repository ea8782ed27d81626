"""`ukm.notifications.v1.NotificationService` as the bot uses it, acting for the person: their
own preferences (quiet hours) and "I can be reached on Telegram again"."""

from __future__ import annotations

from google.protobuf import field_mask_pb2
from ukm.notifications.v1 import notifications_service_pb2 as pb

from bot.mesh.acting import Acting

__all__ = ["Notifications"]

_SERVICE = "/ukm.notifications.v1.NotificationService/"


class Notifications:
    """The person's notification preferences and reachability."""

    def __init__(self, acting: Acting) -> None:
        self.acting = acting

    async def preferences(self) -> pb.Preferences:
        """The person's own preferences."""
        answer = await self.acting.unary(
            _SERVICE + "GetPreferences", pb.GetPreferencesRequest(), pb.GetPreferencesResponse
        )
        return answer.preferences

    async def set_quiet_hours(self, window: tuple[str, str] | None) -> pb.Preferences:
        """Quiet hours `("22:00", "08:00")` (Asia/Tashkent), or none; nothing else changes."""
        request = pb.UpdatePreferencesRequest(
            update_mask=field_mask_pb2.FieldMask(paths=["quiet_hours"])
        )
        if window is not None:
            request.quiet_hours.CopyFrom(pb.QuietHours(start=window[0], end=window[1]))
        answer = await self.acting.unary(
            _SERVICE + "UpdatePreferences", request, pb.UpdatePreferencesResponse
        )
        return answer.preferences

    async def mark_reachable(self, channel: int = pb.CHANNEL_TELEGRAM) -> pb.Preferences:
        """The person writes to the bot again: reachable on `channel` (Telegram) from now on."""
        answer = await self.acting.unary(
            _SERVICE + "MarkReachable",
            pb.MarkReachableRequest(channel=channel),  # type: ignore[arg-type]
            pb.MarkReachableResponse,
        )
        return answer.preferences
