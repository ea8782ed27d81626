"""An inspector (joined with an invite) files a building-level request through the real bot:
yard → building with onboarding's pickers (a forged building refused), then the filing steps
of residents (wrong input explained), filed with source INSPECTOR for the building and in the
`manager` acceptance mode (staff report it: the manager's confirmation closes it, no resident
is asked); it shows in the inspector's "my requests"."""

from __future__ import annotations

import uuid
from uuid import UUID

import grpc
from ukm.common.v1 import media_pb2
from ukm.requests.v1 import request_pb2
from ukm.requests.v1 import requests_service_pb2 as pb
from ukm.requests.v1 import requests_service_pb2_grpc as rpc
from ukm.users.v1 import user_pb2

from bot.callbacks import (
    CategoryKey,
    MenuItem,
    MenuKey,
    MineCard,
    PickBuilding,
    PickCategory,
    PickUrgency,
    PickYard,
    StepAction,
    StepDo,
    UrgencyKey,
)
from tests.bot.harness import BotUnderTest, new_chat, stem
from tests.bot.managers import on_shift
from tests.bot.office import Office, Place
from tests.support.stack import Stack
from tests.support.telegram_api import LocalBotApi

DARK = "В третьем подъезде не горит свет на всех этажах"


async def test_an_inspector_files_a_building_request(
    bot: BotUnderTest, api: LocalBotApi, stack: Stack, place: Place, office: Office
) -> None:
    chat = new_chat(api, first_name="Sardor")
    t = chat.t
    token = await office.invite(user_pb2.ROLE_INSPECTOR)
    await chat.say(f"/start join_{token}", stem(t, "onboarding.name.ask"))
    await chat.say("Sardor Rahimov", stem(t, "onboarding.phone.ask"))
    await chat.say("+998 90 765 43 21", t("onboarding.waiting.staff"))
    inspector = await office.approve(chat.id)
    menu = await chat.say("/menu", t("menu.title", role=t("role.inspector")))
    items = [
        b["callback_data"] for row in menu.params["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert MenuItem(item=MenuKey.INSPECT).pack() in items

    await chat.tap(MenuItem(item=MenuKey.INSPECT).pack(), stem(t, "inspector.yard.ask"))
    await chat.search("Chilonzor", place.yard.name)
    await chat.tap(PickYard(id=UUID(place.yard.id)).pack(), stem(t, "onboarding.building.ask"))
    # A building that was never shown: refused before anything is asked of the services.
    queries = len(api.answers)
    chat.user.press(PickBuilding(id=uuid.uuid4()).pack(), message=chat.last_message())
    await chat.toast(t("error.stale_button"), query_count=queries)
    await chat.tap(
        PickBuilding(id=UUID(place.building.id)).pack(), stem(t, "new_request.category.ask")
    )
    # Words where a button is expected: the step again.
    await chat.say("свет", stem(t, "new_request.category.ask"))
    await chat.tap(
        PickCategory(category=CategoryKey.ELECTRICITY).pack(), t("new_request.description.ask")
    )
    await chat.say("темно", t("input.description.too_short", length=5))
    await chat.say(DARK, t("new_request.urgency.ask"))
    await chat.tap(PickUrgency(urgency=UrgencyKey.HIGH).pack(), stem(t, "new_request.media.ask"))
    since = chat.mark()
    chat.user.sticker()
    await chat.expect(t("new_request.media.expected", limit=5), since=since)
    since = chat.mark()
    chat.user.photo()
    await chat.expect(t("new_request.media.added", count=1, limit=5), since=since)
    summary = await chat.tap(StepDo(action=StepAction.DONE).pack(), stem(t, "new_request.summary"))
    assert "Bunyodkor 7" in str(summary.params["text"])
    filed = await chat.tap(StepDo(action=StepAction.CONFIRM).pack(), stem(t, "new_request.filed"))

    [request] = await office.requests_of(inspector.id)
    assert request.request_number in str(filed.params["text"])
    assert request.source == request_pb2.SOURCE_INSPECTOR
    assert request.address.level == request_pb2.ADDRESS_LEVEL_BUILDING
    assert (request.address.building_id, request.address.apartment_id) == (place.building.id, "")
    assert (request.category, request.urgency) == (
        request_pb2.CATEGORY_ELECTRICITY,
        request_pb2.URGENCY_HIGH,
    )
    assert request.description == DARK
    assert [m.kind for m in request.media] == [media_pb2.MEDIA_KIND_PHOTO]
    assert request.acceptance_mode == request_pb2.ACCEPTANCE_MODE_MANAGER

    # The inspector follows it in "my requests".
    mine = await chat.tap(
        MenuItem(item=MenuKey.MY_REQUESTS).pack(), stem(t, "my_requests.title.active")
    )
    datas = [
        b["callback_data"] for row in mine.params["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert MineCard(number=request.request_number).pack() in datas

    # Done and checked: the manager's confirmation is final (no resident is asked to accept).
    number = request.request_number
    electrician = await on_shift(stack, "electrician")
    await office.requests.AssignRequest(
        pb.AssignRequestRequest(request_number=number, executor_id=electrician.user_id),
        metadata=office.md,
    )
    async with grpc.aio.insecure_channel(stack.edge_address) as channel:
        await rpc.RequestServiceStub(channel).CompleteRequest(
            pb.CompleteRequestRequest(request_number=number, report="Заменил автомат в щитке"),
            metadata=electrician.metadata,
        )
    await office.requests.ConfirmRequest(
        pb.ConfirmRequestRequest(request_number=number), metadata=office.md
    )
    assert (await office.request(number)).status == request_pb2.REQUEST_STATUS_ACCEPTED
