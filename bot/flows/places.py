"""Choosing a place outside onboarding, with onboarding's own pickers (yard → building →
apartment): a resident asking for another apartment (profile.py), an inspector choosing a
building (inspector.py).

Each `took_*` checks that the pressed item was on the page shown (a forged or stale button is
refused with a toast and False) and remembers it under the keys the pickers' headings and
fetches read (`yard_id`, `yard_name`, `building_id`…); the flow then moves on itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message

from bot.callbacks import PageTo, PickBuilding, PickFlat, PickYard
from bot.flows.onboarding import BUILDINGS, FLATS, YARDS
from bot.flows.pickers import Picker, pressed_label
from bot.turn import Turn

__all__ = ["PickerSteps", "took_building", "took_flat", "took_yard"]


async def _stale(turn: Turn) -> bool:
    await turn.reply.toast(turn.t("error.stale_button"), alert=True)
    return False


async def took_yard(query: CallbackQuery, callback_data: PickYard, turn: Turn) -> bool:
    """A yard was chosen: its buildings are listed from the first page next."""
    yard_id = str(callback_data.id)
    if not await YARDS.was_shown(turn, yard_id):
        return await _stale(turn)
    await turn.remember(yard_id=yard_id, yard_name=pressed_label(query, yard_id))
    await BUILDINGS.reset(turn)
    return True


async def took_building(query: CallbackQuery, callback_data: PickBuilding, turn: Turn) -> bool:
    """A building was chosen: its apartments are listed from the first page next."""
    building_id = str(callback_data.id)
    if not await BUILDINGS.was_shown(turn, building_id):
        return await _stale(turn)
    await turn.remember(building_id=building_id, building_name=pressed_label(query, building_id))
    await FLATS.reset(turn)
    return True


async def took_flat(query: CallbackQuery, callback_data: PickFlat, turn: Turn) -> bool:
    """An apartment was chosen."""
    flat_id = str(callback_data.id)
    if not await FLATS.was_shown(turn, flat_id):
        return await _stale(turn)
    await turn.remember(apartment_id=flat_id, apartment_label=pressed_label(query, flat_id))
    return True


class PickerSteps:
    """Paging and typed search for the picker steps of one flow (`states` → picker)."""

    def __init__(self, states: Mapping[State, Picker]) -> None:
        self.pickers = {state.state: picker for state, picker in states.items()}

    async def on_page(self, query: CallbackQuery, callback_data: PageTo, turn: Turn) -> None:
        """Another page of the picker on screen."""
        picker = self.pickers.get(await turn.state.get_state() or "")
        if picker is None or picker.kind is not callback_data.list:
            await _stale(turn)
            return
        if not await picker.go_to(turn, callback_data.page):
            await _stale(turn)

    async def on_search(self, message: Message, turn: Turn) -> None:
        """Typed text at a picker: search by name, address or apartment number."""
        picker = self.pickers.get(await turn.state.get_state() or "")
        if picker is not None:
            await picker.search(turn, message.text or "")
