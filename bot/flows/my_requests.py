"""A resident's (or an inspector's) requests: a list with filters (active / awaiting my
acceptance / closed) paged with ListRequests page tokens, a card per request (number,
category, status, address, executor assigned or not, expected deadline, the latest steps of
its history) and the actions the person may take on it now (bot/logic/resident.py).

Accept, return and answer on the card are the notification buttons (`act:…`, flows/actions.py)
so they run the very same flows; cancelling while NEW (a reason required) lives here. "Awaiting
my acceptance" lists everything the person may see that waits for acceptance: for a resident
that includes the requests of their flat filed by a neighbour, which they may accept too.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message
from ukm.requests.v1 import request_pb2

from bot.callbacks import (
    ListKind,
    MenuItem,
    MenuKey,
    MineAct,
    MineCard,
    MineDo,
    MineList,
    MineView,
    PageTo,
)
from bot.flows import home
from bot.flows.filters import Approved, HasRole
from bot.flows.pickers import Item, Picker
from bot.flows.steps import Flow, action, run_action
from bot.logic.inputs import check_reason
from bot.logic.moments import display_number, local_time
from bot.logic.resident import (
    LISTS,
    CardAction,
    Step,
    card_actions,
    facts_of,
    is_neighbours,
    recent_steps,
)
from bot.mesh import Missing, NotAllowed, Refused
from bot.mesh.requests import CATEGORY, STATUS
from bot.turn import Turn
from bot.ui.keyboards import button, inline, nav_row
from bot.ui.menus import menu_keyboard
from services.kit.callbacks import InlineAction, encode
from services.kit.enums import EnumKeys

__all__ = ["MyRequests", "router", "start"]

log = logging.getLogger(__name__)
_LISTS = {MineView.ACTIVE: "active", MineView.WAITING: "waiting", MineView.CLOSED: "closed"}
_PAGE = 5
# Card actions that are the notification buttons' flows (flows/actions.py).
_BUTTONS = {
    CardAction.ACCEPT: (InlineAction.ACCEPT, "card.accept"),
    CardAction.RETURN: (InlineAction.RETURN, "card.return"),
    CardAction.ANSWER: (InlineAction.ANSWER, "card.answer"),
}


class MyRequests(StatesGroup):
    """The list, a card, and the reason when cancelling from the card."""

    list = State()
    card = State()
    cancel = State()


async def _leave(turn: Turn) -> None:
    await home.show_menu(turn, edit=True)


FLOW = Flow("my_requests", exit=_leave)


def _view(data: dict[str, Any]) -> MineView:
    value = str(data.get("mine_view", ""))
    return MineView(value) if value in MineView.__members__.values() else MineView.ACTIVE


def _key(value: int, keys: EnumKeys, fallback: str) -> str:
    """The catalogue suffix of an enum value (`fallback` for one this build does not know)."""
    return keys.by_number.get(value, fallback)


# --- the list --------------------------------------------------------------------------------


async def _fetch(turn: Turn, token: str, query: str) -> tuple[list[Item], str]:
    listing = LISTS[_LISTS[_view(await turn.data())]]
    page = await turn.services.requests.listing(
        statuses=listing.statuses, view=listing.view, page_token=token, page_size=_PAGE
    )
    t, me = turn.t, turn.person.user_id
    items = []
    for request in page.items:
        label = t.raw(
            "my_requests.item",
            number=display_number(request.request_number),
            category=t.raw(f"category.{_key(request.category, CATEGORY, 'other')}"),
            status=t.raw(f"status.{_key(request.status, STATUS, 'new')}"),
        )
        if is_neighbours(facts_of(request), me):
            label = t.raw("my_requests.neighbours_item", item=label)
        items.append(Item(request.request_number, label))
    return items, page.next_token


async def _heading(turn: Turn) -> str:
    view = _LISTS[_view(await turn.data())]
    return turn.t(f"my_requests.title.{view}")


async def _filters(turn: Turn) -> list[list[InlineKeyboardButton]]:
    current = _view(await turn.data())
    buttons = []
    for view, name in _LISTS.items():
        label = turn.t.raw(f"my_requests.filter.{name}")
        if view is current:
            label = turn.t.raw("my_requests.filter.current", name=label)
        buttons.append(button(label, MineList(view=view).pack()))
    return [buttons]


MINE = Picker(
    ListKind.MINE,
    _fetch,
    lambda number: MineCard(number=number).pack(),
    _heading,
    "my_requests.none",
    columns=1,
    extra=_filters,
)
FLOW.step(MyRequests.list)(MINE.show)


async def start(turn: Turn, view: MineView = MineView.ACTIVE) -> None:
    """The list with filter `view`, from its first page."""
    await turn.state.clear()
    await turn.remember(mine_view=view.value)
    await FLOW.enter(turn, MyRequests.list)


async def on_menu_item(query: CallbackQuery, turn: Turn) -> None:
    """The menu's "my requests"."""
    await start(turn)


