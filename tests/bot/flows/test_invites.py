"""The whole staff-invite loop through the real bot and the real mesh: a manager creates an
executor invite in the bot (a role they may not give refused, specialisations picked with
`universal` standing alone, back keeping the choice, a validity), the link carries the bot's
username and the token; a new Telegram user opens it, onboards as staff, and the manager
approves them from the pending-users panel — the new executor's menu opens. An inspector
invite skips the specialisations (and back skips them too)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from uuid import UUID

import pytest
from ukm.common.v1 import specialization_pb2
from ukm.users.v1 import user_pb2

from bot.callbacks import (
    MenuItem,
    MenuKey,
    Nav,
    NavTo,
    Panel,
    PanelAct,
    PanelKind,
    PickInviteRole,
    PickSpec,
    PickValidity,
    RoleKey,
    SpecKey,
    StepAction,
    StepDo,
    ValidityKey,
)
from tests.bot.flows.desk import (  # roomy_bot: the `bot` fixture of this module
    buttons_of,
    manager_chat,
    roomy_bot,  # noqa: F401
    unique_name,
    unique_phone,
)
from tests.bot.harness import BotUnderTest, Chat, new_chat, stem
from tests.bot.office import Office, Place
from tests.support.people import SignedIn, sign_in
from tests.support.stack import Stack
from tests.support.telegram_api import LocalBotApi

_LINK = re.compile(r"https://t\.me/([A-Za-z0-9_]+)\?start=join_([A-Za-z0-9_-]+)")


@pytest.fixture(scope="module")
async def admin(stack: Stack) -> SignedIn:
    """An admin (who makes Telegram users managers)."""
    return await sign_in(stack, "admin")


async def _toggle(chat: Chat, spec: SpecKey, count: int) -> dict[str, Any]:
    since = chat.mark()
    chat.user.press(PickSpec(spec=spec).pack())
    call = await chat.expect_button(chat.t("button.done", count=count), since=since)
    return dict(call.params)


def _chosen(message: Mapping[str, Any]) -> set[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return {
        str(b["callback_data"]).removeprefix("ps:")
        for row in rows
        for b in row
        if str(b.get("text", "")).startswith("✅")
    }


async def test_invite_open_onboard_approve(
    bot: BotUnderTest, api: LocalBotApi, stack: Stack, place: Place, office: Office, admin: SignedIn
) -> None:
    chat = await manager_chat(api, stack, office, admin)
    t = chat.t
    roles = await chat.tap(MenuItem(item=MenuKey.INVITE).pack(), stem(t, "invites.role.ask"))
    offered = buttons_of(roles.params)
    assert PickInviteRole(role=RoleKey.EXECUTOR).pack() in offered
    assert PickInviteRole(role=RoleKey.INSPECTOR).pack() in offered
    # Managers may not hand out the staff-management roles: not offered, and refused forged.
    assert PickInviteRole(role=RoleKey.MANAGER).pack() not in offered
    queries = len(api.answers)
    chat.user.press(PickInviteRole(role=RoleKey.ADMIN).pack(), message=chat.last_message())
    await chat.toast(t("invites.role.not_yours"), query_count=queries)
    await chat.say("a plumber please", t("panels.input.use_buttons"))

    await chat.tap(PickInviteRole(role=RoleKey.EXECUTOR).pack(), stem(t, "invites.specs.ask"))
    queries = len(api.answers)
    chat.user.press(StepDo(action=StepAction.DONE).pack())
    await chat.toast(t("invites.specs.none_chosen"), query_count=queries)
    await _toggle(chat, SpecKey.PLUMBER, 1)
    await _toggle(chat, SpecKey.ELECTRICIAN, 2)
    # `universal` stands alone; choosing another skill afterwards drops it.
    assert _chosen(await _toggle(chat, SpecKey.UNIVERSAL, 1)) == {"universal"}
    await _toggle(chat, SpecKey.PLUMBER, 1)
    keyboard = await _toggle(chat, SpecKey.ELECTRICIAN, 2)
    assert _chosen(keyboard) == {"plumber", "electrician"}
    await chat.tap(StepDo(action=StepAction.DONE).pack(), t("invites.validity.ask"))
    # Back to the skills: still chosen.
    since = chat.mark()
    chat.user.press(Nav(to=NavTo.BACK).pack())
    await chat.expect_button(t("button.done", count=2), since=since)
    await chat.tap(StepDo(action=StepAction.DONE).pack(), t("invites.validity.ask"))
    validity = chat.last_message()
    ready = await chat.tap(
        PickValidity(validity=ValidityKey.ONE_DAY).pack(), stem(t, "invites.ready")
    )
    text = str(ready.params["text"])
    found = _LINK.search(text)
    assert found is not None, text
    username, token = found.groups()
    assert username == api.username
    assert t("role.executor") in text
    assert t("panels.spec.plumber") in text and t("panels.spec.electrician") in text
    # The validity pressed again: the invite is made, the button is out of date.
    queries = len(api.answers)
    chat.user.press(PickValidity(validity=ValidityKey.ONE_DAY).pack(), message=validity)
    await chat.toast(t("error.stale_button"), query_count=queries)

    # A new colleague opens the link, gives name and phone, and waits.
    name = unique_name("Rustam")
    newcomer = new_chat(api, first_name="Rustam")
    nt = newcomer.t
    await newcomer.say(f"/start join_{token}", stem(nt, "onboarding.name.ask"))
    await newcomer.say(f"{name} Karimov", stem(nt, "onboarding.phone.ask"))
    typed, e164 = unique_phone()
    await newcomer.say(typed, nt("onboarding.waiting.staff"))

    # The manager finds them among the pending people and approves.
    await chat.say("/menu", t("menu.title", role=t("role.manager")))
    await chat.tap(MenuItem(item=MenuKey.PENDING_USERS).pack(), stem(t, "people.list.title"))
    await chat.search(name, name)
    joined = await office.user_of(newcomer.id)
    card = await chat.tap(
        Panel(kind=PanelKind.USER, act=PanelAct.OPEN, id=UUID(joined.id)).pack(), name
    )
    card_text = str(card.params["text"])
    assert t("people.card.via_invite") in card_text and e164 in card_text
    assert t("role.executor") in card_text and t("panels.spec.plumber") in card_text
    # Staff are not asked for residents' documents.
    open_docs = Panel(kind=PanelKind.USER, act=PanelAct.ASK_DOCUMENTS, id=UUID(joined.id)).pack()
    assert open_docs not in buttons_of(card.params)
    await chat.tap(
        Panel(kind=PanelKind.USER, act=PanelAct.APPROVE, id=UUID(joined.id)).pack(),
        t("people.approved", name=f"{name} Karimov"),
    )

    approved = await office.user_of(newcomer.id)
    assert approved.status == user_pb2.ACCOUNT_STATUS_APPROVED
    assert user_pb2.ROLE_EXECUTOR in approved.roles
    assert list(approved.specializations) == [
        specialization_pb2.SPECIALIZATION_ELECTRICIAN,
        specialization_pb2.SPECIALIZATION_PLUMBER,
    ]
    await newcomer.say("/menu", nt("menu.title", role=nt("role.executor")))
    # The link works once.
    other = new_chat(api)
    await other.say(f"/start join_{token}", other.t("reason.INVITE_ALREADY_USED"))


async def test_an_inspector_invite_has_no_specialisations(
    bot: BotUnderTest, api: LocalBotApi, stack: Stack, place: Place, office: Office, admin: SignedIn
) -> None:
    chat = await manager_chat(api, stack, office, admin, language="en")
    t = chat.t
    await chat.tap(MenuItem(item=MenuKey.INVITE).pack(), stem(t, "invites.role.ask"))
    await chat.tap(PickInviteRole(role=RoleKey.INSPECTOR).pack(), t("invites.validity.ask"))
    # Back from the validity: the role again (inspectors have no specialisations).
    await chat.tap(Nav(to=NavTo.BACK).pack(), stem(t, "invites.role.ask"))
    await chat.tap(PickInviteRole(role=RoleKey.INSPECTOR).pack(), t("invites.validity.ask"))
    ready = await chat.tap(
        PickValidity(validity=ValidityKey.ONE_HOUR).pack(), stem(t, "invites.ready")
    )
    found = _LINK.search(str(ready.params["text"]))
    assert found is not None
    newcomer = new_chat(api, language="en")
    await newcomer.say(
        f"/start join_{found.group(2)}",
        newcomer.t("invite.redeemed", role=newcomer.t("role.inspector")),
    )
    joined = await office.user_of(newcomer.id)
    assert user_pb2.ROLE_INSPECTOR in joined.roles
    assert joined.status == user_pb2.ACCOUNT_STATUS_PENDING
    # Back from the first step: the menu.
    await chat.say("/menu", t("menu.title", role=t("role.manager")))
    await chat.tap(MenuItem(item=MenuKey.INVITE).pack(), stem(t, "invites.role.ask"))
    await chat.tap(Nav(to=NavTo.BACK).pack(), t("menu.title", role=t("role.manager")))
