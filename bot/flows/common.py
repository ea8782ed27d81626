"""What works everywhere: /start (with staff invites), /menu, /help, /cancel, back, retry,
language, role switching, and the polite answers to what nothing else understood."""

from __future__ import annotations

import contextlib
import logging

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.types import CallbackQuery, Message

from bot.callbacks import LangPick, Language, MenuItem, MenuKey, Nav, NavTo, RoleKey, RolePick
from bot.flows import home, onboarding
from bot.flows.filters import Approved
from bot.flows.steps import flow_of, run_pending
from bot.mesh import MeshError, Refused
from bot.person import person_of
from bot.turn import Turn
from bot.ui.keyboards import button, grid, inline, nav_row

__all__ = ["fallback_router", "router"]

log = logging.getLogger(__name__)
INVITE_PREFIX = "join_"
_LANGUAGE_NAMES = {Language.RU: "Русский", Language.UZ: "O'zbekcha", Language.EN: "English"}


async def on_start(message: Message, command: CommandObject, turn: Turn) -> None:
    """/start, or /start join_<token> from a staff invite link."""
    await _reachable_again(turn)
    argument = (command.args or "").strip()
    if argument.startswith(INVITE_PREFIX):
        await _redeem(turn, argument.removeprefix(INVITE_PREFIX))
        return
    await turn.state.clear()
    if turn.person.pending:
        await turn.say("start.welcome")
    await home.go_home(turn)


async def _reachable_again(turn: Turn) -> None:
    # Someone who had blocked the bot and comes back is reachable on Telegram again (the
    # notifications service stopped sending there). One cheap call; its failure changes nothing
    # for the person, so it is not theirs to hear about.
    if turn.person.stale:
        return
    with contextlib.suppress(MeshError):
        await turn.services.notifications.mark_reachable()


async def _redeem(turn: Turn, token: str) -> None:
    try:
        user = await turn.services.users.redeem_invite(token)
    except Refused as error:
        key = f"reason.{error.reason}"
        await turn.say(key if turn.t.has(key) else "invite.invalid")
        return
    log.info("invite redeemed", extra={"user_id": turn.person.user_id})
    # The invite changed roles and status: the next call gets a token that says so.
    await turn.services.acting.token(fresh=True)
    turn.person = person_of(user, turn.person.telegram_id)
    await turn.state.clear()
    await turn.say("invite.redeemed", None, role=turn.t(f"role.{turn.person.role}"))
    await home.go_home(turn)


async def on_menu(message: Message, turn: Turn) -> None:
    """/menu: leave whatever was going on."""
    await home.go_home(turn)


async def on_help(message: Message, turn: Turn) -> None:
    """/help for the active role."""
    role = turn.person.role if turn.person.approved else "pending"
    await turn.say(f"help.{role}")


async def on_help_item(query: CallbackQuery, turn: Turn) -> None:
    """The menu's help item."""
    await turn.say(f"help.{turn.person.role}")


async def on_cancel(message: Message, turn: Turn) -> None:
    """/cancel."""
    await turn.say("cancelled")
    await home.go_home(turn)


async def on_nav(query: CallbackQuery, callback_data: Nav, turn: Turn) -> None:
    """Back, cancel, retry and menu buttons."""
    state = await turn.state.get_state()
    if callback_data.to is NavTo.CANCEL:
        await turn.reply.toast(turn.t("cancelled"))
        await home.go_home(turn, edit=True)
    elif callback_data.to is NavTo.MENU:
        await home.go_home(turn, edit=True)
    elif callback_data.to is NavTo.BACK:
        flow = flow_of(state)
        if flow is None:
            await home.go_home(turn, edit=True)
        else:
            await flow.back(turn)
    elif not await run_pending(turn):
        # Retry with nothing pending: ask the current step again (or go home).
        flow = flow_of(state)
        if flow is None:
            await home.go_home(turn)
        else:
            await flow.reprompt(turn)


async def on_language_item(query: CallbackQuery, turn: Turn) -> None:
    """The language picker."""
    buttons = [button(name, LangPick(code=code).pack()) for code, name in _LANGUAGE_NAMES.items()]
    await turn.show("language.ask", inline([buttons, nav_row(turn.t, back=False)]))


