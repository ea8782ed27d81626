"""The manager's pending-users panel through the real bot and the real mesh: search by name and
by phone (a wrong number explained), a resident's card with the apartment they asked for,
approval (and the binding left for the bindings panel), blocking with a reason typed wrong
first, back at every step, and buttons that are forged or out of date refused."""

from __future__ import annotations

import uuid
from uuid import UUID

import pytest
from ukm.users.v1 import directory_pb2, user_pb2

from bot.callbacks import MenuItem, MenuKey, Nav, NavTo, Panel, PanelAct, PanelKind
from tests.bot.flows.desk import buttons_of, connected, manager_chat, pending_resident
from tests.bot.harness import BotUnderTest, Chat, stem
from tests.bot.office import Office, Place
from tests.bot.tcp_proxy import TcpProxy
from tests.support.people import SignedIn, sign_in
from tests.support.stack import Stack
from tests.support.telegram_api import LocalBotApi


@pytest.fixture(scope="module")
async def admin(stack: Stack) -> SignedIn:
    """An admin (who makes Telegram users managers)."""
    return await sign_in(stack, "admin")


def _open(user_id: str) -> str:
    return Panel(kind=PanelKind.USER, act=PanelAct.OPEN, id=UUID(user_id)).pack()


def _act(act: PanelAct, user_id: str) -> str:
    return Panel(kind=PanelKind.USER, act=act, id=UUID(user_id)).pack()


async def _to_card(chat: Chat, name: str, user_id: str) -> None:
    await chat.tap(MenuItem(item=MenuKey.PENDING_USERS).pack(), stem(chat.t, "people.list.title"))
    await chat.search(name, name)
    await chat.tap(_open(user_id), name)


async def test_search_then_approve_a_resident(
    bot: BotUnderTest, api: LocalBotApi, stack: Stack, place: Place, office: Office, admin: SignedIn
) -> None:
    resident, name, phone = await pending_resident(api, place, flat="3")
    user = await office.user_of(resident.id)
    chat = await manager_chat(api, stack, office, admin)
    t = chat.t

    await chat.tap(MenuItem(item=MenuKey.PENDING_USERS).pack(), stem(t, "people.list.title"))
    # A number that is not Uzbek is explained; the list stays.
    await chat.say("+7 916 123 45 67", t("phone.problem.not_uzbek"))
    # By phone, as people write numbers (the service matches them exactly).
    spaced = f"+998 {phone[4:6]} {phone[6:9]} {phone[9:11]} {phone[11:]}"
    found = await chat.search(spaced, name)
    assert _open(user.id) in buttons_of(found.params)
    await chat.say(f"nobody-{uuid.uuid4().hex[:8]}", stem(t, "people.list.found"))
    assert stem(t, "people.list.none").strip() in str(chat.last_message().get("text"))
    await chat.search(name[:10], name)

    # A person who was not on the list (forged, or from another page) is refused.
    queries = len(api.answers)
    chat.user.press(_open(str(uuid.uuid4())), message=chat.last_message())
    await chat.toast(t("error.stale_button"), query_count=queries)

    card = await chat.tap(_open(user.id), name)
    text = str(card.params["text"])
    assert phone in text
    assert t("people.card.via_signup") in text
    assert "Bunyodkor 7" in text and t("role.applicant") in text
    assert _act(PanelAct.ASK_DOCUMENTS, user.id) in buttons_of(card.params)
    # Back to the list and into the card again: nothing lost.
    await chat.tap(Nav(to=NavTo.BACK).pack(), stem(t, "people.list.found"))
    await chat.tap(_open(user.id), name)
    card_message = chat.last_message()

    # A decision button naming someone else than the open card: refused, nothing decided.
    queries = len(api.answers)
    chat.user.press(_act(PanelAct.APPROVE, str(uuid.uuid4())), message=card_message)
    await chat.toast(t("error.stale_button"), query_count=queries)

    since = chat.mark()
    chat.user.press(_act(PanelAct.APPROVE, user.id))
    await chat.expect(t("people.approved", name=name), since=since)
    await chat.expect(t("people.approved_bindings", count=1), since=since)
    await chat.expect_key("people.list.title", since=since)
    approved = await office.user_of(resident.id)
    assert approved.status == user_pb2.ACCOUNT_STATUS_APPROVED
    # The binding waits for its own decision.
    bindings = await office.bindings(user.id)
    assert [b.status for b in bindings] == [directory_pb2.BINDING_STATUS_PENDING]

    # The old card's button pressed again: out of date, not a second approval.
    queries = len(api.answers)
    chat.user.press(_act(PanelAct.APPROVE, user.id), message=card_message)
    await chat.toast(t("error.stale_button"), query_count=queries)
    # Back from the list: the menu.
    await chat.tap(Nav(to=NavTo.BACK).pack(), t("menu.title", role=t("role.manager")))


