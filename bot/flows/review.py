"""A manager's review actions on a request card: clarify (a question, required), confirm
(optional notes), return to work (a reason, required), accept on the resident's behalf (a
comment of at least 10 characters), cancel (a reason, required).

Each is two steps: the text (checked by bot/logic/review.py, which says what to fix and keeps
the step), then a summary to confirm. The write carries the version read when the manager
pressed the card's button, so a request somebody else changed meanwhile is refused
(STALE_VERSION) and the fresh card shown instead of a second step.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message
from ukm.requests.v1 import request_pb2

from bot.callbacks import CardDo, Nav, NavTo, OpenCard, StepAction, StepDo
from bot.flows import boards, home
from bot.flows.filters import Approved, HasRole
from bot.flows.steps import Flow, action, run_action
from bot.logic.boards import Verb
from bot.logic.inputs import Checked
from bot.logic.moments import display_number
from bot.logic.review import check_comment, check_notes, check_question, check_reason
from bot.mesh import Refused
from bot.turn import Turn
from bot.ui.keyboards import button, inline, nav_row

__all__ = ["KINDS", "Review", "router"]

log = logging.getLogger(__name__)


class Review(StatesGroup):
    """The text, then the summary."""

    text = State()
    confirm = State()


async def _leave(turn: Turn) -> None:
    await home.show_menu(turn, edit=True)


FLOW = Flow("review", exit=_leave)

Call = Callable[[Turn, str, str, int], Awaitable[request_pb2.Request]]


async def _clarify(turn: Turn, number: str, text: str, version: int) -> request_pb2.Request:
    return await turn.services.requests.clarify(number, question=text, expected_version=version)


async def _confirm(turn: Turn, number: str, text: str, version: int) -> request_pb2.Request:
    return await turn.services.requests.confirm(number, notes=text, expected_version=version)


async def _rework(turn: Turn, number: str, text: str, version: int) -> request_pb2.Request:
    return await turn.services.requests.return_work(number, reason=text, expected_version=version)


async def _accept(turn: Turn, number: str, text: str, version: int) -> request_pb2.Request:
    return await turn.services.requests.accept_on_behalf(
        number, comment=text, expected_version=version
    )


async def _cancel(turn: Turn, number: str, text: str, version: int) -> request_pb2.Request:
    return await turn.services.requests.cancel(number, reason=text, expected_version=version)


@dataclass(frozen=True)
class Kind:
    """One review action: its catalogue section (`review.<name>.*`), the check of its text,
    whether the text may be skipped, the call, and the workflow action it records."""

    name: str
    check: Callable[[str | None], Checked]
    optional: bool
    call: Call
    recorded_as: str


KINDS: dict[Verb, Kind] = {
    Verb.CLARIFY: Kind("clarify", check_question, False, _clarify, "clarify"),
    Verb.CONFIRM: Kind("confirm", check_notes, True, _confirm, "manager_confirm"),
    Verb.REWORK: Kind("rework", check_reason, False, _rework, "return_to_work"),
    Verb.ACCEPT: Kind("accept", check_comment, False, _accept, "manager_force_accept"),
    Verb.CANCEL: Kind("cancel", check_reason, False, _cancel, "cancel"),
}


async def _job(turn: Turn) -> dict[str, Any]:
    job = (await turn.data()).get("job")
    return dict(job) if isinstance(job, dict) else {}


def _kind(job: dict[str, Any]) -> Kind:
    return KINDS[Verb(str(job.get("verb", Verb.CLARIFY.value)))]


async def on_verb(query: CallbackQuery, callback_data: CardDo, turn: Turn) -> None:
    """A review button on a card: check the request afresh, then ask for the text."""
    request = await boards.checked(turn, callback_data)
    if request is None:
        return
    await boards.park(turn)
    await turn.remember(
        job={
            "verb": callback_data.verb.value,
            "number": request.request_number,
            "version": request.version,
        }
    )
    await FLOW.enter(turn, Review.text)


def _cancel_button(turn: Turn) -> InlineKeyboardButton:
    return button(turn.t("button.cancel"), Nav(to=NavTo.CANCEL).pack())


# --- the text ------------------------------------------------------------------------------


@FLOW.step(Review.text)
async def ask_text(turn: Turn) -> None:
    """The question, notes, reason or comment (what was typed before is shown and kept)."""
    job = await _job(turn)
    kind = _kind(job)
    t = turn.t
    number = str(job.get("number", ""))
    text = t(f"review.{kind.name}.ask", number=display_number(number))
    typed = job.get("text")
    rows: list[list[InlineKeyboardButton]] = []
    if typed:
        text = f"{text}\n\n{t('review.again', text=typed)}"
        rows.append([button(t("review.keep"), StepDo(action=StepAction.DONE).pack())])
    elif kind.optional:
        rows.append([button(t("button.skip"), StepDo(action=StepAction.SKIP).pack())])
    rows.append([button(t("boards.to_card"), OpenCard(number=number).pack()), _cancel_button(turn)])
    await turn.show_text(text, inline(rows))


async def on_text(message: Message, turn: Turn) -> None:
    """A typed text: checked; what to fix is said and the step stays."""
    job = await _job(turn)
    checked = _kind(job).check(message.text)
    if not checked.ok:
        await turn.say(checked.problem, None, length=checked.length)
        return
    job["text"] = checked.value
    await turn.remember(job=job)
    await FLOW.next(turn)


async def on_not_text(message: Message, turn: Turn) -> None:
    """A photo or a sticker where words are expected."""
    await turn.say("review.text_please")


async def on_step(query: CallbackQuery, callback_data: StepDo, turn: Turn) -> None:
    """Skip optional notes, or keep the text typed before."""
    job = await _job(turn)
    if callback_data.action is StepAction.SKIP and _kind(job).optional:
        job["text"] = ""
    elif not (callback_data.action is StepAction.DONE and job.get("text")):
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    await turn.remember(job=job)
    await FLOW.next(turn)


# --- the summary and the step ---------------------------------------------------------------


@FLOW.step(Review.confirm)
async def ask_confirm(turn: Turn) -> None:
    """What will happen, at a glance; then confirm (back keeps the text)."""
    job = await _job(turn)
    kind = _kind(job)
    t = turn.t
    text = t(
        f"review.{kind.name}.summary",
        number=display_number(str(job.get("number", ""))),
        text=job.get("text") or t("review.no_notes"),
    )
    markup = inline(
        [[button(t("button.confirm"), StepDo(action=StepAction.CONFIRM).pack())], nav_row(t)]
    )
    await turn.show_text(text, markup)


async def on_confirm(query: CallbackQuery, callback_data: StepDo, turn: Turn) -> None:
    """Confirmed: do it."""
    await run_action(turn, "review.apply")


@action("review.apply")
async def apply(turn: Turn) -> None:
    """The review call with the version the manager saw."""
    job = await _job(turn)
    kind = _kind(job)
    number, version = str(job["number"]), int(job["version"])
    try:
        done = await kind.call(turn, number, str(job.get("text", "")), version)
    except Refused as error:
        found = await boards.after_refusal(
            turn,
            error,
            flow="review",
            number=number,
            version=version,
            action=kind.recorded_as,
            keep=False,
        )
        if found is None:
            return
        done = found
    await boards.finish(turn, f"review.{kind.name}.done", done, number=display_number(number))


def router() -> Router:
    """The review actions (approved managers and admins)."""
    r = Router(name="review")
    r.message.filter(Approved(), HasRole("manager"))
    r.callback_query.filter(Approved(), HasRole("manager"))
    r.callback_query.register(on_verb, CardDo.filter(F.verb.in_(set(KINDS))))
    r.message.register(on_text, StateFilter(Review.text), F.text)
    r.message.register(on_not_text, StateFilter(Review.text))
    r.callback_query.register(on_step, StepDo.filter(), StateFilter(Review.text))
    r.callback_query.register(
        on_confirm,
        StepDo.filter(F.action == StepAction.CONFIRM),
        StateFilter(Review.confirm),
    )
    return r
