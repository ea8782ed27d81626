"""The executor's paged request lists (my work, the free pool, the archive) and the card a
request of them opens, with the actions its list and status allow.

Each list registers a `WorkList` (how to fetch a page, its heading, its empty text). Page tokens
do not fit in a button's 64 bytes, so they stay in FSM data (`work_list_<kind>`) and buttons
carry the page number; a page the person could not have reached falls back to the first.
Opening a card reads the request afresh as the person (`GetRequest`): a forged or outdated
button shows nothing the person may not see.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import Router
from aiogram.types import CallbackQuery, InlineKeyboardButton
from ukm.requests.v1 import request_pb2

from bot.callbacks import ExecList, ExecOpen, ExecPage
from bot.flows import shift
from bot.flows.filters import Approved, HasRole
from bot.mesh import Missing, NotAllowed
from bot.mesh.requests import Page
from bot.turn import Turn
from bot.ui.executor import list_line, place_of, work_card_text
from bot.ui.keyboards import button, inline
from bot.ui.work_buttons import menu_row, take_button, take_shift_row, work_buttons

__all__ = [
    "PAGE_SIZE",
    "WorkList",
    "labels_for",
    "open_card",
    "register",
    "router",
    "show_list",
    "was_shown",
]

log = logging.getLogger(__name__)
PAGE_SIZE = 5
Fetch = Callable[[Turn, str], Awaitable[Page]]


@dataclass(frozen=True)
class WorkList:
    """One of the executor's lists: `fetch(turn, page_token)` gives a page."""

    kind: ExecList
    fetch: Fetch
    title_key: str
    empty_key: str
    # Work needs a shift: off duty, the list says so and offers to take one.
    needs_shift: bool = False


_LISTS: dict[ExecList, WorkList] = {}


def register(work_list: WorkList) -> WorkList:
    """Make `work_list` reachable by its pager and card buttons."""
    _LISTS[work_list.kind] = work_list
    return work_list


def _key(kind: ExecList) -> str:
    return f"work_list_{kind.value}"


def _position(data: dict[str, Any], kind: ExecList) -> dict[str, Any]:
    saved = data.get(_key(kind))
    if isinstance(saved, dict) and isinstance(saved.get("tokens"), list):
        return saved
    return {"tokens": [""], "page": 0, "shown": []}


async def labels_for(turn: Turn, requests: list[request_pb2.Request]) -> dict[str, str]:
    """Address labels of the requests' places, in one call."""
    address = [r.address for r in requests]
    return await turn.services.directory.labels(
        apartment_ids=[a.apartment_id for a in address if a.apartment_id],
        building_ids=[a.building_id for a in address if a.building_id and not a.apartment_id],
        yard_ids=[a.yard_id for a in address if not a.building_id and not a.apartment_id],
    )


async def show_list(turn: Turn, kind: ExecList, *, page: int = 0, fresh: bool = False) -> None:
    """Page `page` of list `kind` (`fresh`: from the first page, tokens forgotten)."""
    spec = _LISTS[kind]
    saved = [""] if fresh else _position(await turn.data(), kind)["tokens"]
    tokens = [str(token) for token in saved]
    if page >= len(tokens):
        page = 0
    found = await spec.fetch(turn, tokens[page])
    if found.next_token and len(tokens) == page + 1:
        tokens.append(found.next_token)
    shown = [r.request_number for r in found.items]
    await turn.remember(**{_key(kind): {"tokens": tokens, "page": page, "shown": shown}})
    t = turn.t
    labels = await labels_for(turn, found.items) if found.items else {}
    heading = t.raw(spec.title_key, page=page + 1)
    off_duty = spec.needs_shift and await shift.active_shift(turn) is None
    banner = t("work.off_shift_banner") if off_duty else ""
    lines = [list_line(page * PAGE_SIZE + i + 1, r, labels, t) for i, r in enumerate(found.items)]
    body = "\n\n".join(lines) if lines else t(spec.empty_key)
    text = "\n\n".join(part for part in (heading, banner, body) if part)
    rows: list[list[InlineKeyboardButton]] = [
        [
            button(
                t.raw("work.list.open", index=page * PAGE_SIZE + i + 1, number=r.request_number),
                ExecOpen(list=kind, number=r.request_number).pack(),
            )
        ]
        for i, r in enumerate(found.items)
    ]
    pager = []
    if page > 0:
        pager.append(button(t("button.previous"), ExecPage(list=kind, page=page - 1).pack()))
    if found.next_token:
        pager.append(button(t("button.next"), ExecPage(list=kind, page=page + 1).pack()))
    rows.append(pager)
    if off_duty:
        rows.append(take_shift_row(turn.t))
    rows.append(menu_row(turn.t))
    await turn.show_text(text, inline(rows))


async def was_shown(turn: Turn, kind: ExecList, number: str) -> bool:
    """Whether `number` is on the page of list `kind` the person saw last."""
    return number in _position(await turn.data(), kind).get("shown", [])


def _card_rows(
    request: request_pb2.Request, kind: ExecList, page: int, turn: Turn
) -> list[list[InlineKeyboardButton]]:
    rows = work_buttons(request, turn.person, turn.t)
    take = take_button(request, turn.t) if kind is ExecList.POOL else None
    if take is not None:
        rows.append([take])
    back = button(turn.t("work.button.to_list"), ExecPage(list=kind, page=page).pack())
    rows.append([back, *menu_row(turn.t)])
    return rows


async def open_card(
    turn: Turn, kind: ExecList, request: request_pb2.Request, *, edit: bool = True
) -> None:
    """The card of `request` (already read as the person) with its actions and the way back
    to list `kind`."""
    page = int(_position(await turn.data(), kind).get("page", 0))
    labels = await labels_for(turn, [request]) if place_of(request) else {}
    text = work_card_text(request, labels, turn.t)
    markup = inline(_card_rows(request, kind, page, turn))
    if edit:
        await turn.show_text(text, markup)
    else:
        await turn.reply.send(text, markup)


async def on_page(query: CallbackQuery, callback_data: ExecPage, turn: Turn) -> None:
    """Another page of a list (or back to it from a card)."""
    await show_list(turn, callback_data.list, page=callback_data.page)


async def on_open(query: CallbackQuery, callback_data: ExecOpen, turn: Turn) -> None:
    """A request of a list: its card, if the person may see it."""
    try:
        request = await turn.services.requests.get(callback_data.number)
    except (Missing, NotAllowed):
        log.info("card of an unavailable request refused", extra={"user_id": turn.person.user_id})
        gone = callback_data.list is ExecList.POOL and await was_shown(
            turn, ExecList.POOL, callback_data.number
        )
        await turn.reply.toast(turn.t("pool.taken" if gone else "action.not_available"), alert=True)
        return
    await open_card(turn, callback_data.list, request)


def router() -> Router:
    """Pages and cards of the executor's lists (approved executors)."""
    r = Router(name="work_lists")
    r.callback_query.filter(Approved(), HasRole("executor"))
    r.callback_query.register(on_page, ExecPage.filter())
    r.callback_query.register(on_open, ExecOpen.filter())
    return r
