"""Serving updates: long polling, or a webhook whose every request must carry Telegram's
secret token (`X-Telegram-Bot-Api-Secret-Token`, checked by aiogram's
`SimpleRequestHandler(secret_token=…)`; anything else gets 401)."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.app import BotApp

__all__ = ["poll", "run", "webhook_server"]

log = logging.getLogger(__name__)

BOT_COMMANDS = ("start", "menu", "help", "cancel")


async def poll(app: BotApp, *, handle_signals: bool = True) -> None:
    """Long polling until stopped (SIGTERM/SIGINT, or `dispatcher.stop_polling()`)."""
    await app.bot.delete_webhook(drop_pending_updates=False)
    await app.dispatcher.start_polling(
        app.bot,
        polling_timeout=app.settings.bot_polling_timeout,
        handle_signals=handle_signals,
        close_bot_session=False,
    )


def webhook_app(app: BotApp) -> web.Application:
    """The aiohttp application receiving Telegram's POSTs at the configured path."""
    settings = app.settings
    web_app = web.Application()
    SimpleRequestHandler(
        dispatcher=app.dispatcher,
        bot=app.bot,
        secret_token=settings.bot_webhook_secret.get_secret_value(),
        handle_in_background=True,
    ).register(web_app, path=settings.bot_webhook_path)
    setup_application(web_app, app.dispatcher, bot=app.bot)
    return web_app


@asynccontextmanager
async def webhook_server(app: BotApp) -> AsyncIterator[str]:
    """Listen for Telegram's POSTs and register the webhook (with the secret) with the Bot
    API; yields the local address listened on. The webhook is left registered on exit:
    another replica may still be serving it."""
    settings = app.settings
    runner = web.AppRunner(webhook_app(app), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.bot_webhook_host, settings.bot_webhook_port)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        await app.bot.set_webhook(
            url=settings.bot_webhook_url,
            secret_token=settings.bot_webhook_secret.get_secret_value(),
            allowed_updates=app.dispatcher.resolve_used_update_types(),
            drop_pending_updates=False,
        )
        log.info("webhook registered", extra={"listening": f"{host}:{port}"})
        yield f"http://{host}:{port}{settings.bot_webhook_path}"
    finally:
        await runner.cleanup()


async def run(app: BotApp) -> None:
    """Serve in the configured mode until SIGTERM or SIGINT."""
    try:
        if app.settings.webhook_mode:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop.set)
            # Leaving shuts the aiohttp app down, which runs the dispatcher's shutdown.
            async with webhook_server(app):
                await stop.wait()
        else:
            await poll(app)
    finally:
        await app.close()
