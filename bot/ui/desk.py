"""The manager's desk as messages: a page of a board, and a request's manager card with the
actions its status allows. Pure: the flows fetch the facts (bot/flows/boards.py), this turns
them into text and buttons.

Texts people typed (descriptions, reports, reasons) are escaped by `t` or `html.escape` and
clipped, so a card stays well inside Telegram's 4096 characters.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from ukm.common.v1 import specialization_pb2
from ukm.requests.v1 import request_pb2, workflow_pb2
from ukm.users.v1 import user_pb2

from bot.callbacks import BoardPage, CardDo, Nav, NavTo, OpenCard
from bot.i18n import Translator
from bot.logic.boards import BOARDS, POOLS, Board, Verb, verbs_for
from bot.logic.moments import display_number, local_time
from bot.mesh.requests import CATEGORY, STATUS, URGENCY
from bot.ui.keyboards import button, grid, inline
from services.kit.enums import EnumKeys

__all__ = [
    "BOARD_NAMES",
    "CardFacts",
    "board_keyboard",
    "board_of",
    "board_text",
    "card_keyboard",
    "card_text",
    "person_label",
    "pool_of",
    "shown_history",
    "status_of",
]

ACTION = EnumKeys(workflow_pb2.TransitionAction.DESCRIPTOR)
_SLA = EnumKeys(request_pb2.SlaState.DESCRIPTOR)
_SPECIALISATION = EnumKeys(specialization_pb2.Specialization.DESCRIPTOR)
# Catalogue names of the boards (`boards.title.<name>`).
BOARD_NAMES = {board: board.name.lower() for board in Board}
_VERB_NAMES = {verb: verb.name.lower() for verb in Verb}
HISTORY_SHOWN = 4
# Telegram shows at most 4096 characters of a message; the notice above a card needs a few.
CARD_BUDGET = 3800
_TAG = re.compile(r"</?[a-z]+>")
MATERIALS_SHOWN = 10


@dataclass(frozen=True)
class CardFacts:
    """What a manager's card shows besides the request itself (looked up by the flow)."""

    request: request_pb2.Request
    address: str = ""
    applicant: str = ""
    executor: str = ""
    history: Sequence[workflow_pb2.HistoryEntry] = field(default_factory=tuple)
    # Labels of the people the shown history steps name (executors assigned), by user id.
    names: Mapping[str, str] = field(default_factory=dict)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split()) if limit <= 120 else text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def status_of(request: request_pb2.Request) -> str:
    """The request's status key (`in_progress`…)."""
    return STATUS.by_number.get(request.status, "new")


def _category(request: request_pb2.Request) -> str:
    return CATEGORY.by_number.get(request.category, "other")


def _urgency(request: request_pb2.Request) -> str:
    return URGENCY.by_number.get(request.urgency, "medium")


def pool_of(request: request_pb2.Request) -> str:
    """The pool (specialisation key) a request is offered to, "" when it is not."""
    assignment = request.assignment
    if assignment.mode != request_pb2.ASSIGNMENT_MODE_GROUP or not assignment.specialization:
        return ""
    return _SPECIALISATION.by_number.get(assignment.specialization, "")


def board_of(status: str) -> Board | None:
    """The board a status is listed on (None for terminal statuses)."""
    for board, statuses in BOARDS.items():
        if status in statuses:
            return board
    return None


def person_label(user: user_pb2.User | None, t: Translator) -> str:
    """A person as a manager reads them: name and phone (plain text; staff may see phones)."""
    if user is None:
        return t("boards.nobody")
    parts = [p for p in (user.full_name.strip(), user.phone) if p]
    return ", ".join(parts) if parts else t("boards.nobody")


def _short_time(seconds: int) -> str:
    # "25.11.2026 14:30" → "25.11 14:30"
    moment = local_time(seconds)
    return f"{moment[:5]}{moment[10:]}" if moment else ""


def _sla(request: request_pb2.Request, t: Translator) -> str:
    sla = request.sla
    if sla.paused:
        return t("boards.sla.paused")
    state = _SLA.by_number.get(sla.resolution_state, "")
    return t(f"boards.sla.{state}") if state else ""


def _mark(request: request_pb2.Request, t: Translator) -> str:
    state = _SLA.by_number.get(request.sla.resolution_state, "")
    if state in {"warning", "breached"} and not request.sla.paused:
        return t(f"boards.mark.{state}")
    return ""


# --- a board -----------------------------------------------------------------------------------


