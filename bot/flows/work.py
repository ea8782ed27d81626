"""My work: the executor's active requests (IN_PROGRESS, PURCHASE, CLARIFICATION) paged, each
card with what the workflow lets its executor do now:

- materials purchase: a list typed one item per line (`Сифон 1 шт`, bot/logic/materials.py)
  → summary → confirm → PurchaseMaterials (the request waits in PURCHASE);
- resume (from PURCHASE or CLARIFICATION) → ResumeRequest;
- complete: a report → up to 5 photos or videos, or "without media" → summary → confirm →
  CompleteRequest.

Every action needs the assignment and an active shift (DOMAIN.md): the card's button is read
against the request as the person sees it now (theirs? the status the action starts from? the
version the card showed?) and against their shift; off duty they are told so and offered to
take a shift. Each write carries the card's version (`expected_version`), so a double tap or a
retry after a lost answer never makes a second step: the service says STALE_VERSION, and the
bot looks at the request to tell which of the two it was.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from ukm.requests.v1 import request_pb2

from bot.callbacks import ExecList, MenuItem, MenuKey, StepAction, StepDo, WorkDo, WorkVerb
from bot.flows import shift
from bot.flows.filters import Approved, HasRole
from bot.flows.steps import Flow, action, run_action
from bot.flows.work_lists import PAGE_SIZE, WorkList, open_card, register, show_list
from bot.logic.inputs import MAX_MEDIA
from bot.logic.materials import Material, MaterialsResult, parse_materials
from bot.logic.moments import display_number
from bot.logic.work import ACTIVE_STATUSES, check_report
from bot.media import StoredMedia, incoming_of, to_ref
from bot.mesh import Missing, NotAllowed, Refused
from bot.mesh.requests import Page
from bot.turn import Turn
from bot.ui.keyboards import button, inline, nav_row
from bot.ui.menus import menu_keyboard
from bot.ui.work_buttons import NEEDS

__all__ = ["Completing", "Purchasing", "router"]

log = logging.getLogger(__name__)


async def _fetch(turn: Turn, token: str) -> Page:
    return await turn.services.requests.listing(
        view="mine",
        executor_id=turn.person.user_id,
        statuses=ACTIVE_STATUSES,
        page_token=token,
        page_size=PAGE_SIZE,
    )


WORK = register(
    WorkList(ExecList.WORK, _fetch, "work.list.title", "work.list.empty", needs_shift=True)
)


class Purchasing(StatesGroup):
    """Asking for materials."""

    materials = State()
    confirm = State()


class Completing(StatesGroup):
    """Reporting the work done."""

    report = State()
    media = State()
    confirm = State()


async def _back_to_work(turn: Turn) -> None:
    await show_list(turn, ExecList.WORK, fresh=True)


PURCHASE = Flow("work_purchase", exit=_back_to_work)
COMPLETE = Flow("work_complete", exit=_back_to_work)


async def on_work_item(query: CallbackQuery, turn: Turn) -> None:
    """The menu's "my work"."""
    await turn.state.clear()
    await show_list(turn, ExecList.WORK, fresh=True)


# --- a button on a card ----------------------------------------------------------------------


async def checked_request(
    turn: Turn, callback_data: WorkDo, kind: ExecList = ExecList.WORK
) -> request_pb2.Request | None:
    """The request a work button names, if the person may act on it now: visible to them,
    theirs (or, to take, in the pool), in the status the action starts from, unchanged since
    the card (else the fresh card), and they are on duty (else the offer to take a shift)."""
    try:
        request = await turn.services.requests.get(callback_data.number)
    except (Missing, NotAllowed):
        log.info("work on an unavailable request refused", extra={"user_id": turn.person.user_id})
        if callback_data.verb is WorkVerb.TAKE and await shift.active_shift(turn) is None:
            # Off duty, pool requests are out of sight: the shift is what is missing.
            await shift.offer_shift(turn)
            return None
        key = "pool.taken" if callback_data.verb is WorkVerb.TAKE else "action.not_available"
        await turn.reply.toast(turn.t(key), alert=True)
        return None
    verb = callback_data.verb
    mine = request.executor_id == turn.person.user_id
    if verb is WorkVerb.TAKE and mine:
        # A second tap on "take", or a notification's button after the pool's: theirs already.
        number = display_number(request.request_number)
        await turn.reply.toast(turn.t("pool.already_yours", number=number), alert=True)
        await open_card(turn, ExecList.WORK, request)
        return None
    if verb is not WorkVerb.TAKE and not mine:
        log.info("work on someone else's request refused", extra={"user_id": turn.person.user_id})
        await turn.reply.toast(turn.t("work.not_yours"), alert=True)
        return None
    if request.version != callback_data.version or request.status not in NEEDS[verb]:
        await turn.reply.toast(turn.t("work.changed"), alert=True)
        await open_card(turn, kind, request)
        return None
    if await shift.active_shift(turn) is None:
        await shift.offer_shift(turn)
        return None
    return request


