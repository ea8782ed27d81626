"""A manager invites staff: the role (executors and inspectors; admins also managers and
admins — as the users service allows), the specialisations for an executor (several, or
`universal`), how long the link lives (1 h / 24 h / 7 d) → `CreateInvite` → the deep link
`https://t.me/<bot>?start=join_<token>` with its expiry. The person opens it in the bot
(flows/common.py redeems it), gives name and phone, and waits in the pending-users panel.

The token is a secret of the link: it is shown to the manager and never logged.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.callbacks import (
    MenuItem,
    MenuKey,
    Nav,
    NavTo,
    PickInviteRole,
    PickSpec,
    PickValidity,
    RoleKey,
    SpecKey,
    StepAction,
    StepDo,
    ValidityKey,
)
from bot.flows import home
from bot.flows.filters import Approved, HasRole
from bot.flows.panels import Tree, specializations_text
from bot.flows.steps import action, run_action
from bot.logic.moments import local_time
from bot.logic.panels import UNIVERSAL, invitable_roles, invite_link, toggle_specialization
from bot.turn import Turn
from bot.ui.keyboards import button, grid, inline, nav_row

__all__ = ["Inviting", "router", "start"]

log = logging.getLogger(__name__)


class Inviting(StatesGroup):
    """The steps of an invite."""

    role = State()
    specializations = State()
    validity = State()


async def _leave(turn: Turn) -> None:
    await home.show_menu(turn, edit=True)


FLOW = Tree("invites", exit=_leave)


async def start(turn: Turn) -> None:
    """A fresh invite."""
    await turn.state.clear()
    await turn.remember(invite={"role": "", "specs": []})
    await FLOW.enter(turn, Inviting.role)


async def on_menu_item(query: CallbackQuery, turn: Turn) -> None:
    """The menu's "invite staff"."""
    await start(turn)


async def _draft(turn: Turn) -> dict[str, Any]:
    draft = (await turn.data()).get("invite")
    return dict(draft) if isinstance(draft, dict) else {"role": "", "specs": []}


async def _keep(turn: Turn, **values: Any) -> dict[str, Any]:
    draft = await _draft(turn)
    draft.update(values)
    await turn.remember(invite=draft)
    return draft


# --- role ----------------------------------------------------------------------------------


@FLOW.child(Inviting.role, None)
async def ask_role(turn: Turn) -> None:
    """Which role the invite gives."""
    buttons = [
        button(turn.t(f"role.{role}"), PickInviteRole(role=RoleKey(role)).pack())
        for role in invitable_roles(turn.person.roles)
    ]
    await turn.show("invites.role.ask", inline([*grid(buttons, 2), nav_row(turn.t)]))


async def on_role(query: CallbackQuery, callback_data: PickInviteRole, turn: Turn) -> None:
    """A role was chosen: executors need specialisations, the others go on to the validity."""
    role = callback_data.role.value
    if role not in invitable_roles(turn.person.roles):
        # Forged, or a button of an admin's keyboard pressed by a manager: never offered.
        await turn.reply.toast(turn.t("invites.role.not_yours"), alert=True)
        return
    await _keep(turn, role=role, specs=[])
    next_step = Inviting.specializations if role == "executor" else Inviting.validity
    await FLOW.enter(turn, next_step)


# --- specialisations -----------------------------------------------------------------------


@FLOW.child(Inviting.specializations, Inviting.role)
async def ask_specializations(turn: Turn) -> None:
    """Which skills the executor brings (several; `universal` means all of them)."""
    chosen = list((await _draft(turn)).get("specs") or [])
    t = turn.t
    buttons = [
        button(
            ("✅ " if spec.value in chosen else "▫️ ") + t(f"panels.spec.{spec.value}"),
            PickSpec(spec=spec).pack(),
        )
        for spec in SpecKey
    ]
    done = button(t("button.done", count=len(chosen)), StepDo(action=StepAction.DONE).pack())
    await turn.show(
        "invites.specs.ask",
        inline([*grid(buttons, 2), [done], nav_row(t)]),
        universal=t(f"panels.spec.{UNIVERSAL}"),
    )


