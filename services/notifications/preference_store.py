"""People's notification preferences and the channels they cannot be reached on, in PostgreSQL.

Someone who never chose anything has the defaults (`preferences.Preferences()`), with the
language of their profile. A channel is marked unreachable when its provider says so (the person
blocked the bot); the mark goes when the person comes back (`clear_unreachable`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine

from services.notifications import models
from services.notifications.preferences import Channel, Preferences, QuietHours

_P = models.preferences
_U = models.unreachable


@dataclass(frozen=True)
class Stored:
    """One person's preferences as kept, and the channels they cannot be reached on."""

    preferences: Preferences
    unreachable: frozenset[Channel] = frozenset()
    updated_at: datetime | None = None


class PreferenceStore:
    """Preferences and unreachable marks."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def load(self, user_ids: Collection[str]) -> dict[str, Stored]:
        """Everyone's preferences among `user_ids` (defaults for those who chose nothing)."""
        ids = list(dict.fromkeys(user_ids))
        found: dict[str, Stored] = {user_id: Stored(Preferences()) for user_id in ids}
        if not ids:
            return found
        async with self.engine.connect() as conn:
            for row in await conn.execute(sa.select(_P).where(_P.c.user_id.in_(ids))):
                found[row.user_id] = _stored(row)
            marks: dict[str, set[Channel]] = {}
            for user_id, channel in await conn.execute(
                sa.select(_U.c.user_id, _U.c.channel).where(_U.c.user_id.in_(ids))
            ):
                marks.setdefault(user_id, set()).add(Channel(channel))
        for user_id, channels in marks.items():
            current = found[user_id]
            found[user_id] = Stored(current.preferences, frozenset(channels), current.updated_at)
        return found

    async def get(self, user_id: str) -> Stored:
        """One person's preferences."""
        return (await self.load([user_id]))[user_id]

    async def save(
        self, user_id: str, preferences: Preferences, *, by: str, now: datetime
    ) -> Stored:
        """Replace the person's preferences."""
        quiet = preferences.quiet_hours
        values = {
            "channels": [c.value for c in preferences.channels],
            "language": preferences.language,
            "quiet_start": quiet.start if quiet else None,
            "quiet_end": quiet.end if quiet else None,
            "muted": sorted(preferences.muted),
            "updated_at": now,
            "updated_by": by,
        }
        async with self.engine.begin() as conn:
            await conn.execute(
                postgresql.insert(_P)
                .values(user_id=user_id, **values)
                .on_conflict_do_update(index_elements=[_P.c.user_id], set_=values)
            )
        return await self.get(user_id)

    async def clear_unreachable(self, user_id: str, channel: Channel) -> None:
        """The person can be reached on `channel` again."""
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.delete(_U).where(_U.c.user_id == user_id, _U.c.channel == channel.value)
            )


def _stored(row: sa.Row[tuple[object, ...]]) -> Stored:
    m = row._mapping
    quiet = (
        QuietHours(m["quiet_start"], m["quiet_end"])
        if m["quiet_start"] is not None and m["quiet_end"] is not None
        else None
    )
    preferences = Preferences(
        channels=tuple(Channel(c) for c in m["channels"]),
        language=m["language"] or "",
        quiet_hours=quiet,
        muted=frozenset(m["muted"] or ()),
    )
    return Stored(preferences, frozenset(), m["updated_at"])
