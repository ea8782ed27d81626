"""Per-person rate limiting (the kit's sliding window in Redis, shared by every replica).

Over the limit, updates are dropped; the person hears "slow down" once per window, not once
per dropped update (that would double the traffic it is meant to curb).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update, User

from bot.i18n import Catalogue
from bot.memory import Memory
from bot.ui.replier import Replier
from services.kit.ratelimit import RateLimiter

__all__ = ["RateLimitMiddleware"]

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class RateLimitMiddleware(BaseMiddleware):
    """At most `limit` updates per `window` seconds per Telegram user."""

    def __init__(
        self,
        limiter: RateLimiter,
        memory: Memory,
        catalogue: Catalogue,
        *,
        limit: int,
        window: float,
    ) -> None:
        self.limiter = limiter
        self.memory = memory
        self.catalogue = catalogue
        self.limit = limit
        self.window = window

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        """Admit the update, or drop it (telling the person once)."""
        user: User | None = data.get("event_from_user")
        if not isinstance(event, Update) or user is None:
            return await handler(event, data)
        decision = await self.limiter.acquire(
            f"bot:user:{user.id}", limit=self.limit, per_seconds=self.window
        )
        if decision.allowed:
            return await handler(event, data)
        log.info("rate limited", extra={"update_id": event.update_id})
        if await self.memory.once("slow", user.id, seconds=decision.retry_after):
            language = await self.memory.language(user.id) or user.language_code or ""
            t = self.catalogue.translator(language)
            reply: Replier = data.get("reply") or Replier(data["bot"], event)
            await reply.send(t("error.slow_down", seconds=max(1, round(decision.retry_after))))
        return None
