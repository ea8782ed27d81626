"""The manager's apartment-binding moderation: residents' requests to be bound to an
apartment that wait for a decision, oldest first, with the address label and the person; a
card per request (address, person, their account and verification, owner or not), then
approve, or reject with a reason (the resident is told).

Buttons name the binding; they act only on the binding whose card is open, and the binding
is read afresh before a decision: one decided meanwhile is said to be so, never decided twice.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from ukm.users.v1 import directory_pb2

from bot.callbacks import ListKind, MenuItem, MenuKey, PageTo, Panel, PanelAct, PanelKind
from bot.flows import home
from bot.flows.filters import Approved, HasRole
from bot.flows.panels import (
    Tree,
    enter,
    names_of,
    person_name,
    reason_key,
    status_text,
    verification_text,
)
from bot.flows.pickers import Item, Picker
from bot.flows.steps import action, run_action
from bot.logic.moments import local_time
from bot.logic.panels import check_decision_reason
from bot.mesh import MeshError, NotAllowed, Refused
from bot.turn import Turn
from bot.ui.keyboards import button, inline, nav_row

__all__ = ["Bindings", "router", "start"]

log = logging.getLogger(__name__)
PAGE_SIZE = 6
_PENDING = directory_pb2.BINDING_STATUS_PENDING
# What the list showed about each binding (the card reads the binding afresh by these).
_ROWS = "binding_rows"


class Bindings(StatesGroup):
    """The binding-moderation panel."""

    pending = State()
    card = State()
    reason = State()


async def _leave(turn: Turn) -> None:
    await home.show_menu(turn, edit=True)


FLOW = Tree("bindings", exit=_leave)


async def start(turn: Turn) -> None:
    """The first page of pending bindings."""
    await turn.state.clear()
    await FLOW.enter(turn, Bindings.pending)


async def on_menu_item(query: CallbackQuery, turn: Turn) -> None:
    """The menu's "apartment bindings"."""
    await start(turn)


# --- the list ------------------------------------------------------------------------------


async def _pending(turn: Turn, token: str, query: str) -> tuple[list[Item], str]:
    page = await turn.services.directory.list_bindings(
        status=_PENDING, page_token=token, page_size=PAGE_SIZE
    )
    labels = await turn.services.directory.labels(
        apartment_ids=[b.apartment_id for b in page.items]
    )
    people = await names_of(turn, [b.user_id for b in page.items])
    rows: dict[str, dict[str, str]] = {}
    items = []
    for binding in page.items:
        label = labels.get(binding.apartment_id, "—")
        name = person_name(turn, people[binding.user_id])
        rows[binding.id] = {"user_id": binding.user_id, "label": label, "name": name}
        items.append(Item(binding.id, f"{_short(label)} — {name}"))
    await turn.remember(**{_ROWS: rows})
    return items, page.next_token


def _short(label: str) -> str:
    """The end of an address label (the apartment and building), what tells rows apart."""
    parts = [p.strip() for p in label.split("·")]
    return " · ".join(parts[-2:]) if len(parts) > 2 else label


async def _heading(turn: Turn) -> str:
    rows: dict[str, Any] = (await turn.data()).get(_ROWS) or {}
    lines = [
        turn.t("bindings.list.line", n=n, label=row["label"], name=row["name"])
        for n, row in enumerate(rows.values(), 1)
    ]
    return "\n".join([turn.t("bindings.list.title"), *lines])


PENDING = Picker(
    ListKind.PENDING_BINDINGS,
    _pending,
    lambda i: Panel(kind=PanelKind.BINDING, act=PanelAct.OPEN, id=UUID(i)).pack(),
    _heading,
    "bindings.list.none",
    columns=1,
)
FLOW.child(Bindings.pending, None)(PENDING.show)


async def on_page(query: CallbackQuery, callback_data: PageTo, turn: Turn) -> None:
    """Another page of bindings."""
    if callback_data.list is not ListKind.PENDING_BINDINGS or not await PENDING.go_to(
        turn, callback_data.page
    ):
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)


async def on_list_text(message: Message, turn: Turn) -> None:
    """Typed text at the list: there is no search here, only the buttons."""
    await turn.say("bindings.list.no_search")


async def on_open(query: CallbackQuery, callback_data: Panel, turn: Turn) -> None:
    """A binding from the list: its card."""
    binding_id = str(callback_data.id)
    if callback_data.act is not PanelAct.OPEN or not await PENDING.was_shown(turn, binding_id):
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    row = ((await turn.data()).get(_ROWS) or {}).get(binding_id) or {}
    await turn.remember(
        binding_id=binding_id,
        binding_user_id=str(row.get("user_id", "")),
        binding_label=str(row.get("label", "")),
    )
    await FLOW.enter(turn, Bindings.card)


async def _binding(turn: Turn) -> directory_pb2.ApartmentBinding | None:
    """The open binding as the services hold it now (among its person's bindings)."""
    data = await turn.data()
    wanted = str(data.get("binding_id", ""))
    token = ""
    while True:
        page = await turn.services.directory.list_bindings(
            user_id=str(data.get("binding_user_id", "")), page_token=token, page_size=50
        )
        for binding in page.items:
            if binding.id == wanted:
                return binding
        if not page.next_token:
            return None
        token = page.next_token


# --- the card ------------------------------------------------------------------------------


