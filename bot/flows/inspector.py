"""An inspector files a building-level request for any active building: yard → building
(onboarding's pickers), then the resident's filing steps — category → description → urgency →
photos → summary → confirm — reused from flows/new_request.py (its prompts and handlers, in
this flow's own states), filed with source INSPECTOR and the `manager` acceptance mode (staff
report it: the manager's confirmation is final, no resident accepts it). No residency is
needed: the requests service lets inspectors name any building (services/requests/access.py).
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery

from bot.callbacks import (
    MenuItem,
    MenuKey,
    PageTo,
    PickBuilding,
    PickCategory,
    PickUrgency,
    PickYard,
    StepDo,
)
from bot.flows import home, new_request
from bot.flows.filters import Approved, HasRole
from bot.flows.onboarding import BUILDINGS, YARDS
from bot.flows.places import PickerSteps, took_building, took_yard
from bot.flows.steps import Flow
from bot.turn import Turn

__all__ = ["Inspecting", "router", "start"]


class Inspecting(StatesGroup):
    """The steps of an inspector's request."""

    yard = State()
    building = State()
    category = State()
    description = State()
    urgency = State()
    media = State()
    confirm = State()


async def _leave(turn: Turn) -> None:
    await home.show_menu(turn, edit=True)


async def _yard_heading(turn: Turn) -> str:
    return turn.t("inspector.yard.ask")


# Onboarding's yard picker (the same listing, paging and shown ids) under the inspector's words.
INSPECT_YARDS = replace(YARDS, heading=_yard_heading)
FLOW = Flow("inspect", exit=_leave)
FLOW.step(Inspecting.yard)(INSPECT_YARDS.show)
FLOW.step(Inspecting.building)(BUILDINGS.show)
FLOW.step(Inspecting.category)(new_request.ask_category)
FLOW.step(Inspecting.description)(new_request.ask_description)
FLOW.step(Inspecting.urgency)(new_request.ask_urgency)
FLOW.step(Inspecting.media)(new_request.ask_media)
FLOW.step(Inspecting.confirm)(new_request.ask_confirm)
_PICKERS = PickerSteps({Inspecting.yard: INSPECT_YARDS, Inspecting.building: BUILDINGS})


# What an inspector's draft starts with: who files it and who closes it.
DRAFT = {"media": [], "source": "inspector", "acceptance": "manager"}


async def start(turn: Turn) -> None:
    """A fresh draft (its source and acceptance mode say who files it), then the yard."""
    await turn.state.clear()
    await turn.remember(flow_id=uuid.uuid4().hex, draft=dict(DRAFT, media=[]))
    await FLOW.enter(turn, Inspecting.yard)


async def on_menu_item(query: CallbackQuery, turn: Turn) -> None:
    """The menu's "building request"."""
    await start(turn)


async def on_yard(query: CallbackQuery, callback_data: PickYard, turn: Turn) -> None:
    """A yard: its buildings next."""
    if await took_yard(query, callback_data, turn):
        await FLOW.next(turn)


async def on_building(query: CallbackQuery, callback_data: PickBuilding, turn: Turn) -> None:
    """A building: the request is about it (its label as the directory writes it)."""
    if not await took_building(query, callback_data, turn):
        return
    data = await turn.data()
    building_id, yard_id = str(data["building_id"]), str(data["yard_id"])
    labels = await turn.services.directory.labels(building_ids=[building_id])
    fallback = f"{data.get('yard_name', '')} · {data.get('building_name', '')}"
    draft = dict(data.get("draft") or dict(DRAFT, media=[]))
    draft["address"] = {
        "label": labels.get(building_id, fallback),
        "yard": yard_id,
        "building": building_id,
        "flat": "",
    }
    await turn.remember(draft=draft)
    await FLOW.next(turn)


def router() -> Router:
    """The inspector's filing (approved inspectors only)."""
    r = Router(name="inspector")
    for observer in (r.message, r.callback_query):
        observer.filter(Approved())
        observer.filter(HasRole("inspector"))
    r.callback_query.register(on_menu_item, MenuItem.filter(F.item == MenuKey.INSPECT))
    r.callback_query.register(on_yard, PickYard.filter(), StateFilter(Inspecting.yard))
    r.callback_query.register(on_building, PickBuilding.filter(), StateFilter(Inspecting.building))
    pickers = StateFilter(Inspecting.yard, Inspecting.building)
    r.callback_query.register(_PICKERS.on_page, PageTo.filter(), pickers)
    r.message.register(_PICKERS.on_search, pickers, F.text)
    # The filing steps: new_request's handlers, in this flow's states (they move on in it).
    r.callback_query.register(
        new_request.on_category, PickCategory.filter(), StateFilter(Inspecting.category)
    )
    r.message.register(new_request.on_description, StateFilter(Inspecting.description), F.text)
    r.message.register(new_request.on_description_not_text, StateFilter(Inspecting.description))
    r.callback_query.register(
        new_request.on_urgency, PickUrgency.filter(), StateFilter(Inspecting.urgency)
    )
    r.message.register(new_request.on_media, StateFilter(Inspecting.media))
    r.callback_query.register(
        new_request.on_media_done, StepDo.filter(), StateFilter(Inspecting.media)
    )
    r.callback_query.register(
        new_request.on_confirm, StepDo.filter(), StateFilter(Inspecting.confirm)
    )
    return r
