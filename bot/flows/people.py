"""The manager's pending users: people waiting for approval, newest first, a page at a time
(typed text searches by name or phone), a card per person (name, phone, the roles they asked
for, how they came — a staff invite or a resident's own sign-up —, their pending apartment
bindings, verification), then approve, block with a reason, or ask for documents
(flows/verification.py).

Buttons name the person (`Panel(kind=u, …, id)`); a card's buttons act only on the person whose
card is open, and every decision first reads the person afresh as the manager: someone who was
approved or blocked meanwhile is said to be so, nothing is decided twice.
"""

from __future__ import annotations

import logging
from uuid import UUID

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from ukm.users.v1 import user_pb2

from bot.callbacks import ListKind, MenuItem, MenuKey, PageTo, Panel, PanelAct, PanelKind
from bot.flows import home, verification
from bot.flows.filters import Approved, HasRole
from bot.flows.panels import (
    Tree,
    bindings_text,
    enter,
    pending_bindings,
    person_name,
    reason_key,
    role_keys,
    roles_text,
    specializations_text,
    status_text,
    user_specializations,
    verification_text,
)
from bot.flows.pickers import Item, Picker
from bot.flows.steps import action, run_action
from bot.logic.moments import local_time
from bot.logic.panels import check_decision_reason, joined_by_invite, looks_like_phone
from bot.logic.phones import parse_phone
from bot.mesh import NotAllowed, Refused
from bot.turn import Turn
from bot.ui.keyboards import button, inline, nav_row

__all__ = ["People", "router", "start"]

log = logging.getLogger(__name__)
PAGE_SIZE = 6


class People(StatesGroup):
    """The pending-users panel."""

    list = State()
    card = State()
    block_reason = State()


async def _leave(turn: Turn) -> None:
    await home.show_menu(turn, edit=True)


FLOW = Tree("people", exit=_leave)


async def start(turn: Turn) -> None:
    """The first page of pending people."""
    await turn.state.clear()
    await FLOW.enter(turn, People.list)


async def on_menu_item(query: CallbackQuery, turn: Turn) -> None:
    """The menu's "new users"."""
    await start(turn)


# --- the list ------------------------------------------------------------------------------


async def _pending(turn: Turn, token: str, query: str) -> tuple[list[Item], str]:
    page = await turn.services.users.list(
        status="pending", query=query, page_token=token, page_size=PAGE_SIZE
    )
    items = []
    for user in page.items:
        contact = user.phone or turn.t.raw("panels.no_phone")
        items.append(Item(user.id, f"{person_name(turn, user)} · {contact}"))
    return items, page.next_token


async def _heading(turn: Turn) -> str:
    query = str((await turn.data()).get("people_query", ""))
    if query:
        return turn.t("people.list.found", query=query)
    return turn.t("people.list.title")


LIST = Picker(
    ListKind.PENDING_USERS,
    _pending,
    lambda i: Panel(kind=PanelKind.USER, act=PanelAct.OPEN, id=UUID(i)).pack(),
    _heading,
    "people.list.none",
    columns=1,
)
FLOW.child(People.list, None)(LIST.show)


async def on_page(query: CallbackQuery, callback_data: PageTo, turn: Turn) -> None:
    """Another page of the list."""
    if callback_data.list is not ListKind.PENDING_USERS or not await LIST.go_to(
        turn, callback_data.page
    ):
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)


async def on_search(message: Message, turn: Turn) -> None:
    """Typed text at the list: a name part, or a phone number (normalised: the service
    matches numbers exactly)."""
    text = (message.text or "").strip()
    if looks_like_phone(text):
        phone = parse_phone(text)
        if phone.problem is not None:
            await turn.say(f"phone.problem.{phone.problem.value}")
            return
        text = phone.e164
    await turn.remember(people_query=text[:16])  # what the list searches (Picker keeps 16)
    await LIST.search(turn, text)


async def on_open(query: CallbackQuery, callback_data: Panel, turn: Turn) -> None:
    """A person from the list: their card."""
    user_id = str(callback_data.id)
    if callback_data.act is not PanelAct.OPEN or not await LIST.was_shown(turn, user_id):
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    await turn.remember(user_id=user_id)
    await FLOW.enter(turn, People.card)


# --- the card ------------------------------------------------------------------------------


@FLOW.child(People.card, People.list)
async def show_card(turn: Turn) -> None:
    """Everything a manager needs to decide about one person."""
    user_id = str((await turn.data()).get("user_id", ""))
    user = await turn.services.users.get(user_id)
    bindings = await pending_bindings(turn, user_id)
    name = person_name(turn, user)
    await turn.remember(user_name=name)
    t = turn.t
    staff = joined_by_invite(role_keys(user))
    via = t("people.card.via_invite") if staff else t("people.card.via_signup")
    skills = user_specializations(user)
    text = t(
        "people.card.text",
        name=name,
        phone=user.phone or t("panels.no_phone"),
        roles=roles_text(turn, user),
        via=via,
        created=local_time(user.created_at.seconds) or "—",
        status=status_text(turn, user),
        verification=verification_text(turn, user.verification_status),
    )
    if skills:
        text += "\n" + t("people.card.skills", skills=specializations_text(turn, skills))
    text += "\n\n" + t("people.card.bindings") + "\n" + bindings_text(turn, bindings)
    rows = []
    if user.status == user_pb2.ACCOUNT_STATUS_PENDING:
        ref = UUID(user.id)
        rows.append(
            [
                button(t("people.button.approve"), _act(PanelAct.APPROVE, ref)),
                button(t("people.button.block"), _act(PanelAct.REJECT, ref)),
            ]
        )
        if not staff:
            rows.append([button(t("people.button.documents"), _act(PanelAct.ASK_DOCUMENTS, ref))])
    else:
        text += "\n\n" + t("people.card.decided")
    rows.append(nav_row(t))
    await turn.show_text(text, inline(rows))


