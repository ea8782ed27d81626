"""The bot benchmark's own logic, without a stack (the end-to-end run is test_bench_smoke.py):
only the bot's calls count as replies (not the notifications service's, on the same server
with the same token), a reply is found by its text or its button, updates are noted when the
bot takes them, and the bot's mesh calls are read off Envoy's access log by identity."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from bot.i18n import catalogue
from mesh.infra import free_port
from tests.perf.bot_api import serving_api
from tests.perf.bot_chats import ChatsBotApi, Writer
from tests.perf.bot_latency import mesh_calls
from tests.perf.load import BenchError
from tests.support.telegram_api import TelegramUser

AIOGRAM = "Python/3.11 aiohttp/3.14.5 aiogram/3.31.0"


async def _send(http: aiohttp.ClientSession, url: str, agent: str, **params: object) -> None:
    async with http.post(f"{url}/sendMessage", json=params, headers={"User-Agent": agent}) as r:
        assert r.status == 200, await r.text()


async def test_only_the_bots_calls_are_replies_and_a_step_is_timed_from_the_push() -> None:
    async with serving_api(ChatsBotApi(), free_port()) as api:
        url = f"{api.base_url}/bot{api.token}"
        writer = Writer(api, TelegramUser(api, 42), catalogue().translator("ru"))
        markup = {"inline_keyboard": [[{"text": "Да", "callback_data": "sd:c"}]]}

        async def bot_answers() -> None:
            async with aiohttp.ClientSession() as http:
                # The bot takes the update, the notifications service writes meanwhile.
                async with http.post(f"{url}/getUpdates", json={"timeout": 1}) as r:
                    assert (await r.json())["result"]
                await _send(http, url, "Python/3.11 aiohttp/3.14.5", chat_id=42, text="Готово")
                await _send(http, url, AIOGRAM, chat_id=42, text="Готово?", reply_markup=markup)

        answering = asyncio.create_task(bot_answers())
        found = await writer.act(writer.say("/start"), "sd:c", step="start", within=5)
        await answering
        assert found.text == "Готово?" and found.buttons == ("sd:c",)
        assert api.mark(42) == 1  # the notification is not a reply
        [sample] = writer.samples
        assert sample.step == "start" and 0 <= sample.taken_ms <= sample.ms
        with pytest.raises(BenchError, match="no reply"):
            await api.reply(42, 1, ["never"], within=0.1)


def test_the_bots_mesh_calls_are_counted_by_method() -> None:
    bot, users = "spiffe://ukm.local/svc/bot", "spiffe://ukm.local/svc/users"
    users_at, requests_at = "/ukm.users.v1.UserService/", "/ukm.requests.v1.RequestService/"

    def entry(path: str, status: str, ms: str, peer: str) -> dict[str, str]:
        return {"path": path, "grpc_status": status, "duration_ms": ms, "peer": peer}

    entries = [
        entry(users_at + "GetMe", "0", "2", bot),
        entry(users_at + "GetMe", "0", "4", bot),
        entry(requests_at + "CreateRequest", "14", "30", bot),
        entry(users_at + "GetUser", "0", "1", users),
    ]
    calls = mesh_calls(entries, conversations=2)
    assert calls.total == 3
    assert calls.by_method["GetMe"] == {
        "count": 2.0,
        "per_conversation": 1.0,
        "p50_ms": 2.0,
        "p99_ms": 4.0,
    }
    assert list(calls.by_method) == ["GetMe", "CreateRequest"]
    assert calls.not_ok == {"CreateRequest 14": 1}
