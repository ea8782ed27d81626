"""The bot under trouble, against the real mesh: a restart mid-flow resumes the step; a
services outage mid-flow keeps everything typed and the flow completes after recovery; a
redelivered update is handled once; forged buttons are refused; blocked people get one polite
refusal; a flood gets one "slow down"."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import grpc

from bot.callbacks import (
    CategoryKey,
    MenuItem,
    MenuKey,
    Nav,
    NavTo,
    PickAddress,
    PickCategory,
    PickUrgency,
    StepAction,
    StepDo,
    UrgencyKey,
)
from services.kit.callbacks import InlineAction, encode
from tests.bot.harness import BotUnderTest, Chat, bot_settings, eventually, new_chat, stem
from tests.bot.journeys import onboard, resident
from tests.bot.office import Office, Place
from tests.bot.tcp_proxy import TcpProxy
from tests.support.stack import Stack
from tests.support.telegram_api import Failure, LocalBotApi

LIFT = "Лифт застревает между 3 и 4 этажом"


async def to_description(chat: Chat) -> None:
    """From the menu to the description step of a new request."""
    t = chat.t
    await chat.tap(MenuItem(item=MenuKey.NEW_REQUEST).pack(), stem(t, "new_request.category.ask"))
    await chat.tap(PickCategory(category=CategoryKey.ELEVATOR).pack(), t("new_request.address.ask"))
    await chat.tap(PickAddress(index=0).pack(), t("new_request.description.ask"))


async def connected(bot: BotUnderTest) -> None:
    """Wait until the bot's channel to the mesh is up again (gRPC reconnects with backoff)."""
    assert bot.app is not None
    channel = bot.app.channels.get()

    def ready() -> bool:
        return bool(channel.get_state(try_to_connect=True) == grpc.ChannelConnectivity.READY)

    await eventually(ready, within=15, what="the mesh channel to reconnect")


async def test_a_restart_mid_flow_resumes_the_step(
    bot: BotUnderTest, api: LocalBotApi, place: Place, office: Office
) -> None:
    chat = new_chat(api)
    t = chat.t
    user_id = await resident(chat, place, office, flat="9")
    await to_description(chat)
    await chat.say(LIFT, t("new_request.urgency.ask"))

    await bot.restart()

    # The new process knows the step and the draft.
    await chat.tap(PickUrgency(urgency=UrgencyKey.HIGH).pack(), stem(t, "new_request.media.ask"))
    summary = await chat.tap(StepDo(action=StepAction.SKIP).pack(), stem(t, "new_request.summary"))
    assert LIFT in str(summary.params["text"])
    await chat.tap(StepDo(action=StepAction.CONFIRM).pack(), stem(t, "new_request.filed"))
    [request] = await office.requests_of(user_id)
    assert request.description == LIFT


