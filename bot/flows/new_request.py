"""A resident files a request: category → address (only from `ResolveAddresses`) →
description (10–2000 characters) → urgency → up to 5 photos or videos, or skip → summary →
confirm → the number and the expected deadline.

Everything chosen or typed lives in FSM data (`draft`) from the moment it is accepted, so back,
a bot restart or a services outage loses nothing. Filing carries an idempotency key made of
the flow's id and the draft, so a confirm retried after a timeout never files twice.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.callbacks import (
    CategoryKey,
    MenuItem,
    MenuKey,
    PickAddress,
    PickCategory,
    PickUrgency,
    StepAction,
    StepDo,
    UrgencyKey,
)
from bot.flows import home
from bot.flows.filters import Approved, HasRole
from bot.flows.steps import Flow, action, flow_of, run_action
from bot.logic.inputs import MAX_MEDIA, check_description
from bot.logic.moments import display_number, idempotency_key, local_time
from bot.media import StoredMedia, incoming_of, to_ref
from bot.mesh import AddressRef
from bot.turn import Turn
from bot.ui.keyboards import button, grid, inline, nav_row
from bot.ui.menus import menu_keyboard

__all__ = ["NewRequest", "router", "start"]

log = logging.getLogger(__name__)


class NewRequest(StatesGroup):
    """The steps of filing."""

    category = State()
    address = State()
    description = State()
    urgency = State()
    media = State()
    confirm = State()


async def _leave(turn: Turn) -> None:
    await home.show_menu(turn, edit=True)


FLOW = Flow("new_request", exit=_leave)


async def start(turn: Turn) -> None:
    """A fresh draft, then the first step."""
    await turn.state.clear()
    await turn.remember(flow_id=uuid.uuid4().hex, draft={"media": []})
    await FLOW.enter(turn, NewRequest.category)


async def _draft(turn: Turn) -> dict[str, Any]:
    draft = (await turn.data()).get("draft")
    return dict(draft) if isinstance(draft, dict) else {"media": []}


async def _next(turn: Turn) -> None:
    # The step after the current one in whichever flow the step belongs to: the inspector's
    # building request (flows/inspector.py) reuses these steps in its own flow.
    flow = flow_of(await turn.state.get_state()) or FLOW
    await flow.next(turn)


async def _keep(turn: Turn, **values: Any) -> dict[str, Any]:
    draft = await _draft(turn)
    draft.update(values)
    await turn.remember(draft=draft)
    return draft


async def on_menu_item(query: CallbackQuery, turn: Turn) -> None:
    """The menu's "new request"."""
    await start(turn)


# --- category --------------------------------------------------------------------------------


@FLOW.step(NewRequest.category)
async def ask_category(turn: Turn) -> None:
    """Which kind of problem."""
    buttons = [
        button(turn.t(f"category.{c.value}"), PickCategory(category=c).pack()) for c in CategoryKey
    ]
    await turn.show("new_request.category.ask", inline([*grid(buttons, 2), nav_row(turn.t)]))


async def on_category(query: CallbackQuery, callback_data: PickCategory, turn: Turn) -> None:
    """A category was chosen."""
    await _keep(turn, category=callback_data.category.value)
    await _next(turn)


# --- address ---------------------------------------------------------------------------------


@FLOW.step(NewRequest.address)
async def ask_address(turn: Turn) -> None:
    """Where: one of the addresses the directory resolves for the person, never typed."""
    found = await turn.services.directory.addresses(turn.person.user_id)
    if not found:
        await turn.state.clear()
        await turn.show("new_request.address.none", inline([nav_row(turn.t, back=False)]))
        return
    options = [
        {"label": a.label, "yard": a.yard_id, "building": a.building_id, "flat": a.apartment_id}
        for a in found[:100]
    ]
    await turn.remember(addresses=options)
    buttons = [
        button(option["label"][:60], PickAddress(index=i).pack())
        for i, option in enumerate(options)
    ]
    await turn.show("new_request.address.ask", inline([*grid(buttons, 1), nav_row(turn.t)]))


async def on_address(query: CallbackQuery, callback_data: PickAddress, turn: Turn) -> None:
    """An address was chosen (by its position in the list shown)."""
    options = (await turn.data()).get("addresses") or []
    if callback_data.index >= len(options):
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    await _keep(turn, address=options[callback_data.index])
    await _next(turn)


# --- description -----------------------------------------------------------------------------


@FLOW.step(NewRequest.description)
async def ask_description(turn: Turn) -> None:
    """What is wrong, in words."""
    draft = await _draft(turn)
    markup = inline([nav_row(turn.t)])
    if draft.get("description"):
        await turn.show("new_request.description.again", markup, text=draft["description"])
    else:
        await turn.show("new_request.description.ask", markup)


async def on_description(message: Message, turn: Turn) -> None:
    """A typed description."""
    checked = check_description(message.text)
    if not checked.ok:
        await turn.say(checked.problem, None, length=checked.length)
        return
    await _keep(turn, description=checked.value)
    await _next(turn)


async def on_description_not_text(message: Message, turn: Turn) -> None:
    """A photo or sticker where words are expected."""
    await turn.say("new_request.description.text_please")


# --- urgency ---------------------------------------------------------------------------------


@FLOW.step(NewRequest.urgency)
async def ask_urgency(turn: Turn) -> None:
    """How urgent."""
    buttons = [
        button(turn.t(f"urgency.{u.value}"), PickUrgency(urgency=u).pack()) for u in UrgencyKey
    ]
    await turn.show("new_request.urgency.ask", inline([*grid(buttons, 2), nav_row(turn.t)]))


