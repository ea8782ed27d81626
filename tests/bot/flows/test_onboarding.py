"""A new resident onboards through the real bot and the real mesh: the fork, the phone (typed
wrong, someone else's contact, then their own), yard → building → apartment with paging and
search, the binding request; a manager approves; the menu opens."""

from __future__ import annotations

from uuid import UUID

from bot.callbacks import (
    Fork,
    ForkChoice,
    ListKind,
    MenuItem,
    MenuKey,
    Nav,
    NavTo,
    PageTo,
    PickBuilding,
    PickFlat,
    PickYard,
)
from tests.bot.harness import BotUnderTest, new_chat, stem
from tests.bot.office import Office, Place
from tests.support.telegram_api import LocalBotApi


async def test_a_resident_onboards_and_is_approved(
    bot: BotUnderTest, api: LocalBotApi, place: Place, office: Office
) -> None:
    chat = new_chat(api)
    t = chat.t
    await chat.say("/start", stem(t, "onboarding.fork.ask"))
    # Staff without an invite are told how to join, and can go back.
    await chat.tap(
        Fork(choice=ForkChoice.STAFF).pack(), stem(t, "onboarding.fork.staff_needs_invite")
    )
    await chat.tap(Nav(to=NavTo.BACK).pack(), stem(t, "onboarding.fork.ask"))
    since = chat.mark()
    chat.user.press(Fork(choice=ForkChoice.RESIDENT).pack())
    ask = await chat.expect_key("onboarding.phone.ask", since=since)
    assert ask.params["reply_markup"]["keyboard"][0][0]["request_contact"] is True

    # Wrong numbers are explained; the step stays.
    await chat.say("12345", t("phone.problem.digits"))
    await chat.say("+7 916 123 45 67", t("phone.problem.not_uzbek"))
    since = chat.mark()
    chat.user.sticker()
    await chat.expect_key("onboarding.phone.expected", since=since)
    since = chat.mark()
    chat.user.contact("998901112233", own=False)
    await chat.expect_key("onboarding.phone.not_yours", since=since)
    # The contact button: Telegram sends the number without "+".
    since = chat.mark()
    chat.user.contact("998901112233")
    await chat.expect_key("onboarding.phone.saved", since=since)
    yards = await chat.expect_key("onboarding.yard.ask", since=since)

    # Ten yards: eight on the first page, the rest behind "next".
    buttons = [b for row in yards.params["reply_markup"]["inline_keyboard"] for b in row]
    assert sum(b["callback_data"].startswith("y:") for b in buttons) == 8
    await chat.tap(PageTo(list=ListKind.YARDS, page=1).pack(), stem(t, "onboarding.yard.ask"))
    page_two = chat.last_message()["reply_markup"]["inline_keyboard"]
    assert sum(b["callback_data"].startswith("y:") for row in page_two for b in row) == 2
    # A page nobody could have reached is refused politely.
    queries = len(api.answers)
    chat.user.press(PageTo(list=ListKind.YARDS, page=7).pack(), message=chat.last_message())
    await chat.toast(t("error.stale_button"), query_count=queries)

    # Typed text searches.
    await chat.search("Chilonzor", place.yard.name)
    await chat.tap(PickYard(id=UUID(place.yard.id)).pack(), "Chilonzor Park")
    await chat.tap(PickBuilding(id=UUID(place.building.id)).pack(), "Bunyodkor 7")
    flats = chat.last_message()["reply_markup"]["inline_keyboard"]
    assert sum(b["callback_data"].startswith("f:") for row in flats for b in row) == 8
    await chat.search("12", t.raw("onboarding.flat.label", number="12"))
    # A flat that was not shown (forged or stale) is refused before any call.
    queries = len(api.answers)
    chat.user.press(PickFlat(id=UUID(place.flats["3"].id)).pack(), message=chat.last_message())
    await chat.toast(t("error.stale_button"), query_count=queries)
    await chat.tap(PickFlat(id=UUID(place.flats["12"].id)).pack(), stem(t, "onboarding.bound"))

    user = await office.user_of(chat.id)
    assert user.phone == "+998901112233"
    bindings = await office.bindings(user.id)
    assert [b.apartment_id for b in bindings] == [place.flats["12"].id]

    # Still pending: anything brings the waiting note.
    await chat.say("hello?", stem(t, "onboarding.waiting.resident"))
    await office.approve(chat.id)
    menu = await chat.say("/menu", stem(t, "menu.title"))
    data = [
        b["callback_data"] for row in menu.params["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert MenuItem(item=MenuKey.NEW_REQUEST).pack() in data
