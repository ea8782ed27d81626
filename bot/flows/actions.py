"""Buttons on notifications and cards: `act:<action>:<request number>` (the kit's codec,
`services.kit.callbacks`, shared with the notifications service).

A button is only a wish. Before anything happens the bot reads the request as the person
(`GetRequest`): a request they may not see answers NOT_FOUND, so a forged button gets the
polite "not available" and no action; then the request must be in a state where the action
makes sense for them. The services check everything again.

accept → stars 1–5 → optional review → AcceptRequest (the applicant, or a resident of the same
apartment: bot/logic/resident.py); return → reason → up to 5 photos or videos, or skip (the
filing flow's media step) → ReturnRequest; answer → text → AnswerClarification; take →
ClaimRequest; open → the card; upload → the documents flow (flows/documents.py).
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import F, Router
from aiogram.filters import Filter, StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.callbacks import Stars, StepAction, StepDo
from bot.flows import documents, home, new_request, shift
from bot.flows.filters import Approved
from bot.flows.steps import Flow, action, run_action
from bot.logic.inputs import check_answer, check_reason, check_review
from bot.logic.moments import display_number
from bot.logic.resident import CardAction, card_actions, facts_of
from bot.media import StoredMedia, to_ref
from bot.mesh import Missing, NotAllowed, Refused
from bot.turn import Turn
from bot.ui.cards import card_keyboard, card_text
from bot.ui.keyboards import button, inline, nav_row
from services.kit.callbacks import ActionRef, InlineAction, decode

__all__ = ["ActionButton", "router"]

log = logging.getLogger(__name__)


class ActionButton(Filter):
    """Matches `act:…` callback data and passes the decoded `ref` on."""

    async def __call__(self, event: TelegramObject) -> bool | dict[str, Any]:
        """The decoded action, or False."""
        if not isinstance(event, CallbackQuery) or not event.data:
            return False
        ref = decode(event.data)
        return {"ref": ref} if ref is not None else False


class Accepting(StatesGroup):
    """Accepting finished work."""

    stars = State()
    review = State()


class Returning(StatesGroup):
    """Sending finished work back."""

    reason = State()
    media = State()


class Answering(StatesGroup):
    """Answering a manager's question."""

    text = State()


async def _leave(turn: Turn) -> None:
    await home.show_menu(turn, edit=True)


ACCEPT = Flow("accept", exit=_leave)
RETURN = Flow("return", exit=_leave)
ANSWER = Flow("answer", exit=_leave)

# What each applicant button asks for, as the workflow table has it (bot/logic/resident.py).
_WANTS = {
    InlineAction.ACCEPT: CardAction.ACCEPT,
    InlineAction.RETURN: CardAction.RETURN,
    InlineAction.ANSWER: CardAction.ANSWER,
}


async def on_action(query: CallbackQuery, ref: ActionRef, turn: Turn) -> None:
    """Check the request as the person, then start what the button asks for."""
    if ref.action is InlineAction.UPLOAD:
        # Taken by the documents router first (pending people upload too); here for safety.
        await documents.start(turn)
        return
    try:
        request = await turn.services.requests.get(ref.subject)
    except (Missing, NotAllowed):
        log.info("action on an unavailable request refused", extra={"user_id": turn.person.user_id})
        if ref.action is InlineAction.TAKE and await shift.active_shift(turn) is None:
            # Off duty, pool requests are out of sight: the shift is what is missing.
            await shift.offer_shift(turn)
            return
        # A take whose request someone claimed meanwhile looks just like a forged one.
        key = "pool.taken" if ref.action is InlineAction.TAKE else "action.not_available"
        await turn.reply.toast(turn.t(key), alert=True)
        return
    if ref.action is InlineAction.OPEN:
        await turn.reply.toast()
        await turn.reply.send(
            card_text(request, turn.t), card_keyboard(request, turn.person, turn.t)
        )
        return
    if ref.action is InlineAction.TAKE:
        await take(turn, request.request_number, request.version)
        return
    if _WANTS[ref.action] not in card_actions(facts_of(request), turn.person.user_id):
        await turn.reply.toast(turn.t("action.not_now"), alert=True)
        return
    await turn.state.clear()
    await turn.remember(number=request.request_number, version=request.version, draft={"media": []})
    await turn.reply.toast()
    if ref.action is InlineAction.ACCEPT:
        await ACCEPT.enter(turn, Accepting.stars)
    elif ref.action is InlineAction.RETURN:
        await RETURN.enter(turn, Returning.reason)
    else:
        await ANSWER.enter(turn, Answering.text)