async def on_filter(query: CallbackQuery, callback_data: MineList, turn: Turn) -> None:
    """Another filter (from any list message: reading is harmless)."""
    await start(turn, callback_data.view)


async def on_page(query: CallbackQuery, callback_data: PageTo, turn: Turn) -> None:
    """Another page of the list."""
    if callback_data.list is not ListKind.MINE or not await MINE.go_to(turn, callback_data.page):
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)


# --- a card ----------------------------------------------------------------------------------


async def on_card(query: CallbackQuery, callback_data: MineCard, turn: Turn) -> None:
    """Open a card: read as the person first (a request they may not see looks missing)."""
    try:
        request = await turn.services.requests.get(callback_data.number)
    except (Missing, NotAllowed):
        log.info("card of an unavailable request refused", extra={"user_id": turn.person.user_id})
        await turn.reply.toast(turn.t("action.not_available"), alert=True)
        return
    if await turn.state.get_state() not in (MyRequests.list.state, MyRequests.card.state):
        await turn.state.clear()
    await turn.remember(card=request.request_number)
    await turn.state.set_state(MyRequests.card)
    await _show_card(turn, request)


@FLOW.step(MyRequests.card)
async def ask_card(turn: Turn) -> None:
    """The card of the request in FSM data, read afresh."""
    number = str((await turn.data()).get("card", ""))
    await _show_card(turn, await turn.services.requests.get(number))


async def _show_card(turn: Turn, request: request_pb2.Request) -> None:
    t, me = turn.t, turn.person.user_id
    number = request.request_number
    address = request.address
    labels, history = await asyncio.gather(
        turn.services.directory.labels(
            apartment_ids=[address.apartment_id],
            building_ids=[address.building_id] if not address.apartment_id else [],
            yard_ids=[address.yard_id] if not address.building_id else [],
        ),
        turn.services.requests.history(number),
    )
    place = address.apartment_id or address.building_id or address.yard_id
    facts = facts_of(request)
    text = t(
        "my_requests.card",
        number=display_number(number),
        status=t(f"status.{_key(request.status, STATUS, 'new')}"),
        category=t(f"category.{_key(request.category, CATEGORY, 'other')}"),
        address=labels.get(place, "—"),
        executor=t(
            "my_requests.executor.yes" if request.executor_id else "my_requests.executor.no"
        ),
        due=local_time(request.sla.resolution_due_time.seconds) or "—",
        description=request.description,
    )
    steps = recent_steps(
        [
            Step(e.change, _key(e.to_status, STATUS, ""), e.occur_time.seconds, e.reason)
            for e in history
        ]
    )
    if steps:
        lines = [t("my_requests.latest")]
        for step in steps:
            lines.append(
                t(
                    "my_requests.step",
                    when=local_time(step.seconds),
                    status=t(f"status.{step.to_status}"),
                )
            )
            if step.reason:
                lines.append(t("my_requests.step_reason", reason=step.reason))
        text = f"{text}\n\n" + "\n".join(lines)
    if is_neighbours(facts, me):
        text = f"{t('my_requests.neighbours')}\n{text}"
    rows: list[list[InlineKeyboardButton]] = []
    for allowed in card_actions(facts, me):
        if allowed is CardAction.CANCEL:
            data = MineDo(act=MineAct.CANCEL, number=number).pack()
            rows.append([button(t("my_requests.cancel.button"), data)])
        else:
            inline_action, label = _BUTTONS[allowed]
            rows.append([button(t(label), encode(inline_action, number))])
    rows.append(nav_row(t))
    await turn.show_text(text, inline(rows))