@FLOW.child(Bindings.card, Bindings.pending)
async def show_card(turn: Turn) -> None:
    """Who asks for which apartment."""
    t = turn.t
    binding = await _binding(turn)
    if binding is None:
        await turn.reply.toast(t("error.stale_button"), alert=True)
        await enter(turn, Bindings.pending)
        return
    user = await turn.services.users.get(binding.user_id)
    name = person_name(turn, user)
    await turn.remember(binding_name=name)
    label = str((await turn.data()).get("binding_label", "")) or "—"
    text = t(
        "bindings.card.text",
        label=label,
        name=name,
        phone=user.phone or t("panels.no_phone"),
        account=status_text(turn, user),
        verification=verification_text(turn, user.verification_status),
        owner=t("panels.yes") if binding.owner else t("panels.no"),
        requested=local_time(binding.requested_at.seconds) or "—",
    )
    rows = []
    if binding.status == _PENDING:
        ref = UUID(binding.id)
        rows.append(
            [
                button(t("bindings.button.approve"), _act(PanelAct.APPROVE, ref)),
                button(t("bindings.button.reject"), _act(PanelAct.REJECT, ref)),
            ]
        )
    else:
        text += "\n\n" + t("bindings.card.decided")
    rows.append(nav_row(t))
    await turn.show_text(text, inline(rows))


def _act(act: PanelAct, binding_id: UUID) -> str:
    return Panel(kind=PanelKind.BINDING, act=act, id=binding_id).pack()


async def on_decide(query: CallbackQuery, callback_data: Panel, turn: Turn) -> None:
    """Approve, or reject (a reason next) — only the binding whose card is open."""
    if str(callback_data.id) != (await turn.data()).get("binding_id"):
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    if callback_data.act is PanelAct.APPROVE:
        await turn.remember(binding_approve=True, binding_reason="")
        await run_action(turn, "bindings.decide")
    elif callback_data.act is PanelAct.REJECT:
        await FLOW.enter(turn, Bindings.reason)
    else:
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)


@FLOW.child(Bindings.reason, Bindings.card)
async def ask_reason(turn: Turn) -> None:
    """Why the binding is rejected (the resident is told)."""
    data = await turn.data()
    await turn.show(
        "bindings.reject.ask",
        inline([nav_row(turn.t)]),
        label=data.get("binding_label", ""),
        name=data.get("binding_name", ""),
    )


async def on_reason(message: Message, turn: Turn) -> None:
    """A typed reason."""
    checked = check_decision_reason(message.text)
    if not checked.ok:
        await turn.say(checked.problem, None, length=checked.length)
        return
    await turn.remember(binding_approve=False, binding_reason=checked.value)
    await run_action(turn, "bindings.decide")


async def on_reason_not_text(message: Message, turn: Turn) -> None:
    """A photo or sticker where the reason is expected."""
    await turn.say("panels.input.reason_text")


@action("bindings.decide")
async def decide(turn: Turn) -> None:
    """DecideApartmentBinding for the open binding, if it still waits."""
    data = await turn.data()
    binding = await _binding(turn)
    if binding is None or binding.status != _PENDING:
        await turn.say("bindings.already", None, label=data.get("binding_label", ""))
        await PENDING.reset(turn)
        await enter(turn, Bindings.pending)
        return
    approve = bool(data.get("binding_approve"))
    try:
        await turn.services.directory.decide_binding(
            binding.id, approve=approve, reason=str(data.get("binding_reason", ""))
        )
    except (Refused, NotAllowed) as error:
        await _refused(turn, error)
        return
    log.info("binding decided", extra={"user_id": turn.person.user_id, "approved": approve})
    key = "bindings.approved" if approve else "bindings.rejected"
    await turn.say(
        key, None, label=data.get("binding_label", ""), name=data.get("binding_name", "")
    )
    await PENDING.reset(turn)
    await enter(turn, Bindings.pending)


async def _refused(turn: Turn, error: MeshError) -> None:
    key = reason_key(turn, "bindings", error)
    if key is None:
        raise error
    await turn.say(key)
    await PENDING.reset(turn)
    await enter(turn, Bindings.pending)


async def on_text_not_expected(message: Message, turn: Turn) -> None:
    """Typing where buttons are expected."""
    await turn.say("panels.input.use_buttons")
    await FLOW.reprompt(turn)


def router() -> Router:
    """Binding moderation (approved managers and admins)."""
    r = Router(name="bindings")
    for observer in (r.message, r.callback_query):
        observer.filter(Approved(), HasRole("manager"))
    r.callback_query.register(on_menu_item, MenuItem.filter(F.item == MenuKey.BINDINGS))
    r.callback_query.register(on_page, PageTo.filter(), StateFilter(Bindings.pending))
    r.message.register(on_list_text, StateFilter(Bindings.pending))
    r.callback_query.register(
        on_open, Panel.filter(F.kind == PanelKind.BINDING), StateFilter(Bindings.pending)
    )
    r.callback_query.register(
        on_decide, Panel.filter(F.kind == PanelKind.BINDING), StateFilter(Bindings.card)
    )
    r.message.register(on_reason, StateFilter(Bindings.reason), F.text)
    r.message.register(on_reason_not_text, StateFilter(Bindings.reason))
    r.message.register(on_text_not_expected, StateFilter(Bindings.card))
    return r