async def _number(turn: Turn) -> str:
    return display_number(str((await turn.data()).get("number", "")))


# --- accept with a rating ------------------------------------------------------------------


@ACCEPT.step(Accepting.stars)
async def ask_stars(turn: Turn) -> None:
    """1 to 5 stars."""
    stars = [button("⭐" * n, Stars(stars=n).pack()) for n in range(1, 6)]
    markup = inline([stars[:3], stars[3:], nav_row(turn.t)])
    await turn.reply.send(turn.t("accept.stars.ask", number=await _number(turn)), markup)


async def on_stars(query: CallbackQuery, callback_data: Stars, turn: Turn) -> None:
    """A rating was chosen."""
    await turn.remember(stars=callback_data.stars)
    await ACCEPT.next(turn)


@ACCEPT.step(Accepting.review)
async def ask_review(turn: Turn) -> None:
    """An optional review."""
    markup = inline(
        [[button(turn.t("button.skip"), StepDo(action=StepAction.SKIP).pack())], nav_row(turn.t)]
    )
    await turn.show("accept.review.ask", markup)


async def on_review(message: Message, turn: Turn) -> None:
    """A typed review."""
    checked = check_review(message.text)
    if not checked.ok:
        await turn.say(checked.problem, None, length=checked.length)
        return
    await turn.remember(review=checked.value)
    await run_action(turn, "request.accept")


async def on_review_skipped(query: CallbackQuery, callback_data: StepDo, turn: Turn) -> None:
    """No review."""
    await turn.remember(review="")
    await run_action(turn, "request.accept")


@action("request.accept")
async def accept(turn: Turn) -> None:
    """AcceptRequest with the rating."""
    data = await turn.data()
    filed = await turn.services.requests.accept(
        str(data["number"]),
        rating=int(data["stars"]),
        review=str(data.get("review", "")),
        expected_version=int(data.get("version", 0)),
    )
    await turn.state.clear()
    await turn.say("accept.done", None, number=display_number(filed.request_number))


# --- return with a reason -------------------------------------------------------------------


@RETURN.step(Returning.reason)
async def ask_reason(turn: Turn) -> None:
    """Why the work is not right."""
    await turn.reply.send(
        turn.t("return.reason.ask", number=await _number(turn)), inline([nav_row(turn.t)])
    )


async def on_reason(message: Message, turn: Turn) -> None:
    """A typed reason."""
    checked = check_reason(message.text)
    if not checked.ok:
        await turn.say(checked.problem, None, length=checked.length)
        return
    await turn.remember(reason=checked.value)
    await RETURN.next(turn)


# Photos or videos of what is wrong: the filing flow's media step (prompt and handler).
RETURN.step(Returning.media)(new_request.ask_media)


async def on_return_media_done(query: CallbackQuery, callback_data: StepDo, turn: Turn) -> None:
    """Done adding photos (or skipped): send the work back."""
    if callback_data.action is StepAction.CONFIRM:
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    if callback_data.action is StepAction.SKIP:
        await turn.remember(draft={"media": []})
    await run_action(turn, "request.return")


@action("request.return")
async def return_work(turn: Turn) -> None:
    """ReturnRequest with the reason and the photos (the version seen: a double tap is
    refused as stale, never a second return)."""
    data = await turn.data()
    draft = data.get("draft")
    kept = draft.get("media", []) if isinstance(draft, dict) else []
    media = [to_ref(StoredMedia.load(m)) for m in kept]
    filed = await turn.services.requests.return_work(
        str(data["number"]),
        reason=str(data["reason"]),
        media=media,
        expected_version=int(data.get("version", 0)),
    )
    await turn.state.clear()
    await turn.say("return.done", None, number=display_number(filed.request_number))


