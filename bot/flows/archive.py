"""The archive: the executor's finished requests (COMPLETED, CONFIRMED, RETURNED, ACCEPTED,
CANCELLED; assigned to them), newest first, paged; each card shows the report and the
resident's rating when there is one."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery

from bot.callbacks import ExecList, MenuItem, MenuKey
from bot.flows.filters import Approved, HasRole
from bot.flows.work_lists import PAGE_SIZE, WorkList, register, show_list
from bot.logic.work import ARCHIVE_STATUSES
from bot.mesh.requests import Page
from bot.turn import Turn

__all__ = ["router"]


async def _fetch(turn: Turn, token: str) -> Page:
    return await turn.services.requests.listing(
        view="mine",
        executor_id=turn.person.user_id,
        statuses=ARCHIVE_STATUSES,
        page_token=token,
        page_size=PAGE_SIZE,
    )


ARCHIVE = register(WorkList(ExecList.ARCHIVE, _fetch, "archive.list.title", "archive.list.empty"))


async def on_archive_item(query: CallbackQuery, turn: Turn) -> None:
    """The menu's "archive"."""
    await turn.state.clear()
    await show_list(turn, ExecList.ARCHIVE, fresh=True)


def router() -> Router:
    """The archive (approved executors)."""
    r = Router(name="archive")
    r.callback_query.filter(Approved(), HasRole("executor"))
    r.callback_query.register(on_archive_item, MenuItem.filter(F.item == MenuKey.ARCHIVE))
    return r
