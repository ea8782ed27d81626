"""The whole life of a request, end to end, through the real bot over long polling and the real
mesh, with three people in three languages: a resident (Uzbek), a plumber (Russian) and a
manager (English, invited by an admin and approved, as managers join).

The resident onboards (phone, yard → building → apartment); the manager approves them on the
pending-people panel and their apartment on the bindings panel; the plumber takes a shift; the
resident files a leak with two photos and sees its number and deadline (the plumbers on duty
are offered it); the manager assigns it from the board of new requests to the plumber on
duty; the plumber completes it with a report and a photo; the manager confirms it from the
board of work to check; the resident accepts it with five stars through the "accept" button of
the notification that asked them to.

Each party's chat holds the bot's replies and the notifications service's messages (the same
local Bot API, the same token: tests/bot/conftest.py). Every reply is awaited in the person's
language, every notification is checked against the service's own template in that language
(the headline, once each) with its buttons, and at the end the request's state and history are
read over gRPC: each step by the right person.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import grpc
import pytest
from ukm.common.v1 import media_pb2, specialization_pb2
from ukm.requests.v1 import request_pb2, workflow_pb2
from ukm.requests.v1 import requests_service_pb2 as pb
from ukm.users.v1 import directory_pb2, user_pb2

from bot.callbacks import (
    CategoryKey,
    ExecList,
    ExecOpen,
    ListKind,
    MenuItem,
    MenuKey,
    OpenCard,
    Panel,
    PanelAct,
    PanelKind,
    PickAddress,
    PickCategory,
    PickExecutor,
    PickUrgency,
    Stars,
    StepAction,
    StepDo,
    UrgencyKey,
    WorkDo,
    WorkVerb,
)
from bot.logic.moments import local_time
from services.kit.callbacks import InlineAction, encode
from services.notifications.templates import default_catalogue, render
from tests.bot.executors import go_on_duty, menu
from tests.bot.flows.desk import (  # roomy_bot: the `bot` fixture of this module
    page_to,
    roomy_bot,  # noqa: F401
    unique_name,
    unique_phone,
)
from tests.bot.harness import BotUnderTest, Chat, new_chat, stem
from tests.bot.journeys import onboard
from tests.bot.managers import buttons, data_starting, manager
from tests.bot.office import Office, Place
from tests.support.people import sign_in
from tests.support.stack import Stack
from tests.support.telegram_api import BotApiCall, LocalBotApi

A = workflow_pb2
LEAK = "Oshxonada rakovina ostidagi quvur oqyapti, suv qo'shnilarga tomchilayapti"
REPORT = "Сифон заменил, соединения подтянул, течи нет"
REVIEW = "Rahmat, tez va toza ishlashdi!"


@pytest.fixture(scope="module")
async def admin(stack: Stack) -> AsyncIterator[Office]:
    """An admin (only admins invite managers)."""
    who = await sign_in(stack, "admin")
    async with grpc.aio.insecure_channel(stack.edge_address) as channel:
        yield Office(channel, who)


def headline(key: str, language: str, **data: str) -> str:
    """The first line of notification `key` as the service renders it for a reader of
    `language` (its Telegram HTML)."""
    rendered = render(default_catalogue(), key, language, data)
    assert not rendered.fell_back, rendered.warnings
    return rendered.html.split("\n", 1)[0]


def label(language: str, action: str) -> str:
    """What the service writes on a notification's button for `action`."""
    return str(default_catalogue().labels[language]["actions"][action])


async def notified(chat: Chat, key: str, **data: str) -> BotApiCall:
    """Wait for notification `key` in the chat, in the chat's language."""
    return await chat.expect_notice(headline(key, chat.t.language, **data))


def offered(call: BotApiCall) -> list[tuple[str, str]]:
    """(label, callback data) of a message's buttons."""
    return [(str(b["text"]), str(b["callback_data"])) for b in buttons(call)]


def heard(chat: Chat, key: str, **data: str) -> int:
    """How many times notification `key` reached the chat."""
    line = headline(key, chat.t.language, **data)
    return sum(line in str(c.params.get("text") or c.params.get("caption")) for c in chat.notices())


def panel(kind: PanelKind, act: PanelAct, id_: str) -> str:
    """A people-panel button."""
    return Panel(kind=kind, act=act, id=UUID(id_)).pack()


