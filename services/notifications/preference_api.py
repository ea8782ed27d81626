"""Preferences through the API: reading and changing them, and coming back to a channel (the
preference half of the NotificationService servicer)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeAlias

import grpc
from ukm.notifications.v1 import notifications_service_pb2 as pb

from services.kit.context import current_caller
from services.kit.errors import InvalidArgument, PermissionDenied
from services.notifications import mapping
from services.notifications.access import actor_of, is_staff, own_or_staff, person_id
from services.notifications.preference_store import PreferenceStore, Stored
from services.notifications.preferences import Channel, parse_preferences
from services.notifications.routing import KINDS

Context: TypeAlias = grpc.aio.ServicerContext

# What `update_mask` may name.
FIELDS = ("channels", "language", "quiet_hours", "muted_kinds")


class PreferenceRpcs:
    """Each person's channels, language, quiet hours and mutes."""

    preferences: PreferenceStore
    clock: Callable[[], datetime]

    async def GetPreferences(
        self, request: pb.GetPreferencesRequest, context: Context
    ) -> pb.GetPreferencesResponse:
        """Your own preferences (staff: anyone's)."""
        user_id = own_or_staff(current_caller(), request.user_id, what="preferences")
        stored = await self.preferences.get(user_id)
        return pb.GetPreferencesResponse(preferences=mapping.preferences(user_id, stored))

    async def UpdatePreferences(
        self, request: pb.UpdatePreferencesRequest, context: Context
    ) -> pb.UpdatePreferencesResponse:
        """Change the fields named in `update_mask` (all of them when it is empty)."""
        caller = current_caller()
        user_id = request.user_id or person_id(caller)
        if user_id != caller.user_id and not is_staff(caller):
            raise PermissionDenied("NOT_YOURS", "you may only change your own preferences")
        paths = list(request.update_mask.paths) or list(FIELDS)
        unknown = sorted(set(paths) - set(FIELDS))
        if unknown:
            raise InvalidArgument.field(
                "update_mask", f"unknown fields {unknown}; use {', '.join(FIELDS)}"
            )
        current = await self.preferences.get(user_id)
        changed = _merged(current, request, set(paths))
        stored = await self.preferences.save(
            user_id,
            changed.preferences,
            changed.language,
            by=actor_of(caller),
            now=self.clock(),
        )
        return pb.UpdatePreferencesResponse(preferences=mapping.preferences(user_id, stored))

    async def MarkReachable(
        self, request: pb.MarkReachableRequest, context: Context
    ) -> pb.MarkReachableResponse:
        """You can be reached on this channel again (you unblocked the bot)."""
        user_id = person_id(current_caller())
        await self.preferences.clear_unreachable(
            user_id, Channel(mapping.CHANNEL.key(request.channel))
        )
        stored = await self.preferences.get(user_id)
        return pb.MarkReachableResponse(preferences=mapping.preferences(user_id, stored))


def _merged(current: Stored, request: pb.UpdatePreferencesRequest, paths: set[str]) -> Stored:
    """`current` with the masked fields taken from `request`, checked as a whole."""
    chosen = current.preferences
    channels = (
        [mapping.CHANNEL.key(c) for c in request.channels]
        if "channels" in paths
        else [c.value for c in chosen.channels]
    )
    language = request.language if "language" in paths else current.language
    if "quiet_hours" in paths:
        quiet = (request.quiet_hours.start, request.quiet_hours.end)
    elif chosen.quiet_hours is not None:
        quiet = (
            chosen.quiet_hours.start.strftime("%H:%M"),
            chosen.quiet_hours.end.strftime("%H:%M"),
        )
    else:
        quiet = ("", "")
    muted = list(request.muted_kinds) if "muted_kinds" in paths else sorted(chosen.muted)
    parsed = parse_preferences(
        channels=channels,
        # "" follows the profile; the check is about the codes people may choose.
        language=language or "ru",
        quiet_start=quiet[0],
        quiet_end=quiet[1],
        muted=muted,
        known_kinds=KINDS,
    )
    return Stored(parsed, language, current.unreachable, current.updated_at)