async def on_work(query: CallbackQuery, callback_data: WorkDo, turn: Turn) -> None:
    """Purchase, resume or complete, from a card."""
    request = await checked_request(turn, callback_data)
    if request is None:
        return
    await turn.state.clear()
    await turn.remember(number=request.request_number, version=request.version)
    await turn.reply.toast()
    if callback_data.verb is WorkVerb.RESUME:
        await run_action(turn, "work.resume")
    elif callback_data.verb is WorkVerb.PURCHASE:
        await PURCHASE.enter(turn, Purchasing.materials)
    else:
        await turn.remember(report="", media=[])
        await COMPLETE.enter(turn, Completing.report)


async def _number(turn: Turn) -> str:
    return display_number(str((await turn.data()).get("number", "")))


async def _settle(turn: Turn, refusal: Refused, reached: int) -> request_pb2.Request | None:
    """After a refused write: the request, when it already is where the write would have
    taken it by the person (a retry after a lost answer, a double tap that came first); None
    when the refusal was answered here (off duty, changed meanwhile). Anything else is raised
    for the error middleware to put into words."""
    number = str((await turn.data()).get("number", ""))
    if refusal.reason == "EXECUTOR_NOT_ON_SHIFT":
        await shift.offer_shift(turn)
        return None
    if refusal.reason not in {"STALE_VERSION", "TRANSITION_NOT_ALLOWED", "NOT_ASSIGNED"}:
        raise refusal
    await turn.state.clear()
    try:
        request = await turn.services.requests.get(number)
    except (Missing, NotAllowed):
        await turn.say("work.not_yours")
        return None
    if request.status == reached and request.executor_id == turn.person.user_id:
        return request
    await turn.say("work.changed")
    await open_card(turn, ExecList.WORK, request, edit=False)
    return None


async def _done(turn: Turn, key: str, request: request_pb2.Request) -> None:
    """Say what happened, then the card as it is now (its next actions)."""
    log.info("work step", extra={"user_id": turn.person.user_id, "number": request.request_number})
    await turn.state.clear()
    await turn.show(key, None, number=display_number(request.request_number))
    await open_card(turn, ExecList.WORK, request, edit=False)


# --- resume ----------------------------------------------------------------------------------


@action("work.resume")
async def resume(turn: Turn) -> None:
    """ResumeRequest at the card's version."""
    data = await turn.data()
    try:
        request = await turn.services.requests.resume(
            str(data["number"]), expected_version=int(data.get("version", 0))
        )
    except Refused as refusal:
        settled = await _settle(turn, refusal, request_pb2.REQUEST_STATUS_IN_PROGRESS)
        if settled is None:
            return
        request = settled
    await _done(turn, "work.resume.done", request)


# --- materials purchase ----------------------------------------------------------------------


def _materials(data: dict[str, Any]) -> list[Material]:
    return [Material.load(m) for m in data.get("materials", []) if isinstance(m, dict)]


@PURCHASE.step(Purchasing.materials)
async def ask_materials(turn: Turn) -> None:
    """The materials, one per line."""
    data = await turn.data()
    markup = inline([nav_row(turn.t)])
    items = _materials(data)
    if items:
        await turn.show_text(
            turn.t.raw("work.purchase.again", items=_items_text(turn, items)), markup
        )
    else:
        await turn.show("work.purchase.ask", markup, number=await _number(turn))


