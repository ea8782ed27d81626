"""The manager's side of bot tests: a manager who joined through the bot (invited by an admin,
approved), executors on shift, residents' requests filed through the bot, and reading the
buttons of what the bot sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import grpc
from ukm.shifts.v1 import shifts_service_pb2 as shifts_pb
from ukm.shifts.v1 import shifts_service_pb2_grpc as shifts_rpc
from ukm.users.v1 import user_pb2

from bot.callbacks import (
    CategoryKey,
    MenuItem,
    MenuKey,
    PickAddress,
    PickCategory,
    PickUrgency,
    StepAction,
    StepDo,
    UrgencyKey,
)
from bot.mesh import IDENTITY, Mesh, PersonServices, Rpc, Sessions, TelegramUser
from bot.settings import BotSettings
from services.kit.channels import MeshChannels
from services.kit.redis import redis_client
from tests.bot.harness import BotUnderTest, Chat, eventually, stem
from tests.bot.office import Office
from tests.support.people import SignedIn, sign_in
from tests.support.stack import Stack
from tests.support.telegram_api import BotApiCall


async def manager(chat: Chat, admin: Office, *, name: str = "Malika") -> str:
    """A manager invited by an admin, onboarded in the bot, approved by the admin (only admins
    decide about managers), at their menu; their user id."""
    t = chat.t
    token = await admin.invite(user_pb2.ROLE_MANAGER)
    await chat.say(f"/start join_{token}", stem(t, "onboarding.name.ask"))
    await chat.say(f"{name} Yusupova", stem(t, "onboarding.phone.ask"))
    await chat.say("+998 90 555 11 22", t("onboarding.waiting.staff"))
    user = await admin.approve(chat.id)
    await chat.say("/menu", t("menu.title", role=t("role.manager")))
    return user.id


async def on_shift(stack: Stack, *specializations: str) -> SignedIn:
    """An approved executor with `specializations`, gone on duty now."""
    who = await sign_in(stack, "executor", specializations=specializations)
    async with grpc.aio.insecure_channel(stack.edge_address) as channel:
        await shifts_rpc.ShiftServiceStub(channel).StartShift(
            shifts_pb.StartShiftRequest(), metadata=who.metadata
        )
    return who


async def file(
    chat: Chat,
    office: Office,
    user_id: str,
    description: str,
    *,
    category: CategoryKey = CategoryKey.PLUMBING,
    urgency: UrgencyKey = UrgencyKey.HIGH,
) -> str:
    """The resident (at their menu) files a request through the bot; its number."""
    t = chat.t
    before = {r.request_number for r in await office.requests_of(user_id)}
    await chat.tap(MenuItem(item=MenuKey.NEW_REQUEST).pack(), stem(t, "new_request.category.ask"))
    await chat.tap(PickCategory(category=category).pack(), t("new_request.address.ask"))
    await chat.tap(PickAddress(index=0).pack(), t("new_request.description.ask"))
    await chat.say(description, t("new_request.urgency.ask"))
    await chat.tap(PickUrgency(urgency=urgency).pack(), stem(t, "new_request.media.ask"))
    await chat.tap(StepDo(action=StepAction.SKIP).pack(), stem(t, "new_request.summary"))
    await chat.tap(StepDo(action=StepAction.CONFIRM).pack(), stem(t, "new_request.filed"))
    [number] = {r.request_number for r in await office.requests_of(user_id)} - before
    await chat.say("/menu", stem(t, "menu.title"))
    return number


def buttons(call: BotApiCall) -> list[dict[str, Any]]:
    """The inline buttons of a message or edit, row after row."""
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b for row in rows for b in row]


def data_starting(call: BotApiCall, prefix: str) -> str:
    """The callback data of the one button whose data starts with `prefix`."""
    [found] = [b["callback_data"] for b in buttons(call) if b["callback_data"].startswith(prefix)]
    return str(found)


async def connected(bot: BotUnderTest) -> None:
    """Wait until the bot's channel to the mesh is up again (gRPC reconnects with backoff)."""
    assert bot.app is not None
    channel = bot.app.channels.get()

    def ready() -> bool:
        return bool(channel.get_state(try_to_connect=True) == grpc.ChannelConnectivity.READY)

    await eventually(ready, within=15, what="the mesh channel to reconnect")


@asynccontextmanager
async def acting_as(
    stack: Stack, telegram_id: int, *, redis_url: str, pki_dir: Path
) -> AsyncIterator[PersonServices]:
    """The bot's own façade acting for a person of the bot (what a handler would call), outside
    any conversation: a step done behind the conversation's back."""
    values: dict[str, Any] = {
        "redis_url": redis_url,
        "mesh_address": stack.mesh_address,
        "pki_dir": pki_dir,
    }
    settings = BotSettings(**values)
    channels = MeshChannels(settings, IDENTITY)
    redis = redis_client(settings, name="bot-test")
    try:
        calls = Rpc(channels, timeout=3.0)
        yield Mesh(calls, Sessions(calls, redis, prefix="t-acting")).acting_for(
            TelegramUser(id=telegram_id)
        )
    finally:
        await channels.close()
        await redis.aclose()
