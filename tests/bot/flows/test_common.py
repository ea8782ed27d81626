"""What works everywhere: a staff invite deep link (name, phone, waiting, approval), switching
between the roles one holds, choosing the language, help, cancel."""

from __future__ import annotations

from ukm.common.v1 import specialization_pb2
from ukm.users.v1 import user_pb2

from bot.callbacks import (
    Fork,
    ForkChoice,
    LangPick,
    Language,
    MenuItem,
    MenuKey,
    Nav,
    NavTo,
    RoleKey,
    RolePick,
)
from tests.bot.harness import BotUnderTest, new_chat, stem
from tests.bot.office import Office, Place
from tests.support.telegram_api import LocalBotApi


async def test_a_staff_invite_then_role_switching(
    bot: BotUnderTest, api: LocalBotApi, office: Office, place: Place
) -> None:
    chat = new_chat(api)
    t = chat.t
    # A broken link is refused with words, not silence.
    await chat.say("/start join_notARealInviteToken", t("invite.invalid"))

    token = await office.invite(
        user_pb2.ROLE_EXECUTOR, (specialization_pb2.SPECIALIZATION_PLUMBER,)
    )
    since = chat.mark()
    chat.user.text(f"/start join_{token}")
    await chat.expect(t("invite.redeemed", role=t("role.executor")), since=since)
    await chat.expect_key("onboarding.name.ask", since=since)
    # The same link twice: already used.
    await chat.say(f"/start join_{token}", t("reason.INVITE_ALREADY_USED"))
    await chat.say("/start", stem(t, "onboarding.name.ask"))
    await chat.say("A", t("input.name.too_short"))
    await chat.say("Bobur Aliyev", stem(t, "onboarding.phone.ask"))
    await chat.say("+998 (93) 555 12 34", t("onboarding.waiting.staff"))
    user = await office.user_of(chat.id)
    assert (user.full_name, user.phone) == ("Bobur Aliyev", "+998935551234")
    assert user.status == user_pb2.ACCOUNT_STATUS_PENDING
    await chat.say("hello", t("onboarding.waiting.staff"))

    await office.approve(chat.id)
    menu = await chat.say("/menu", t("menu.title", role=t("role.executor")))
    items = [
        b["callback_data"] for row in menu.params["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert MenuItem(item=MenuKey.SHIFT_START).pack() in items
    # The executor's menu: the pool needs a shift first (flows/pool.py); back to the menu.
    await chat.tap(MenuItem(item=MenuKey.POOL).pack(), t("pool.off_shift"))
    await chat.tap(Nav(to=NavTo.MENU).pack(), stem(t, "menu.title"))

    await chat.tap(MenuItem(item=MenuKey.SWITCH_ROLE).pack(), t("role.ask"))
    # A role one does not hold is refused, even from a forged button.
    queries = len(api.answers)
    chat.user.press(RolePick(role=RoleKey.ADMIN).pack(), message=chat.last_message())
    await chat.toast(t("error.stale_button"), query_count=queries)
    await chat.tap(
        RolePick(role=RoleKey.APPLICANT).pack(), t("menu.title", role=t("role.applicant"))
    )
    assert (await office.user_of(chat.id)).active_role == user_pb2.ROLE_APPLICANT
    await chat.say("/help", t("help.applicant"))


async def test_language_help_and_cancel(
    bot: BotUnderTest, api: LocalBotApi, office: Office, place: Place
) -> None:
    chat = new_chat(api, language="en")
    en = chat.t
    await chat.say("/start", stem(en, "onboarding.fork.ask"))
    await chat.say("/help", en("help.pending"))
    await chat.tap(
        Fork(choice=ForkChoice.STAFF).pack(), stem(en, "onboarding.fork.staff_needs_invite")
    )
    await chat.tap(Nav(to=NavTo.CANCEL).pack(), stem(en, "onboarding.fork.ask"))
    await chat.say("/cancel", en("cancelled"))

    # Pending people may choose their language too; the step follows in it.
    await chat.say("/menu", stem(en, "onboarding.fork.ask"))
    await chat.tap(MenuItem(item=MenuKey.LANGUAGE).pack(), en("language.ask"))
    ru = chat.t.catalogue.translator("ru")
    await chat.tap(LangPick(code=Language.RU).pack(), ru("onboarding.fork.ask"))
    assert (await office.user_of(chat.id)).language == "ru"
    await chat.tap(MenuItem(item=MenuKey.LANGUAGE).pack(), ru("language.ask"))
    await chat.tap(LangPick(code=Language.EN).pack(), en("onboarding.fork.ask"))
    await office.approve(chat.id)
    await chat.say("/menu", stem(en, "menu.title"))
    await chat.tap(MenuItem(item=MenuKey.LANGUAGE).pack(), en("language.ask"))
    uz = chat.t.catalogue.translator("uz")
    await chat.tap(LangPick(code=Language.UZ).pack(), uz("menu.title", role=uz("role.applicant")))
    assert (await office.user_of(chat.id)).language == "uz"
    chat.t = uz
    await chat.say("/help", uz("help.applicant"))