async def test_block_with_a_reason(
    bot: BotUnderTest, api: LocalBotApi, stack: Stack, place: Place, office: Office, admin: SignedIn
) -> None:
    resident, name, _ = await pending_resident(api, place, flat="4", first_name="Sardor")
    user = await office.user_of(resident.id)
    chat = await manager_chat(api, stack, office, admin)
    t = chat.t
    await _to_card(chat, name, user.id)

    await chat.tap(_act(PanelAct.REJECT, user.id), t("people.block.ask", name=name))
    # Back returns to the card; the block button asks again.
    await chat.tap(Nav(to=NavTo.BACK).pack(), name)
    await chat.tap(_act(PanelAct.REJECT, user.id), t("people.block.ask", name=name))
    await chat.say("no", t("panels.input.reason_short", length=2))
    await chat.say("x" * 501, t("panels.input.reason_long", length=501))
    since = chat.mark()
    chat.user.sticker()
    await chat.expect_key("panels.input.reason_text", since=since)
    since = chat.mark()
    chat.user.text("Фейковый аккаунт: в доме не проживает")
    await chat.expect(t("people.blocked", name=name), since=since)
    await chat.expect_key("people.list.title", since=since)

    blocked = await office.user_of(resident.id)
    assert blocked.status == user_pb2.ACCOUNT_STATUS_BLOCKED
    assert blocked.status_reason == "Фейковый аккаунт: в доме не проживает"
    # The blocked person hears the polite refusal and nothing else.
    await resident.say("/start", resident.t("blocked"))


async def test_a_decision_taken_meanwhile_is_not_taken_again(
    bot: BotUnderTest, api: LocalBotApi, stack: Stack, place: Place, office: Office, admin: SignedIn
) -> None:
    resident, name, _ = await pending_resident(api, place, flat="5", first_name="Javlon")
    user = await office.user_of(resident.id)
    chat = await manager_chat(api, stack, office, admin)
    t = chat.t
    await _to_card(chat, name, user.id)
    # Another manager approves first (over gRPC).
    await office.approve(resident.id)
    since = chat.mark()
    chat.user.press(_act(PanelAct.APPROVE, user.id))
    await chat.expect(
        t("people.already", name=name, status=t("panels.account.approved")), since=since
    )
    # Nothing was decided twice: still approved, nobody blocked it.
    assert (await office.user_of(resident.id)).status == user_pb2.ACCOUNT_STATUS_APPROVED


async def test_blocking_survives_a_restart_and_an_outage(
    bot: BotUnderTest,
    api: LocalBotApi,
    stack: Stack,
    place: Place,
    office: Office,
    admin: SignedIn,
    mesh_road: TcpProxy,
) -> None:
    resident, name, _ = await pending_resident(api, place, flat="6", first_name="Shahlo")
    user = await office.user_of(resident.id)
    chat = await manager_chat(api, stack, office, admin)
    t = chat.t
    await _to_card(chat, name, user.id)
    await chat.tap(_act(PanelAct.REJECT, user.id), t("people.block.ask", name=name))

    # A new bot process over the same Redis: the step is still the reason.
    await bot.restart()
    await chat.say("no", t("panels.input.reason_short", length=2))

    # The services are out of reach when the reason comes: "busy", the reason kept.
    await mesh_road.cut()
    busy = await chat.say("Спам и чужие объявления", t("error.busy"))
    assert Nav(to=NavTo.RETRY).pack() in buttons_of(busy.params)
    assert (await office.user_of(resident.id)).status == user_pb2.ACCOUNT_STATUS_PENDING
    await mesh_road.restore()
    await connected(bot)
    await chat.tap(Nav(to=NavTo.RETRY).pack(), t("people.blocked", name=name))
    blocked = await office.user_of(resident.id)
    assert blocked.status == user_pb2.ACCOUNT_STATUS_BLOCKED
    assert blocked.status_reason == "Спам и чужие объявления"
