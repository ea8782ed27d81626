"""The manager's boards and assignments through the real bot and the whole mesh: a manager who
joined through the bot opens the board of new requests (counts, a page, a card with address,
applicant, pool and history), assigns a resident's leak to one of the plumbers on duty, then
reassigns it to the other; a request nobody on duty can do goes to another specialisation's
pool; two managers racing get "someone changed this request" instead of a second step; stale
cards, forged buttons and people who are not managers are refused — each checked over gRPC."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import httpx
import pytest
from ukm.common.v1 import specialization_pb2
from ukm.requests.v1 import request_pb2, workflow_pb2
from ukm.requests.v1 import requests_service_pb2 as pb
from ukm.shifts.v1 import shifts_service_pb2 as shifts_pb
from ukm.shifts.v1 import shifts_service_pb2_grpc as shifts_rpc

from bot.callbacks import (
    BoardPage,
    CardDo,
    CategoryKey,
    DispatchGo,
    DispatchStep,
    MenuItem,
    MenuKey,
    OpenCard,
    PickExecutor,
    PickPool,
    StepAction,
    StepDo,
)
from bot.logic.boards import Board, Pool, Verb
from bot.mesh import AddressRef
from services.kit.callbacks import InlineAction, encode
from tests.bot.harness import BotUnderTest, new_chat, stem
from tests.bot.journeys import resident
from tests.bot.managers import acting_as, buttons, data_starting, file, manager, on_shift
from tests.bot.office import Office, Place
from tests.support.people import sign_in
from tests.support.stack import Stack
from tests.support.telegram_api import BotApiCall, LocalBotApi

TAP = "Течёт кран в ванной, вода не перекрывается до конца"
LAWN = "Сломана скамейка во дворе у второго подъезда"


@pytest.fixture(scope="module")
async def admin(stack: Stack) -> AsyncIterator[Office]:
    """An admin (only admins invite managers)."""
    who = await sign_in(stack, "admin")
    async with grpc.aio.insecure_channel(stack.edge_address) as channel:
        yield Office(channel, who)


def data_of(call: BotApiCall) -> list[str]:
    """The callback data of a message's buttons."""
    return [str(b["callback_data"]) for b in buttons(call)]


async def history(office: Office, number: str) -> list[workflow_pb2.HistoryEntry]:
    """The request's history as a manager reads it."""
    answer = await office.requests.ListHistory(
        pb.ListHistoryRequest(request_number=number), metadata=office.md
    )
    return list(answer.entries)


