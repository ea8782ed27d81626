"""Webhook mode: the bot registers its webhook with the secret token, and Telegram's POSTs are
accepted only with that token in `X-Telegram-Bot-Api-Secret-Token`."""

from __future__ import annotations

import uuid
from pathlib import Path

import aiohttp

from bot.app import build
from bot.serve import webhook_server
from tests.bot.harness import bot_settings, eventually, new_chat, stem
from tests.support.stack import Stack
from tests.support.telegram_api import LocalBotApi

SECRET = "webhook-secret_" + uuid.uuid4().hex


async def test_webhook_updates_need_telegrams_secret_token(
    api: LocalBotApi, stack: Stack, redis_url: str, pki_dir: Path
) -> None:
    settings = bot_settings(
        api,
        redis_url=redis_url,
        mesh_address=stack.mesh_address,
        pki_dir=pki_dir,
        prefix=f"ukm:bot:test:{uuid.uuid4().hex[:8]}",
        bot_webhook_url="https://bot.ukm.example/telegram/webhook",
        bot_webhook_secret=SECRET,
        bot_webhook_port=0,
    )
    app = build(settings)
    chat = new_chat(api)
    update = {"update_id": 900_001, **chat.user.message_update(text="/start")}
    try:
        async with webhook_server(app) as url, aiohttp.ClientSession() as http:
            [registered] = api.calls_to("setWebhook")
            assert registered.params["url"] == settings.bot_webhook_url
            assert registered.params["secret_token"] == SECRET

            header = "X-Telegram-Bot-Api-Secret-Token"
            for headers in ({}, {header: "guessed"}, {header: SECRET[:-1]}):
                async with http.post(url, json=update, headers=headers) as refused:
                    assert refused.status == 401
            assert chat.replies() == []

            async with http.post(url, json=update, headers={header: SECRET}) as accepted:
                assert accepted.status == 200
            await chat.expect(stem(chat.t, "onboarding.fork.ask"), since=0)
            # Telegram retrying the same POST: handled once.
            async with http.post(url, json=update, headers={header: SECRET}) as again:
                assert again.status == 200
            second = {"update_id": 900_002, **chat.user.message_update(text="/help")}
            async with http.post(url, json=second, headers={header: SECRET}) as help_:
                assert help_.status == 200
            await eventually(lambda: len(chat.replies()) >= 3, what="the answer to /help")
            texts = [str(c.params.get("text")) for c in chat.replies()]
            assert sum(stem(chat.t, "onboarding.fork.ask") in text for text in texts) == 1
    finally:
        await app.close()
