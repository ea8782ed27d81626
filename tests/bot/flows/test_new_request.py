"""A resident files a request through the real bot: category → address (from ResolveAddresses
only) → description → urgency → two photos (an album) → summary → confirm → the number and the
expected deadline; wrong input at each step gets a helpful answer and keeps the step; back
keeps what was typed; the request is right when a manager reads it over gRPC."""

from __future__ import annotations

from ukm.common.v1 import media_pb2
from ukm.requests.v1 import request_pb2

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
from bot.logic.moments import local_time
from tests.bot.harness import BotUnderTest, new_chat, stem
from tests.bot.journeys import resident
from tests.bot.office import Office, Place
from tests.support.telegram_api import LocalBotApi

LEAK = "Течёт труба под раковиной на кухне, вода капает к соседям"


async def test_a_resident_files_a_request_with_two_photos(
    bot: BotUnderTest, api: LocalBotApi, place: Place, office: Office
) -> None:
    chat = new_chat(api)
    t = chat.t
    user_id = await resident(chat, place, office)

    await chat.tap(MenuItem(item=MenuKey.NEW_REQUEST).pack(), stem(t, "new_request.category.ask"))
    # Text where a button is expected: the step again.
    await chat.say("сантехника", stem(t, "new_request.category.ask"))
    address = await chat.tap(
        PickCategory(category=CategoryKey.PLUMBING).pack(), t("new_request.address.ask")
    )
    labels = [b["text"] for row in address.params["reply_markup"]["inline_keyboard"] for b in row]
    assert any("Bunyodkor 7" in label for label in labels)
    # An address index that was never shown is refused.
    queries = len(api.answers)
    chat.user.press(PickAddress(index=9).pack(), message=chat.last_message())
    await chat.toast(t("error.stale_button"), query_count=queries)
    await chat.tap(PickAddress(index=0).pack(), t("new_request.description.ask"))

    # Too short, a photo instead of words: explained, the step stays.
    await chat.say("течёт", t("input.description.too_short", length=5))
    since = chat.mark()
    chat.user.photo()
    await chat.expect_key("new_request.description.text_please", since=since)
    await chat.say("x" * 2001, t("input.description.too_long", length=2001))
    await chat.say(LEAK, t("new_request.urgency.ask"))
    # Back: the description typed is shown and kept.
    await chat.tap(Nav(to=NavTo.BACK).pack(), stem(t, "new_request.description.again"))
    assert LEAK in str(chat.last_message()["text"])
    await chat.say(LEAK, t("new_request.urgency.ask"))
    await chat.tap(PickUrgency(urgency=UrgencyKey.HIGH).pack(), stem(t, "new_request.media.ask"))

    # Words where photos are expected; then an album of two photos.
    await chat.say("вот фото", stem(t, "new_request.media.expected"))
    for n in (1, 2):
        since = chat.mark()
        chat.user.photo(media_group_id="album-1")
        await chat.expect(t("new_request.media.added", count=n, limit=5), since=since)
    summary = await chat.tap(StepDo(action=StepAction.DONE).pack(), stem(t, "new_request.summary"))
    text = str(summary.params["text"])
    assert LEAK in text and t("category.plumbing") in text and t("urgency.high") in text

    since = chat.mark()
    chat.user.press(StepDo(action=StepAction.CONFIRM).pack())
    filed = await chat.expect(stem(t, "new_request.filed"), since=since)

    [request] = await office.requests_of(user_id)
    assert request.request_number in str(filed.params["text"])
    assert local_time(request.sla.resolution_due_time.seconds) in str(filed.params["text"])
    assert (request.category, request.urgency, request.source) == (
        request_pb2.CATEGORY_PLUMBING,
        request_pb2.URGENCY_HIGH,
        request_pb2.SOURCE_BOT,
    )
    assert request.description == LEAK
    assert request.address.apartment_id == place.flats["7"].id
    assert [m.kind for m in request.media] == [media_pb2.MEDIA_KIND_PHOTO] * 2
    # The largest size of each photo, as Telegram's file id.
    assert all(m.telegram_file_id.startswith("photo-") for m in request.media)
    assert not any(m.telegram_file_id.endswith("-s") for m in request.media)


async def test_at_most_five_photos_and_skipping(
    bot: BotUnderTest, api: LocalBotApi, place: Place, office: Office
) -> None:
    chat = new_chat(api, language="en")
    t = chat.t
    user_id = await resident(chat, place, office, flat="8")
    await chat.tap(MenuItem(item=MenuKey.NEW_REQUEST).pack(), stem(t, "new_request.category.ask"))
    await chat.tap(PickCategory(category=CategoryKey.ELEVATOR).pack(), t("new_request.address.ask"))
    await chat.tap(PickAddress(index=0).pack(), t("new_request.description.ask"))
    await chat.say("The lift stops between floors 3 and 4", t("new_request.urgency.ask"))
    await chat.tap(
        PickUrgency(urgency=UrgencyKey.CRITICAL).pack(), stem(t, "new_request.media.ask")
    )
    for n in range(1, 6):
        since = chat.mark()
        chat.user.video() if n == 3 else chat.user.photo()
        await chat.expect(t("new_request.media.added", count=n, limit=5), since=since)
    await chat.say("/x", stem(t, "new_request.media.expected"))
    since = chat.mark()
    chat.user.photo()
    await chat.expect(t("new_request.media.full", limit=5), since=since)
    await chat.tap(StepDo(action=StepAction.DONE).pack(), stem(t, "new_request.summary"))
    await chat.tap(StepDo(action=StepAction.CONFIRM).pack(), stem(t, "new_request.filed"))
    [request] = await office.requests_of(user_id)
    kinds = [m.kind for m in request.media]
    assert kinds.count(media_pb2.MEDIA_KIND_VIDEO) == 1 and len(kinds) == 5

    # Without photos: skip.
    await chat.tap(MenuItem(item=MenuKey.NEW_REQUEST).pack(), stem(t, "new_request.category.ask"))
    await chat.tap(PickCategory(category=CategoryKey.CLEANING).pack(), t("new_request.address.ask"))
    await chat.tap(PickAddress(index=0).pack(), t("new_request.description.ask"))
    await chat.say("Stairwell not cleaned for a week", t("new_request.urgency.ask"))
    await chat.tap(PickUrgency(urgency=UrgencyKey.LOW).pack(), stem(t, "new_request.media.ask"))
    await chat.tap(StepDo(action=StepAction.SKIP).pack(), stem(t, "new_request.summary"))
    await chat.tap(StepDo(action=StepAction.CONFIRM).pack(), stem(t, "new_request.filed"))
    assert len(await office.requests_of(user_id)) == 2
