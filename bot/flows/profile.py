"""The profile, for every role: name, phone (the onboarding rules, bot/logic/phones.py),
language (the common picker), my apartments (bindings with their status, and another one asked
for with onboarding's pickers), notification preferences (quiet hours 22:00–08:00 on or off,
`NotificationService.UpdatePreferences` with an update mask) and the documents flow.

Each part is its own small flow, so "back" from any of them comes home to the profile, and
"back" from the profile goes to the menu. Every write is a retryable action reading FSM data.
"""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message, ReplyKeyboardRemove
from ukm.users.v1 import directory_pb2

from bot.callbacks import (
    MenuItem,
    MenuKey,
    PageTo,
    PickBuilding,
    PickFlat,
    PickYard,
    ProfileKey,
    ProfileOpen,
    QuietPick,
)
from bot.flows import documents, home
from bot.flows.filters import Approved
from bot.flows.onboarding import BUILDINGS, FLATS, YARDS
from bot.flows.places import PickerSteps, took_building, took_flat, took_yard
from bot.flows.steps import Flow, action, run_action
from bot.logic.inputs import check_full_name
from bot.logic.phones import PhoneResult, from_contact, parse_phone
from bot.logic.resident import QUIET_HOURS, quiet_hours_on
from bot.mesh import Refused
from bot.turn import Turn
from bot.ui.keyboards import button, contact_keyboard, inline, nav_row

__all__ = ["Profile", "router", "start"]

log = logging.getLogger(__name__)
_BINDING = {
    directory_pb2.BINDING_STATUS_PENDING: "pending",
    directory_pb2.BINDING_STATUS_APPROVED: "approved",
    directory_pb2.BINDING_STATUS_REJECTED: "rejected",
}


class Profile(StatesGroup):
    """The profile screen and its parts."""

    home = State()
    name = State()
    phone = State()
    flats = State()
    yard = State()
    building = State()
    flat = State()
    notify = State()


async def _menu(turn: Turn) -> None:
    await home.show_menu(turn, edit=True)


async def _home(turn: Turn) -> None:
    await PROFILE.enter(turn, Profile.home)


async def _phone_kept(turn: Turn) -> None:
    # Back from the phone step: the contact button's keyboard goes away with it.
    await turn.say("profile.phone.kept", ReplyKeyboardRemove())
    await _home(turn)


PROFILE = Flow("profile", exit=_menu)
NAME = Flow("profile_name", exit=_home)
PHONE = Flow("profile_phone", exit=_phone_kept)
FLATS_FLOW = Flow("profile_flats", exit=_home)
NOTIFY = Flow("profile_notify", exit=_home)


async def start(turn: Turn) -> None:
    """The profile screen."""
    await turn.state.clear()
    await PROFILE.enter(turn, Profile.home)


async def on_menu_item(query: CallbackQuery, turn: Turn) -> None:
    """The menu's "profile"."""
    await start(turn)


def _open(turn: Turn, key: ProfileKey) -> InlineKeyboardButton:
    return button(turn.t(f"profile.button.{key.value}"), ProfileOpen(item=key).pack())


@PROFILE.step(Profile.home)
async def ask_home(turn: Turn) -> None:
    """Who the person is, and what they can change."""
    t = turn.t
    me = await turn.services.users.me()
    text = t(
        "profile.home",
        name=me.full_name or "—",
        phone=me.phone or "—",
        language=t(f"profile.language.{turn.t.language}"),
        role=t(f"role.{turn.person.role}"),
    )
    resident = "applicant" in turn.person.roles
    rows = [
        [_open(turn, ProfileKey.NAME), _open(turn, ProfileKey.PHONE)],
        [button(t("menu.item.lang"), MenuItem(item=MenuKey.LANGUAGE).pack())],
        [_open(turn, ProfileKey.FLATS)] if resident else [],
        [_open(turn, ProfileKey.NOTIFY)],
        [_open(turn, ProfileKey.DOCS)] if resident else [],
        nav_row(t),
    ]
    await turn.show_text(text, inline(rows))