async def on_urgency(query: CallbackQuery, callback_data: PickUrgency, turn: Turn) -> None:
    """An urgency was chosen."""
    await _keep(turn, urgency=callback_data.urgency.value)
    await _next(turn)


# --- photos and videos -----------------------------------------------------------------------


def _media_keyboard(turn: Turn, count: int) -> Any:
    action_button = (
        button(turn.t("button.done", count=count), StepDo(action=StepAction.DONE).pack())
        if count
        else button(turn.t("button.skip"), StepDo(action=StepAction.SKIP).pack())
    )
    return inline([[action_button], nav_row(turn.t)])


@FLOW.step(NewRequest.media)
async def ask_media(turn: Turn) -> None:
    """Up to 5 photos or videos, or skip."""
    count = len((await _draft(turn)).get("media", []))
    await turn.show("new_request.media.ask", _media_keyboard(turn, count), limit=MAX_MEDIA)


async def on_media(message: Message, turn: Turn) -> None:
    """A photo or video (albums arrive as one update per item, handled one at a time)."""
    draft = await _draft(turn)
    media = list(draft.get("media", []))
    incoming = incoming_of(message)
    if incoming is None:
        markup = _media_keyboard(turn, len(media))
        await turn.say("new_request.media.expected", markup, limit=MAX_MEDIA)
        return
    if len(media) >= MAX_MEDIA:
        await turn.say("new_request.media.full", _media_keyboard(turn, len(media)), limit=MAX_MEDIA)
        return
    stored = await turn.media.keep(incoming)
    media.append(stored.dump())
    await _keep(turn, media=media)
    await turn.say(
        "new_request.media.added",
        _media_keyboard(turn, len(media)),
        count=len(media),
        limit=MAX_MEDIA,
    )


async def on_media_done(query: CallbackQuery, callback_data: StepDo, turn: Turn) -> None:
    """Done adding (or skipped): the summary."""
    if callback_data.action is StepAction.CONFIRM:
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    if callback_data.action is StepAction.SKIP:
        await _keep(turn, media=[])
    await _next(turn)


# --- summary and filing ----------------------------------------------------------------------


@FLOW.step(NewRequest.confirm)
async def ask_confirm(turn: Turn) -> None:
    """Everything at a glance, then confirm."""
    draft = await _draft(turn)
    t = turn.t
    text = t(
        "new_request.summary",
        category=t(f"category.{draft.get('category', 'other')}"),
        address=(draft.get("address") or {}).get("label", ""),
        description=draft.get("description", ""),
        urgency=t(f"urgency.{draft.get('urgency', 'medium')}"),
        media=len(draft.get("media", [])),
    )
    markup = inline(
        [[button(t("button.confirm"), StepDo(action=StepAction.CONFIRM).pack())], nav_row(t)]
    )
    await turn.show_text(text, markup)


async def on_confirm(query: CallbackQuery, callback_data: StepDo, turn: Turn) -> None:
    """Confirmed: file it."""
    if callback_data.action is not StepAction.CONFIRM:
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    await run_action(turn, "new_request.file")


@action("new_request.file")
async def file_request(turn: Turn) -> None:
    """CreateRequest with the draft; the same key every time this draft is confirmed."""
    data = await turn.data()
    draft = await _draft(turn)
    address = draft["address"]
    filed = await turn.services.requests.create(
        category=str(draft["category"]),
        description=str(draft["description"]),
        urgency=str(draft["urgency"]),
        address=AddressRef(address["yard"], address["building"], address["flat"]),
        media=[to_ref(StoredMedia.load(m)) for m in draft.get("media", [])],
        idempotency_key=idempotency_key(str(data.get("flow_id", "")), draft),
        # An inspector's draft says so (flows/inspector.py); residents file from the bot.
        source=str(draft.get("source", "bot")),
        # Staff's reports close on the manager's confirmation (DOMAIN.md); residents accept.
        acceptance_mode=str(draft.get("acceptance", "resident")),
    )
    log.info(
        "request filed", extra={"user_id": turn.person.user_id, "number": filed.request_number}
    )
    await turn.state.clear()
    due = local_time(filed.sla.resolution_due_time.seconds)
    key = "new_request.filed" if due else "new_request.filed_no_due"
    await turn.show(key, None, number=display_number(filed.request_number), due=due)
    await turn.reply.send(turn.t("menu.next"), menu_keyboard(turn.person, turn.t))


def router() -> Router:
    """The filing flow's handlers (approved applicants)."""
    r = Router(name="new_request")
    r.message.filter(Approved())
    r.callback_query.filter(Approved())
    r.callback_query.register(
        on_menu_item, MenuItem.filter(F.item == MenuKey.NEW_REQUEST), HasRole("applicant")
    )
    r.callback_query.register(on_category, PickCategory.filter(), StateFilter(NewRequest.category))
    r.callback_query.register(on_address, PickAddress.filter(), StateFilter(NewRequest.address))
    r.message.register(on_description, StateFilter(NewRequest.description), F.text)
    r.message.register(on_description_not_text, StateFilter(NewRequest.description))
    r.callback_query.register(on_urgency, PickUrgency.filter(), StateFilter(NewRequest.urgency))
    r.message.register(on_media, StateFilter(NewRequest.media))
    r.callback_query.register(on_media_done, StepDo.filter(), StateFilter(NewRequest.media))
    r.callback_query.register(on_confirm, StepDo.filter(), StateFilter(NewRequest.confirm))
    return r
