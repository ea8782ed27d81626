"""The buttons an executor gets on a request card: what the workflow lets the assigned executor
do from the request's status (DOMAIN.md "Workflow actions"), each carrying the version the card
showed, so a double tap or an old card is refused rather than repeated.

Kept apart from `cards` so the shared card (notification "open" buttons) offers the same
actions without importing the executor's flows.
"""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton
from ukm.requests.v1 import request_pb2

from bot.callbacks import MenuItem, MenuKey, Nav, NavTo, WorkDo, WorkVerb
from bot.i18n import Translator
from bot.person import Person
from bot.ui.keyboards import button

__all__ = ["NEEDS", "menu_row", "take_button", "take_shift_row", "work_buttons"]

# The status each verb starts from (EXECUTOR_PURCHASE, EXECUTOR_RESUME, EXECUTOR_COMPLETE,
# EXECUTOR_CLAIM).
NEEDS: dict[WorkVerb, frozenset[int]] = {
    WorkVerb.PURCHASE: frozenset({request_pb2.REQUEST_STATUS_IN_PROGRESS}),
    WorkVerb.RESUME: frozenset(
        {request_pb2.REQUEST_STATUS_PURCHASE, request_pb2.REQUEST_STATUS_CLARIFICATION}
    ),
    WorkVerb.COMPLETE: frozenset({request_pb2.REQUEST_STATUS_IN_PROGRESS}),
    WorkVerb.TAKE: frozenset({request_pb2.REQUEST_STATUS_NEW}),
}
_ORDER = (WorkVerb.PURCHASE, WorkVerb.RESUME, WorkVerb.COMPLETE)


def _do(verb: WorkVerb, request: request_pb2.Request) -> str:
    return WorkDo(verb=verb, number=request.request_number, version=request.version).pack()


def work_buttons(
    request: request_pb2.Request, person: Person, t: Translator
) -> list[list[InlineKeyboardButton]]:
    """Rows of the assigned executor's actions now (none for anyone else)."""
    if "executor" not in person.roles or request.executor_id != person.user_id:
        return []
    return [
        [button(t(f"work.button.{verb.name.lower()}"), _do(verb, request))]
        for verb in _ORDER
        if request.status in NEEDS[verb]
    ]


def take_button(request: request_pb2.Request, t: Translator) -> InlineKeyboardButton | None:
    """ "Take" for a pool request nobody has yet (None otherwise)."""
    pool = request.assignment.mode == request_pb2.ASSIGNMENT_MODE_GROUP
    if not pool or request.status not in NEEDS[WorkVerb.TAKE] or request.executor_id:
        return None
    return button(t("card.take"), _do(WorkVerb.TAKE, request))


def menu_row(t: Translator) -> list[InlineKeyboardButton]:
    """Back to the menu."""
    return [button(t("work.button.menu"), Nav(to=NavTo.MENU).pack())]


def take_shift_row(t: Translator) -> list[InlineKeyboardButton]:
    """The offer to go on duty (the shift flow's menu item)."""
    return [button(t("menu.item.shift_on"), MenuItem(item=MenuKey.SHIFT_START).pack())]
