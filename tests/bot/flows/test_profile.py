"""The profile through the real bot and mesh: name and phone (wrong input explained, the step
kept), the language picker linked from it, my apartments with another binding asked for
through onboarding's pickers (a forged apartment refused), quiet hours on and off (read back
from the notifications service); and a person who had blocked the bot is reachable again after
/start."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import UUID

import grpc
import pytest
from ukm.notifications.v1 import notifications_service_pb2 as notify_pb
from ukm.notifications.v1 import notifications_service_pb2_grpc as notify_rpc
from ukm.users.v1 import directory_pb2

from bot.callbacks import (
    LangPick,
    Language,
    MenuItem,
    MenuKey,
    Nav,
    NavTo,
    PickBuilding,
    PickFlat,
    PickYard,
    ProfileKey,
    ProfileOpen,
    QuietPick,
)
from tests.bot.harness import BotUnderTest, new_chat, stem
from tests.bot.journeys import resident
from tests.bot.office import Office, Place
from tests.support.db import execute
from tests.support.stack import Stack
from tests.support.telegram_api import LocalBotApi


@pytest.fixture
async def preferences(
    stack: Stack, office: Office
) -> AsyncIterator[notify_rpc.NotificationServiceStub]:
    """The notifications service through the edge (the manager may read anyone's)."""
    async with grpc.aio.insecure_channel(stack.edge_address) as channel:
        yield notify_rpc.NotificationServiceStub(channel)


async def preferences_of(
    stub: notify_rpc.NotificationServiceStub, office: Office, user_id: str
) -> notify_pb.Preferences:
    """A person's preferences as the service keeps them."""
    answer = await stub.GetPreferences(
        notify_pb.GetPreferencesRequest(user_id=user_id), metadata=office.md
    )
    preferences: notify_pb.Preferences = answer.preferences
    return preferences


async def test_name_phone_and_language(
    bot: BotUnderTest, api: LocalBotApi, place: Place, office: Office
) -> None:
    chat = new_chat(api)
    t = chat.t
    await resident(chat, place, office, flat="6")
    home = await chat.tap(MenuItem(item=MenuKey.PROFILE).pack(), stem(t, "profile.home"))
    assert "+998901234567" in str(home.params["text"])

    # Name: too short, not text, then fine.
    await chat.tap(ProfileOpen(item=ProfileKey.NAME).pack(), t("profile.name.ask"))
    await chat.say("A", t("input.name.too_short"))
    since = chat.mark()
    chat.user.sticker()
    await chat.expect_key("profile.name.text_please", since=since)
    since = chat.mark()
    chat.user.text("Dilnoza   Karimova")
    await chat.expect_key("profile.name.saved", since=since)
    await chat.expect_key("profile.home", since=since)
    assert (await office.user_of(chat.id)).full_name == "Dilnoza Karimova"

    # Phone: the onboarding rules.
    since = chat.mark()
    chat.user.press(ProfileOpen(item=ProfileKey.PHONE).pack())
    ask = await chat.expect_key("onboarding.phone.ask", since=since)
    assert ask.params["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    # Back: the number stays, the contact keyboard goes away.
    since = chat.mark()
    chat.user.press(Nav(to=NavTo.BACK).pack())
    kept = await chat.expect_key("profile.phone.kept", since=since)
    assert kept.params["reply_markup"].get("remove_keyboard") is True
    await chat.expect_key("profile.home", since=since)
    since = chat.mark()
    chat.user.press(ProfileOpen(item=ProfileKey.PHONE).pack())
    await chat.expect_key("onboarding.phone.ask", since=since)
    await chat.say("12345", t("phone.problem.digits"))
    since = chat.mark()
    chat.user.contact("998935550000", own=False)
    await chat.expect_key("onboarding.phone.not_yours", since=since)
    since = chat.mark()
    chat.user.sticker()
    await chat.expect_key("onboarding.phone.expected", since=since)
    since = chat.mark()
    chat.user.text("+998 (93) 777 11 22")
    await chat.expect_key("profile.phone.saved", since=since)
    home = await chat.expect_key("profile.home", since=since)
    assert "+998937771122" in str(home.params["text"])
    assert (await office.user_of(chat.id)).phone == "+998937771122"

    # Language: the common picker, then the profile again in the new language.
    await chat.tap(MenuItem(item=MenuKey.LANGUAGE).pack(), t("language.ask"))
    en = chat.t = chat.t.catalogue.translator("en")
    await chat.tap(LangPick(code=Language.EN).pack(), stem(en, "profile.home"))
    assert (await office.user_of(chat.id)).language == "en"


async def test_apartments_and_quiet_hours(
    bot: BotUnderTest,
    api: LocalBotApi,
    place: Place,
    office: Office,
    preferences: notify_rpc.NotificationServiceStub,
) -> None:
    chat = new_chat(api, language="en")
    en = chat.t
    user_id = await resident(chat, place, office, flat="6")
    await chat.tap(MenuItem(item=MenuKey.PROFILE).pack(), stem(en, "profile.home"))

    # My apartments: the approved one; ask for another with the onboarding pickers.
    flats = await chat.tap(ProfileOpen(item=ProfileKey.FLATS).pack(), en("profile.flats.title"))
    text = str(flats.params["text"])
    assert "Bunyodkor 7" in text and en("profile.flats.status.approved") in text
    await chat.tap(ProfileOpen(item=ProfileKey.ADD_FLAT).pack(), stem(en, "onboarding.yard.ask"))
    await chat.search("Chilonzor", place.yard.name)
    await chat.tap(PickYard(id=UUID(place.yard.id)).pack(), stem(en, "onboarding.building.ask"))
    await chat.tap(PickBuilding(id=UUID(place.building.id)).pack(), stem(en, "onboarding.flat.ask"))
    await chat.search("9", en.raw("onboarding.flat.label", number="9"))
    # An apartment that is not on the page shown: refused.
    queries = len(api.answers)
    forged = PickFlat(id=UUID(place.flats["10"].id)).pack()
    chat.user.press(forged, message=chat.last_message())
    await chat.toast(en("error.stale_button"), query_count=queries)
    since = chat.mark()
    chat.user.press(PickFlat(id=UUID(place.flats["9"].id)).pack())
    await chat.expect_key("profile.flats.asked", since=since)
    flats = await chat.expect_key("profile.flats.title", since=since)
    assert en("profile.flats.status.pending") in str(flats.params["text"])
    asked = [b for b in await office.bindings(user_id) if b.apartment_id == place.flats["9"].id]
    assert [(b.status, b.primary) for b in asked] == [(directory_pb2.BINDING_STATUS_PENDING, False)]

    # Quiet hours: on, then off again — read back from the notifications service.
    await chat.tap(Nav(to=NavTo.BACK).pack(), stem(en, "profile.home"))
    await chat.tap(
        ProfileOpen(item=ProfileKey.NOTIFY).pack(),
        en("profile.notify.off", start="22:00", end="08:00"),
    )
    await chat.tap(QuietPick(on=True).pack(), en("profile.notify.on", start="22:00", end="08:00"))
    quiet = (await preferences_of(preferences, office, user_id)).quiet_hours
    assert (quiet.start, quiet.end) == ("22:00", "08:00")
    await chat.tap(QuietPick(on=False).pack(), en("profile.notify.off", start="22:00", end="08:00"))
    stored = await preferences_of(preferences, office, user_id)
    assert not stored.HasField("quiet_hours")
    # A switch pressed outside its step: out of date.
    await chat.tap(Nav(to=NavTo.BACK).pack(), stem(en, "profile.home"))
    queries = len(api.answers)
    chat.user.press(QuietPick(on=True).pack(), message=chat.last_message())
    await chat.toast(en("error.stale_button"), query_count=queries)
    assert not (await preferences_of(preferences, office, user_id)).HasField("quiet_hours")


async def test_coming_back_after_blocking_the_bot(
    bot: BotUnderTest,
    api: LocalBotApi,
    stack: Stack,
    place: Place,
    office: Office,
    preferences: notify_rpc.NotificationServiceStub,
) -> None:
    chat = new_chat(api)
    user_id = await resident(chat, place, office, flat="11")
    # What the notifications service writes when Telegram says the bot was blocked.
    await execute(
        stack.settings.database_url.get_secret_value(),
        "INSERT INTO notifications.unreachable (user_id, channel, reason, since) "
        "VALUES (:user_id, 'telegram', 'blocked', now())",
        user_id=user_id,
    )
    stored = await preferences_of(preferences, office, user_id)
    assert list(stored.unreachable_channels) == [notify_pb.CHANNEL_TELEGRAM]

    # The mark is cleared before the bot answers /start.
    await chat.say("/start", stem(chat.t, "menu.title"))
    assert not (await preferences_of(preferences, office, user_id)).unreachable_channels
