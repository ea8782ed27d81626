"""The free pool: NEW requests addressed to the pools the executor's active shift covers
(ListRequests view POOL), paged, each card with "take".

Taking is the notification button's claim (flows/actions.py `take`): ClaimRequest at the
version the card showed. Two executors racing for one request: the first gets it, the second
is told it is already taken — whether their tap came after (the request is no longer visible
to them) or at the same moment (the service's STALE_VERSION).
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery

from bot.callbacks import ExecList, MenuItem, MenuKey, WorkDo, WorkVerb
from bot.flows import actions, shift, work
from bot.flows.filters import Approved, HasRole
from bot.flows.work_lists import PAGE_SIZE, WorkList, register, show_list
from bot.mesh.requests import Page
from bot.turn import Turn
from bot.ui.keyboards import inline
from bot.ui.work_buttons import menu_row, take_shift_row

__all__ = ["router"]


async def _fetch(turn: Turn, token: str) -> Page:
    return await turn.services.requests.listing(view="pool", page_token=token, page_size=PAGE_SIZE)


POOL = register(WorkList(ExecList.POOL, _fetch, "pool.list.title", "pool.list.empty"))


async def on_pool_item(query: CallbackQuery, turn: Turn) -> None:
    """The menu's "free requests": the pool of the shift, or the offer to take one."""
    await turn.state.clear()
    if await shift.active_shift(turn) is None:
        await turn.show("pool.off_shift", inline([take_shift_row(turn.t), menu_row(turn.t)]))
        return
    await show_list(turn, ExecList.POOL, fresh=True)


async def on_take(query: CallbackQuery, callback_data: WorkDo, turn: Turn) -> None:
    """ "Take" on a pool card: checked like every work button, then claimed."""
    request = await work.checked_request(turn, callback_data, ExecList.POOL)
    if request is None:
        return
    await actions.take(turn, request.request_number, callback_data.version)


def router() -> Router:
    """The free pool (approved executors)."""
    r = Router(name="pool")
    r.callback_query.filter(Approved(), HasRole("executor"))
    r.callback_query.register(on_pool_item, MenuItem.filter(F.item == MenuKey.POOL))
    r.callback_query.register(on_take, WorkDo.filter(F.verb == WorkVerb.TAKE))
    return r