async def approve_from_panels(chat: Chat, office: Office, resident: Chat, name: str) -> None:
    """The manager approves the newcomer on the pending-people panel, then their apartment on
    the bindings panel."""
    t = chat.t
    person = await office.user_of(resident.id)
    await chat.tap(MenuItem(item=MenuKey.PENDING_USERS).pack(), stem(t, "people.list.title"))
    await chat.search(name, name)
    card = await chat.tap(panel(PanelKind.USER, PanelAct.OPEN, person.id), name)
    assert "Bunyodkor 7" in str(card.params["text"])
    since = chat.mark()
    chat.user.press(panel(PanelKind.USER, PanelAct.APPROVE, person.id))
    await chat.expect(t("people.approved", name=name), since=since)
    await chat.expect(t("people.approved_bindings", count=1), since=since)

    [binding] = await office.bindings(person.id)
    heading = stem(t, "bindings.list.title")
    await chat.say("/menu", t("menu.title", role=t("role.manager")))
    await chat.tap(MenuItem(item=MenuKey.BINDINGS).pack(), heading)
    opening = panel(PanelKind.BINDING, PanelAct.OPEN, binding.id)
    await page_to(chat, ListKind.PENDING_BINDINGS, opening, heading)
    await chat.tap(opening, name)
    await chat.tap(
        panel(PanelKind.BINDING, PanelAct.APPROVE, binding.id), stem(t, "bindings.approved")
    )
    await chat.say("/menu", t("menu.title", role=t("role.manager")))


async def plumber_joins(api: LocalBotApi, office: Office) -> tuple[Chat, str]:
    """A plumber invited into the bot (name and phone given), approved, on shift from the
    menu; the chat and their user id."""
    chat = new_chat(api, language="ru", first_name="Abdulla")
    t = chat.t
    token = await office.invite(
        user_pb2.ROLE_EXECUTOR, (specialization_pb2.SPECIALIZATION_PLUMBER,)
    )
    await chat.say(f"/start join_{token}", stem(t, "onboarding.name.ask"))
    await chat.say("Abdulla Karimov", stem(t, "onboarding.phone.ask"))
    await chat.say(unique_phone()[0], t("onboarding.waiting.staff"))
    user = await office.approve(chat.id)
    await chat.say("/menu", stem(t, "menu.title"))
    await go_on_duty(chat)
    return chat, user.id


async def file_with_two_photos(chat: Chat) -> BotApiCall:
    """The resident files the leak with two photos (an album); the bot's "filed" message."""
    t = chat.t
    await chat.tap(MenuItem(item=MenuKey.NEW_REQUEST).pack(), stem(t, "new_request.category.ask"))
    await chat.tap(PickCategory(category=CategoryKey.PLUMBING).pack(), t("new_request.address.ask"))
    await chat.tap(PickAddress(index=0).pack(), t("new_request.description.ask"))
    await chat.say(LEAK, t("new_request.urgency.ask"))
    await chat.tap(PickUrgency(urgency=UrgencyKey.HIGH).pack(), stem(t, "new_request.media.ask"))
    for n in (1, 2):
        since = chat.mark()
        chat.user.photo(media_group_id="leak-album")
        await chat.expect(t("new_request.media.added", count=n, limit=5), since=since)
    summary = await chat.tap(StepDo(action=StepAction.DONE).pack(), stem(t, "new_request.summary"))
    assert LEAK in str(summary.params["text"])
    return await chat.tap(StepDo(action=StepAction.CONFIRM).pack(), stem(t, "new_request.filed"))


async def assign_from_the_new_board(chat: Chat, number: str, plumber_id: str) -> None:
    """The manager opens the new request from its board and gives it to the plumber on duty."""
    t = chat.t
    shown = f"№{number}"
    await chat.tap(MenuItem(item=MenuKey.BOARD_NEW).pack(), shown)
    card = await chat.tap(
        OpenCard(number=number).pack(),
        t.raw("boards.card.title", number=shown, status=t("status.new")),
    )
    choose = await chat.tap(data_starting(card, "mv:as:"), stem(t, "dispatch.heading"))
    pick = PickExecutor(id=UUID(plumber_id)).pack()
    assert pick in [data for _, data in offered(choose)]
    await chat.tap(pick, stem(t, "dispatch.summary.executor"))
    since = chat.mark()
    chat.user.press(StepDo(action=StepAction.CONFIRM).pack())
    await chat.expect_key("dispatch.done.executor", since=since)
    await chat.expect(
        t.raw("boards.card.title", number=shown, status=t("status.in_progress")), since=since
    )