def _items_text(turn: Turn, items: list[Material]) -> str:
    return "\n".join(
        turn.t("work.materials.item", name=m.name, quantity=m.quantity, unit=m.unit) for m in items
    )


def _problems_text(turn: Turn, result: MaterialsResult) -> str:
    t = turn.t
    if result.empty:
        return t("work.materials.empty")
    if result.too_many:
        return t("work.materials.too_many")
    lines = [
        t(
            "work.materials.line",
            line=p.line,
            text=p.text[:80],
        )
        + " "
        + t(f"work.materials.problem.{p.problem.value}")
        for p in result.problems
    ]
    return t.raw("work.materials.problems", lines="\n".join(lines))


async def on_materials(message: Message, turn: Turn) -> None:
    """A typed list: every line read, or every line to fix named."""
    result = parse_materials(message.text)
    if not result.ok:
        await turn.reply.send(_problems_text(turn, result))
        return
    unit = turn.t.raw("work.materials.default_unit")
    items = [Material(m.name, m.quantity, m.unit or unit).dump() for m in result.items]
    await turn.remember(materials=items)
    await PURCHASE.next(turn)


async def on_materials_not_text(message: Message, turn: Turn) -> None:
    """A photo or sticker where the list is expected."""
    await turn.say("work.purchase.text_please")


@PURCHASE.step(Purchasing.confirm)
async def ask_purchase(turn: Turn) -> None:
    """The list as read, then confirm."""
    t = turn.t
    items = _materials(await turn.data())
    text = t.raw(
        "work.purchase.summary", number=await _number(turn), items=_items_text(turn, items)
    )
    markup = inline(
        [[button(t("button.confirm"), StepDo(action=StepAction.CONFIRM).pack())], nav_row(t)]
    )
    await turn.show_text(text, markup)


async def on_purchase_confirmed(query: CallbackQuery, callback_data: StepDo, turn: Turn) -> None:
    """Confirmed: ask for the materials."""
    await run_action(turn, "work.purchase")


@action("work.purchase")
async def purchase(turn: Turn) -> None:
    """PurchaseMaterials at the card's version."""
    data = await turn.data()
    items = _materials(data)
    try:
        request = await turn.services.requests.purchase(
            str(data["number"]),
            materials=[(m.name, m.quantity, m.unit) for m in items],
            expected_version=int(data.get("version", 0)),
        )
    except Refused as refusal:
        settled = await _settle(turn, refusal, request_pb2.REQUEST_STATUS_PURCHASE)
        if settled is None:
            return
        request = settled
    await _done(turn, "work.purchase.done", request)


# --- complete with a report ------------------------------------------------------------------


@COMPLETE.step(Completing.report)
async def ask_report(turn: Turn) -> None:
    """What was done."""
    data = await turn.data()
    markup = inline([nav_row(turn.t)])
    report = str(data.get("report", ""))
    if report:
        await turn.show("work.complete.report.again", markup, report=report)
    else:
        await turn.show("work.complete.report.ask", markup, number=await _number(turn))


async def on_report(message: Message, turn: Turn) -> None:
    """A typed report."""
    checked = check_report(message.text)
    if not checked.ok:
        await turn.say(checked.problem, None, length=checked.length)
        return
    await turn.remember(report=checked.value)
    await COMPLETE.next(turn)


async def on_report_not_text(message: Message, turn: Turn) -> None:
    """A photo where the report is expected: words first, photos next."""
    await turn.say("work.complete.report.text_please")


def _media_keyboard(turn: Turn, count: int) -> Any:
    t = turn.t
    finish = (
        button(t("button.done", count=count), StepDo(action=StepAction.DONE).pack())
        if count
        else button(t("work.complete.without_media"), StepDo(action=StepAction.SKIP).pack())
    )
    return inline([[finish], nav_row(t)])


@COMPLETE.step(Completing.media)
async def ask_media(turn: Turn) -> None:
    """Up to 5 photos or videos of the result, or none."""
    count = len((await turn.data()).get("media", []))
    await turn.show("work.complete.media.ask", _media_keyboard(turn, count), limit=MAX_MEDIA)