def board_text(
    board: Board,
    requests: Sequence[request_pb2.Request],
    counts: dict[str, int],
    page: int,
    t: Translator,
) -> str:
    """A board's heading (total, and per status when it lists several) and its page."""
    statuses = BOARDS[board]
    total = sum(counts.get(s, 0) for s in statuses)
    lines = [t.raw("boards.heading", title=t(f"boards.title.{BOARD_NAMES[board]}"), total=total)]
    if len(statuses) > 1:
        parts = [
            t.raw("boards.part", status=t(f"status.{s}"), count=counts.get(s, 0)) for s in statuses
        ]
        lines.append(" · ".join(parts))
    if not requests:
        lines.append("")
        lines.append(t("boards.empty"))
        return "\n".join(lines)
    if page > 0 or len(requests) < total:
        lines.append(t("boards.page", page=page + 1))
    for request in requests:
        lines.append("")
        lines.append(
            t(
                "boards.line",
                number=display_number(request.request_number),
                category=t(f"category.{_category(request)}"),
                urgency=t(f"urgency.{_urgency(request)}"),
                sla=_mark(request, t),
                snippet=_clip(request.description, 80),
            )
        )
    return "\n".join(lines)


def board_keyboard(
    board: Board,
    requests: Sequence[request_pb2.Request],
    page: int,
    t: Translator,
    *,
    has_next: bool,
) -> InlineKeyboardMarkup:
    """One button per request (its card), previous / next page, refresh and the menu."""
    cards = [
        button(
            t.raw(
                "boards.button",
                number=display_number(r.request_number),
                category=t(f"category.{_category(r)}"),
            )[:60],
            OpenCard(number=r.request_number).pack(),
        )
        for r in requests
    ]
    pager: list[InlineKeyboardButton] = []
    if page > 0:
        pager.append(button(t("button.previous"), BoardPage(board=board, page=page - 1).pack()))
    if has_next:
        pager.append(button(t("button.next"), BoardPage(board=board, page=page + 1).pack()))
    tail = [
        button(t("boards.refresh"), BoardPage(board=board, page=page).pack()),
        button(t("boards.menu"), Nav(to=NavTo.MENU).pack()),
    ]
    return inline([*grid(cards, 1), pager, tail])


# --- a card ------------------------------------------------------------------------------------


def shown_history(history: Sequence[workflow_pb2.HistoryEntry]) -> list[workflow_pb2.HistoryEntry]:
    """The steps a card shows: the latest few."""
    return list(history)[-HISTORY_SHOWN:]


def _history_line(entry: workflow_pb2.HistoryEntry, t: Translator, names: Mapping[str, str]) -> str:
    if entry.change == "transition" and entry.action in ACTION.by_number:
        what = t(f"boards.action.{ACTION.key(entry.action)}")
        if entry.from_status != entry.to_status and entry.to_status in STATUS.by_number:
            source = STATUS.by_number.get(entry.from_status, "new")
            what = t.raw(
                "boards.history.moved",
                action=what,
                source=t(f"status.{source}"),
                target=t(f"status.{STATUS.key(entry.to_status)}"),
            )
        pool = entry.details.get("specialization", "")
        executor = names.get(entry.details.get("executor_id", ""), "")
        if pool in POOLS:
            what = t.raw("boards.history.to", what=what, whom=t(f"boards.spec.{pool}"))
        elif executor:
            what = t.raw("boards.history.to", what=what, whom=html.escape(_clip(executor, 60)))
    elif entry.change in {"created", "updated", "sla"}:
        what = t(f"boards.history.{entry.change}")
    else:
        what = html.escape(entry.change or "…")
    if entry.reason:
        what = t.raw(
            "boards.history.reason", what=what, reason=html.escape(_clip(entry.reason, 100))
        )
    return t.raw("boards.card.step", when=_short_time(entry.occur_time.seconds), what=what)