async def on_open(query: CallbackQuery, callback_data: ProfileOpen, turn: Turn) -> None:
    """A part of the profile."""
    item = callback_data.item
    resident = "applicant" in turn.person.roles
    if item in (ProfileKey.FLATS, ProfileKey.DOCS) and not resident:
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
    elif item is ProfileKey.NAME:
        await NAME.enter(turn, Profile.name)
    elif item is ProfileKey.PHONE:
        await PHONE.enter(turn, Profile.phone)
    elif item is ProfileKey.FLATS:
        await FLATS_FLOW.enter(turn, Profile.flats)
    elif item is ProfileKey.NOTIFY:
        await NOTIFY.enter(turn, Profile.notify)
    elif item is ProfileKey.DOCS:
        await documents.start(turn)
    else:  # ADD_FLAT belongs to the apartments list
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)


# --- name ------------------------------------------------------------------------------------


@NAME.step(Profile.name)
async def ask_name(turn: Turn) -> None:
    """A new full name."""
    await turn.show("profile.name.ask", inline([nav_row(turn.t)]))


async def on_name(message: Message, turn: Turn) -> None:
    """A typed name."""
    checked = check_full_name(message.text)
    if not checked.ok:
        await turn.say(checked.problem, inline([nav_row(turn.t)]))
        return
    await turn.remember(full_name=checked.value)
    await run_action(turn, "profile.name")


async def on_name_not_text(message: Message, turn: Turn) -> None:
    """A photo or a sticker where a name is expected."""
    await turn.say("profile.name.text_please", inline([nav_row(turn.t)]))


@action("profile.name")
async def save_name(turn: Turn) -> None:
    """UpdateProfile with the new name (setting a value: a retry changes nothing more)."""
    name = str((await turn.data()).get("full_name", ""))
    await turn.services.users.update_profile(turn.person.user_id, full_name=name)
    log.info("name changed", extra={"user_id": turn.person.user_id})
    await turn.say("profile.name.saved")
    await _home(turn)


# --- phone -----------------------------------------------------------------------------------


@PHONE.step(Profile.phone)
async def ask_phone(turn: Turn) -> None:
    """The contact button (a reply keyboard: a new message) or a typed number."""
    await turn.reply.toast()
    await turn.say("onboarding.phone.ask", contact_keyboard(turn.t))
    await turn.say("onboarding.phone.or_back", inline([nav_row(turn.t)]))


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
    await run_action(turn, "profile.phone")


@action("profile.phone")
async def save_phone(turn: Turn) -> None:
    """UpdateProfile with the new number (the users service has the last word on it)."""
    phone = str((await turn.data()).get("phone", ""))
    try:
        await turn.services.users.update_profile(turn.person.user_id, phone=phone)
    except Refused:
        await turn.say("onboarding.phone.rejected")
        return
    log.info("phone changed", extra={"user_id": turn.person.user_id})
    await turn.say("profile.phone.saved", ReplyKeyboardRemove())
    await _home(turn)


# --- my apartments ---------------------------------------------------------------------------


@FLATS_FLOW.step(Profile.flats)
async def ask_flats(turn: Turn) -> None:
    """The person's bindings with their status, and "ask for another"."""
    t = turn.t
    bindings = await turn.services.directory.bindings()
    labels = await turn.services.directory.labels(apartment_ids=[b.apartment_id for b in bindings])
    lines = [t("profile.flats.title")]
    for binding in bindings:
        status = _BINDING.get(binding.status, "pending")
        lines.append(
            t(
                "profile.flats.line",
                place=labels.get(binding.apartment_id, "—"),
                status=t(f"profile.flats.status.{status}"),
            )
            + (t("profile.flats.primary") if binding.primary else "")
        )
    if not bindings:
        lines.append(t("profile.flats.none"))
    rows = [[_open(turn, ProfileKey.ADD_FLAT)], nav_row(t)]
    await turn.show_text("\n".join(lines), inline(rows))


async def on_add_flat(query: CallbackQuery, callback_data: ProfileOpen, turn: Turn) -> None:
    """Ask for another apartment: yard → building → apartment."""
    await YARDS.reset(turn)
    await FLATS_FLOW.next(turn)


FLATS_FLOW.step(Profile.yard)(YARDS.show)
FLATS_FLOW.step(Profile.building)(BUILDINGS.show)
FLATS_FLOW.step(Profile.flat)(FLATS.show)
_PICKERS = PickerSteps({Profile.yard: YARDS, Profile.building: BUILDINGS, Profile.flat: FLATS})