# --- cancel while NEW ------------------------------------------------------------------------


async def on_cancel(query: CallbackQuery, callback_data: MineDo, turn: Turn) -> None:
    """Cancel from the card: only the applicant, only while NEW (read afresh to make sure)."""
    try:
        request = await turn.services.requests.get(callback_data.number)
    except (Missing, NotAllowed):
        await turn.reply.toast(turn.t("action.not_available"), alert=True)
        return
    if CardAction.CANCEL not in card_actions(facts_of(request), turn.person.user_id):
        await turn.reply.toast(turn.t("action.not_now"), alert=True)
        return
    if await turn.state.get_state() not in (MyRequests.list.state, MyRequests.card.state):
        await turn.state.clear()
    await turn.remember(card=request.request_number, version=request.version)
    await turn.reply.toast()
    await FLOW.enter(turn, MyRequests.cancel)


@FLOW.step(MyRequests.cancel)
async def ask_cancel_reason(turn: Turn) -> None:
    """Why cancel."""
    number = display_number(str((await turn.data()).get("card", "")))
    await turn.show("my_requests.cancel.ask", inline([nav_row(turn.t)]), number=number)


async def on_cancel_reason(message: Message, turn: Turn) -> None:
    """A typed reason."""
    checked = check_reason(message.text)
    if not checked.ok:
        await turn.say(checked.problem, inline([nav_row(turn.t)]), length=checked.length)
        return
    await turn.remember(cancel_reason=checked.value)
    await run_action(turn, "my_requests.cancel")


async def on_cancel_reason_not_text(message: Message, turn: Turn) -> None:
    """A photo or a sticker where the reason is expected."""
    await turn.say("my_requests.cancel.text_please", inline([nav_row(turn.t)]))


@action("my_requests.cancel")
async def cancel(turn: Turn) -> None:
    """CancelRequest with the version seen: a double tap, or a retry after the first call went
    through, is refused as stale and then recognised as already cancelled."""
    data = await turn.data()
    number = str(data["card"])
    try:
        await turn.services.requests.cancel(
            number, reason=str(data["cancel_reason"]), expected_version=int(data.get("version", 0))
        )
    except Refused as error:
        if error.reason != "STALE_VERSION":
            raise
        now = await turn.services.requests.get(number)
        if now.status != request_pb2.REQUEST_STATUS_CANCELLED:
            raise
    log.info("request cancelled", extra={"user_id": turn.person.user_id, "number": number})
    await turn.state.clear()
    await turn.say("my_requests.cancel.done", None, number=display_number(number))
    await turn.reply.send(turn.t("menu.next"), menu_keyboard(turn.person, turn.t))


def router() -> Router:
    """The handlers of "my requests" (approved residents and inspectors)."""
    r = Router(name="my_requests")
    r.message.filter(Approved())
    r.callback_query.filter(Approved())
    r.callback_query.register(
        on_menu_item,
        MenuItem.filter(F.item == MenuKey.MY_REQUESTS),
        HasRole("applicant", "inspector"),
    )
    r.callback_query.register(on_filter, MineList.filter())
    r.callback_query.register(on_page, PageTo.filter(), StateFilter(MyRequests.list))
    r.callback_query.register(on_card, MineCard.filter())
    r.callback_query.register(on_cancel, MineDo.filter(F.act == MineAct.CANCEL))
    r.message.register(on_cancel_reason, StateFilter(MyRequests.cancel), F.text)
    r.message.register(on_cancel_reason_not_text, StateFilter(MyRequests.cancel))
    return r
