"""Take shift / hand over through the real bot: a focus among the executor's own
specialisations (or universal), the active shift shown, refusals with clear words (already on
shift, not on shift, ended meanwhile, started from another device), a hand-over note with the
confirmation naming the open requests, which then go back to the pool — all checked over gRPC.
"""

from __future__ import annotations

from pathlib import Path

from ukm.requests.v1 import request_pb2, workflow_pb2
from ukm.shifts.v1 import shift_pb2

from bot.callbacks import (
    MenuItem,
    MenuKey,
    Nav,
    NavTo,
    ShiftAct,
    ShiftDo,
    ShiftFocus,
    SpecKey,
    StepAction,
    StepDo,
)
from tests.bot.executors import SPEC, another_device, buttons, desk, executor, menu, settled
from tests.bot.harness import BotUnderTest, Chat, stem
from tests.bot.office import Office, Place
from tests.support.stack import Stack
from tests.support.telegram_api import BotApiCall, LocalBotApi


async def toggle(chat: Chat, spec: SpecKey, label: str) -> BotApiCall:
    """Toggle a specialisation of the focus; the prompt again, with a button `label`."""
    since = chat.mark()
    chat.user.press(ShiftFocus(spec=spec).pack())
    return await chat.expect_button(label, since=since)


async def test_a_focused_shift_then_a_hand_over_with_a_note(
    bot: BotUnderTest, api: LocalBotApi, stack: Stack, office: Office, place: Place
) -> None:
    chat, executor_id = await executor(
        api, office, SPEC.SPECIALIZATION_HEATING, SPEC.SPECIALIZATION_VENTILATION
    )
    t = chat.t
    heating, ventilation = t("shift.spec.heating"), t("shift.spec.ventilation")

    # Not on shift yet: handing over is refused with an offer to take one.
    off = await chat.tap(MenuItem(item=MenuKey.SHIFT_END).pack(), t("shift.not_on"))
    assert (t("menu.item.shift_on"), MenuItem(item=MenuKey.SHIFT_START).pack()) in buttons(off)

    ask = await chat.tap(MenuItem(item=MenuKey.SHIFT_START).pack(), stem(t, "shift.focus.ask"))
    assert str(ask.params["text"]) == t.raw("shift.focus.ask", chosen=t("shift.focus.everything"))
    labels = [label for label, _ in buttons(ask)]
    assert heating in labels and ventilation in labels and t("shift.spec.plumber") not in labels
    # A specialisation the executor does not hold, from a forged button: refused.
    queries = len(api.answers)
    chat.user.press(ShiftFocus(spec=SpecKey.ELEVATOR).pack(), message=chat.last_message())
    await chat.toast(t("error.stale_button"), query_count=queries)
    # Typing at a button step: the step again.
    await chat.say("отопление", stem(t, "shift.focus.ask"))
    focused = await toggle(chat, SpecKey.HEATING, f"✅ {heating}")
    assert str(focused.params["text"]) == t.raw("shift.focus.ask", chosen=heating)
    await toggle(chat, SpecKey.VENTILATION, f"✅ {ventilation}")
    await toggle(chat, SpecKey.VENTILATION, t("shift.focus.clear"))
    started = await chat.tap(ShiftDo(act=ShiftAct.START).pack(), stem(t, "shift.started"))
    text = str(started.params["text"])
    assert heating in text and ventilation not in text

    async with desk(stack, office) as d:
        [shift] = await d.active_shifts(executor_id)
        assert list(shift.specializations) == [SPEC.SPECIALIZATION_HEATING]
        assert shift.status == shift_pb2.SHIFT_STATUS_ACTIVE

        # Taking it again: already on shift, since when, what it covers.
        again = await menu(chat, MenuKey.SHIFT_START, stem(t, "shift.already_on"))
        assert heating in str(again.params["text"])

        # A request in work, then the hand-over.
        filed = await d.file(place, request_pb2.CATEGORY_HEATING, "Холодные батареи в спальне")
        await d.assign(filed.request_number, executor_id)
        await menu(chat, MenuKey.SHIFT_END, stem(t, "shift.note.ask"))
        await chat.say("я" * 501, t("shift.note.too_long", length=501))
        since = chat.mark()
        chat.user.sticker()
        await chat.expect_key("shift.note.text_please", since=since)
        confirm = await chat.say("Ключи от котельной у охраны", stem(t, "shift.end.ask"))
        text = str(confirm.params["text"])
        assert t("shift.end.requests", count=1) in text
        assert "Ключи от котельной у охраны" in text
        # Back keeps the note; skip drops it.
        await chat.tap(Nav(to=NavTo.BACK).pack(), "Ключи от котельной у охраны")
        confirm = await chat.tap(StepDo(action=StepAction.SKIP).pack(), stem(t, "shift.end.ask"))
        assert "Ключи" not in str(confirm.params["text"])
        await chat.tap(Nav(to=NavTo.BACK).pack(), stem(t, "shift.note.ask"))
        await chat.say("Ключи от котельной у охраны", stem(t, "shift.end.ask"))
        await chat.tap(ShiftDo(act=ShiftAct.END).pack(), stem(t, "shift.ended"))

        assert await d.active_shifts(executor_id) == []
        [ended, *_] = await d.shift_history(executor_id)
        assert ended.id == shift.id and ended.status == shift_pb2.SHIFT_STATUS_COMPLETED

        # The open request went back to its pool (the requests service hears of the end).
        async def released() -> request_pb2.Request | None:
            request = await office.request(filed.request_number)
            return request if request.status == request_pb2.REQUEST_STATUS_NEW else None

        request = await settled(released, what="the request back in its pool")
        assert request.executor_id == ""
        assert request.assignment.mode == request_pb2.ASSIGNMENT_MODE_GROUP
        assert await d.steps(filed.request_number, workflow_pb2.TRANSITION_ACTION_RELEASE_TO_POOL)

    # The old confirmation pressed again: out of date, nothing ends.
    queries = len(api.answers)
    chat.user.press(ShiftDo(act=ShiftAct.END).pack(), message=chat.last_message())
    await chat.toast(t("error.stale_button"), query_count=queries)
    await menu(chat, MenuKey.SHIFT_END, t("shift.not_on"))


