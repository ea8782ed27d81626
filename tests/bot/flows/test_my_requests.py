"""A resident's "my requests" through the real bot and mesh: filters and paging over
ListRequests, a card with address, executor, deadline and the latest steps, answering a
clarification and cancelling a NEW request from the card (a reason required, wrong input
explained), a stale cancel and someone else's card refused; returning confirmed work with
photos; a neighbour of the same flat sees the request awaiting acceptance and accepts it
(and may not return it). Effects are read back over gRPC as the manager."""

from __future__ import annotations

from typing import Any

import pytest
from ukm.common.v1 import media_pb2
from ukm.requests.v1 import request_pb2
from ukm.requests.v1 import requests_service_pb2 as pb

from bot.callbacks import (
    ListKind,
    MenuItem,
    MenuKey,
    MineAct,
    MineCard,
    MineDo,
    MineList,
    MineView,
    Nav,
    NavTo,
    PageTo,
    Stars,
    StepAction,
    StepDo,
)
from services.kit.callbacks import InlineAction, encode
from tests.bot.harness import BotUnderTest, Chat, new_chat, stem
from tests.bot.journeys import resident
from tests.bot.office import Office, Place
from tests.support.people import make_person
from tests.support.stack import Stack
from tests.support.telegram_api import BotApiCall, LocalBotApi


@pytest.fixture(scope="module")
async def fitter(stack: Stack) -> str:
    """A plumber a manager can assign (no shift needed: the manager completes the work)."""
    user_id, _, _ = await make_person(stack, "executor", specializations=("plumber",))
    return user_id


async def file_for(office: Office, place: Place, user_id: str, flat: str, text: str) -> str:
    """A request filed by the call centre on the resident's behalf; its number."""
    answer = await office.requests.CreateRequest(
        pb.CreateRequestRequest(
            category=request_pb2.CATEGORY_PLUMBING,
            description=text,
            urgency=request_pb2.URGENCY_MEDIUM,
            address=pb.AddressInput(
                level=request_pb2.ADDRESS_LEVEL_APARTMENT,
                yard_id=place.yard.id,
                building_id=place.building.id,
                apartment_id=place.flats[flat].id,
            ),
            applicant_id=user_id,
            source=request_pb2.SOURCE_CALL_CENTER,
        ),
        metadata=office.md,
    )
    number: str = answer.request.request_number
    return number


async def confirmed(office: Office, fitter: str, number: str) -> None:
    """Assigned, completed and confirmed by the manager: waiting for the resident."""
    md = office.md
    await office.requests.AssignRequest(
        pb.AssignRequestRequest(request_number=number, executor_id=fitter), metadata=md
    )
    await office.requests.CompleteRequest(
        pb.CompleteRequestRequest(request_number=number, report="Заменили прокладку"), metadata=md
    )
    await office.requests.ConfirmRequest(
        pb.ConfirmRequestRequest(request_number=number), metadata=md
    )


def buttons(call: BotApiCall) -> list[dict[str, Any]]:
    """The inline buttons of a message or an edit."""
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b for row in rows for b in row]


def cards(call: BotApiCall) -> list[str]:
    """The request numbers of a list's card buttons, in order."""
    return [
        MineCard.unpack(b["callback_data"]).number
        for b in buttons(call)
        if b["callback_data"].startswith("rc:")
    ]


