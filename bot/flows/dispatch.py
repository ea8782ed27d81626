"""Assigning a request (NEW) or reassigning it (IN_PROGRESS): to a specific executor chosen
from the on-duty, skill-matched candidates, or — while it is new — to the category's pool or
another specialisation's (never `universal`); then a summary and the assignment.

Candidates are the executors of the shifts active now that cover the request's needed
specialisation (ShiftService.ListActiveShifts: universal shifts of people who can do it
included), with their names and how much they have in progress; when nobody matching is on
duty the manager is told so plainly, and for a new request the pool is the way.

The assignment carries the version read when the manager pressed "assign", so two managers
racing get "someone changed this request" (STALE_VERSION) and the fresh card, never a second
step; a retry after a lost answer recognises its own step in the history and reports success.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass
from typing import Any
from uuid import UUID

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton
from ukm.users.v1 import user_pb2

from bot.callbacks import (
    CardDo,
    DispatchGo,
    DispatchStep,
    Nav,
    NavTo,
    OpenCard,
    PickExecutor,
    PickPool,
    StepAction,
    StepDo,
)
from bot.flows import boards, home
from bot.flows.filters import Approved, HasRole
from bot.flows.steps import Flow, action, run_action
from bot.logic.boards import (
    BOARDS,
    Board,
    Pool,
    Verb,
    covers_place,
    has_room,
    needed_specialisation,
)
from bot.logic.moments import display_number
from bot.mesh import Refused
from bot.mesh.requests import CATEGORY
from bot.turn import Turn
from bot.ui.desk import person_label, pool_of, status_of
from bot.ui.keyboards import button, grid, inline

__all__ = ["Dispatch", "router"]

log = logging.getLogger(__name__)
# At most this many candidates are offered (the least busy first).
MAX_CANDIDATES = 8


class Dispatch(StatesGroup):
    """The steps of an assignment."""

    choose = State()
    pools = State()
    confirm = State()


async def _leave(turn: Turn) -> None:
    await home.show_menu(turn, edit=True)


FLOW = Flow("dispatch", exit=_leave)


@dataclass(frozen=True)
class Candidate:
    """An executor on duty who can do the work, and how many requests they have in hand."""

    id: str
    name: str
    load: int


async def candidates(
    turn: Turn, need: str, *, yard_id: str = "", building_id: str = "", exclude: str = ""
) -> list[Candidate]:
    """Approved executors on a shift covering `need` now whose shift's area takes in the
    request's place and who are below their shift's capacity, the least busy first."""
    shifts = await turn.services.shifts.covering(need)
    capacity: dict[str, int] = {}
    for shift in shifts:
        if not shift.executor_id or shift.executor_id == exclude:
            continue
        area = (shift.yard_ids, shift.building_ids)
        if covers_place(*area, yard_id=yard_id, building_id=building_id):
            capacity.setdefault(shift.executor_id, shift.capacity)
    ids = list(capacity)
    people, loads = await asyncio.gather(
        asyncio.gather(*(boards.person(turn, i) for i in ids)),
        asyncio.gather(
            *(
                turn.services.requests.count(statuses=BOARDS[Board.ACTIVE], executor_id=i)
                for i in ids
            )
        ),
    )
    found = [
        Candidate(i, person_label(user, turn.t), sum(load.values()))
        for i, user, load in zip(ids, people, loads, strict=True)
        if user is not None
        and user.status == user_pb2.ACCOUNT_STATUS_APPROVED
        and has_room(capacity[i], sum(load.values()))
    ]
    found.sort(key=lambda c: (c.load, c.name))
    return found[:MAX_CANDIDATES]


async def _job(turn: Turn) -> dict[str, Any]:
    job = (await turn.data()).get("job")
    return dict(job) if isinstance(job, dict) else {}


async def _keep(turn: Turn, **values: Any) -> dict[str, Any]:
    job = await _job(turn)
    job.update(values)
    await turn.remember(job=job)
    return job


async def on_assign(query: CallbackQuery, callback_data: CardDo, turn: Turn) -> None:
    """ "Assign" / "reassign" on a card: check the request afresh, then the candidates."""
    request = await boards.checked(turn, callback_data)
    if request is None:
        return
    executor = await boards.person(turn, request.executor_id)
    category = CATEGORY.by_number.get(request.category, "other")
    pool = pool_of(request)
    await boards.park(turn)
    await turn.remember(
        job={
            "number": request.request_number,
            "version": request.version,
            "status": status_of(request),
            "category": category,
            "pool": pool,
            "need": needed_specialisation(category, pool),
            "yard": request.address.yard_id,
            "building": request.address.building_id,
            "executor": request.executor_id,
            "executor_name": person_label(executor, turn.t) if request.executor_id else "",
        }
    )
    await FLOW.enter(turn, Dispatch.choose)


def _cancel(turn: Turn) -> InlineKeyboardButton:
    return button(turn.t("button.cancel"), Nav(to=NavTo.CANCEL).pack())


def _spec(turn: Turn, key: str) -> str:
    return turn.t(f"boards.spec.{key}")


# --- who: an executor on duty, or a pool --------------------------------------------------------


@FLOW.step(Dispatch.choose)
async def ask_target(turn: Turn) -> None:
    """The candidates on duty, the category's pool and the other pools (new requests)."""
    job = await _job(turn)
    t = turn.t
    found = await candidates(
        turn,
        str(job["need"]),
        yard_id=str(job.get("yard", "")),
        building_id=str(job.get("building", "")),
        exclude=str(job.get("executor", "")),
    )
    await turn.remember(candidates=[asdict(c) for c in found])
    need = _spec(turn, str(job["need"]))
    lines = [
        t.raw(
            "dispatch.heading",
            number=display_number(str(job["number"])),
            category=t(f"category.{job['category']}"),
            need=need,
        )
    ]
    if job.get("pool"):
        lines.append(t.raw("dispatch.now_pool", pool=_spec(turn, str(job["pool"]))))
    elif job.get("executor"):
        lines.append(t("dispatch.now_executor", name=job.get("executor_name", "")))
    lines.append("")
    new = job.get("status") == "new"
    if found:
        lines.append(t("dispatch.candidates", count=len(found)))
    else:
        waiting = new and job.get("pool") == job["need"]
        key = "dispatch.nobody_waiting" if waiting else "dispatch.nobody_new"
        lines.append(t.raw(key if new else "dispatch.nobody_busy", need=need))
    rows: list[list[InlineKeyboardButton]] = [
        [
            button(
                t.raw("dispatch.candidate", name=c.name, load=c.load)[:60],
                PickExecutor(id=UUID(c.id)).pack(),
            )
        ]
        for c in found
    ]
    if new:
        category_pool = needed_specialisation(str(job["category"]))
        if job.get("pool") != category_pool:
            label = t.raw("dispatch.to_pool", pool=_spec(turn, category_pool))
            rows.append([button(label, PickPool(pool=Pool(category_pool)).pack())])
        rows.append([button(t("dispatch.other_pool"), DispatchGo(to=DispatchStep.POOLS).pack())])
    rows.append(
        [button(t("boards.to_card"), OpenCard(number=str(job["number"])).pack()), _cancel(turn)]
    )
    await turn.show_text("\n".join(lines), inline(rows))


