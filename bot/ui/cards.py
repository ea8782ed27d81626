"""A request as a message: the card people see, with the actions they may take on it."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from ukm.requests.v1 import request_pb2

from bot.callbacks import OpenCard
from bot.i18n import Translator
from bot.logic.moments import display_number, local_time
from bot.mesh.requests import CATEGORY, STATUS, URGENCY
from bot.person import Person
from bot.ui.keyboards import button, inline
from bot.ui.work_buttons import work_buttons
from services.kit.callbacks import InlineAction, encode

__all__ = ["card_keyboard", "card_text"]


def card_text(request: request_pb2.Request, t: Translator) -> str:
    """The request's card (HTML; every value escaped by `t`)."""
    status = STATUS.key(request.status) if request.status in STATUS.by_number else "new"
    category = CATEGORY.key(request.category) if request.category in CATEGORY.by_number else "other"
    urgency = URGENCY.key(request.urgency) if request.urgency in URGENCY.by_number else "medium"
    due = local_time(request.sla.resolution_due_time.seconds)
    return t(
        "card.text",
        number=display_number(request.request_number),
        status=t(f"status.{status}"),
        category=t(f"category.{category}"),
        urgency=t(f"urgency.{urgency}"),
        description=request.description,
        created=local_time(request.create_time.seconds),
        due=due or "—",
        media=len(request.media),
    )


def card_keyboard(
    request: request_pb2.Request, person: Person, t: Translator
) -> InlineKeyboardMarkup | None:
    """The buttons the person's role offers on this request now (the services decide anyway)."""
    number = request.request_number
    mine = request.applicant_id == person.user_id
    buttons = []
    if mine and request.status == request_pb2.REQUEST_STATUS_CONFIRMED:
        buttons.append(button(t("card.accept"), encode(InlineAction.ACCEPT, number)))
        buttons.append(button(t("card.return"), encode(InlineAction.RETURN, number)))
    if mine and request.status == request_pb2.REQUEST_STATUS_CLARIFICATION:
        buttons.append(button(t("card.answer"), encode(InlineAction.ANSWER, number)))
    pool = request.assignment.mode == request_pb2.ASSIGNMENT_MODE_GROUP
    if (
        "executor" in person.roles
        and pool
        and request.status == request_pb2.REQUEST_STATUS_NEW
        and not request.executor_id
    ):
        buttons.append(button(t("card.take"), encode(InlineAction.TAKE, number)))
    rows = [[b] for b in buttons]
    # The assigned executor's work (flows/work.py): purchase, resume, complete.
    rows += work_buttons(request, person, t)
    # Managers: the manager's card with its actions (flows/boards.py).
    if {"manager", "admin"} & set(person.roles):
        rows.append([button(t("boards.open"), OpenCard(number=number).pack())])
    return inline(rows) if rows else None
