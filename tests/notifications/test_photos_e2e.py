"""Photos on Telegram: the executors of a pool see the resident's photo with the offer, and the
resident sees the executor's photo of the finished work — sent with `sendPhoto`, the text as
its caption (file ids are the bot's own: the bot and the notifications share one token)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.notifications.conftest import Providers
from tests.notifications.inbox import Inbox
from tests.notifications.scenes import Staff, a_resident, filing, make_staff, on
from tests.support.events import wait_until
from tests.support.recipients import recipient
from tests.support.stack import Stack

RESIDENTS_PHOTO = "AgACAgIAAxkBAAIBResidentsLeak"
WORK_PHOTO = "AgACAgIAAxkBAAIBNewSiphon"


@pytest.fixture(scope="module")
async def staff(notify_stack: Stack) -> Staff:
    return await make_staff(notify_stack)


@pytest.fixture
async def http(notify_stack: Stack) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(notify_stack.rest) as session:
        yield session


def photo(ref: str) -> dict[str, str]:
    return {"kind": "MEDIA_KIND_PHOTO", "telegramFileId": ref}


async def test_pool_offers_and_finished_work_come_with_their_photos(
    notify_stack: Stack, outside: Providers, staff: Staff, http: aiohttp.ClientSession
) -> None:
    inbox = Inbox(notify_stack, outside, staff.ru.person, *staff.all)
    resident, address = await a_resident(notify_stack, staff, inbox, "ru")
    plumber = await recipient(notify_stack, "executor", specializations=("plumber",))
    await on(http, plumber).ok("POST", "/v1/shifts:start", {})
    video = {"kind": "MEDIA_KIND_VIDEO", "telegramFileId": "BAACAgIAAxkBVideo"}
    number = (
        await on(http, resident).ok(
            "POST",
            "/v1/requests",
            filing("plumbing", address, media=[video, photo(RESIDENTS_PHOTO)]),
        )
    )["request"]["requestNumber"]

    async def offered() -> bool:
        return any(c.method == "sendPhoto" for c in outside.bot.sent_to(plumber.chat_id))  # type: ignore[arg-type]

    await wait_until(offered, within=15)
    [offer] = [c for c in outside.bot.sent_to(plumber.chat_id) if c.method == "sendPhoto"]  # type: ignore[arg-type]
    assert offer.params["photo"] == RESIDENTS_PHOTO  # the photo, not the video before it
    assert number in offer.params["caption"]
    assert "act:take:" in str(offer.params["reply_markup"])

    await on(http, plumber).ok("POST", f"/v1/requests/{number}:claim", {})
    await on(http, plumber).ok(
        "POST",
        f"/v1/requests/{number}:complete",
        {"report": "Replaced the siphon", "media": [photo(WORK_PHOTO)]},
    )

    async def told() -> bool:
        return any(
            c.method == "sendPhoto" and c.params.get("photo") == WORK_PHOTO
            for c in outside.bot.sent_to(resident.chat_id)  # type: ignore[arg-type]
        )

    await wait_until(told, within=15)
