"""Whole stretches of conversation that several tests need before the part they test."""

from __future__ import annotations

from uuid import UUID

from bot.callbacks import (
    CategoryKey,
    Fork,
    ForkChoice,
    MenuItem,
    MenuKey,
    PickAddress,
    PickBuilding,
    PickCategory,
    PickFlat,
    PickUrgency,
    PickYard,
    StepAction,
    StepDo,
    UrgencyKey,
)
from tests.bot.harness import Chat, stem
from tests.bot.office import Office, Place


async def onboard(
    chat: Chat, place: Place, *, flat: str = "7", phone: str = "90 123 45 67"
) -> None:
    """A newcomer goes through onboarding up to the binding request."""
    t = chat.t
    await chat.say("/start", stem(t, "onboarding.fork.ask"))
    await chat.tap(Fork(choice=ForkChoice.RESIDENT).pack(), stem(t, "onboarding.phone.ask"))
    await chat.say(phone, stem(t, "onboarding.yard.ask"))
    await chat.search("Chilonzor", place.yard.name)
    await chat.tap(PickYard(id=UUID(place.yard.id)).pack(), stem(t, "onboarding.building.ask"))
    await chat.tap(PickBuilding(id=UUID(place.building.id)).pack(), stem(t, "onboarding.flat.ask"))
    await chat.search(flat, t.raw("onboarding.flat.label", number=flat))
    await chat.tap(PickFlat(id=UUID(place.flats[flat].id)).pack(), stem(t, "onboarding.bound"))


async def resident(chat: Chat, place: Place, office: Office, *, flat: str = "7") -> str:
    """An approved resident bound to `flat`, looking at their menu; their user id."""
    await onboard(chat, place, flat=flat)
    user = await office.approve(chat.id)
    await chat.say("/menu", stem(chat.t, "menu.title"))
    return user.id


LEAK = "Течёт труба под раковиной на кухне, вода капает к соседям"


async def to_summary(chat: Chat, *, photos: int = 2) -> None:
    """From the menu to the summary of a plumbing leak with `photos` photos (an album)."""
    t = chat.t
    await chat.tap(MenuItem(item=MenuKey.NEW_REQUEST).pack(), stem(t, "new_request.category.ask"))
    await chat.tap(PickCategory(category=CategoryKey.PLUMBING).pack(), t("new_request.address.ask"))
    await chat.tap(PickAddress(index=0).pack(), t("new_request.description.ask"))
    await chat.say(LEAK, t("new_request.urgency.ask"))
    await chat.tap(PickUrgency(urgency=UrgencyKey.HIGH).pack(), stem(t, "new_request.media.ask"))
    for n in range(1, photos + 1):
        since = chat.mark()
        chat.user.photo(media_group_id="album-1")
        await chat.expect(t("new_request.media.added", count=n, limit=5), since=since)
    action = StepAction.DONE if photos else StepAction.SKIP
    await chat.tap(StepDo(action=action).pack(), stem(t, "new_request.summary"))