async def test_an_outage_mid_flow_loses_nothing(
    bot: BotUnderTest, api: LocalBotApi, place: Place, office: Office, mesh_road: TcpProxy
) -> None:
    chat = new_chat(api)
    t = chat.t
    user_id = await resident(chat, place, office, flat="10")
    await to_description(chat)

    await mesh_road.cut()
    # Steps that need no service go on during the outage.
    await chat.say(LIFT, t("new_request.urgency.ask"))
    await chat.tap(PickUrgency(urgency=UrgencyKey.HIGH).pack(), stem(t, "new_request.media.ask"))
    await chat.tap(StepDo(action=StepAction.SKIP).pack(), stem(t, "new_request.summary"))
    busy = await chat.tap(StepDo(action=StepAction.CONFIRM).pack(), t("error.busy"))
    retry = [
        b["callback_data"] for row in busy.params["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert Nav(to=NavTo.RETRY).pack() in retry
    # Retrying while still down: busy again, nothing lost.
    await chat.tap(Nav(to=NavTo.RETRY).pack(), t("error.busy"))
    assert await office.requests_of(user_id) == []

    await mesh_road.restore()
    await connected(bot)
    await chat.tap(Nav(to=NavTo.RETRY).pack(), stem(t, "new_request.filed"))
    [request] = await office.requests_of(user_id)
    assert (request.description, request.urgency) == (LIFT, 3)


async def test_an_outage_before_anyone_is_known_gets_a_friendly_answer(
    bot: BotUnderTest, api: LocalBotApi, mesh_road: TcpProxy
) -> None:
    chat = new_chat(api, language="uz")
    await mesh_road.cut()
    await chat.say("/start", chat.t("error.busy"))
    await mesh_road.restore()
    await connected(bot)
    await chat.say("/start", stem(chat.t, "onboarding.fork.ask"))


async def test_a_redelivered_update_is_handled_once(
    bot: BotUnderTest, api: LocalBotApi, place: Place, office: Office
) -> None:
    chat = new_chat(api)
    t = chat.t
    await resident(chat, place, office, flat="11")
    await to_description(chat)
    since = chat.mark()
    update_id = chat.user.text(LIFT)
    await chat.expect(t("new_request.urgency.ask"), since=since)
    since = chat.mark()
    api.redeliver(update_id)
    # Handled twice, the description would arrive at the urgency step ("not understood").
    await chat.say("/help", t("help.applicant"))
    texts = [str(c.params.get("text")) for c in chat.replies(since)]
    assert texts == [t("help.applicant")]


async def test_forged_and_stale_buttons_are_refused(
    bot: BotUnderTest, api: LocalBotApi, place: Place, office: Office
) -> None:
    owner, stranger = new_chat(api), new_chat(api)
    owner_id = await resident(owner, place, office, flat="5")
    await resident(stranger, place, office, flat="6")
    await to_description(owner)
    await owner.say(LIFT, owner.t("new_request.urgency.ask"))
    await owner.tap(
        PickUrgency(urgency=UrgencyKey.LOW).pack(), stem(owner.t, "new_request.media.ask")
    )
    await owner.tap(StepDo(action=StepAction.SKIP).pack(), stem(owner.t, "new_request.summary"))
    await owner.tap(StepDo(action=StepAction.CONFIRM).pack(), stem(owner.t, "new_request.filed"))
    [request] = await office.requests_of(owner_id)
    number = request.request_number

    # A stranger forging the owner's buttons: refused, nothing happens.
    menu = stranger.last_message()
    for action in (InlineAction.ACCEPT, InlineAction.OPEN, InlineAction.RETURN):
        queries = len(api.answers)
        stranger.user.press(encode(action, number), message=menu)
        await stranger.toast(stranger.t("action.not_available"), query_count=queries)
    # Garbage and out-of-range data match nothing.
    for data in ("zz:1", "a:999", "k:teleport", "act:accept:x"):
        queries = len(api.answers)
        stranger.user.press(data, message=menu)
        await stranger.toast(stranger.t("error.stale_button"), query_count=queries)
    assert (await office.request(number)).status == request.status

    # The owner may open the card; accepting a NEW request is "not now".
    since = owner.mark()
    owner.user.press(encode(InlineAction.OPEN, number), message=owner.last_message())
    card = await owner.expect(f"№{number}", since=since)
    assert LIFT in str(card.params["text"])
    queries = len(api.answers)
    owner.user.press(encode(InlineAction.ACCEPT, number), message=owner.last_message())
    await owner.toast(owner.t("action.not_now"), query_count=queries)
    # The upload button opens the documents flow (tests/bot/flows/test_documents.py).
    since = owner.mark()
    owner.user.press(encode(InlineAction.UPLOAD), message=owner.last_message())
    await owner.expect_key("documents.type.ask", since=since)


async def test_blocked_people_get_one_polite_refusal(
    bot: BotUnderTest, api: LocalBotApi, place: Place, office: Office
) -> None:
    chat = new_chat(api)
    await onboard(chat, place, flat="4")
    await office.block(chat.id)
    await chat.say("/start", chat.t("blocked"))
    since = chat.mark()
    chat.user.text("/menu")
    last = chat.user.text("/help")
    await eventually(lambda: api.confirmed_offset > last, what="the bot to take both updates")
    # Proving silence takes a little while: nothing may arrive during it.
    await quiet(chat, since, seconds=0.5)


async def quiet(chat: Chat, since: int, *, seconds: float) -> None:
    """Fail if the bot says anything to `chat` within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert chat.replies(since) == [], [c.params.get("text") for c in chat.replies(since)]
        await asyncio.sleep(0.02)


async def test_a_flood_gets_one_slow_down(
    api: LocalBotApi, stack: Stack, redis_url: str, pki_dir: Path
) -> None:
    settings = bot_settings(
        api,
        redis_url=redis_url,
        mesh_address=stack.mesh_address,
        pki_dir=pki_dir,
        prefix=f"ukm:bot:test:{uuid.uuid4().hex[:8]}",
        bot_rate_limit=3,
        bot_rate_window_seconds=60,
    )
    bot = BotUnderTest(settings, api)
    await bot.start()
    try:
        chat = new_chat(api)
        since = chat.mark()
        for _ in range(6):
            chat.user.text("/help")
        await chat.expect(stem(chat.t, "error.slow_down"), since=since)
        await eventually(lambda: len(chat.replies(since)) >= 4, what="three answers and a notice")
        texts = [str(c.params.get("text")) for c in chat.replies(since)]
        assert sum(stem(chat.t, "error.slow_down") in text for text in texts) == 1
        assert len(texts) == 4
    finally:
        await bot.stop()


async def test_a_reply_telegram_refuses_becomes_an_apology(
    bot: BotUnderTest, api: LocalBotApi
) -> None:
    chat = new_chat(api)
    api.fail_next(
        Failure(400, "Bad Request: can't parse entities: Unsupported start tag"),
        methods={"sendMessage"},
        chat_id=chat.id,
    )
    await chat.say("/help", chat.t("error.unexpected"))
    # Someone who blocked the bot: nothing more is tried, nothing breaks.
    api.fail_chat(chat.id, Failure.blocked())
    chat.user.text("/help")
    await eventually(
        lambda: any(c.status == 403 and c.chat_id == chat.id for c in api.calls),
        what="the refused reply",
    )
    api.heal_chat(chat.id)
    await chat.say("/help", chat.t("help.pending"))