async def on_spec(query: CallbackQuery, callback_data: PickSpec, turn: Turn) -> None:
    """A specialisation chosen or unchosen."""
    chosen = list((await _draft(turn)).get("specs") or [])
    await _keep(turn, specs=toggle_specialization(chosen, callback_data.spec.value))
    await FLOW.reprompt(turn)


async def on_specs_done(query: CallbackQuery, callback_data: StepDo, turn: Turn) -> None:
    """Specialisations chosen: the validity next (at least one is needed)."""
    if callback_data.action is not StepAction.DONE:
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    if not (await _draft(turn)).get("specs"):
        await turn.reply.toast(turn.t("invites.specs.none_chosen"), alert=True)
        return
    await FLOW.enter(turn, Inviting.validity)


# --- validity and the link -----------------------------------------------------------------


def _validity_parent(data: dict[str, Any]) -> State:
    role = (data.get("invite") or {}).get("role")
    return Inviting.specializations if role == "executor" else Inviting.role


@FLOW.child(Inviting.validity, _validity_parent)
async def ask_validity(turn: Turn) -> None:
    """How long the link lives."""
    buttons = [
        button(turn.t(f"invites.validity.{v.value}"), PickValidity(validity=v).pack())
        for v in ValidityKey
    ]
    await turn.show("invites.validity.ask", inline([buttons, nav_row(turn.t)]))


async def on_validity(query: CallbackQuery, callback_data: PickValidity, turn: Turn) -> None:
    """The validity was chosen: create the invite."""
    await _keep(turn, validity=callback_data.validity.value)
    await run_action(turn, "invites.create")


@action("invites.create")
async def create(turn: Turn) -> None:
    """CreateInvite with the draft; the link and its expiry."""
    draft = await _draft(turn)
    role = str(draft["role"])
    specs = [str(s) for s in draft.get("specs") or []] if role == "executor" else []
    made = await turn.services.users.create_invite(
        role, validity=str(draft["validity"]), specializations=specs
    )
    me = await turn.reply.bot.me()
    link = invite_link(me.username or "", made.token)
    log.info("invite created", extra={"user_id": turn.person.user_id, "invite": made.invite_id})
    await turn.state.clear()
    t = turn.t
    text = t(
        "invites.ready",
        role=t(f"role.{role}"),
        link=link,
        expires=local_time(made.expires_at.seconds) or "—",
    )
    if specs:
        text += "\n" + t("invites.ready_specs", specs=specializations_text(turn, specs))
    markup = inline(
        [
            [button(t("invites.button.another"), MenuItem(item=MenuKey.INVITE).pack())],
            [button(t("invites.button.menu"), Nav(to=NavTo.MENU).pack())],
        ]
    )
    await turn.show_text(text, markup)


async def on_text_not_expected(message: Message, turn: Turn) -> None:
    """Typing where buttons are expected."""
    await turn.say("panels.input.use_buttons")
    await FLOW.reprompt(turn)


def router() -> Router:
    """Invites (approved managers and admins)."""
    r = Router(name="invites")
    for observer in (r.message, r.callback_query):
        observer.filter(Approved(), HasRole("manager"))
    r.callback_query.register(on_menu_item, MenuItem.filter(F.item == MenuKey.INVITE))
    r.callback_query.register(on_role, PickInviteRole.filter(), StateFilter(Inviting.role))
    r.callback_query.register(on_spec, PickSpec.filter(), StateFilter(Inviting.specializations))
    r.callback_query.register(on_specs_done, StepDo.filter(), StateFilter(Inviting.specializations))
    r.callback_query.register(on_validity, PickValidity.filter(), StateFilter(Inviting.validity))
    r.message.register(on_text_not_expected, StateFilter(Inviting))
    return r