# --- answer a clarification -----------------------------------------------------------------


@ANSWER.step(Answering.text)
async def ask_answer(turn: Turn) -> None:
    """The answer to the manager's question."""
    await turn.reply.send(
        turn.t("answer.ask", number=await _number(turn)), inline([nav_row(turn.t)])
    )


async def on_answer(message: Message, turn: Turn) -> None:
    """A typed answer."""
    checked = check_answer(message.text)
    if not checked.ok:
        await turn.say(checked.problem, None, length=checked.length)
        return
    await turn.remember(answer=checked.value)
    await run_action(turn, "request.answer")


@action("request.answer")
async def answer(turn: Turn) -> None:
    """AnswerClarification."""
    data = await turn.data()
    filed = await turn.services.requests.answer_clarification(
        str(data["number"]),
        answer=str(data["answer"]),
        expected_version=int(data.get("version", 0)),
    )
    await turn.state.clear()
    await turn.say("answer.done", None, number=display_number(filed.request_number))


# --- take from the pool ---------------------------------------------------------------------


# How a claim that lost the race is refused (the winner's step came first).
_LOST_CLAIM = frozenset({"STALE_VERSION", "TRANSITION_NOT_ALLOWED", "NOT_GROUP_ADDRESSED"})


async def take(turn: Turn, number: str, version: int) -> None:
    """Claim pool request `number` as seen at `version` (a notification's button, or a card
    of the pool: flows/pool.py)."""
    await turn.state.clear()
    await turn.remember(number=number, version=version)
    await run_action(turn, "request.claim")


@action("request.claim")
async def claim(turn: Turn) -> None:
    """ClaimRequest (the service checks the shift and the skills). A claim that lost the race
    (or a second tap) says who has the request now: the person, or another executor."""
    data = await turn.data()
    number = str(data["number"])
    try:
        filed = await turn.services.requests.claim(
            number, expected_version=int(data.get("version", 0))
        )
    except Refused as refusal:
        if refusal.reason == "EXECUTOR_NOT_ON_SHIFT":
            await turn.state.clear()
            await shift.offer_shift(turn)
            return
        if refusal.reason not in _LOST_CLAIM:
            raise
        await turn.state.clear()
        await turn.reply.toast()
        await turn.say(await _holder(turn, number), None, number=display_number(number))
        return
    await turn.state.clear()
    await turn.reply.toast()
    await turn.say("take.done", None, number=display_number(filed.request_number))


async def _holder(turn: Turn, number: str) -> str:
    """Whose the request is after a lost claim, as a catalogue key."""
    try:
        request = await turn.services.requests.get(number)
    except (Missing, NotAllowed):
        return "pool.taken_by_other"
    mine = request.executor_id == turn.person.user_id
    return "pool.already_yours" if mine else "pool.taken_by_other"


def router() -> Router:
    """Handlers of action buttons and the flows they start (approved people)."""
    r = Router(name="actions")
    r.message.filter(Approved())
    r.callback_query.filter(Approved())
    r.callback_query.register(on_action, ActionButton())
    r.callback_query.register(on_stars, Stars.filter(), StateFilter(Accepting.stars))
    r.message.register(on_review, StateFilter(Accepting.review), F.text)
    r.callback_query.register(
        on_review_skipped,
        StepDo.filter(F.action == StepAction.SKIP),
        StateFilter(Accepting.review),
    )
    r.message.register(on_reason, StateFilter(Returning.reason), F.text)
    r.message.register(new_request.on_media, StateFilter(Returning.media))
    r.callback_query.register(on_return_media_done, StepDo.filter(), StateFilter(Returning.media))
    r.message.register(on_answer, StateFilter(Answering.text), F.text)
    return r