async def test_lists_paging_a_card_answering_and_cancelling(
    bot: BotUnderTest, api: LocalBotApi, place: Place, office: Office
) -> None:
    chat = new_chat(api)
    t = chat.t
    user_id = await resident(chat, place, office, flat="3")
    numbers = [
        await file_for(office, place, user_id, "3", f"Протекает кран номер {n} на кухне")
        for n in range(6)
    ]
    await office.requests.ClarifyRequest(
        pb.ClarifyRequestRequest(request_number=numbers[0], question="Какой подъезд?"),
        metadata=office.md,
    )

    # Newest first, five a page; the filters above.
    first = await chat.tap(
        MenuItem(item=MenuKey.MY_REQUESTS).pack(), stem(t, "my_requests.title.active")
    )
    assert cards(first) == numbers[:0:-1]
    datas = [b["callback_data"] for b in buttons(first)]
    assert MineList(view=MineView.CLOSED).pack() in datas
    assert PageTo(list=ListKind.MINE, page=1).pack() in datas
    second = await chat.tap(
        PageTo(list=ListKind.MINE, page=1).pack(), stem(t, "my_requests.title.active")
    )
    assert cards(second) == [numbers[0]]
    # A page nobody was shown: refused.
    queries = len(api.answers)
    chat.user.press(PageTo(list=ListKind.MINE, page=7).pack(), message=chat.last_message())
    await chat.toast(t("error.stale_button"), query_count=queries)

    # The card of the request with a question: answer it from there.
    card = await chat.tap(MineCard(number=numbers[0]).pack(), f"№{numbers[0]}")
    text = str(card.params["text"])
    for fragment in (
        t("status.clarification"),
        t("category.plumbing"),
        "Bunyodkor 7",
        t("my_requests.executor.no"),
        t("my_requests.step_reason", reason="Какой подъезд?"),
        t("status.new"),
    ):
        assert fragment in text, fragment
    datas = [b["callback_data"] for b in buttons(card)]
    assert encode(InlineAction.ANSWER, numbers[0]) in datas
    assert not any(d.startswith("rd:") for d in datas)  # not NEW: no cancelling
    await chat.tap(
        encode(InlineAction.ANSWER, numbers[0]), t("answer.ask", number=f"№{numbers[0]}")
    )
    await chat.say("Второй подъезд", t("answer.done", number=f"№{numbers[0]}"))
    comments = await office.requests.ListComments(
        pb.ListCommentsRequest(request_number=numbers[0]), metadata=office.md
    )
    assert any(c.text == "Второй подъезд" for c in comments.comments)

    # Cancel the newest while it is NEW: a reason is required.
    await chat.say("/menu", stem(t, "menu.title"))
    await chat.tap(MenuItem(item=MenuKey.MY_REQUESTS).pack(), stem(t, "my_requests.title.active"))
    newest = numbers[5]
    card = await chat.tap(MineCard(number=newest).pack(), f"№{newest}")
    stale_card = chat.last_message()
    cancel = MineDo(act=MineAct.CANCEL, number=newest).pack()
    assert cancel in [b["callback_data"] for b in buttons(card)]
    await chat.tap(cancel, t("my_requests.cancel.ask", number=f"№{newest}"))
    # Back returns to the card; the reason step again.
    await chat.tap(Nav(to=NavTo.BACK).pack(), f"№{newest}")
    await chat.tap(cancel, t("my_requests.cancel.ask", number=f"№{newest}"))
    await chat.say("no", t("input.reason.too_short"))
    since = chat.mark()
    chat.user.photo()
    await chat.expect_key("my_requests.cancel.text_please", since=since)
    await chat.say("Сосед помог, уже не течёт", t("my_requests.cancel.done", number=f"№{newest}"))
    request = await office.request(newest)
    assert request.status == request_pb2.REQUEST_STATUS_CANCELLED
    assert request.cancellation.reason == "Сосед помог, уже не течёт"
    # The old card's button: the request is no longer NEW.
    queries = len(api.answers)
    chat.user.press(cancel, message=stale_card)
    await chat.toast(t("action.not_now"), query_count=queries)
    assert (await office.request(newest)).version == request.version

    await chat.tap(MenuItem(item=MenuKey.MY_REQUESTS).pack(), stem(t, "my_requests.title.active"))
    closed = await chat.tap(
        MineList(view=MineView.CLOSED).pack(), stem(t, "my_requests.title.closed")
    )
    assert cards(closed) == [newest]

    # Someone else's request, by a forged card button: not available, nothing shown.
    stranger = new_chat(api)
    await resident(stranger, place, office, flat="4")
    queries = len(api.answers)
    stranger.user.press(MineCard(number=numbers[1]).pack(), message=stranger.last_message())
    await stranger.toast(stranger.t("action.not_available"), query_count=queries)
    queries = len(api.answers)
    stranger.user.press(cancel, message=stranger.last_message())
    await stranger.toast(stranger.t("action.not_available"), query_count=queries)


