"""The manager's boards: new, in progress (with purchase and clarification), awaiting the
manager's check, returned by residents, awaiting the resident — paged lists with their counts,
and a manager's card per request with the actions its status allows.

Boards and cards are screens, not conversation steps: the board's page tokens (too long for a
button) stay in FSM data under `board`, and every card is read afresh as the manager. Card
buttons carry the version they showed; `checked` reads the request again before any action
starts and refuses a card older than the request, so a manager always acts on what they saw.
The actions themselves are flows/dispatch.py (assign, reassign) and flows/review.py (clarify,
confirm, return to work, accept on behalf, cancel); both end through `finish` or
`after_refusal` here.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import F, Router
from aiogram.types import CallbackQuery
from ukm.requests.v1 import request_pb2
from ukm.users.v1 import user_pb2

from bot.callbacks import BoardPage, CardDo, MenuItem, MenuKey, OpenCard
from bot.flows.filters import Approved, HasRole
from bot.logic.boards import BOARDS, Board, verbs_for
from bot.mesh import Missing, NotAllowed, Refused
from bot.turn import Turn
from bot.ui.desk import (
    ACTION,
    CardFacts,
    board_keyboard,
    board_of,
    board_text,
    card_keyboard,
    card_text,
    person_label,
    shown_history,
    status_of,
)

__all__ = [
    "after_refusal",
    "checked",
    "finish",
    "park",
    "person",
    "router",
    "show_board",
    "show_card",
]

log = logging.getLogger(__name__)
PAGE_SIZE = 5
_POSITION = "board"
_MENU_BOARDS = {
    MenuKey.BOARD_NEW: Board.NEW,
    MenuKey.BOARD_ACTIVE: Board.ACTIVE,
    MenuKey.BOARD_CHECK: Board.CHECK,
    MenuKey.BOARD_RETURNED: Board.RETURNED,
    MenuKey.BOARD_WAITING: Board.WAITING,
}


def _position(data: dict[str, Any]) -> dict[str, Any] | None:
    saved = data.get(_POSITION)
    return saved if isinstance(saved, dict) else None


async def park(turn: Turn) -> None:
    """Leave whatever flow the manager was in, keeping only where they are on a board."""
    position = _position(await turn.data())
    await turn.state.clear()
    if position is not None:
        await turn.remember(**{_POSITION: position})


# --- boards ------------------------------------------------------------------------------------


async def on_menu_item(query: CallbackQuery, callback_data: MenuItem, turn: Turn) -> None:
    """A board from the menu: its first page."""
    await turn.state.clear()
    await show_board(turn, _MENU_BOARDS[callback_data.item], 0)


async def on_page(query: CallbackQuery, callback_data: BoardPage, turn: Turn) -> None:
    """Another page of a board (or the same one, refreshed; or back from a card)."""
    board, page = callback_data.board, callback_data.page
    position = _position(await turn.data()) or {}
    reached = (position.get("tokens") or [""]) if position.get("key") == board.value else [""]
    if page >= len(reached):
        # A page nobody could have reached from what this manager was shown.
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    await park(turn)
    await show_board(turn, board, page)


async def show_board(turn: Turn, board: Board, page: int) -> None:
    """Page `page` of `board` with its counts, in place of the pressed message."""
    position = _position(await turn.data())
    tokens: list[str] = [""]
    if position is not None and position.get("key") == board.value:
        tokens = [str(token) for token in position.get("tokens") or [""]]
    page = page if page < len(tokens) else 0
    statuses = BOARDS[board]
    listing, counts = await asyncio.gather(
        turn.services.requests.listing(
            statuses=statuses, view="all", page_token=tokens[page], page_size=PAGE_SIZE
        ),
        turn.services.requests.count(statuses=statuses),
    )
    tokens = tokens[: page + 1]
    if listing.next_token:
        tokens.append(listing.next_token)
    await turn.remember(**{_POSITION: {"key": board.value, "tokens": tokens, "page": page}})
    await turn.reply.toast()
    await turn.show_text(
        board_text(board, listing.items, counts, page, turn.t),
        board_keyboard(board, listing.items, page, turn.t, has_next=bool(listing.next_token)),
    )


# --- cards -------------------------------------------------------------------------------------


async def person(turn: Turn, user_id: str) -> user_pb2.User | None:
    """A person by id as the manager may read them (None when unknown or erased)."""
    if not user_id:
        return None
    try:
        return await turn.services.users.get(user_id)
    except (Missing, NotAllowed):
        return None


async def _address(turn: Turn, request: request_pb2.Request) -> str:
    address = request.address
    if address.apartment_id:
        labels = await turn.services.directory.labels(apartment_ids=[address.apartment_id])
    elif address.building_id:
        labels = await turn.services.directory.labels(building_ids=[address.building_id])
    elif address.yard_id:
        labels = await turn.services.directory.labels(yard_ids=[address.yard_id])
    else:
        return ""
    return next(iter(labels.values()), "")


async def card_facts(turn: Turn, request: request_pb2.Request) -> CardFacts:
    """Everything the card shows besides the request: address, people, the last steps."""
    address, applicant, executor, history = await asyncio.gather(
        _address(turn, request),
        person(turn, request.applicant_id),
        person(turn, request.executor_id),
        turn.services.requests.history(request.request_number),
    )
    # The executors the shown steps name (the current one is known already).
    named = {e.details.get("executor_id", "") for e in shown_history(history)}
    named -= {"", request.executor_id}
    others = await asyncio.gather(*(person(turn, i) for i in named))
    names = {i: person_label(p, turn.t) for i, p in zip(named, others, strict=True) if p}
    if executor is not None:
        names[request.executor_id] = person_label(executor, turn.t)
    return CardFacts(
        request=request,
        address=address,
        applicant=person_label(applicant, turn.t),
        executor=person_label(executor, turn.t) if request.executor_id else "",
        history=history,
        names=names,
    )


async def show_card(
    turn: Turn, request: request_pb2.Request, *, notice: str = "", new: bool = False
) -> None:
    """The manager's card of `request` (in place of the pressed message, or `new`), with a
    `notice` (a catalogue key) above it."""
    facts = await card_facts(turn, request)
    text = card_text(facts, turn.t)
    if notice:
        text = f"{turn.t(notice)}\n\n{text}"
    position = _position(await turn.data())
    board = board_of(status_of(request))
    page = 0
    if board is not None and position is not None and position.get("key") == board.value:
        page = int(position.get("page", 0))
    markup = card_keyboard(request, turn.t, page=page)
    if new:
        await turn.reply.send(text, markup)
    else:
        await turn.show_text(text, markup)


async def on_open(query: CallbackQuery, callback_data: OpenCard, turn: Turn) -> None:
    """A request's card, read afresh as the manager."""
    try:
        request = await turn.services.requests.get(callback_data.number)
    except (Missing, NotAllowed):
        log.info("card of an unavailable request refused", extra={"user_id": turn.person.user_id})
        await turn.reply.toast(turn.t("boards.not_available"), alert=True)
        return
    await park(turn)
    await turn.reply.toast()
    await show_card(turn, request)


