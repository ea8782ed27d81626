"""Apartment-binding moderation through the real bot and the real mesh: pending bindings with
their address labels and people, one approved, one rejected with a reason typed short first,
one decided by another manager meanwhile (said so, not decided twice), and out-of-date
buttons refused."""

from __future__ import annotations

import uuid
from uuid import UUID

import pytest
from ukm.users.v1 import directory_pb2
from ukm.users.v1 import directory_service_pb2 as dir_pb

from bot.callbacks import ListKind, MenuItem, MenuKey, Nav, NavTo, Panel, PanelAct, PanelKind
from tests.bot.flows.desk import (  # roomy_bot: the `bot` fixture of this module
    manager_chat,
    page_to,
    pending_resident,
    roomy_bot,  # noqa: F401
)
from tests.bot.harness import BotUnderTest, Chat, stem
from tests.bot.office import Office, Place
from tests.support.people import SignedIn, sign_in
from tests.support.stack import Stack
from tests.support.telegram_api import LocalBotApi


@pytest.fixture(scope="module")
async def admin(stack: Stack) -> SignedIn:
    """An admin (who makes Telegram users managers)."""
    return await sign_in(stack, "admin")


def _panel(act: PanelAct, binding_id: str) -> str:
    return Panel(kind=PanelKind.BINDING, act=act, id=UUID(binding_id)).pack()


async def _binding_of(office: Office, chat: Chat) -> directory_pb2.ApartmentBinding:
    user = await office.user_of(chat.id)
    (binding,) = await office.bindings(user.id)
    return binding


async def _to_card(chat: Chat, binding_id: str, expect: str) -> None:
    t = chat.t
    heading = stem(t, "bindings.list.title")
    await chat.say("/menu", t("menu.title", role=t("role.manager")))
    await chat.tap(MenuItem(item=MenuKey.BINDINGS).pack(), heading)
    await page_to(chat, ListKind.PENDING_BINDINGS, _panel(PanelAct.OPEN, binding_id), heading)
    await chat.tap(_panel(PanelAct.OPEN, binding_id), expect)


async def test_approve_one_reject_another(
    bot: BotUnderTest, api: LocalBotApi, stack: Stack, place: Place, office: Office, admin: SignedIn
) -> None:
    first, first_name, phone = await pending_resident(api, place, flat="9", first_name="Dilshod")
    second, second_name, _ = await pending_resident(api, place, flat="10", first_name="Kamola")
    one = await _binding_of(office, first)
    other = await _binding_of(office, second)
    chat = await manager_chat(api, stack, office, admin)
    t = chat.t

    await _to_card(chat, one.id, first_name)
    card = chat.last_message()
    text = str(card["text"])
    assert "Bunyodkor 7" in text and phone in text
    assert t("panels.account.pending") in text
    # Typing here: the buttons are the way.
    since = chat.mark()
    chat.user.text("ok?")
    await chat.expect(t("panels.input.use_buttons"), since=since)
    await chat.expect(first_name, since=since)  # the card again
    card = chat.last_message()
    # A button naming another binding than the open card: refused.
    queries = len(api.answers)
    chat.user.press(_panel(PanelAct.APPROVE, str(uuid.uuid4())), message=card)
    await chat.toast(t("error.stale_button"), query_count=queries)

    since = chat.mark()
    chat.user.press(_panel(PanelAct.APPROVE, one.id), message=card)
    await chat.expect(stem(t, "bindings.approved"), since=since)
    await chat.expect_key("bindings.list.title", since=since)
    assert (await _binding_of(office, first)).status == directory_pb2.BINDING_STATUS_APPROVED
    # The card's button again: out of date (the list is on screen), not a second decision.
    queries = len(api.answers)
    chat.user.press(_panel(PanelAct.APPROVE, one.id), message=card)
    await chat.toast(t("error.stale_button"), query_count=queries)

    await _to_card(chat, other.id, second_name)
    await chat.tap(_panel(PanelAct.REJECT, other.id), stem(t, "bindings.reject.ask"))
    await chat.tap(Nav(to=NavTo.BACK).pack(), second_name)
    await chat.tap(_panel(PanelAct.REJECT, other.id), stem(t, "bindings.reject.ask"))
    await chat.say("??", t("panels.input.reason_short", length=2))
    since = chat.mark()
    chat.user.sticker()
    await chat.expect(t("panels.input.reason_text"), since=since)
    since = chat.mark()
    chat.user.text("В этой квартире живут другие люди")
    await chat.expect(stem(t, "bindings.rejected"), since=since)
    rejected = await _binding_of(office, second)
    assert rejected.status == directory_pb2.BINDING_STATUS_REJECTED
    assert rejected.decision_reason == "В этой квартире живут другие люди"


async def test_decided_meanwhile_is_said_not_redone(
    bot: BotUnderTest, api: LocalBotApi, stack: Stack, place: Place, office: Office, admin: SignedIn
) -> None:
    resident, name, _ = await pending_resident(api, place, flat="11", first_name="Bekzod")
    binding = await _binding_of(office, resident)
    chat = await manager_chat(api, stack, office, admin, language="uz")
    t = chat.t
    await _to_card(chat, binding.id, name)
    # Another manager rejects it first.
    await office.directory.DecideApartmentBinding(
        dir_pb.DecideApartmentBindingRequest(
            binding_id=binding.id, approve=False, reason="Boshqa manzil"
        ),
        metadata=office.md,
    )
    since = chat.mark()
    chat.user.press(_panel(PanelAct.APPROVE, binding.id))
    await chat.expect(stem(t, "bindings.already"), since=since)
    assert (await _binding_of(office, resident)).status == directory_pb2.BINDING_STATUS_REJECTED
