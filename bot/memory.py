"""What the bot remembers about people between updates, in Redis (no personal data):

- the last known picture of each person (ids, roles, status, language), so that during an
  outage the bot still speaks their language and lets them go on typing;
- "told once" marks, so a blocked person or one who floods gets one notice, not one per update.
"""

from __future__ import annotations

import json
import math

from redis.asyncio import Redis

from bot.person import Person

__all__ = ["Memory"]

# A person who has not written for this long is looked up afresh anyway.
_PERSON_TTL = 30 * 24 * 3600


class Memory:
    """Small per-person facts under `<prefix>:person:` and `<prefix>:once:`."""

    def __init__(self, redis: Redis, *, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    async def remember(self, person: Person) -> None:
        """Keep the current picture of `person`."""
        snapshot = {
            "user_id": person.user_id,
            "roles": list(person.roles),
            "active_role": person.active_role,
            "status": person.status,
            "language": person.language,
            "has_phone": person.has_phone,
        }
        await self.redis.set(
            f"{self.prefix}:person:{person.telegram_id}", json.dumps(snapshot), ex=_PERSON_TTL
        )

    async def recall(self, telegram_id: int) -> Person | None:
        """The last known picture (marked `stale`), or None."""
        raw = await self.redis.get(f"{self.prefix}:person:{telegram_id}")
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            return Person(
                telegram_id=telegram_id,
                user_id=str(data["user_id"]),
                roles=tuple(str(r) for r in data["roles"]),
                active_role=str(data["active_role"]),
                status=str(data["status"]),
                language=str(data["language"]),
                has_phone=bool(data.get("has_phone", False)),
                stale=True,
            )
        except (ValueError, KeyError, TypeError):
            return None

    async def language(self, telegram_id: int) -> str | None:
        """The person's language as last known."""
        person = await self.recall(telegram_id)
        return person.language if person is not None else None

    async def once(self, what: str, telegram_id: int, *, seconds: float) -> bool:
        """True the first time `what` happens for the person within `seconds`."""
        key = f"{self.prefix}:once:{what}:{telegram_id}"
        return bool(await self.redis.set(key, b"1", nx=True, ex=max(1, math.ceil(seconds))))