def _act(act: PanelAct, user_id: UUID) -> str:
    return Panel(kind=PanelKind.USER, act=act, id=user_id).pack()


async def on_decide(query: CallbackQuery, callback_data: Panel, turn: Turn) -> None:
    """Approve, block or ask for documents — only for the person whose card is open."""
    if str(callback_data.id) != (await turn.data()).get("user_id"):
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    if callback_data.act is PanelAct.APPROVE:
        await run_action(turn, "people.approve")
    elif callback_data.act is PanelAct.REJECT:
        await FLOW.enter(turn, People.block_reason)
    elif callback_data.act is PanelAct.ASK_DOCUMENTS:
        name = str((await turn.data()).get("user_name", ""))
        await verification.ask_for(turn, str(callback_data.id), name=name, back_to=People.card)
    else:
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)


async def _still_pending(turn: Turn, user_id: str) -> bool:
    """Read the person afresh as the manager; say so when they are decided already."""
    user = await turn.services.users.get(user_id)
    if user.status == user_pb2.ACCOUNT_STATUS_PENDING:
        return True
    await turn.say(
        "people.already", None, name=person_name(turn, user), status=status_text(turn, user)
    )
    await enter(turn, People.list)
    return False


async def _refused(turn: Turn, error: Refused | NotAllowed) -> None:
    key = reason_key(turn, "people", error)
    if key is None:
        raise error
    await turn.say(key)
    await enter(turn, People.card)


@action("people.approve")
async def approve(turn: Turn) -> None:
    """ApproveUser, for the person of the open card."""
    data = await turn.data()
    user_id = str(data["user_id"])
    if not await _still_pending(turn, user_id):
        return
    try:
        user = await turn.services.users.approve(user_id)
    except (Refused, NotAllowed) as error:
        if error.reason == "STATUS_TRANSITION_NOT_ALLOWED":
            await _still_pending(turn, user_id)  # decided meanwhile: say how
            return
        await _refused(turn, error)
        return
    log.info("user approved", extra={"user_id": turn.person.user_id, "subject": user_id})
    waiting = await pending_bindings(turn, user_id)
    await turn.show("people.approved", None, name=person_name(turn, user))
    if waiting:
        await turn.say(
            "people.approved_bindings",
            inline(
                [[button(turn.t("menu.item.bindings"), MenuItem(item=MenuKey.BINDINGS).pack())]]
            ),
            count=len(waiting),
        )
    await _fresh_list(turn)


async def _fresh_list(turn: Turn) -> None:
    """The list from its first page, without the search (the decided person left it)."""
    await turn.remember(people_query="")
    await LIST.reset(turn)
    await enter(turn, People.list)


# --- blocking ------------------------------------------------------------------------------


@FLOW.child(People.block_reason, People.card)
async def ask_block_reason(turn: Turn) -> None:
    """Why the person is blocked (they are told)."""
    name = str((await turn.data()).get("user_name", ""))
    await turn.show("people.block.ask", inline([nav_row(turn.t)]), name=name)


async def on_block_reason(message: Message, turn: Turn) -> None:
    """A typed reason."""
    checked = check_decision_reason(message.text)
    if not checked.ok:
        await turn.say(checked.problem, None, length=checked.length)
        return
    await turn.remember(block_reason=checked.value)
    await run_action(turn, "people.block")


async def on_block_not_text(message: Message, turn: Turn) -> None:
    """A photo or sticker where the reason is expected."""
    await turn.say("panels.input.reason_text")


@action("people.block")
async def block(turn: Turn) -> None:
    """BlockUser with the reason, for the person of the open card."""
    data = await turn.data()
    user_id = str(data["user_id"])
    if not await _still_pending(turn, user_id):
        return
    try:
        user = await turn.services.users.block(user_id, reason=str(data["block_reason"]))
    except (Refused, NotAllowed) as error:
        if error.reason == "STATUS_TRANSITION_NOT_ALLOWED":
            await _still_pending(turn, user_id)
            return
        await _refused(turn, error)
        return
    log.info("user blocked", extra={"user_id": turn.person.user_id, "subject": user_id})
    await turn.say("people.blocked", None, name=person_name(turn, user))
    await _fresh_list(turn)


def router() -> Router:
    """The pending-users panel (approved managers and admins)."""
    r = Router(name="people")
    for observer in (r.message, r.callback_query):
        observer.filter(Approved(), HasRole("manager"))
    r.callback_query.register(on_menu_item, MenuItem.filter(F.item == MenuKey.PENDING_USERS))
    r.callback_query.register(on_page, PageTo.filter(), StateFilter(People.list))
    r.message.register(on_search, StateFilter(People.list), F.text)
    r.callback_query.register(
        on_open, Panel.filter(F.kind == PanelKind.USER), StateFilter(People.list)
    )
    r.callback_query.register(
        on_decide, Panel.filter(F.kind == PanelKind.USER), StateFilter(People.card)
    )
    r.message.register(on_block_reason, StateFilter(People.block_reason), F.text)
    r.message.register(on_block_not_text, StateFilter(People.block_reason))
    return r