async def test_a_manager_assigns_to_an_on_duty_plumber_then_reassigns(
    bot: BotUnderTest,
    api: LocalBotApi,
    stack: Stack,
    place: Place,
    office: Office,
    admin: Office,
) -> None:
    first, second = await on_shift(stack, "plumber"), await on_shift(stack, "plumber")
    home = new_chat(api)
    applicant_id = await resident(home, place, office, flat="3")
    number = await file(home, office, applicant_id, TAP)
    shown = f"№{number}"

    chat = new_chat(api)
    t = chat.t
    manager_id = await manager(chat, admin)

    # The board of new requests: its count (what the services count for managers), ours on top.
    counted = await office.requests.CountRequests(
        pb.CountRequestsRequest(
            filter=pb.ListRequestsRequest(statuses=[request_pb2.REQUEST_STATUS_NEW])
        ),
        metadata=office.md,
    )
    board = await chat.tap(
        MenuItem(item=MenuKey.BOARD_NEW).pack(),
        t.raw("boards.heading", title=t("boards.title.new"), total=counted.total),
    )
    assert shown in str(board.params["text"])
    assert OpenCard(number=number).pack() in [b["callback_data"] for b in buttons(board)]

    # The card: address label, applicant, the pool it was offered to, the first steps.
    card = await chat.tap(
        OpenCard(number=number).pack(),
        t.raw("boards.card.title", number=shown, status=t("status.new")),
    )
    text = str(card.params["text"])
    assert "Bunyodkor 7" in text and "Dilnoza" in text and TAP in text
    assert t("boards.card.pool", pool=t("boards.spec.plumber")) in text
    assert t("boards.history.created") in text
    pooled = t.raw("boards.history.to", what=t("boards.action.assign_group"), whom="")
    assert f"{pooled}{t('boards.spec.plumber')}" in text

    # Assign: both plumbers on duty are offered; the plumbers' pool is where it is already.
    choose = await chat.tap(data_starting(card, "mv:as:"), stem(t, "dispatch.heading"))
    offered = [b["callback_data"] for b in buttons(choose)]
    for plumber in (first, second):
        assert PickExecutor(id=uuid.UUID(plumber.user_id)).pack() in offered
    assert PickPool(pool=Pool.PLUMBER).pack() not in offered
    assert DispatchGo(to=DispatchStep.POOLS).pack() in offered
    # Words where a button is expected: said so, and the step again.
    since = chat.mark()
    chat.user.text("Иванов")
    await chat.expect(t("unknown.message"), since=since)
    await chat.expect_key("dispatch.heading", since=since)
    # An executor who was never offered: refused before any call.
    queries = len(api.answers)
    chat.user.press(PickExecutor(id=uuid.uuid4()).pack(), message=chat.last_message())
    await chat.toast(t("error.stale_button"), query_count=queries)

    pick_first = PickExecutor(id=uuid.UUID(first.user_id)).pack()
    await chat.tap(pick_first, stem(t, "dispatch.summary.executor"))
    await chat.tap(DispatchGo(to=DispatchStep.CHOOSE).pack(), stem(t, "dispatch.heading"))
    await chat.tap(pick_first, stem(t, "dispatch.summary.executor"))
    since = chat.mark()
    chat.user.press(StepDo(action=StepAction.CONFIRM).pack())
    await chat.expect_key("dispatch.done.executor", since=since)
    card = await chat.expect(
        t.raw("boards.card.title", number=shown, status=t("status.in_progress")), since=since
    )
    # The last step names who got it.
    assert "→ Test Executor" in str(card.params["text"]).rsplit("\n", 1)[-1]
    request = await office.request(number)
    assert request.status == request_pb2.REQUEST_STATUS_IN_PROGRESS
    assert request.executor_id == first.user_id
    last = (await history(office, number))[-1]
    assert last.action == workflow_pb2.TRANSITION_ACTION_MANAGER_ASSIGN
    assert last.actor_id == manager_id

    # Reassign: the plumber who has it is not offered again; the other one is.
    choose = await chat.tap(data_starting(card, "mv:as:"), stem(t, "dispatch.heading"))
    offered = [b["callback_data"] for b in buttons(choose)]
    assert pick_first not in offered
    assert DispatchGo(to=DispatchStep.POOLS).pack() not in offered  # not from IN_PROGRESS
    assert t("dispatch.now_executor", name="Test Executor") in str(choose.params["text"])
    await chat.tap(
        PickExecutor(id=uuid.UUID(second.user_id)).pack(), stem(t, "dispatch.summary.reassign")
    )
    since = chat.mark()
    chat.user.press(StepDo(action=StepAction.CONFIRM).pack())
    card = await chat.expect(
        t.raw("boards.card.title", number=shown, status=t("status.in_progress")), since=since
    )
    assert (await office.request(number)).executor_id == second.user_id
    mine = [e for e in await history(office, number) if e.actor_id == manager_id]
    assert [e.action for e in mine] == [workflow_pb2.TRANSITION_ACTION_MANAGER_ASSIGN] * 2

    # Back to the list: the board of requests in progress, with its statuses counted.
    board = await chat.tap(BoardPage(board=Board.ACTIVE, page=0).pack(), stem(t, "boards.heading"))
    assert t("boards.title.active") in str(board.params["text"])
    assert t("status.clarification") in str(board.params["text"])
    assert shown in str(board.params["text"])

    # From a notification's "open" button: the plain card, with the way to the manager's.
    markup = {
        "inline_keyboard": [[{"text": "…", "callback_data": encode(InlineAction.OPEN, number)}]]
    }
    async with httpx.AsyncClient(base_url=f"{api.base_url}/bot{api.token}") as http:
        await http.post(
            "/sendMessage", json={"chat_id": chat.id, "text": "Заявка", "reply_markup": markup}
        )
    await chat.expect_notice("Заявка")
    plain = await chat.tap(encode(InlineAction.OPEN, number), stem(t, "card.text"))
    assert OpenCard(number=number).pack() in [b["callback_data"] for b in buttons(plain)]
    await chat.tap(
        OpenCard(number=number).pack(),
        t.raw("boards.card.title", number=shown, status=t("status.in_progress")),
    )


