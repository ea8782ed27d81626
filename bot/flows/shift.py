"""Take shift and hand over (DOMAIN.md "Shifts").

Take shift: when the executor holds more than one specialisation, they may focus the shift on
some of them (toggles; none chosen means a universal shift: everything they do), then start
it; the active shift is shown (since when, what it covers). Someone already on duty is told so
and sees their shift.

Hand over: the active shift, an optional note for whoever comes next, then a confirmation that
says how many open requests go back to the pool (the requests service releases them when the
shift ends, and the next on-duty executor of the same specialisation is offered them). The
confirmation ends exactly the shift it was about (`shift_id`), so a late tap never ends a later
shift.
"""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message
from ukm.shifts.v1 import shift_pb2

from bot.callbacks import (
    MenuItem,
    MenuKey,
    ShiftAct,
    ShiftDo,
    ShiftFocus,
    SpecKey,
    StepAction,
    StepDo,
)
from bot.flows import home
from bot.flows.filters import Approved, HasRole
from bot.flows.steps import Flow, action, run_action
from bot.logic.moments import local_time
from bot.logic.work import ACTIVE_STATUSES, check_note, focus_options, toggle
from bot.mesh import Refused
from bot.turn import Turn
from bot.ui.executor import SPECIALIZATION, shift_text, spec_keys, spec_names
from bot.ui.keyboards import button, grid, inline, nav_row
from bot.ui.menus import menu_keyboard
from bot.ui.work_buttons import menu_row, take_shift_row

__all__ = ["HandingOver", "TakingShift", "active_shift", "offer_shift", "router"]

log = logging.getLogger(__name__)
# How many held requests the hand-over counts exactly ("50+" beyond).
_COUNT_LIMIT = 50


class TakingShift(StatesGroup):
    """Choosing what the shift covers."""

    focus = State()


class HandingOver(StatesGroup):
    """Ending the shift."""

    note = State()
    confirm = State()


async def _leave(turn: Turn) -> None:
    await home.show_menu(turn, edit=True)


TAKE = Flow("shift_take", exit=_leave)
HAND = Flow("shift_handover", exit=_leave)


async def active_shift(turn: Turn) -> shift_pb2.Shift | None:
    """The person's active shift, or None when they are off duty."""
    shifts = await turn.services.shifts.active(turn.person.user_id)
    return shifts[0] if shifts else None


async def _own(turn: Turn) -> list[str]:
    """The executor's own specialisations (the users service's word, not the token's)."""
    return spec_keys((await turn.services.users.me()).specializations)


def _on_duty_rows(turn: Turn) -> list[list[InlineKeyboardButton]]:
    t = turn.t
    return [
        [
            button(t("menu.item.work"), MenuItem(item=MenuKey.MY_WORK).pack()),
            button(t("menu.item.pool"), MenuItem(item=MenuKey.POOL).pack()),
        ],
        [button(t("menu.item.shift_off"), MenuItem(item=MenuKey.SHIFT_END).pack())],
        menu_row(t),
    ]


async def _show_on_duty(turn: Turn, shift: shift_pb2.Shift, key: str) -> None:
    text = shift_text(shift, await _own(turn), turn.t, key)
    await turn.show_text(text, inline(_on_duty_rows(turn)))


async def _show_off_duty(turn: Turn, key: str = "shift.not_on") -> None:
    await turn.show(key, inline([take_shift_row(turn.t), menu_row(turn.t)]))


async def offer_shift(turn: Turn) -> None:
    """Work needs a shift (DOMAIN.md): say so, in a new message, and offer to take one."""
    await turn.reply.toast()
    await turn.say("shift.needed", inline([take_shift_row(turn.t), menu_row(turn.t)]))


# --- take shift ------------------------------------------------------------------------------


async def on_take_item(query: CallbackQuery, turn: Turn) -> None:
    """The menu's "take shift" (also offered wherever work needs a shift)."""
    await turn.state.clear()
    current = await active_shift(turn)
    if current is not None:
        await _show_on_duty(turn, current, "shift.already_on")
        return
    own = await _own(turn)
    options = focus_options(own)
    await turn.remember(shift_options=list(options), shift_focus=[])
    if len(options) <= 1:
        # Nothing to choose: the shift covers what the executor does.
        await run_action(turn, "shift.start")
        return
    await TAKE.enter(turn, TakingShift.focus)