async def test_refusals_when_the_shift_changed_elsewhere(
    bot: BotUnderTest,
    api: LocalBotApi,
    stack: Stack,
    office: Office,
    redis_url: str,
    pki_dir: Path,
) -> None:
    # One specialisation: nothing to choose, the shift starts at once and covers it all.
    chat, executor_id = await executor(api, office, SPEC.SPECIALIZATION_LANDSCAPING, language="en")
    t = chat.t
    since = chat.mark()
    chat.user.press(MenuItem(item=MenuKey.SHIFT_START).pack())
    started = await chat.expect(stem(t, "shift.started"), since=since)
    assert t.raw("shift.covers.all", own=t("shift.spec.landscaping")) in str(started.params["text"])

    async with desk(stack, office) as d:
        [shift] = await d.active_shifts(executor_id)
        assert list(shift.specializations) == []  # universal: everything they do
        # The hand-over confirmation is on screen when a manager ends the shift.
        await menu(chat, MenuKey.SHIFT_END, stem(t, "shift.note.ask"))
        await chat.tap(StepDo(action=StepAction.SKIP).pack(), t("shift.end.no_requests"))
        await d.end_shift(shift.id)
        await chat.tap(ShiftDo(act=ShiftAct.END).pack(), t("shift.already_ended"))

    # An executor with several skills chooses a focus while another device starts a shift.
    chat2, _ = await executor(api, office, SPEC.SPECIALIZATION_SECURITY, SPEC.SPECIALIZATION_REPAIR)
    await chat2.tap(MenuItem(item=MenuKey.SHIFT_START).pack(), stem(chat2.t, "shift.focus.ask"))
    async with another_device(stack, redis_url, pki_dir, chat2) as elsewhere:
        await elsewhere.shifts.start()
    await chat2.tap(ShiftDo(act=ShiftAct.START).pack(), stem(chat2.t, "shift.already_on"))
    # And back to the menu from the shift card.
    await chat2.tap(Nav(to=NavTo.MENU).pack(), stem(chat2.t, "menu.title"))