async def test_nobody_on_duty_another_pool_and_two_managers_racing(
    bot: BotUnderTest,
    api: LocalBotApi,
    stack: Stack,
    place: Place,
    office: Office,
    admin: Office,
    redis_url: str,
    pki_dir: Path,
) -> None:
    home = new_chat(api)
    applicant_id = await resident(home, place, office, flat="4")
    number = await file(home, office, applicant_id, LAWN, category=CategoryKey.LANDSCAPING)
    shown = f"№{number}"
    # Five newer ones (filed the way the bot files them), so ours is on the board's 2nd page.
    async with acting_as(stack, home.id, redis_url=redis_url, pki_dir=pki_dir) as services:
        for floor in range(2, 7):
            await services.requests.create(
                category="cleaning",
                description=f"Не убрано на лестнице, этаж {floor}",
                urgency="low",
                address=AddressRef(place.yard.id, place.building.id, place.flats["4"].id),
            )
    chat = new_chat(api, language="en")
    t = chat.t
    manager_id = await manager(chat, admin)

    async with grpc.aio.insecure_channel(stack.edge_address) as channel:
        on_duty = await shifts_rpc.ShiftServiceStub(channel).ListActiveShifts(
            shifts_pb.ListActiveShiftsRequest(
                specialization=specialization_pb2.SPECIALIZATION_LANDSCAPING
            ),
            metadata=office.md,
        )
    first = await chat.tap(MenuItem(item=MenuKey.BOARD_NEW).pack(), t("boards.page", page=1))
    assert shown not in str(first.params["text"])
    assert len([d for d in data_of(first) if d.startswith("mo:")]) == 5
    second = await chat.tap(BoardPage(board=Board.NEW, page=1).pack(), t("boards.page", page=2))
    assert shown in str(second.params["text"])
    assert BoardPage(board=Board.NEW, page=0).pack() in data_of(second)
    card = await chat.tap(
        OpenCard(number=number).pack(),
        t.raw("boards.card.title", number=shown, status=t("status.new")),
    )
    # Its way back is to the page it was on.
    assert BoardPage(board=Board.NEW, page=1).pack() in data_of(card)
    choose = await chat.tap(data_starting(card, "mv:as:"), stem(t, "dispatch.heading"))
    if not on_duty.shifts:
        need = t("boards.spec.landscaping")
        # It waits in that pool already: said so, with the way to another pool.
        assert t.raw("dispatch.nobody_waiting", need=need) in str(choose.params["text"])
        assert not [b for b in buttons(choose) if b["callback_data"].startswith("me:")]

    # Another specialisation's pool (never the one it is in, never "universal").
    pools = await chat.tap(DispatchGo(to=DispatchStep.POOLS).pack(), stem(t, "dispatch.pools"))
    offered = [b["callback_data"] for b in buttons(pools)]
    assert PickPool(pool=Pool.LANDSCAPING).pack() not in offered
    assert len([d for d in offered if d.startswith("mp:")]) == len(Pool) - 1
    queries = len(api.answers)
    chat.user.press(PickPool(pool=Pool.LANDSCAPING).pack(), message=chat.last_message())
    await chat.toast(t("error.stale_button"), query_count=queries)
    queries = len(api.answers)
    chat.user.press("mp:universal", message=chat.last_message())
    await chat.toast(t("error.stale_button"), query_count=queries)
    await chat.tap(PickPool(pool=Pool.REPAIR).pack(), stem(t, "dispatch.summary.pool"))
    await chat.tap(DispatchGo(to=DispatchStep.POOLS).pack(), stem(t, "dispatch.pools"))
    await chat.tap(PickPool(pool=Pool.REPAIR).pack(), stem(t, "dispatch.summary.pool"))
    since = chat.mark()
    chat.user.press(StepDo(action=StepAction.CONFIRM).pack())
    await chat.expect(
        t("dispatch.done.pool", number=shown, pool=t("boards.spec.repair")), since=since
    )
    card = await chat.expect(t("boards.card.pool", pool=t("boards.spec.repair")), since=since)
    request = await office.request(number)
    assert request.status == request_pb2.REQUEST_STATUS_NEW
    assert request.assignment.mode == request_pb2.ASSIGNMENT_MODE_GROUP
    assert request.assignment.specialization == specialization_pb2.SPECIALIZATION_REPAIR

    # Two managers at once: ours chooses the category's pool again while the other manager
    # (over gRPC) sends the request to the cleaners. Ours is refused, nothing doubles.
    stale_card = card
    choose = await chat.tap(data_starting(card, "mv:as:"), stem(t, "dispatch.heading"))
    back_to_category = PickPool(pool=Pool.LANDSCAPING).pack()
    assert back_to_category in [b["callback_data"] for b in buttons(choose)]
    await chat.tap(back_to_category, stem(t, "dispatch.summary.pool"))
    await office.requests.AssignRequest(
        pb.AssignRequestRequest(
            request_number=number, specialization=specialization_pb2.SPECIALIZATION_CLEANING
        ),
        metadata=office.md,
    )
    since = chat.mark()
    chat.user.press(StepDo(action=StepAction.CONFIRM).pack())
    await chat.expect(t("boards.stale"), since=since)
    await chat.expect(t("boards.card.pool", pool=t("boards.spec.cleaning")), since=since)
    request = await office.request(number)
    assert request.assignment.specialization == specialization_pb2.SPECIALIZATION_CLEANING
    mine = [e for e in await history(office, number) if e.actor_id == manager_id]
    assert [e.action for e in mine] == [workflow_pb2.TRANSITION_ACTION_ASSIGN_GROUP]

    # A card older than the request: the fresh card, and nothing starts.
    since = chat.mark()
    # (its message became the assignment screen; the button's data is what an old card sends)
    chat.user.press(data_starting(stale_card, "mv:as:"), message=chat.last_message())
    await chat.expect(t("boards.changed"), since=since)
    # An action the status does not allow (confirming a new request): refused.
    version = (await office.request(number)).version
    queries = len(api.answers)
    chat.user.press(
        CardDo(verb=Verb.CONFIRM, number=number, version=version).pack(),
        message=chat.last_message(),
    )
    await chat.toast(t("boards.not_now"), query_count=queries)
    # A page of a board nobody showed this manager.
    queries = len(api.answers)
    chat.user.press(BoardPage(board=Board.NEW, page=7).pack(), message=chat.last_message())
    await chat.toast(t("error.stale_button"), query_count=queries)
    # A request that does not exist.
    queries = len(api.answers)
    chat.user.press(OpenCard(number="991231-999").pack(), message=chat.last_message())
    await chat.toast(t("boards.not_available"), query_count=queries)
    # A resident forging a manager's button: the polite "out of date", and no step.
    queries = len(api.answers)
    home.user.press(
        CardDo(verb=Verb.CANCEL, number=number, version=version).pack(),
        message=home.last_message(),
    )
    await home.toast(home.t("error.stale_button"), query_count=queries)
    assert (await office.request(number)).version == version