async def complete_with_a_photo(chat: Chat, request: request_pb2.Request) -> None:
    """The plumber opens the request from "my work" and completes it: a report and a photo."""
    t = chat.t
    number = request.request_number
    listing = await menu(chat, MenuKey.MY_WORK, stem(t, "work.list.title"))
    assert f"№{number}" in str(listing.params["text"])
    await chat.tap(ExecOpen(list=ExecList.WORK, number=number).pack(), f"№{number}")
    complete = WorkDo(verb=WorkVerb.COMPLETE, number=number, version=request.version).pack()
    await chat.tap(complete, stem(t, "work.complete.report.ask"))
    await chat.say(REPORT, stem(t, "work.complete.media.ask"))
    since = chat.mark()
    chat.user.photo()
    await chat.expect(t("work.complete.media.added", count=1, limit=5), since=since)
    summary = await chat.tap(
        StepDo(action=StepAction.DONE).pack(), stem(t, "work.complete.summary")
    )
    assert REPORT in str(summary.params["text"])
    await chat.tap(
        StepDo(action=StepAction.CONFIRM).pack(), t("work.complete.done", number=f"№{number}")
    )


async def confirm_from_the_check_board(chat: Chat, number: str) -> None:
    """The manager checks the finished work from its board and confirms it (no notes)."""
    t = chat.t
    shown = f"№{number}"
    await chat.say("/menu", t("menu.title", role=t("role.manager")))
    await chat.tap(MenuItem(item=MenuKey.BOARD_CHECK).pack(), shown)
    card = await chat.tap(
        OpenCard(number=number).pack(),
        t.raw("boards.card.title", number=shown, status=t("status.completed")),
    )
    assert t("boards.card.report", text=REPORT) in str(card.params["text"])
    await chat.tap(data_starting(card, "mv:cf:"), stem(t, "review.confirm.ask"))
    await chat.tap(StepDo(action=StepAction.SKIP).pack(), stem(t, "review.confirm.summary"))
    await chat.tap(StepDo(action=StepAction.CONFIRM).pack(), t("review.confirm.done", number=shown))


async def history(office: Office, number: str) -> list[workflow_pb2.HistoryEntry]:
    """The request's history as a manager reads it."""
    answer = await office.requests.ListHistory(
        pb.ListHistoryRequest(request_number=number), metadata=office.md
    )
    return list(answer.entries)


def steps_of(entries: list[workflow_pb2.HistoryEntry]) -> list[tuple[Any, ...]]:
    """(change, action, actor, from, to) of each step."""
    return [(e.change, e.action, e.actor_id, e.from_status, e.to_status) for e in entries]


