"""Onboarding of pending people.

Residents: resident/staff fork → phone (contact button or typed) → yard → building →
apartment → a binding request → waiting for a manager. Staff arrive with an invite
(`/start join_<token>`, flows/common.py) and give their name and phone, then wait.

`begin` works out where a pending person stands from what the services know (phone given?
binding asked?), so a person who comes back days later lands on the right step.
"""

from __future__ import annotations

import logging
from uuid import UUID

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove

from bot.callbacks import (
    Fork,
    ForkChoice,
    ListKind,
    MenuItem,
    MenuKey,
    PageTo,
    PickBuilding,
    PickFlat,
    PickYard,
)
from bot.flows.filters import Pending
from bot.flows.pickers import Item, Picker
from bot.flows.pickers import pressed_label as _label_of
from bot.flows.steps import Flow, action, run_action
from bot.logic.inputs import check_full_name
from bot.logic.phones import PhoneResult, from_contact, parse_phone
from bot.mesh import Refused
from bot.turn import Turn
from bot.ui.keyboards import button, contact_keyboard, inline, nav_row

__all__ = ["Onboarding", "StaffOnboarding", "begin", "router"]

log = logging.getLogger(__name__)


class Onboarding(StatesGroup):
    """A resident's steps."""

    fork = State()
    phone = State()
    yard = State()
    building = State()
    flat = State()


class StaffOnboarding(StatesGroup):
    """An invited staff member's steps."""

    name = State()
    phone = State()


async def begin(turn: Turn) -> None:
    """Where a pending person goes when they write: the step they have not done yet."""
    person = turn.person
    await turn.state.clear()
    if person.is_staff:
        if person.has_phone:
            await turn.say("onboarding.waiting.staff")
        else:
            await STAFF.enter(turn, StaffOnboarding.name)
        return
    if person.has_phone and await turn.services.directory.bindings():
        await turn.say("onboarding.waiting.resident")
        return
    await RESIDENT.enter(turn, Onboarding.fork)


async def _leave(turn: Turn) -> None:
    await begin(turn)


RESIDENT = Flow("onboarding", exit=_leave)
STAFF = Flow("staff_onboarding", exit=_leave)


# --- resident or staff -------------------------------------------------------------------


@RESIDENT.step(Onboarding.fork)
async def ask_fork(turn: Turn) -> None:
    """Who are you?"""
    markup = inline(
        [
            [button(turn.t("onboarding.fork.resident"), Fork(choice=ForkChoice.RESIDENT).pack())],
            [button(turn.t("onboarding.fork.staff"), Fork(choice=ForkChoice.STAFF).pack())],
            # The language can be chosen before anything else.
            [button(turn.t("menu.item.lang"), MenuItem(item=MenuKey.LANGUAGE).pack())],
        ]
    )
    await turn.show("onboarding.fork.ask", markup)


async def on_fork(query: CallbackQuery, callback_data: Fork, turn: Turn) -> None:
    """Residents go on; staff need an invite link from their manager."""
    if callback_data.choice is ForkChoice.STAFF:
        await turn.show("onboarding.fork.staff_needs_invite", inline([nav_row(turn.t)]))
        return
    if turn.person.has_phone:
        await RESIDENT.enter(turn, Onboarding.yard)
    else:
        await RESIDENT.enter(turn, Onboarding.phone)


# --- phone ---------------------------------------------------------------------------------


async def _ask_phone(turn: Turn) -> None:
    # The contact button lives on a reply keyboard: a new message, never an edit.
    await turn.reply.toast()
    await turn.say("onboarding.phone.ask", contact_keyboard(turn.t))
    await turn.say("onboarding.phone.or_back", inline([nav_row(turn.t)]))


RESIDENT.step(Onboarding.phone)(_ask_phone)


async def on_phone_text(message: Message, turn: Turn) -> None:
    """A typed number."""
    await _take_phone(turn, parse_phone(message.text or ""))


async def on_contact(message: Message, turn: Turn) -> None:
    """A shared contact: only the person's own number."""
    contact = message.contact
    if contact is None or message.from_user is None or contact.user_id != message.from_user.id:
        await turn.say("onboarding.phone.not_yours")
        return
    await _take_phone(turn, from_contact(contact.phone_number))


