"""Buttons on notifications (`act:<action>:<number>`, the kit's codec): after a plumber on shift
and a manager (over gRPC) bring a resident's request to CONFIRMED, the resident accepts it with
stars and a review, returns another with a reason, and answers a clarification; an executor
on shift takes a pool request — each checked against the request the services hold."""

from __future__ import annotations

from pathlib import Path

import grpc
import httpx
import pytest
from ukm.common.v1 import specialization_pb2
from ukm.requests.v1 import request_pb2
from ukm.requests.v1 import requests_service_pb2 as pb
from ukm.requests.v1 import requests_service_pb2_grpc as rpc
from ukm.shifts.v1 import shifts_service_pb2 as shifts_pb
from ukm.shifts.v1 import shifts_service_pb2_grpc as shifts_rpc
from ukm.users.v1 import user_pb2

from bot.callbacks import Stars, StepAction, StepDo
from bot.mesh import IDENTITY, Mesh, Rpc, Sessions, TelegramUser
from bot.settings import BotSettings
from services.kit.callbacks import InlineAction, encode
from services.kit.channels import MeshChannels
from services.kit.redis import redis_client
from tests.bot.harness import BotUnderTest, Chat, new_chat, stem
from tests.bot.journeys import resident, to_summary
from tests.bot.office import Office, Place
from tests.support.people import SignedIn, sign_in
from tests.support.stack import Stack
from tests.support.telegram_api import LocalBotApi


@pytest.fixture(scope="module")
async def plumber(stack: Stack) -> SignedIn:
    """A plumber on shift."""
    who = await sign_in(stack, "executor", specializations=("plumber",))
    async with grpc.aio.insecure_channel(stack.edge_address) as channel:
        await shifts_rpc.ShiftServiceStub(channel).StartShift(
            shifts_pb.StartShiftRequest(), metadata=who.metadata
        )
    return who


async def filed(chat: Chat, office: Office, user_id: str) -> str:
    """The resident files a leak through the bot; its number."""
    await to_summary(chat, photos=0)
    await chat.tap(StepDo(action=StepAction.CONFIRM).pack(), stem(chat.t, "new_request.filed"))
    return (await office.requests_of(user_id))[0].request_number


async def done_and_confirmed(stack: Stack, office: Office, plumber: SignedIn, number: str) -> None:
    """The plumber claims and completes it; the manager confirms."""
    async with grpc.aio.insecure_channel(stack.edge_address) as channel:
        stub = rpc.RequestServiceStub(channel)
        md = plumber.metadata
        await stub.ClaimRequest(pb.ClaimRequestRequest(request_number=number), metadata=md)
        await stub.CompleteRequest(
            pb.CompleteRequestRequest(request_number=number, report="Заменил сифон"), metadata=md
        )
        await stub.ConfirmRequest(
            pb.ConfirmRequestRequest(request_number=number), metadata=office.md
        )


async def notify(
    api: LocalBotApi, chat: Chat, text: str, action: InlineAction, number: str
) -> None:
    """A notification with a button, sent through the same bot the way the notifications
    service sends it (JSON body to sendMessage)."""
    markup = {"inline_keyboard": [[{"text": "…", "callback_data": encode(action, number)}]]}
    async with httpx.AsyncClient(base_url=f"{api.base_url}/bot{api.token}") as http:
        answer = await http.post(
            "/sendMessage", json={"chat_id": chat.id, "text": text, "reply_markup": markup}
        )
    assert answer.json()["ok"] is True


async def test_accept_with_stars_and_a_review(
    bot: BotUnderTest,
    api: LocalBotApi,
    stack: Stack,
    place: Place,
    office: Office,
    plumber: SignedIn,
) -> None:
    chat = new_chat(api)
    t = chat.t
    user_id = await resident(chat, place, office, flat="1")
    number = await filed(chat, office, user_id)
    await done_and_confirmed(stack, office, plumber, number)

    await notify(api, chat, "Работа выполнена, оцените", InlineAction.ACCEPT, number)
    await chat.tap(encode(InlineAction.ACCEPT, number), t("accept.stars.ask", number=f"№{number}"))
    await chat.tap(Stars(stars=5).pack(), t("accept.review.ask"))
    await chat.say("x" * 2001, t("input.review.too_long", length=2001))
    await chat.say("Спасибо, всё сухо!", t("accept.done", number=f"№{number}"))
    request = await office.request(number)
    assert request.status == request_pb2.REQUEST_STATUS_ACCEPTED
    assert (request.rating.stars, request.rating.review) == (5, "Спасибо, всё сухо!")
    # Pressing the old button again: the request is no longer waiting.
    queries = len(api.answers)
    chat.user.press(encode(InlineAction.ACCEPT, number))
    await chat.toast(t("action.not_now"), query_count=queries)


