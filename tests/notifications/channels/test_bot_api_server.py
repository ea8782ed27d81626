"""The local Bot API server speaks the protocol the way aiogram will use it (multipart forms,
getMe, long-polled getUpdates), so the bot's tests can point `TelegramAPIServer` at it."""

from __future__ import annotations

import asyncio
import json

import httpx

from tests.support.telegram_api import LocalBotApi


async def test_multipart_forms_with_json_fields_are_understood(bot_api: LocalBotApi) -> None:
    markup = {"inline_keyboard": [[{"text": "Взять", "callback_data": "take:251125-007"}]]}
    async with httpx.AsyncClient(base_url=f"{bot_api.base_url}/bot{bot_api.token}") as http:
        reply = await http.post(
            "/sendMessage",
            data={"chat_id": "77", "text": "hi", "reply_markup": json.dumps(markup)},
            files={"unused": ("x.bin", b"\x00")},  # forces multipart, as aiogram sends
        )
    assert reply.json()["ok"] is True
    result = reply.json()["result"]
    assert result["chat"]["id"] == 77
    assert result["reply_markup"] == markup
    assert bot_api.calls[0].params["reply_markup"] == markup


async def test_get_me_and_long_polled_updates(bot_api: LocalBotApi) -> None:
    async with httpx.AsyncClient(base_url=f"{bot_api.base_url}/bot{bot_api.token}") as http:
        me = (await http.post("/getMe")).json()["result"]
        assert me == {
            "id": 123456789,
            "is_bot": True,
            "first_name": "UKM",
            "username": "ukm_test_bot",
            "can_join_groups": True,
            "supports_inline_queries": False,
        }
        polling = asyncio.create_task(http.post("/getUpdates", data={"timeout": "3"}))
        await asyncio.sleep(0.1)
        update_id = bot_api.push_update({"message": {"message_id": 1, "text": "/start"}})
        updates = (await polling).json()["result"]
        assert [u["update_id"] for u in updates] == [update_id]
        # Confirming with offset = last + 1 forgets it, as Telegram does.
        again = await http.post("/getUpdates", data={"offset": str(update_id + 1)})
        assert again.json()["result"] == []


async def test_telegrams_own_refusals(bot_api: LocalBotApi) -> None:
    async with httpx.AsyncClient(base_url=f"{bot_api.base_url}/bot{bot_api.token}") as http:
        too_long = await http.post("/sendMessage", json={"chat_id": 1, "text": "x" * 4097})
        no_chat = await http.post("/sendMessage", json={"text": "x"})
        bad_button = await http.post(
            "/sendMessage",
            json={
                "chat_id": 1,
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "d" * 65}]]},
            },
        )
        unknown = await http.post("/noSuchMethod")
    assert too_long.json()["description"] == "Bad Request: message is too long"
    assert no_chat.json()["description"] == "Bad Request: chat_id is empty"
    assert bad_button.json()["description"] == "Bad Request: BUTTON_DATA_INVALID"
    assert unknown.status_code == 404