async def on_not_a_phone(message: Message, turn: Turn) -> None:
    """A photo, a sticker… at the phone step."""
    await turn.say("onboarding.phone.expected")


async def _take_phone(turn: Turn, result: PhoneResult) -> None:
    if result.problem is not None:
        await turn.say(f"phone.problem.{result.problem.value}")
        return
    await turn.remember(phone=result.e164)
    staff = await turn.state.get_state() == StaffOnboarding.phone.state
    await run_action(turn, "onboarding.staff_phone" if staff else "onboarding.phone")


async def _save_phone(turn: Turn) -> bool:
    phone = str((await turn.data()).get("phone", ""))
    try:
        await turn.services.users.update_profile(turn.person.user_id, phone=phone)
    except Refused:
        # The users service has the last word on numbers; ask again.
        await turn.say("onboarding.phone.rejected")
        return False
    await turn.say("onboarding.phone.saved", ReplyKeyboardRemove())
    return True


@action("onboarding.phone")
async def save_resident_phone(turn: Turn) -> None:
    """Store the phone, then choose the address."""
    if await _save_phone(turn):
        await RESIDENT.next(turn)


@action("onboarding.staff_phone")
async def save_staff_phone(turn: Turn) -> None:
    """Store the phone; the staff member then waits for a manager."""
    if await _save_phone(turn):
        await turn.state.clear()
        await turn.say("onboarding.waiting.staff")


# --- yard → building → apartment ------------------------------------------------------------


async def _yards(turn: Turn, token: str, query: str) -> tuple[list[Item], str]:
    page = await turn.services.directory.yards(page_token=token, query=query)
    return [Item(y.id, y.name) for y in page.items], page.next_token


async def _buildings(turn: Turn, token: str, query: str) -> tuple[list[Item], str]:
    yard_id = str((await turn.data()).get("yard_id", ""))
    page = await turn.services.directory.buildings(yard_id, page_token=token, query=query)
    return [Item(b.id, b.address) for b in page.items], page.next_token


async def _flats(turn: Turn, token: str, query: str) -> tuple[list[Item], str]:
    building_id = str((await turn.data()).get("building_id", ""))
    page = await turn.services.directory.apartments(building_id, page_token=token, query=query)
    # Button labels are plain text: `raw`, no HTML escaping.
    items = [Item(a.id, turn.t.raw("onboarding.flat.label", number=a.number)) for a in page.items]
    return items, page.next_token


async def _yard_heading(turn: Turn) -> str:
    return turn.t("onboarding.yard.ask")


async def _building_heading(turn: Turn) -> str:
    return turn.t("onboarding.building.ask", yard=(await turn.data()).get("yard_name", ""))


async def _flat_heading(turn: Turn) -> str:
    data = await turn.data()
    return turn.t("onboarding.flat.ask", building=data.get("building_name", ""))


YARDS = Picker(
    ListKind.YARDS,
    _yards,
    lambda i: PickYard(id=UUID(i)).pack(),
    _yard_heading,
    "onboarding.yard.none",
)
BUILDINGS = Picker(
    ListKind.BUILDINGS,
    _buildings,
    lambda i: PickBuilding(id=UUID(i)).pack(),
    _building_heading,
    "onboarding.building.none",
    columns=1,
)
FLATS = Picker(
    ListKind.FLATS,
    _flats,
    lambda i: PickFlat(id=UUID(i)).pack(),
    _flat_heading,
    "onboarding.flat.none",
    columns=4,
)
_PICKERS = {
    Onboarding.yard.state: YARDS,
    Onboarding.building.state: BUILDINGS,
    Onboarding.flat.state: FLATS,
}

RESIDENT.step(Onboarding.yard)(YARDS.show)
RESIDENT.step(Onboarding.building)(BUILDINGS.show)
RESIDENT.step(Onboarding.flat)(FLATS.show)