async def on_media(message: Message, turn: Turn) -> None:
    """A photo or video (albums arrive one update per item, handled one at a time)."""
    media = list((await turn.data()).get("media", []))
    incoming = incoming_of(message)
    if incoming is None:
        markup = _media_keyboard(turn, len(media))
        await turn.say("work.complete.media.expected", markup, limit=MAX_MEDIA)
        return
    if len(media) >= MAX_MEDIA:
        markup = _media_keyboard(turn, len(media))
        await turn.say("work.complete.media.full", markup, limit=MAX_MEDIA)
        return
    stored = await turn.media.keep(incoming)
    media.append(stored.dump())
    await turn.remember(media=media)
    markup = _media_keyboard(turn, len(media))
    await turn.say("work.complete.media.added", markup, count=len(media), limit=MAX_MEDIA)


async def on_media_done(query: CallbackQuery, callback_data: StepDo, turn: Turn) -> None:
    """Done adding (or without media): the summary."""
    if callback_data.action is StepAction.CONFIRM:
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    if callback_data.action is StepAction.SKIP:
        await turn.remember(media=[])
    await COMPLETE.next(turn)


@COMPLETE.step(Completing.confirm)
async def ask_complete(turn: Turn) -> None:
    """The report at a glance, then confirm."""
    t = turn.t
    data = await turn.data()
    count = len(data.get("media", []))
    text = t(
        "work.complete.summary",
        number=await _number(turn),
        report=str(data.get("report", "")),
        media=count if count else t("work.complete.no_media"),
    )
    markup = inline(
        [[button(t("button.confirm"), StepDo(action=StepAction.CONFIRM).pack())], nav_row(t)]
    )
    await turn.show_text(text, markup)


async def on_complete_confirmed(query: CallbackQuery, callback_data: StepDo, turn: Turn) -> None:
    """Confirmed: report the work done."""
    if callback_data.action is not StepAction.CONFIRM:
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    await run_action(turn, "work.complete")


@action("work.complete")
async def complete(turn: Turn) -> None:
    """CompleteRequest with the report and media, at the card's version."""
    data = await turn.data()
    media = [to_ref(StoredMedia.load(m)) for m in data.get("media", [])]
    try:
        request = await turn.services.requests.complete(
            str(data["number"]),
            report=str(data["report"]),
            media=media,
            expected_version=int(data.get("version", 0)),
        )
    except Refused as refusal:
        settled = await _settle(turn, refusal, request_pb2.REQUEST_STATUS_COMPLETED)
        if settled is None:
            return
        request = settled
    log.info(
        "work completed", extra={"user_id": turn.person.user_id, "number": request.request_number}
    )
    await turn.state.clear()
    await turn.show("work.complete.done", None, number=display_number(request.request_number))
    await turn.reply.send(turn.t("menu.next"), menu_keyboard(turn.person, turn.t))


def router() -> Router:
    """My work and its actions (approved executors)."""
    r = Router(name="work")
    executors = (Approved(), HasRole("executor"))
    r.message.filter(*executors)
    r.callback_query.filter(*executors)
    r.callback_query.register(on_work_item, MenuItem.filter(F.item == MenuKey.MY_WORK))
    r.callback_query.register(on_work, WorkDo.filter(F.verb != WorkVerb.TAKE))
    r.message.register(on_materials, StateFilter(Purchasing.materials), F.text)
    r.message.register(on_materials_not_text, StateFilter(Purchasing.materials))
    r.callback_query.register(
        on_purchase_confirmed,
        StepDo.filter(F.action == StepAction.CONFIRM),
        StateFilter(Purchasing.confirm),
    )
    r.message.register(on_report, StateFilter(Completing.report), F.text)
    r.message.register(on_report_not_text, StateFilter(Completing.report))
    r.message.register(on_media, StateFilter(Completing.media))
    r.callback_query.register(on_media_done, StepDo.filter(), StateFilter(Completing.media))
    r.callback_query.register(
        on_complete_confirmed, StepDo.filter(), StateFilter(Completing.confirm)
    )
    return r