async def on_executor(query: CallbackQuery, callback_data: PickExecutor, turn: Turn) -> None:
    """An executor from the candidates shown (anything else is refused before any call)."""
    wanted = str(callback_data.id)
    shown = (await turn.data()).get("candidates") or []
    chosen = next((c for c in shown if isinstance(c, dict) and c.get("id") == wanted), None)
    if chosen is None:
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    await _keep(turn, target={"executor": wanted, "name": str(chosen.get("name", ""))})
    await FLOW.enter(turn, Dispatch.confirm)


@FLOW.step(Dispatch.pools)
async def ask_pool(turn: Turn) -> None:
    """Every specialisation's pool but the one the request is already offered to."""
    job = await _job(turn)
    t = turn.t
    buttons = [
        button(_spec(turn, pool.value), PickPool(pool=pool).pack())
        for pool in Pool
        if pool.value != job.get("pool")
    ]
    rows = [
        *grid(buttons, 2),
        [button(t("button.back"), DispatchGo(to=DispatchStep.CHOOSE).pack()), _cancel(turn)],
    ]
    await turn.show("dispatch.pools", inline(rows), number=display_number(str(job["number"])))


async def on_pool(query: CallbackQuery, callback_data: PickPool, turn: Turn) -> None:
    """A pool: only for new requests, and not the one it is in already."""
    job = await _job(turn)
    pool = callback_data.pool.value
    if job.get("status") != "new" or pool == job.get("pool"):
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    await _keep(turn, target={"pool": pool})
    await FLOW.enter(turn, Dispatch.confirm)