async def test_a_request_from_onboarding_to_five_stars(
    bot: BotUnderTest, api: LocalBotApi, place: Place, office: Office, admin: Office
) -> None:
    # The manager (English) joins as managers do: an admin's invite, approved by the admin.
    desk = new_chat(api, language="en", first_name="Malika")
    manager_id = await manager(desk, admin)

    # The resident (Uzbek) onboards: phone, yard → building → apartment; then waits.
    name = unique_name("Dilnoza")
    home = new_chat(api, language="uz", first_name=name)
    typed_phone, _ = unique_phone()
    await onboard(home, place, flat="7", phone=typed_phone)
    await approve_from_panels(desk, office, home, name)
    resident = await office.user_of(home.id)
    assert resident.status == user_pb2.ACCOUNT_STATUS_APPROVED
    assert [b.status for b in await office.bindings(resident.id)] == [
        directory_pb2.BINDING_STATUS_APPROVED
    ]
    await notified(home, "user.approved.subject")
    await notified(home, "user.binding_approved.subject")
    await home.say("/menu", stem(home.t, "menu.title"))

    # The plumber (Russian) joins and takes a shift in the bot.
    plumber, plumber_id = await plumber_joins(api, office)

    # The resident files: the number and the deadline are shown.
    filed = await file_with_two_photos(home)
    [request] = await office.requests_of(resident.id)
    number = request.request_number
    assert f"№{number}" in str(filed.params["text"])
    assert local_time(request.sla.resolution_due_time.seconds) in str(filed.params["text"])
    assert [m.kind for m in request.media] == [media_pb2.MEDIA_KIND_PHOTO] * 2
    # Nobody is assigned yet: the plumbers on duty are offered it.
    pool = await notified(
        plumber, "request.pool_offered.pool", number=number, specialization="plumber"
    )
    assert (label("ru", "take"), encode(InlineAction.TAKE, number)) in offered(pool)

    # The manager assigns it from the board of new requests to the plumber on duty.
    await assign_from_the_new_board(desk, number, plumber_id)
    assigned = await notified(plumber, "request.assigned.executor", number=number)
    assert (label("ru", "open"), encode(InlineAction.OPEN, number)) in offered(assigned)
    await notified(home, "request.assigned.applicant", number=number)
    # The notification's button opens the request in the bot.
    await plumber.tap(encode(InlineAction.OPEN, number), f"№{number}")

    # The plumber completes it with a report and a photo.
    await complete_with_a_photo(plumber, await office.request(number))
    done = await office.request(number)
    assert done.status == request_pb2.REQUEST_STATUS_COMPLETED
    assert done.completion.report == REPORT
    assert [m.kind for m in done.completion.media] == [media_pb2.MEDIA_KIND_PHOTO]
    check = await notified(desk, "request.completed.managers", number=number)
    assert (label("en", "open"), encode(InlineAction.OPEN, number)) in offered(check)
    await notified(home, "request.completed.applicant", number=number)

    # The manager confirms it from the board of work to check.
    await confirm_from_the_check_board(desk, number)
    ready = await notified(home, "request.confirmed.applicant", number=number)
    assert offered(ready) == [
        (label("uz", "accept"), encode(InlineAction.ACCEPT, number)),
        (label("uz", "return"), encode(InlineAction.RETURN, number)),
    ]

    # The resident accepts with five stars through the notification's button.
    t = home.t
    await home.tap(encode(InlineAction.ACCEPT, number), t("accept.stars.ask", number=f"№{number}"))
    await home.tap(Stars(stars=5).pack(), t("accept.review.ask"))
    await home.say(REVIEW, t("accept.done", number=f"№{number}"))
    await notified(plumber, "request.rated.executor", number=number, rating="5")

    # The final state, over gRPC.
    final = await office.request(number)
    assert final.status == request_pb2.REQUEST_STATUS_ACCEPTED
    assert (final.rating.stars, final.rating.review) == (5, REVIEW)
    assert final.executor_id == plumber_id
    assert final.applicant_id == resident.id
    # Each step by the right person: filed by the resident, offered to the plumbers' pool by
    # the system, assigned and confirmed by the manager, completed by the plumber, accepted by
    # the resident.
    s = request_pb2
    assert steps_of(await history(office, number)) == [
        ("created", A.TRANSITION_ACTION_UNSPECIFIED, resident.id, 0, s.REQUEST_STATUS_NEW),
        (
            "transition",
            A.TRANSITION_ACTION_ASSIGN_GROUP,
            "",
            s.REQUEST_STATUS_NEW,
            s.REQUEST_STATUS_NEW,
        ),
        (
            "transition",
            A.TRANSITION_ACTION_MANAGER_ASSIGN,
            manager_id,
            s.REQUEST_STATUS_NEW,
            s.REQUEST_STATUS_IN_PROGRESS,
        ),
        (
            "transition",
            A.TRANSITION_ACTION_EXECUTOR_COMPLETE,
            plumber_id,
            s.REQUEST_STATUS_IN_PROGRESS,
            s.REQUEST_STATUS_COMPLETED,
        ),
        (
            "transition",
            A.TRANSITION_ACTION_MANAGER_CONFIRM,
            manager_id,
            s.REQUEST_STATUS_COMPLETED,
            s.REQUEST_STATUS_CONFIRMED,
        ),
        (
            "transition",
            A.TRANSITION_ACTION_APPLICANT_ACCEPT,
            resident.id,
            s.REQUEST_STATUS_CONFIRMED,
            s.REQUEST_STATUS_ACCEPTED,
        ),
    ]

    # Everyone heard each thing once, and nobody heard what was not theirs.
    for chat, key in (
        (plumber, "request.assigned.executor"),
        (plumber, "request.rated.executor"),
        (home, "request.assigned.applicant"),
        (home, "request.completed.applicant"),
        (home, "request.confirmed.applicant"),
        (desk, "request.completed.managers"),
    ):
        data = {"number": number, "rating": "5"}
        assert heard(chat, key, **data) == 1, (chat.t.language, key)
    assert heard(home, "request.rated.executor", number=number, rating="5") == 0
    assert heard(desk, "request.assigned.executor", number=number) == 0