@TAKE.step(TakingShift.focus)
async def ask_focus(turn: Turn) -> None:
    """What the shift covers: everything (no focus), or the specialisations toggled on."""
    t = turn.t
    data = await turn.data()
    options = [str(s) for s in data.get("shift_options", [])]
    focus = [str(s) for s in data.get("shift_focus", [])]
    toggles = [
        button(
            ("✅ " if key in focus else "") + t(f"shift.spec.{key}"),
            ShiftFocus(spec=SpecKey(key)).pack(),
        )
        for key in options
    ]
    rows = grid(toggles, 2)
    if focus:
        rows.append([button(t("shift.focus.clear"), ShiftDo(act=ShiftAct.ALL).pack())])
    rows.append([button(t("shift.button.start"), ShiftDo(act=ShiftAct.START).pack())])
    rows.append(nav_row(t))
    chosen = spec_names(focus, t) if focus else t("shift.focus.everything")
    await turn.show_text(t.raw("shift.focus.ask", chosen=chosen), inline(rows))


async def on_focus(query: CallbackQuery, callback_data: ShiftFocus, turn: Turn) -> None:
    """A specialisation toggled on or off."""
    data = await turn.data()
    key = callback_data.spec.value
    if key not in data.get("shift_options", []):
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    await turn.remember(shift_focus=toggle(data.get("shift_focus", []), key))
    await TAKE.reprompt(turn)


async def on_focus_all(query: CallbackQuery, callback_data: ShiftDo, turn: Turn) -> None:
    """No focus: the shift covers everything the executor does."""
    await turn.remember(shift_focus=[])
    await TAKE.reprompt(turn)


async def on_start(query: CallbackQuery, callback_data: ShiftDo, turn: Turn) -> None:
    """Go on duty with the focus chosen."""
    await run_action(turn, "shift.start")


@action("shift.start")
async def start_shift(turn: Turn) -> None:
    """StartShift with the focus chosen (none: universal)."""
    focus = [str(s) for s in (await turn.data()).get("shift_focus", [])]
    try:
        started = await turn.services.shifts.start(
            specializations=[SPECIALIZATION.number(key) for key in focus]
        )
    except Refused as refusal:
        if refusal.reason == "SHIFT_ALREADY_ACTIVE":
            # A second device, a double tap, or a retry after a lost answer.
            await turn.state.clear()
            current = await active_shift(turn)
            if current is not None:
                await _show_on_duty(turn, current, "shift.already_on")
                return
        if refusal.reason == "SPECIALIZATION_NOT_HELD":
            # The executor's skills changed since the choice was offered: offer it again.
            await turn.say("shift.focus.not_held")
            await on_take_item_again(turn)
            return
        raise
    log.info("shift started", extra={"user_id": turn.person.user_id})
    await turn.state.clear()
    await _show_on_duty(turn, started, "shift.started")


async def on_take_item_again(turn: Turn) -> None:
    """The choice of focus from scratch (skills read afresh)."""
    own = await _own(turn)
    await turn.state.clear()
    await turn.remember(shift_options=list(focus_options(own)), shift_focus=[])
    await TAKE.enter(turn, TakingShift.focus)


# --- hand over -------------------------------------------------------------------------------


async def on_end_item(query: CallbackQuery, turn: Turn) -> None:
    """The menu's "hand over": the shift, a note, then the confirmation."""
    await turn.state.clear()
    current = await active_shift(turn)
    if current is None:
        await _show_off_duty(turn)
        return
    held = await turn.services.requests.listing(
        view="mine",
        executor_id=turn.person.user_id,
        statuses=ACTIVE_STATUSES,
        page_size=_COUNT_LIMIT,
    )
    await turn.remember(
        shift_id=current.id,
        shift_since=local_time(current.start_time.seconds),
        shift_held=len(held.items),
        shift_more=bool(held.next_token),
        shift_note="",
    )
    await HAND.enter(turn, HandingOver.note)