async def on_go(query: CallbackQuery, callback_data: DispatchGo, turn: Turn) -> None:
    """Back to the candidates, or to the list of pools (new requests only)."""
    job = await _job(turn)
    if callback_data.to is DispatchStep.POOLS:
        if job.get("status") != "new":
            await turn.reply.toast(turn.t("error.stale_button"), alert=True)
            return
        await FLOW.enter(turn, Dispatch.pools)
        return
    await FLOW.enter(turn, Dispatch.choose)


# --- summary and the assignment ------------------------------------------------------------------


@FLOW.step(Dispatch.confirm)
async def ask_confirm(turn: Turn) -> None:
    """Who gets it, at a glance; then confirm."""
    job = await _job(turn)
    t = turn.t
    target = job.get("target") or {}
    number = display_number(str(job["number"]))
    if "pool" in target:
        text = t.raw("dispatch.summary.pool", number=number, pool=_spec(turn, target["pool"]))
        category_pool = needed_specialisation(str(job["category"]))
        back = DispatchStep.CHOOSE if target["pool"] == category_pool else DispatchStep.POOLS
    elif job.get("executor"):
        text = t(
            "dispatch.summary.reassign",
            number=number,
            old=job.get("executor_name", ""),
            name=target.get("name", ""),
        )
        back = DispatchStep.CHOOSE
    else:
        text = t("dispatch.summary.executor", number=number, name=target.get("name", ""))
        back = DispatchStep.CHOOSE
    rows = [
        [button(t("button.confirm"), StepDo(action=StepAction.CONFIRM).pack())],
        [button(t("button.back"), DispatchGo(to=back).pack()), _cancel(turn)],
    ]
    await turn.show_text(text, inline(rows))


async def on_confirm(query: CallbackQuery, callback_data: StepDo, turn: Turn) -> None:
    """Confirmed: assign."""
    await run_action(turn, "dispatch.assign")


@action("dispatch.assign")
async def assign(turn: Turn) -> None:
    """AssignRequest with the version the manager saw (MANAGER_ASSIGN or ASSIGN_GROUP)."""
    job = await _job(turn)
    target = job.get("target") or {}
    number, version = str(job["number"]), int(job["version"])
    pool = str(target.get("pool", ""))
    executor = str(target.get("executor", ""))
    try:
        done = await turn.services.requests.assign(
            number, executor_id=executor, pool=pool, expected_version=version
        )
    except Refused as error:
        found = await boards.after_refusal(
            turn,
            error,
            flow="dispatch",
            number=number,
            version=version,
            action="assign_group" if pool else "manager_assign",
        )
        if found is None:
            return
        done = found
    if pool:
        await boards.finish(
            turn, "dispatch.done.pool", done, number=display_number(number), pool=_spec(turn, pool)
        )
    else:
        await boards.finish(
            turn,
            "dispatch.done.executor",
            done,
            number=display_number(number),
            name=str(target.get("name", "")),
        )


def router() -> Router:
    """The assignment flow (approved managers and admins)."""
    r = Router(name="dispatch")
    r.message.filter(Approved(), HasRole("manager"))
    r.callback_query.filter(Approved(), HasRole("manager"))
    r.callback_query.register(on_assign, CardDo.filter(F.verb == Verb.ASSIGN))
    r.callback_query.register(on_executor, PickExecutor.filter(), StateFilter(Dispatch.choose))
    r.callback_query.register(
        on_pool, PickPool.filter(), StateFilter(Dispatch.choose, Dispatch.pools)
    )
    r.callback_query.register(
        on_go, DispatchGo.filter(), StateFilter(Dispatch.choose, Dispatch.pools, Dispatch.confirm)
    )
    r.callback_query.register(
        on_confirm,
        StepDo.filter(F.action == StepAction.CONFIRM),
        StateFilter(Dispatch.confirm),
    )
    return r