async def on_yard(query: CallbackQuery, callback_data: PickYard, turn: Turn) -> None:
    """A yard: its buildings next."""
    if await took_yard(query, callback_data, turn):
        await FLATS_FLOW.next(turn)


async def on_building(query: CallbackQuery, callback_data: PickBuilding, turn: Turn) -> None:
    """A building: its apartments next."""
    if await took_building(query, callback_data, turn):
        await FLATS_FLOW.next(turn)


async def on_flat(query: CallbackQuery, callback_data: PickFlat, turn: Turn) -> None:
    """An apartment: ask for the binding."""
    if await took_flat(query, callback_data, turn):
        await run_action(turn, "profile.bind")


@action("profile.bind")
async def bind(turn: Turn) -> None:
    """RequestApartmentBinding (primary when the person has no other apartment yet); a
    manager decides, and the list shows it as waiting."""
    data = await turn.data()
    current = await turn.services.directory.bindings()
    primary = not any(b.status != directory_pb2.BINDING_STATUS_REJECTED for b in current)
    await turn.services.directory.request_binding(str(data["apartment_id"]), primary=primary)
    log.info("binding requested", extra={"user_id": turn.person.user_id})
    await turn.show(
        "profile.flats.asked",
        None,
        building=data.get("building_name", ""),
        flat=data.get("apartment_label", ""),
    )
    await FLATS_FLOW.enter(turn, Profile.flats)


# --- notifications ---------------------------------------------------------------------------


@NOTIFY.step(Profile.notify)
async def ask_notify(turn: Turn) -> None:
    """Quiet hours on or off."""
    t = turn.t
    preferences = await turn.services.notifications.preferences()
    quiet = preferences.quiet_hours
    on = quiet_hours_on(quiet.start, quiet.end)
    start, end = (quiet.start, quiet.end) if on else QUIET_HOURS
    text = t("profile.notify.on" if on else "profile.notify.off", start=start, end=end)
    switch = button(
        t("profile.notify.turn_off" if on else "profile.notify.turn_on"),
        QuietPick(on=not on).pack(),
    )
    await turn.show_text(text, inline([[switch], nav_row(t)]))


async def on_quiet(query: CallbackQuery, callback_data: QuietPick, turn: Turn) -> None:
    """Switch quiet hours."""
    await turn.remember(quiet=callback_data.on)
    await run_action(turn, "profile.quiet")


@action("profile.quiet")
async def save_quiet(turn: Turn) -> None:
    """UpdatePreferences(quiet_hours) — only that field, through the update mask."""
    on = bool((await turn.data()).get("quiet"))
    await turn.services.notifications.set_quiet_hours(QUIET_HOURS if on else None)
    log.info("quiet hours changed", extra={"user_id": turn.person.user_id, "on": on})
    await turn.reply.toast(turn.t("profile.notify.saved"))
    await NOTIFY.reprompt(turn)


def router() -> Router:
    """The profile's handlers (approved people, every role)."""
    r = Router(name="profile")
    r.message.filter(Approved())
    r.callback_query.filter(Approved())
    r.callback_query.register(on_menu_item, MenuItem.filter(F.item == MenuKey.PROFILE))
    r.callback_query.register(
        on_add_flat,
        ProfileOpen.filter(F.item == ProfileKey.ADD_FLAT),
        StateFilter(Profile.flats),
    )
    r.callback_query.register(on_open, ProfileOpen.filter(), StateFilter(Profile.home))
    r.message.register(on_name, StateFilter(Profile.name), F.text)
    r.message.register(on_name_not_text, StateFilter(Profile.name))
    r.message.register(on_contact, StateFilter(Profile.phone), F.contact)
    r.message.register(on_phone_text, StateFilter(Profile.phone), F.text)
    r.message.register(on_not_a_phone, StateFilter(Profile.phone))
    r.callback_query.register(on_yard, PickYard.filter(), StateFilter(Profile.yard))
    r.callback_query.register(on_building, PickBuilding.filter(), StateFilter(Profile.building))
    r.callback_query.register(on_flat, PickFlat.filter(), StateFilter(Profile.flat))
    pickers = StateFilter(Profile.yard, Profile.building, Profile.flat)
    r.callback_query.register(_PICKERS.on_page, PageTo.filter(), pickers)
    r.message.register(_PICKERS.on_search, pickers, F.text)
    r.callback_query.register(on_quiet, QuietPick.filter(), StateFilter(Profile.notify))
    return r