async def test_return_with_a_reason_and_answer_a_question(
    bot: BotUnderTest,
    api: LocalBotApi,
    stack: Stack,
    place: Place,
    office: Office,
    plumber: SignedIn,
) -> None:
    chat = new_chat(api)
    t = chat.t
    user_id = await resident(chat, place, office, flat="2")
    number = await filed(chat, office, user_id)
    await done_and_confirmed(stack, office, plumber, number)
    await notify(api, chat, "Работа выполнена", InlineAction.RETURN, number)
    await chat.tap(encode(InlineAction.RETURN, number), t("return.reason.ask", number=f"№{number}"))
    await chat.say("no", t("input.reason.too_short"))
    await chat.say("Всё ещё капает", stem(t, "new_request.media.ask"))
    # No photos this time (tests/bot/flows/test_my_requests.py returns with some).
    await chat.tap(StepDo(action=StepAction.SKIP).pack(), t("return.done", number=f"№{number}"))
    request = await office.request(number)
    assert request.status == request_pb2.REQUEST_STATUS_RETURNED
    assert request.return_info.reason == "Всё ещё капает"

    # A second request, with a question from the manager.
    await chat.say("/menu", stem(t, "menu.title"))
    second = await filed(chat, office, user_id)
    await office.requests.ClarifyRequest(
        pb.ClarifyRequestRequest(request_number=second, question="Какой этаж?"), metadata=office.md
    )
    await notify(api, chat, "Вопрос по заявке", InlineAction.ANSWER, second)
    await chat.tap(encode(InlineAction.ANSWER, second), t("answer.ask", number=f"№{second}"))
    await chat.say("Третий этаж", t("answer.done", number=f"№{second}"))
    comments = await office.requests.ListComments(
        pb.ListCommentsRequest(request_number=second), metadata=office.md
    )
    assert any(c.text == "Третий этаж" for c in comments.comments)


async def test_an_executor_on_shift_takes_a_pool_request(
    bot: BotUnderTest,
    api: LocalBotApi,
    stack: Stack,
    place: Place,
    office: Office,
    redis_url: str,
    pki_dir: Path,
) -> None:
    resident_chat = new_chat(api)
    user_id = await resident(resident_chat, place, office, flat="12")
    number = await filed(resident_chat, office, user_id)

    # A plumber who joined through an invite in the bot, approved, gone on shift (the shift
    # menu is still to come: the bot's own façade does it here, as the person).
    chat = new_chat(api)
    token = await office.invite(
        user_pb2.ROLE_EXECUTOR, (specialization_pb2.SPECIALIZATION_PLUMBER,)
    )
    await chat.say(f"/start join_{token}", stem(chat.t, "onboarding.name.ask"))
    await office.approve(chat.id)
    await chat.say("/menu", stem(chat.t, "menu.title"))
    settings = BotSettings(redis_url=redis_url, mesh_address=stack.mesh_address, pki_dir=pki_dir)
    channels = MeshChannels(settings, IDENTITY)
    redis = redis_client(settings, name="bot-test")
    try:
        rpc = Rpc(channels, timeout=3.0)
        services = Mesh(rpc, Sessions(rpc, redis, prefix="t-take")).acting_for(
            TelegramUser(id=chat.id)
        )
        await services.shifts.start()
    finally:
        await channels.close()
        await redis.aclose()

    await notify(api, chat, "Новая заявка в пуле сантехников", InlineAction.TAKE, number)
    await chat.tap(encode(InlineAction.TAKE, number), chat.t("take.done", number=f"№{number}"))
    request = await office.request(number)
    assert request.status == request_pb2.REQUEST_STATUS_IN_PROGRESS
    assert request.executor_id == (await office.user_of(chat.id)).id
    # Taken already, by this executor: said so, nothing is claimed twice.
    since = chat.mark()
    chat.user.press(encode(InlineAction.TAKE, number))
    await chat.expect(chat.t("pool.already_yours", number=f"№{number}"), since=since)
