"""Wiring of the bot: settings → Bot API client, dispatcher with Redis FSM storage, middlewares,
routers and the mesh client. No module globals: `build` returns everything, `BotApp.close`
releases it; `run` serves in polling or webhook mode (bot/serve.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis

from bot.flows import routers
from bot.i18n import Catalogue, catalogue
from bot.media import MediaStore, TelegramFileIds
from bot.memory import Memory
from bot.mesh import IDENTITY, Mesh, Rpc, Sessions, retryable_methods
from bot.middlewares import (
    DedupMiddleware,
    ErrorsMiddleware,
    PersonMiddleware,
    RateLimitMiddleware,
)
from bot.settings import BotSettings
from services.kit.channels import MeshChannels
from services.kit.ratelimit import RateLimiter
from services.kit.redis import redis_client

__all__ = ["BotApp", "build"]


@dataclass
class BotApp:
    """A running bot's parts."""

    settings: BotSettings
    bot: Bot
    dispatcher: Dispatcher
    mesh: Mesh
    redis: Redis
    channels: MeshChannels
    catalogue: Catalogue
    _closed: bool = field(default=False, repr=False)

    async def close(self) -> None:
        """Release connections (the dispatcher closes its FSM storage on shutdown itself)."""
        if self._closed:
            return
        self._closed = True
        await self.bot.session.close()
        await self.dispatcher.storage.close()
        await self.channels.close()
        await self.redis.aclose()


def bot_client(settings: BotSettings) -> Bot:
    """The Bot API client (pointed at `telegram_api_base` when it is not Telegram's)."""
    session = AiohttpSession(timeout=settings.telegram_timeout_seconds)
    if settings.custom_api:
        session = AiohttpSession(
            api=TelegramAPIServer.from_base(settings.telegram_api_base.rstrip("/")),
            timeout=settings.telegram_timeout_seconds,
        )
    return Bot(
        token=settings.telegram_bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def build(settings: BotSettings, *, media: MediaStore | None = None) -> BotApp:
    """Everything the bot runs, not started yet."""
    prefix = settings.bot_redis_prefix
    redis = redis_client(settings, name="ukm-bot")
    channels = MeshChannels(
        settings,
        IDENTITY,
        default_timeout=settings.bot_mesh_timeout_seconds,
        retry_methods=retryable_methods(),
        grace=5.0,
    )
    rpc = Rpc(channels, timeout=settings.bot_mesh_timeout_seconds)
    sessions = Sessions(rpc, redis, prefix=prefix, margin=settings.bot_token_margin_seconds)
    mesh = Mesh(rpc, sessions)
    words = catalogue()
    memory = Memory(redis, prefix=prefix)

    # The FSM storage gets its own client: the dispatcher closes it when polling stops.
    ttl = settings.bot_state_ttl_seconds or None
    storage = RedisStorage(
        redis_client(settings, name="ukm-bot-fsm"),
        key_builder=DefaultKeyBuilder(prefix=f"{prefix}:fsm", with_bot_id=True),
        state_ttl=ttl,
        data_ttl=ttl,
    )
    # One update at a time per person (an album's photos arrive together), across replicas.
    dispatcher = Dispatcher(storage=storage, events_isolation=storage.create_isolation())
    dispatcher.update.outer_middleware(ErrorsMiddleware(memory, words))
    dispatcher.update.outer_middleware(
        DedupMiddleware(redis, prefix=prefix, ttl_seconds=settings.bot_dedup_ttl_seconds)
    )
    dispatcher.update.outer_middleware(
        RateLimitMiddleware(
            RateLimiter(redis, prefix=f"{prefix}:ratelimit:"),
            memory,
            words,
            limit=settings.bot_rate_limit,
            window=settings.bot_rate_window_seconds,
        )
    )
    dispatcher.update.outer_middleware(
        PersonMiddleware(mesh, memory, words, media or TelegramFileIds())
    )
    dispatcher.include_routers(*routers())
    return BotApp(settings, bot_client(settings), dispatcher, mesh, redis, channels, words)
