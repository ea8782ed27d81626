"""The executor's side in bot tests: executors who joined through an invite in the bot, and
the dispatcher's gRPC calls around them (filing, assigning, reading shifts and history)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import grpc
from pydantic import SecretStr
from ukm.common.v1 import specialization_pb2
from ukm.requests.v1 import request_pb2, workflow_pb2
from ukm.requests.v1 import requests_service_pb2 as req_pb
from ukm.shifts.v1 import shift_pb2
from ukm.shifts.v1 import shifts_service_pb2 as shifts_pb
from ukm.shifts.v1 import shifts_service_pb2_grpc as shifts_rpc
from ukm.users.v1 import user_pb2

from bot.callbacks import MenuItem, MenuKey
from bot.mesh import IDENTITY, Mesh, PersonServices, Rpc, Sessions, TelegramUser
from bot.settings import BotSettings
from services.kit.channels import MeshChannels
from services.kit.redis import redis_client
from tests.bot.harness import Chat, new_chat, stem
from tests.bot.office import Office, Place
from tests.support.stack import Stack
from tests.support.telegram_api import BotApiCall, LocalBotApi

SPEC = specialization_pb2
T = TypeVar("T")


async def settled(
    check: Callable[[], Awaitable[T | None]], *, within: float = 15.0, what: str = ""
) -> T:
    """Poll an async `check` (a gRPC read) until it returns something."""
    deadline = time.monotonic() + within
    while True:
        found = await check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        await asyncio.sleep(0.05)


async def executor(
    api: LocalBotApi, office: Office, *specialisations: int, language: str = "ru"
) -> tuple[Chat, str]:
    """An approved executor of `specialisations` who joined through an invite in the bot,
    looking at their menu; the chat and their user id."""
    chat = new_chat(api, language=language, first_name="Rustam")
    token = await office.invite(user_pb2.ROLE_EXECUTOR, specialisations)
    await chat.say(f"/start join_{token}", stem(chat.t, "onboarding.name.ask"))
    user = await office.approve(chat.id)
    await chat.say("/menu", stem(chat.t, "menu.title"))
    return chat, user.id


async def menu(chat: Chat, item: MenuKey, expect: str) -> BotApiCall:
    """Press a menu item (the menu may have been edited into something else since; the
    button is what the person remembers)."""
    since = chat.mark()
    chat.user.press(MenuItem(item=item).pack(), message=chat.last_message())
    return await chat.expect(expect, since=since)


async def go_on_duty(chat: Chat) -> None:
    """Take shift from the menu (an executor with one specialisation starts at once)."""
    await menu(chat, MenuKey.SHIFT_START, stem(chat.t, "shift.started"))


class Desk:
    """The dispatcher at work over gRPC (the manager of `office`)."""

    def __init__(self, office: Office, channel: grpc.aio.Channel) -> None:
        self.office = office
        self.md = office.md
        self.requests = office.requests
        self.shifts = shifts_rpc.ShiftServiceStub(channel)

    async def file(
        self,
        place: Place,
        category: int,
        description: str,
        *,
        flat: str = "3",
        applicant_id: str = "",
    ) -> request_pb2.Request:
        """A request for `flat` (by phone, as the call centre does); it goes to its pool."""
        answer = await self.requests.CreateRequest(
            req_pb.CreateRequestRequest(
                category=category,  # type: ignore[arg-type]
                description=description,
                urgency=request_pb2.URGENCY_MEDIUM,
                address=req_pb.AddressInput(
                    level=request_pb2.ADDRESS_LEVEL_APARTMENT,
                    yard_id=place.yard.id,
                    building_id=place.building.id,
                    apartment_id=place.flats[flat].id,
                ),
                source=request_pb2.SOURCE_CALL_CENTER,
                applicant_id=applicant_id,
            ),
            metadata=self.md,
        )
        request: request_pb2.Request = answer.request
        return request

    async def assign(self, number: str, executor_id: str) -> request_pb2.Request:
        """Assign the request to an executor (MANAGER_ASSIGN)."""
        answer = await self.requests.AssignRequest(
            req_pb.AssignRequestRequest(request_number=number, executor_id=executor_id),
            metadata=self.md,
        )
        request: request_pb2.Request = answer.request
        return request

    async def confirm(self, number: str) -> None:
        """The manager checks completed work (MANAGER_CONFIRM)."""
        await self.requests.ConfirmRequest(
            req_pb.ConfirmRequestRequest(request_number=number), metadata=self.md
        )

    async def history(self, number: str) -> list[workflow_pb2.HistoryEntry]:
        """Every step of the request's life."""
        answer = await self.requests.ListHistory(
            req_pb.ListHistoryRequest(request_number=number), metadata=self.md
        )
        return list(answer.entries)

    async def steps(self, number: str, action: int) -> list[workflow_pb2.HistoryEntry]:
        """The history entries of one workflow action."""
        return [e for e in await self.history(number) if e.action == action]

    async def active_shifts(self, executor_id: str) -> list[shift_pb2.Shift]:
        """The executor's active shifts."""
        answer = await self.shifts.ListActiveShifts(
            shifts_pb.ListActiveShiftsRequest(executor_id=executor_id), metadata=self.md
        )
        return list(answer.shifts)

    async def shift_history(self, executor_id: str) -> list[shift_pb2.Shift]:
        """The executor's shifts, newest first."""
        answer = await self.shifts.ListShifts(
            shifts_pb.ListShiftsRequest(executor_id=executor_id, page_size=10), metadata=self.md
        )
        return list(answer.shifts)

    async def end_shift(self, shift_id: str) -> None:
        """A manager ends someone's shift."""
        await self.shifts.EndShift(shifts_pb.EndShiftRequest(shift_id=shift_id), metadata=self.md)


@asynccontextmanager
async def desk(stack: Stack, office: Office) -> AsyncIterator[Desk]:
    """The dispatcher's desk with its own channel to the edge."""
    async with grpc.aio.insecure_channel(stack.edge_address) as channel:
        yield Desk(office, channel)


@asynccontextmanager
async def another_device(
    stack: Stack, redis_url: str, pki_dir: Path, chat: Chat
) -> AsyncIterator[PersonServices]:
    """The same person acting elsewhere at the same time (the bot's own façade, as them)."""
    settings = BotSettings(
        redis_url=SecretStr(redis_url), mesh_address=stack.mesh_address, pki_dir=pki_dir
    )
    channels = MeshChannels(settings, IDENTITY)
    redis = redis_client(settings, name="bot-test-device")
    try:
        rpc = Rpc(channels, timeout=3.0)
        yield Mesh(rpc, Sessions(rpc, redis, prefix=f"t-device-{chat.id}")).acting_for(
            TelegramUser(id=chat.id)
        )
    finally:
        await channels.close()
        await redis.aclose()


def buttons(call: Any) -> list[tuple[str, str]]:
    """(label, callback data) of every inline button of a sent or edited message."""
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    return [(str(b.get("text", "")), str(b.get("callback_data", ""))) for row in rows for b in row]