@HAND.step(HandingOver.note)
async def ask_note(turn: Turn) -> None:
    """An optional note for whoever comes next."""
    data = await turn.data()
    markup = inline(
        [[button(turn.t("button.skip"), StepDo(action=StepAction.SKIP).pack())], nav_row(turn.t)]
    )
    note = str(data.get("shift_note", ""))
    key = "shift.note.again" if note else "shift.note.ask"
    await turn.show(key, markup, since=data.get("shift_since", ""), note=note)


async def on_note(message: Message, turn: Turn) -> None:
    """A typed note."""
    checked = check_note(message.text)
    if not checked.ok:
        await turn.say(checked.problem, None, length=checked.length)
        return
    await turn.remember(shift_note=checked.value)
    await HAND.next(turn)


async def on_note_not_text(message: Message, turn: Turn) -> None:
    """A photo or sticker where a note is expected."""
    await turn.say("shift.note.text_please")


async def on_note_skipped(query: CallbackQuery, callback_data: StepDo, turn: Turn) -> None:
    """No note."""
    await turn.remember(shift_note="")
    await HAND.next(turn)


@HAND.step(HandingOver.confirm)
async def ask_end(turn: Turn) -> None:
    """Sure? The open requests go back to the pool."""
    t = turn.t
    data = await turn.data()
    held = int(data.get("shift_held", 0))
    if held:
        count = f"{held}+" if data.get("shift_more") else str(held)
        requests = t("shift.end.requests", count=count)
    else:
        requests = t("shift.end.no_requests")
    note = str(data.get("shift_note", ""))
    text = t.raw(
        "shift.end.ask",
        since=t("shift.end.since", since=data.get("shift_since", "")),
        requests=requests,
        note=t("shift.end.note", note=note) if note else "",
    )
    markup = inline([[button(t("shift.button.end"), ShiftDo(act=ShiftAct.END).pack())], nav_row(t)])
    await turn.show_text(text, markup)


async def on_end(query: CallbackQuery, callback_data: ShiftDo, turn: Turn) -> None:
    """Confirmed: hand over."""
    await run_action(turn, "shift.end")


@action("shift.end")
async def end_shift(turn: Turn) -> None:
    """EndShift of the shift the confirmation was about, with the note."""
    data = await turn.data()
    try:
        ended = await turn.services.shifts.end(
            shift_id=str(data.get("shift_id", "")), note=str(data.get("shift_note", ""))
        )
    except Refused as refusal:
        if refusal.reason in {"SHIFT_NOT_ACTIVE", "NO_ACTIVE_SHIFT"}:
            # Ended meanwhile (a manager, another device, a retry after a lost answer).
            await turn.state.clear()
            await _show_off_duty(turn, "shift.already_ended")
            return
        raise
    log.info("shift ended", extra={"user_id": turn.person.user_id})
    held = int(data.get("shift_held", 0))
    await turn.state.clear()
    key = "shift.ended" if held else "shift.ended_empty"
    await turn.show(key, None, until=local_time(ended.end_time.seconds), count=held)
    await turn.reply.send(turn.t("menu.next"), menu_keyboard(turn.person, turn.t))


def router() -> Router:
    """Taking and handing over shifts (approved executors)."""
    r = Router(name="shift")
    executors = (Approved(), HasRole("executor"))
    r.message.filter(*executors)
    r.callback_query.filter(*executors)
    r.callback_query.register(on_take_item, MenuItem.filter(F.item == MenuKey.SHIFT_START))
    r.callback_query.register(on_end_item, MenuItem.filter(F.item == MenuKey.SHIFT_END))
    focusing = StateFilter(TakingShift.focus)
    r.callback_query.register(on_focus, ShiftFocus.filter(), focusing)
    r.callback_query.register(on_focus_all, ShiftDo.filter(F.act == ShiftAct.ALL), focusing)
    r.callback_query.register(on_start, ShiftDo.filter(F.act == ShiftAct.START), focusing)
    r.message.register(on_note, StateFilter(HandingOver.note), F.text)
    r.message.register(on_note_not_text, StateFilter(HandingOver.note))
    r.callback_query.register(
        on_note_skipped,
        StepDo.filter(F.action == StepAction.SKIP),
        StateFilter(HandingOver.note),
    )
    r.callback_query.register(
        on_end, ShiftDo.filter(F.act == ShiftAct.END), StateFilter(HandingOver.confirm)
    )
    return r