async def checked(turn: Turn, wish: CardDo) -> request_pb2.Request | None:
    """The request a card button acts on, read afresh as the manager — or None, with the
    reason said: not visible to them, changed since the card was shown (the fresh card
    instead), or not in a status where the action makes sense."""
    try:
        request = await turn.services.requests.get(wish.number)
    except (Missing, NotAllowed):
        log.info("action on an unavailable request refused", extra={"user_id": turn.person.user_id})
        await turn.reply.toast(turn.t("boards.not_available"), alert=True)
        return None
    if request.version != wish.version:
        await park(turn)
        await turn.reply.toast()
        await show_card(turn, request, notice="boards.changed")
        return None
    if wish.verb not in verbs_for(status_of(request), has_executor=bool(request.executor_id)):
        await turn.reply.toast(turn.t("boards.not_now"), alert=True)
        return None
    await turn.reply.toast()
    return request


async def _was_mine(turn: Turn, number: str, version: int, action: str) -> bool:
    """Whether the step right after `version` is this manager's `action` (a retry of a call
    whose answer was lost, not somebody else's change)."""
    for entry in await turn.services.requests.history(number):
        if entry.version == version + 1:
            return entry.actor_id == turn.person.user_id and entry.action == ACTION.number(action)
    return False


async def after_refusal(
    turn: Turn,
    error: Refused,
    *,
    flow: str,
    number: str,
    version: int,
    action: str,
    keep: bool = True,
) -> request_pb2.Request | None:
    """What a refused action ends with. STALE_VERSION: if the step after `version` is this
    manager's own `action` (a retry after a lost answer) the request as it is now, to report
    success; else somebody else changed it — the fresh card, and None. A reason `flow` has
    words for (`<flow>.reason.<REASON>`): said — with the step kept (`keep`, so another choice
    can be made) or above the fresh card — and None. Anything else: raised for the error
    middleware (the step is kept)."""
    if error.reason == "STALE_VERSION":
        if await _was_mine(turn, number, version, action):
            return await turn.services.requests.get(number)
        log.info("stale action refused", extra={"user_id": turn.person.user_id, "number": number})
        fresh = await turn.services.requests.get(number)
        await park(turn)
        await turn.reply.toast()
        await show_card(turn, fresh, notice="boards.stale")
        return None
    key = f"{flow}.reason.{error.reason}"
    if not (error.reason and turn.t.has(key)):
        raise error
    log.info("action refused", extra={"user_id": turn.person.user_id, "reason": error.reason})
    await turn.reply.toast()
    if keep:
        await turn.say(key)
    else:
        fresh = await turn.services.requests.get(number)
        await park(turn)
        await show_card(turn, fresh, notice=key)
    return None


async def finish(turn: Turn, key: str, request: request_pb2.Request, **values: Any) -> None:
    """A done action: `key` in place of the summary, then the request's fresh card."""
    log.info(
        "manager action done",
        extra={"user_id": turn.person.user_id, "number": request.request_number},
    )
    await park(turn)
    await turn.reply.toast()
    await turn.show(key, None, **values)
    await show_card(turn, request, new=True)


def router() -> Router:
    """Boards and cards (approved managers and admins)."""
    r = Router(name="boards")
    r.message.filter(Approved(), HasRole("manager"))
    r.callback_query.filter(Approved(), HasRole("manager"))
    r.callback_query.register(on_menu_item, MenuItem.filter(F.item.in_(set(_MENU_BOARDS))))
    r.callback_query.register(on_page, BoardPage.filter())
    r.callback_query.register(on_open, OpenCard.filter())
    return r
