"""A manager at the bot's desk, for the people-panel tests: a Telegram user made a manager by an
admin (over gRPC, as an admin's console would), residents with names and numbers of their own,
acting as a resident through the bot's own mesh façade, and finding a button on a paged list."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import grpc
import pytest
from ukm.users.v1 import user_pb2
from ukm.users.v1 import users_service_pb2 as users_pb
from ukm.users.v1 import users_service_pb2_grpc as users_rpc

from bot.callbacks import ListKind, PageTo
from bot.mesh import IDENTITY, Mesh, PersonServices, Rpc, Sessions, TelegramUser
from bot.settings import BotSettings
from services.kit.channels import MeshChannels
from services.kit.redis import redis_client
from tests.bot.harness import BotUnderTest, Chat, bot_settings, eventually, new_chat, stem
from tests.bot.journeys import onboard
from tests.bot.office import Office, Place
from tests.bot.tcp_proxy import TcpProxy
from tests.support.people import SignedIn
from tests.support.stack import Stack
from tests.support.telegram_api import LocalBotApi


@pytest.fixture(name="bot")
async def roomy_bot(
    api: LocalBotApi, stack: Stack, redis_url: str, pki_dir: Path, mesh_road: TcpProxy
) -> AsyncIterator[BotUnderTest]:
    """The package's `bot`, with room for a manager's long session: these scenarios press
    more buttons in half a minute than the per-person flood limit (30) lets through. A test
    module uses it instead of the package's by importing it."""
    settings = bot_settings(
        api,
        redis_url=redis_url,
        mesh_address=mesh_road.address,
        pki_dir=pki_dir,
        prefix=f"ukm:bot:test:{uuid.uuid4().hex[:8]}",
        bot_rate_limit=200,
    )
    running = BotUnderTest(settings, api)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


def unique_name(first: str) -> str:
    """A first name no other test uses (searches find exactly this person)."""
    return f"{first}{uuid.uuid4().hex[:6]}"


def unique_phone() -> tuple[str, str]:
    """A mobile number as a person types it, and its E.164 form."""
    digits = f"{random.randrange(10**7):07d}"
    return f"93 {digits[:3]} {digits[3:5]} {digits[5:]}", f"+99893{digits}"


async def manager_chat(
    api: LocalBotApi, stack: Stack, office: Office, admin: SignedIn, *, language: str = "ru"
) -> Chat:
    """A person who wrote to the bot and was then made an approved manager by an admin; they
    are looking at the manager's menu."""
    chat = new_chat(api, language=language, first_name=unique_name("Malika"))
    await chat.say("/start", stem(chat.t, "onboarding.fork.ask"))
    user = await office.user_of(chat.id)
    async with grpc.aio.insecure_channel(stack.edge_address) as channel:
        users = users_rpc.UserServiceStub(channel)
        await users.SetRoles(
            users_pb.SetRolesRequest(user_id=user.id, roles=[user_pb2.ROLE_MANAGER]),
            metadata=admin.metadata,
        )
        await users.ApproveUser(
            users_pb.ApproveUserRequest(user_id=user.id), metadata=admin.metadata
        )
    t = chat.t
    await chat.say("/menu", t("menu.title", role=t("role.manager")))
    return chat


async def pending_resident(
    api: LocalBotApi, place: Place, *, flat: str, first_name: str = "Zarina"
) -> tuple[Chat, str, str]:
    """A newcomer who onboarded as a resident up to the binding request: the chat, their name
    and their phone (E.164)."""
    name = unique_name(first_name)
    chat = new_chat(api, first_name=name)
    typed, e164 = unique_phone()
    await onboard(chat, place, flat=flat, phone=typed)
    return chat, name, e164


@asynccontextmanager
async def acting_as(
    stack: Stack, redis_url: str, pki_dir: Path, telegram_id: int
) -> AsyncIterator[PersonServices]:
    """The bot's own mesh façade acting for a Telegram user (what their flows would call)."""
    settings = BotSettings(
        redis_url=redis_url,  # type: ignore[arg-type]  # pydantic takes the plain URL
        mesh_address=stack.mesh_address,
        pki_dir=pki_dir,
    )
    channels = MeshChannels(settings, IDENTITY)
    redis = redis_client(settings, name="bot-test-desk")
    try:
        rpc = Rpc(channels, timeout=3.0)
        sessions = Sessions(rpc, redis, prefix=f"t-desk-{uuid.uuid4().hex[:6]}")
        yield Mesh(rpc, sessions).acting_for(TelegramUser(id=telegram_id))
    finally:
        await channels.close()
        await redis.aclose()


def buttons_of(message: Mapping[str, Any]) -> list[str]:
    """The callback data of a message's buttons."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [str(b.get("callback_data")) for row in rows for b in row if b.get("callback_data")]


async def page_to(chat: Chat, kind: ListKind, data: str, heading: str) -> None:
    """Turn the pages of the list on screen until a button with `data` shows (other tests'
    people share the package's database, so the list may be long)."""
    for page in range(1, 50):
        if data in buttons_of(chat.last_message()):
            return
        await chat.tap(PageTo(list=kind, page=page).pack(), heading)
    raise AssertionError(f"no page of {kind} shows {data}")


async def connected(bot: BotUnderTest) -> None:
    """Wait until the bot's channel to the mesh is up again (gRPC reconnects with backoff)."""
    assert bot.app is not None
    channel = bot.app.channels.get()

    def ready() -> bool:
        return bool(channel.get_state(try_to_connect=True) == grpc.ChannelConnectivity.READY)

    await eventually(ready, within=15, what="the mesh channel to reconnect")
