"""Preferences through the API: reading and changing them, and coming back to a channel (the
preference half of the NotificationService servicer)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeAlias

import grpc
from ukm.notifications.v1 import notifications_service_pb2 as pb

from services.kit.context import current_caller
from services.kit.errors import PermissionDenied
from services.notifications import mapping
from services.notifications.access import actor_of, is_staff, own_or_staff, person_id
from services.notifications.preference_store import PreferenceStore
from services.notifications.preferences import EDITABLE, Channel, edited
from services.notifications.routing import KINDS

Context: TypeAlias = grpc.aio.ServicerContext


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
        current = await self.preferences.get(user_id)
        changed = edited(
            current.preferences,
            list(request.update_mask.paths) or EDITABLE,
            channels=[mapping.CHANNEL.key(c) for c in request.channels],
            language=request.language,
            quiet_start=request.quiet_hours.start,
            quiet_end=request.quiet_hours.end,
            muted=request.muted_kinds,
            known_kinds=KINDS,
        )
        stored = await self.preferences.save(
            user_id, changed, by=actor_of(caller), now=self.clock()
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