def card_text(facts: CardFacts, t: Translator) -> str:
    """The manager's card: who, where, what, the deadline, the work so far and the last steps."""
    r = facts.request
    status = status_of(r)
    lines = [
        t.raw(
            "boards.card.title",
            number=display_number(r.request_number),
            status=t(f"status.{status}"),
        ),
        t(
            "boards.card.kind",
            category=t(f"category.{_category(r)}"),
            urgency=t(f"urgency.{_urgency(r)}"),
        ),
    ]
    if facts.address:
        lines.append(t("boards.card.address", address=_clip(facts.address, 200)))
    applicant = _clip(facts.applicant, 200) or t("boards.nobody")
    lines.append(t("boards.card.applicant", name=applicant))
    pool = pool_of(r)
    if r.executor_id:
        executor = _clip(facts.executor, 200) or t("boards.nobody")
        lines.append(t("boards.card.executor", name=executor))
    elif pool:
        lines.append(t("boards.card.pool", pool=t(f"boards.spec.{pool}")))
    else:
        lines.append(t("boards.card.unassigned"))
    due = local_time(r.sla.resolution_due_time.seconds)
    if due:
        lines.append(t.raw("boards.card.due", due=due, sla=_sla(r, t)).rstrip(" ·"))
    else:
        lines.append(t("boards.card.no_due"))
    lines.append(t("boards.card.description", text=_clip(r.description, 1500)))
    if r.media:
        lines.append(t("boards.card.media", count=len(r.media)))
    # What follows is added while it fits: the card never outgrows one message.
    room = CARD_BUDGET - sum(_visible_length(line) + 1 for line in lines)
    for line in _work_lines(r, status, t):
        room = _add_if_room(lines, line, room)
    if facts.history:
        steps = [_history_line(e, t, facts.names) for e in shown_history(facts.history)]
        heading = ["", t("boards.card.history")]
        if room - sum(_visible_length(line) + 1 for line in [*heading, steps[-1]]) >= 0:
            lines.extend(heading)
            room -= sum(_visible_length(line) + 1 for line in heading)
            fitting: list[str] = []
            for step in reversed(steps):  # the newest steps matter most
                if _visible_length(step) + 1 > room:
                    break
                fitting.insert(0, step)
                room -= _visible_length(step) + 1
            lines.extend(fitting)
    return "\n".join(lines)


def _visible_length(line: str) -> int:
    """How many characters Telegram shows of a line of our HTML (tags are ours; every value
    was escaped, so `<` only ever starts a tag)."""
    return len(html.unescape(_TAG.sub("", line)))


def _add_if_room(lines: list[str], line: str, room: int) -> int:
    needed = _visible_length(line) + 1
    if needed > room:
        return room
    lines.append(line)
    return room - needed


def _work_lines(r: request_pb2.Request, status: str, t: Translator) -> list[str]:
    """Materials, the report, the return, the manager's notes, the cancellation, the rating."""
    lines: list[str] = []
    if r.materials.items:
        lines.append(t("boards.card.materials"))
        lines.extend(
            t("boards.card.material", name=_clip(i.name, 80), quantity=i.quantity, unit=i.unit)
            for i in list(r.materials.items)[:MATERIALS_SHOWN]
        )
        if r.materials.comment:
            lines.append(t("boards.card.materials_comment", text=_clip(r.materials.comment, 200)))
    if r.completion.report:
        lines.append(t("boards.card.report", text=_clip(r.completion.report, 500)))
    if r.return_info.reason and status in {"returned", "in_progress"}:
        lines.append(t("boards.card.returned", text=_clip(r.return_info.reason, 300)))
    if r.manager_confirmation.notes:
        lines.append(t("boards.card.notes", text=_clip(r.manager_confirmation.notes, 300)))
    if r.cancellation.reason:
        lines.append(t("boards.card.cancelled", text=_clip(r.cancellation.reason, 300)))
    if r.rating.stars:
        lines.append(
            t(
                "boards.card.rating",
                stars="⭐" * r.rating.stars,
                review=_clip(r.rating.review, 200),
            ).rstrip()
        )
    return lines


def card_keyboard(
    request: request_pb2.Request, t: Translator, *, page: int = 0
) -> InlineKeyboardMarkup:
    """The actions the status allows (each carrying the version shown), refresh, the board the
    request is on (at `page`) and the menu."""
    status = status_of(request)
    actions = []
    for verb in verbs_for(status, has_executor=bool(request.executor_id)):
        name = _VERB_NAMES[verb]
        if verb is Verb.ASSIGN and status != "new":
            name = "reassign"
        data = CardDo(verb=verb, number=request.request_number, version=request.version or 1)
        actions.append(button(t(f"boards.verb.{name}"), data.pack()))
    tail = [button(t("boards.refresh"), OpenCard(number=request.request_number).pack())]
    board = board_of(status)
    if board is not None:
        tail.append(button(t("boards.to_list"), BoardPage(board=board, page=page).pack()))
    return inline([*grid(actions, 2), tail, [button(t("boards.menu"), Nav(to=NavTo.MENU).pack())]])
