"""Telegram redelivers an update when it did not hear back in time (a slow webhook answer, a
poller that restarted before confirming its offset). Each update id is claimed once in Redis
(SET NX with a TTL); a second delivery finds the claim and is dropped."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update
from redis.asyncio import Redis

__all__ = ["DedupMiddleware"]

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DedupMiddleware(BaseMiddleware):
    """Handles each update id once per bot."""

    def __init__(self, redis: Redis, *, prefix: str, ttl_seconds: int) -> None:
        self.redis = redis
        self.prefix = f"{prefix}:update:"
        self.ttl = ttl_seconds

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        """Pass the first delivery of an update on; drop the others."""
        if not isinstance(event, Update):
            return await handler(event, data)
        bot: Bot = data["bot"]
        key = f"{self.prefix}{bot.id}:{event.update_id}"
        if not await self.redis.set(key, b"1", nx=True, ex=self.ttl):
            log.info("duplicate update dropped", extra={"update_id": event.update_id})
            return None
        try:
            return await handler(event, data)
        except BaseException:
            # Not handled after all: a redelivery may try again.
            await self.redis.delete(key)
            raise