async def open_waiting(chat: Chat) -> BotApiCall:
    """The "awaiting my acceptance" list."""
    await chat.tap(
        MenuItem(item=MenuKey.MY_REQUESTS).pack(), stem(chat.t, "my_requests.title.active")
    )
    return await chat.tap(
        MineList(view=MineView.WAITING).pack(), stem(chat.t, "my_requests.title.waiting")
    )


async def test_return_with_photos_and_a_neighbour_accepts(
    bot: BotUnderTest, api: LocalBotApi, place: Place, office: Office, fitter: str
) -> None:
    owner = new_chat(api)
    neighbour = new_chat(api, language="en", first_name="Jasur")
    owner_id = await resident(owner, place, office, flat="5")
    await resident(neighbour, place, office, flat="5")
    sent_back = await file_for(office, place, owner_id, "5", "Батарея в спальне холодная")
    for_neighbour = await file_for(office, place, owner_id, "5", "Не закрывается окно в подъезде")
    for number in (sent_back, for_neighbour):
        await confirmed(office, fitter, number)

    # The owner returns the first with two photos, from its card.
    t = owner.t
    waiting = await open_waiting(owner)
    assert set(cards(waiting)) == {sent_back, for_neighbour}
    card = await owner.tap(MineCard(number=sent_back).pack(), f"№{sent_back}")
    datas = [b["callback_data"] for b in buttons(card)]
    assert encode(InlineAction.ACCEPT, sent_back) in datas
    assert encode(InlineAction.RETURN, sent_back) in datas
    await owner.tap(
        encode(InlineAction.RETURN, sent_back), t("return.reason.ask", number=f"№{sent_back}")
    )
    await owner.say("Всё ещё холодная", stem(t, "new_request.media.ask"))
    since = owner.mark()
    owner.user.sticker()
    await owner.expect(t("new_request.media.expected", limit=5), since=since)
    for n in (1, 2):
        since = owner.mark()
        owner.user.photo(media_group_id="cold")
        await owner.expect(t("new_request.media.added", count=n, limit=5), since=since)
    await owner.tap(StepDo(action=StepAction.DONE).pack(), t("return.done", number=f"№{sent_back}"))
    returned = await office.request(sent_back)
    assert returned.status == request_pb2.REQUEST_STATUS_RETURNED
    assert returned.return_info.reason == "Всё ещё холодная"
    assert [m.kind for m in returned.return_info.media] == [media_pb2.MEDIA_KIND_PHOTO] * 2
    assert all(m.telegram_file_id.startswith("photo-") for m in returned.return_info.media)

    # The neighbour sees the other one waiting (marked as the flat's), may accept, not return.
    en = neighbour.t
    waiting = await open_waiting(neighbour)
    assert cards(waiting) == [for_neighbour]
    labels = [b["text"] for b in buttons(waiting) if b["callback_data"].startswith("rc:")]
    assert labels[0].startswith("🏠")
    card = await neighbour.tap(MineCard(number=for_neighbour).pack(), f"№{for_neighbour}")
    assert en("my_requests.neighbours") in str(card.params["text"])
    datas = [b["callback_data"] for b in buttons(card)]
    assert encode(InlineAction.ACCEPT, for_neighbour) in datas
    assert encode(InlineAction.RETURN, for_neighbour) not in datas
    queries = len(api.answers)
    neighbour.user.press(
        encode(InlineAction.RETURN, for_neighbour), message=neighbour.last_message()
    )
    await neighbour.toast(en("action.not_now"), query_count=queries)
    await neighbour.tap(
        encode(InlineAction.ACCEPT, for_neighbour),
        en("accept.stars.ask", number=f"№{for_neighbour}"),
    )
    await neighbour.tap(Stars(stars=4).pack(), en("accept.review.ask"))
    await neighbour.tap(
        StepDo(action=StepAction.SKIP).pack(), en("accept.done", number=f"№{for_neighbour}")
    )
    accepted = await office.request(for_neighbour)
    assert accepted.status == request_pb2.REQUEST_STATUS_ACCEPTED
    assert accepted.rating.stars == 4
    history = await office.requests.ListHistory(
        pb.ListHistoryRequest(request_number=for_neighbour), metadata=office.md
    )
    assert history.entries[-1].actor_id != owner_id
    assert history.entries[-1].to_status == request_pb2.REQUEST_STATUS_ACCEPTED