async def on_language(query: CallbackQuery, callback_data: LangPick, turn: Turn) -> None:
    """A language was chosen: kept in the profile, spoken from now on."""
    code = callback_data.code.value
    await turn.services.users.update_profile(turn.person.user_id, language=code)
    turn.relanguage(code)
    await turn.reply.toast(turn.t("language.saved"))
    # The flow the person was in (onboarding…) goes on in the new language.
    flow = flow_of(await turn.state.get_state())
    if flow is not None:
        await flow.reprompt(turn)
    else:
        await home.go_home(turn, edit=True)


async def on_role_item(query: CallbackQuery, turn: Turn) -> None:
    """The role picker (people with more than one role)."""
    buttons = [
        button(turn.t(f"role.{role}"), RolePick(role=RoleKey(role)).pack())
        for role in turn.person.roles
        if role in RoleKey.__members__.values()
    ]
    await turn.show("role.ask", inline([*grid(buttons, 2), nav_row(turn.t, back=False)]))


async def on_role(query: CallbackQuery, callback_data: RolePick, turn: Turn) -> None:
    """Switch the active role; the menu follows."""
    role = callback_data.role.value
    if role not in turn.person.roles:
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    user = await turn.services.users.set_active_role(role)
    await turn.services.acting.token(fresh=True)
    turn.person = person_of(user, turn.person.telegram_id)
    await turn.reply.toast(turn.t("role.switched", role=turn.t(f"role.{role}")))
    await home.go_home(turn, edit=True)


async def on_approved_meanwhile(event: Message | CallbackQuery, turn: Turn) -> None:
    """A manager approved the person while they were still in onboarding: the menu now."""
    await turn.say("onboarding.approved")
    await home.go_home(turn)


async def on_not_yet(query: CallbackQuery, turn: Turn) -> None:
    """A menu item whose flow is not built yet."""
    await turn.reply.toast(turn.t("menu.not_yet"), alert=True)


def router() -> Router:
    """Handlers for everyone (pending people included)."""
    r = Router(name="common")
    onboarding_states = StateFilter(onboarding.Onboarding, onboarding.StaffOnboarding)
    r.message.register(on_approved_meanwhile, Approved(), onboarding_states)
    r.callback_query.register(on_approved_meanwhile, Approved(), onboarding_states)
    r.message.register(on_start, CommandStart())
    r.message.register(on_menu, Command("menu"))
    r.message.register(on_help, Command("help"))
    r.message.register(on_cancel, Command("cancel"))
    r.callback_query.register(on_nav, Nav.filter())
    r.callback_query.register(on_language_item, MenuItem.filter(F.item == MenuKey.LANGUAGE))
    r.callback_query.register(on_language, LangPick.filter())
    r.callback_query.register(on_help_item, MenuItem.filter(F.item == MenuKey.HELP))
    r.callback_query.register(on_role_item, MenuItem.filter(F.item == MenuKey.SWITCH_ROLE))
    r.callback_query.register(on_role, RolePick.filter())
    return r


async def on_unknown_message(message: Message, turn: Turn) -> None:
    """Nothing understood this message: the current step again, or home."""
    flow = flow_of(await turn.state.get_state())
    if flow is None:
        await home.go_home(turn)
        return
    await turn.say("unknown.message")
    await flow.reprompt(turn)


async def on_unknown_callback(query: CallbackQuery, turn: Turn) -> None:
    """A button nothing handles: out of date, from another step, or forged."""
    log.info("stale or forged button", extra={"user_id": turn.person.user_id})
    await turn.reply.toast(turn.t("error.stale_button"), alert=True)


async def on_menu_item_not_yet(query: CallbackQuery, turn: Turn) -> None:
    """Menu items of flows still to come (for pending people: a menu they no longer have)."""
    if not turn.person.approved:
        await on_unknown_callback(query, turn)
        return
    await on_not_yet(query, turn)


def fallback_router() -> Router:
    """Included last: what no other router took."""
    r = Router(name="fallback")
    r.callback_query.register(on_menu_item_not_yet, MenuItem.filter())
    r.message.register(on_unknown_message)
    r.callback_query.register(on_unknown_callback)
    return r