async def on_yard(query: CallbackQuery, callback_data: PickYard, turn: Turn) -> None:
    """A yard was chosen: its buildings next."""
    yard_id = str(callback_data.id)
    if not await YARDS.was_shown(turn, yard_id):
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    await turn.remember(yard_id=yard_id, yard_name=_label_of(query, yard_id))
    await BUILDINGS.reset(turn)
    await RESIDENT.next(turn)


async def on_building(query: CallbackQuery, callback_data: PickBuilding, turn: Turn) -> None:
    """A building was chosen: its apartments next."""
    building_id = str(callback_data.id)
    if not await BUILDINGS.was_shown(turn, building_id):
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    await turn.remember(building_id=building_id, building_name=_label_of(query, building_id))
    await FLATS.reset(turn)
    await RESIDENT.next(turn)


async def on_flat(query: CallbackQuery, callback_data: PickFlat, turn: Turn) -> None:
    """An apartment was chosen: ask for the binding."""
    flat_id = str(callback_data.id)
    if not await FLATS.was_shown(turn, flat_id):
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    await turn.remember(apartment_id=flat_id, apartment_label=_label_of(query, flat_id))
    await run_action(turn, "onboarding.bind")


@action("onboarding.bind")
async def bind(turn: Turn) -> None:
    """Ask to be bound to the chosen apartment; then the person waits."""
    data = await turn.data()
    await turn.services.directory.request_binding(str(data["apartment_id"]))
    log.info("binding requested", extra={"user_id": turn.person.user_id})
    await turn.state.clear()
    await turn.show(
        "onboarding.bound",
        None,
        building=data.get("building_name", ""),
        flat=data.get("apartment_label", ""),
    )


async def on_page(query: CallbackQuery, callback_data: PageTo, turn: Turn) -> None:
    """Another page of the current picker."""
    picker = _PICKERS.get(await turn.state.get_state() or "")
    if picker is None or picker.kind is not callback_data.list:
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    if not await picker.go_to(turn, callback_data.page):
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)


async def on_search(message: Message, turn: Turn) -> None:
    """Typed text at a picker: search by name, address or apartment number."""
    picker = _PICKERS[await turn.state.get_state() or ""]
    await picker.search(turn, message.text or "")


# --- staff -----------------------------------------------------------------------------------


@STAFF.step(StaffOnboarding.name)
async def ask_name(turn: Turn) -> None:
    """The staff member's full name."""
    await turn.show("onboarding.name.ask", inline([nav_row(turn.t, back=False)]))


async def on_name(message: Message, turn: Turn) -> None:
    """A typed name."""
    checked = check_full_name(message.text)
    if not checked.ok:
        await turn.say(checked.problem)
        return
    await turn.remember(full_name=checked.value)
    await run_action(turn, "onboarding.name")


@action("onboarding.name")
async def save_name(turn: Turn) -> None:
    """Store the name, then ask for the phone."""
    name = str((await turn.data()).get("full_name", ""))
    await turn.services.users.update_profile(turn.person.user_id, full_name=name)
    await STAFF.next(turn)


STAFF.step(StaffOnboarding.phone)(_ask_phone)


def router() -> Router:
    """Onboarding's handlers (pending people only)."""
    r = Router(name="onboarding")
    r.message.filter(Pending())
    r.callback_query.filter(Pending())
    r.callback_query.register(on_fork, Fork.filter(), StateFilter(Onboarding.fork))
    phone_steps = StateFilter(Onboarding.phone, StaffOnboarding.phone)
    r.message.register(on_contact, phone_steps, F.contact)
    r.message.register(on_phone_text, phone_steps, F.text)
    r.message.register(on_not_a_phone, phone_steps)
    r.callback_query.register(on_yard, PickYard.filter(), StateFilter(Onboarding.yard))
    r.callback_query.register(on_building, PickBuilding.filter(), StateFilter(Onboarding.building))
    r.callback_query.register(on_flat, PickFlat.filter(), StateFilter(Onboarding.flat))
    pickers = StateFilter(Onboarding.yard, Onboarding.building, Onboarding.flat)
    r.callback_query.register(on_page, PageTo.filter(), pickers)
    r.message.register(on_search, pickers, F.text)
    r.message.register(on_name, StateFilter(StaffOnboarding.name), F.text)
    return r
