"""The manager's verification panel (DOMAIN.md "Verification"): the people waiting for a
decision (documents asked for, or uploaded unasked), oldest first; a case card (who, what was
asked, each document with its review, the pending apartment bindings the approval would
approve); each document shown as it was sent (photo, video or file by its Telegram file id)
to accept, or reject with a reason; then approve the verification (after a confirmation:
the bindings are approved with it and the documents deleted) or reject it with a reason.

Asking for documents (document kinds + an optional comment) starts from a case or from a
pending person's card (flows/people.py) and goes back where it started.

Buttons name the case's person or the document; they act only on the case or document that
is open, and the services check every decision again.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message
from ukm.common.v1 import media_pb2
from ukm.users.v1 import user_pb2
from ukm.users.v1 import verification_service_pb2 as vpb

from bot.callbacks import (
    DocTypeKey,
    ListKind,
    MenuItem,
    MenuKey,
    PageTo,
    Panel,
    PanelAct,
    PanelKind,
    PickDocType,
    StepAction,
    StepDo,
)
from bot.flows import home
from bot.flows.filters import Approved, HasRole
from bot.flows.panels import (
    Tree,
    bindings_text,
    enter,
    names_of,
    pending_bindings,
    person_name,
    reason_key,
    verification_text,
)
from bot.flows.pickers import Item, Picker
from bot.flows.steps import action, run_action
from bot.logic.moments import local_time
from bot.logic.panels import check_comment, check_decision_reason, toggle
from bot.mesh import MeshError, NotAllowed, Refused
from bot.mesh.verification import DOCUMENT_STATUS, DOCUMENT_TYPE
from bot.turn import Turn
from bot.ui.keyboards import button, grid, inline, nav_row

__all__ = ["Verify", "ask_for", "router", "start"]

log = logging.getLogger(__name__)
PAGE_SIZE = 6
_TYPES = [k.value for k in DocTypeKey]
_MEDIA_KINDS = {
    media_pb2.MEDIA_KIND_PHOTO: "photo",
    media_pb2.MEDIA_KIND_VIDEO: "video",
    media_pb2.MEDIA_KIND_DOCUMENT: "document",
}


class Verify(StatesGroup):
    """The verification panel."""

    cases = State()
    case = State()
    document = State()
    document_reason = State()
    confirm_approve = State()
    reject_reason = State()
    ask_types = State()
    ask_comment = State()


async def _leave(turn: Turn) -> None:
    await home.show_menu(turn, edit=True)


FLOW = Tree("verification", exit=_leave)


async def start(turn: Turn) -> None:
    """The first page of cases."""
    await turn.state.clear()
    await FLOW.enter(turn, Verify.cases)


async def on_menu_item(query: CallbackQuery, turn: Turn) -> None:
    """The menu's "verification"."""
    await start(turn)


def _doc_type(turn: Turn, number: int) -> str:
    key = DOCUMENT_TYPE.key(number) if number in DOCUMENT_TYPE.by_number else "other"
    return turn.t(f"verification.doc.{key}")


def _doc_status(turn: Turn, number: int) -> str:
    key = DOCUMENT_STATUS.key(number) if number in DOCUMENT_STATUS.by_number else "submitted"
    return turn.t(f"verification.doc_status.{key}")


def _decided(case: vpb.Verification) -> bool:
    return case.status in (
        user_pb2.VERIFICATION_STATUS_VERIFIED,
        user_pb2.VERIFICATION_STATUS_REJECTED,
    )


# --- the cases -----------------------------------------------------------------------------


async def _cases(turn: Turn, token: str, query: str) -> tuple[list[Item], str]:
    page = await turn.services.verification.pending(page_token=token, page_size=PAGE_SIZE)
    people = await names_of(turn, [c.user_id for c in page.items])
    items = []
    for case in page.items:
        name = person_name(turn, people[case.user_id])
        waiting = sum(d.status == vpb.DOCUMENT_STATUS_SUBMITTED for d in case.documents)
        label = turn.t.raw(
            "verification.cases.item",
            name=name,
            status=verification_text(turn, case.status),
            waiting=waiting,
        )
        items.append(Item(case.user_id, label))
    return items, page.next_token


async def _cases_heading(turn: Turn) -> str:
    return turn.t("verification.cases.title")


CASES = Picker(
    ListKind.VERIFICATIONS,
    _cases,
    lambda i: Panel(kind=PanelKind.CASE, act=PanelAct.OPEN, id=UUID(i)).pack(),
    _cases_heading,
    "verification.cases.none",
    columns=1,
)
FLOW.child(Verify.cases, None)(CASES.show)


async def on_page(query: CallbackQuery, callback_data: PageTo, turn: Turn) -> None:
    """Another page of cases."""
    if callback_data.list is not ListKind.VERIFICATIONS or not await CASES.go_to(
        turn, callback_data.page
    ):
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)


async def on_cases_text(message: Message, turn: Turn) -> None:
    """Typed text at the list: there is no search here, only the buttons."""
    await turn.say("verification.cases.no_search")


async def on_open_case(query: CallbackQuery, callback_data: Panel, turn: Turn) -> None:
    """A case from the list."""
    user_id = str(callback_data.id)
    if callback_data.act is not PanelAct.OPEN or not await CASES.was_shown(turn, user_id):
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    await turn.remember(case_user_id=user_id)
    await FLOW.enter(turn, Verify.case)


# --- one case ------------------------------------------------------------------------------


@FLOW.child(Verify.case, Verify.cases)
async def show_case(turn: Turn) -> None:
    """Who, what was asked, the documents, the bindings an approval would approve."""
    t = turn.t
    user_id = str((await turn.data()).get("case_user_id", ""))
    case = await turn.services.verification.get(user_id)
    user = await turn.services.users.get(user_id)
    bindings = await pending_bindings(turn, user_id)
    name = person_name(turn, user)
    documents = list(case.documents)
    await turn.remember(case_name=name, case_documents=[d.id for d in documents])
    asked = ", ".join(_doc_type(turn, k) for k in case.requested_types) or "—"
    text = t(
        "verification.case.text",
        name=name,
        phone=user.phone or t("panels.no_phone"),
        status=verification_text(turn, case.status),
        asked=asked,
        comment=case.request_comment or "—",
    )
    lines = []
    buttons: list[InlineKeyboardButton] = []
    for n, document in enumerate(documents, 1):
        line = t(
            "verification.case.document",
            n=n,
            type=_doc_type(turn, document.type),
            status=_doc_status(turn, document.status),
        )
        if document.review_reason:
            line += t("verification.case.document_reason", reason=document.review_reason)
        lines.append(line)
        if document.status != vpb.DOCUMENT_STATUS_DELETED:
            label = turn.t.raw("verification.case.open", n=n, type=_doc_type(turn, document.type))
            ref = Panel(kind=PanelKind.DOCUMENT, act=PanelAct.OPEN, id=UUID(document.id))
            buttons.append(button(label, ref.pack()))
    text += "\n\n" + t("verification.case.documents") + "\n"
    text += "\n".join(lines) if lines else t("verification.case.no_documents")
    text += "\n\n" + t("verification.case.bindings") + "\n" + bindings_text(turn, bindings)
    rows: list[list[InlineKeyboardButton]] = grid(buttons, 2)
    # A rejected case may still be approved (or documents asked for again); a verified one is
    # final.
    if case.status != user_pb2.VERIFICATION_STATUS_VERIFIED:
        ref_id = UUID(user_id)
        decide = [button(t("verification.button.approve"), _case(PanelAct.APPROVE, ref_id))]
        if not _decided(case):
            decide.append(button(t("verification.button.reject"), _case(PanelAct.REJECT, ref_id)))
        rows.append(decide)
        rows.append([button(t("verification.button.ask"), _case(PanelAct.ASK_DOCUMENTS, ref_id))])
    rows.append(nav_row(t))
    await turn.show_text(text, inline(rows))


def _case(act: PanelAct, user_id: UUID) -> str:
    return Panel(kind=PanelKind.CASE, act=act, id=user_id).pack()


async def on_case_button(query: CallbackQuery, callback_data: Panel, turn: Turn) -> None:
    """Approve, reject or ask for documents — only on the open case."""
    data = await turn.data()
    if str(callback_data.id) != data.get("case_user_id"):
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    if callback_data.act is PanelAct.APPROVE:
        await FLOW.enter(turn, Verify.confirm_approve)
    elif callback_data.act is PanelAct.REJECT:
        await FLOW.enter(turn, Verify.reject_reason)
    elif callback_data.act is PanelAct.ASK_DOCUMENTS:
        await ask_for(
            turn, str(callback_data.id), name=str(data.get("case_name", "")), back_to=Verify.case
        )
    else:
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)


async def on_open_document(query: CallbackQuery, callback_data: Panel, turn: Turn) -> None:
    """A document of the open case."""
    document_id = str(callback_data.id)
    shown = (await turn.data()).get("case_documents") or []
    if callback_data.act is not PanelAct.OPEN or document_id not in shown:
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    await turn.remember(document_id=document_id)
    await FLOW.enter(turn, Verify.document)


# --- one document --------------------------------------------------------------------------


async def _document(turn: Turn) -> tuple[vpb.Verification, vpb.Document | None]:
    data = await turn.data()
    case = await turn.services.verification.get(str(data.get("case_user_id", "")))
    wanted = str(data.get("document_id", ""))
    return case, next((d for d in case.documents if d.id == wanted), None)


@FLOW.child(Verify.document, Verify.case)
async def show_document(turn: Turn) -> None:
    """The document as it was sent, with its review buttons."""
    t = turn.t
    case, document = await _document(turn)
    if document is None:
        await turn.reply.toast(t("error.stale_button"), alert=True)
        await enter(turn, Verify.case)
        return
    caption = t(
        "verification.document.caption",
        type=_doc_type(turn, document.type),
        status=_doc_status(turn, document.status),
        submitted=local_time(document.submitted_at.seconds) or "—",
        note=_clip(document.note) or "—",
    )
    if document.review_reason:
        caption += "\n" + t("verification.document.reason", reason=_clip(document.review_reason))
    rows = []
    if not _decided(case) and document.status != vpb.DOCUMENT_STATUS_DELETED:
        ref = UUID(document.id)
        rows.append(
            [
                button(t("verification.button.accept_document"), _doc(PanelAct.APPROVE, ref)),
                button(t("verification.button.reject_document"), _doc(PanelAct.REJECT, ref)),
            ]
        )
    rows.append(nav_row(t))
    await turn.reply.toast()
    file_id = document.media.telegram_file_id
    if file_id:
        kind = _MEDIA_KINDS.get(document.media.kind, "document")
        await turn.reply.send_media(kind, file_id, caption, inline(rows))
        return
    # Deleted after the decision, or kept by the media service: the metadata only.
    await turn.show_text(caption + "\n\n" + t("verification.document.no_file"), inline(rows))


def _clip(text: str, limit: int = 300) -> str:
    """A note or a reason short enough for a caption (Telegram: 1024 characters in all)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _doc(act: PanelAct, document_id: UUID) -> str:
    return Panel(kind=PanelKind.DOCUMENT, act=act, id=document_id).pack()


async def on_review_button(query: CallbackQuery, callback_data: Panel, turn: Turn) -> None:
    """Accept, or reject (a reason next), the open document."""
    if str(callback_data.id) != (await turn.data()).get("document_id"):
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    if callback_data.act is PanelAct.APPROVE:
        await turn.remember(review_accept=True, review_reason="")
        await run_action(turn, "verification.review")
    elif callback_data.act is PanelAct.REJECT:
        await FLOW.enter(turn, Verify.document_reason)
    else:
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)


@FLOW.child(Verify.document_reason, Verify.document)
async def ask_document_reason(turn: Turn) -> None:
    """Why the document is not good (the person is told)."""
    await turn.show("verification.document.ask_reason", inline([nav_row(turn.t)]))


async def on_document_reason(message: Message, turn: Turn) -> None:
    """A typed reason to reject the document."""
    checked = check_decision_reason(message.text)
    if not checked.ok:
        await turn.say(checked.problem, None, length=checked.length)
        return
    await turn.remember(review_accept=False, review_reason=checked.value)
    await run_action(turn, "verification.review")


@action("verification.review")
async def review(turn: Turn) -> None:
    """ReviewDocument for the open document; then the case again."""
    data = await turn.data()
    accept = bool(data.get("review_accept"))
    try:
        document = await turn.services.verification.review(
            str(data["document_id"]), accept=accept, reason=str(data.get("review_reason", ""))
        )
    except (Refused, NotAllowed) as error:
        await _refused(turn, error, Verify.case)
        return
    log.info("document reviewed", extra={"user_id": turn.person.user_id, "accepted": accept})
    key = "verification.document.accepted" if accept else "verification.document.rejected"
    await turn.reply.toast()
    await turn.say(key, None, type=_doc_type(turn, document.type))
    await enter(turn, Verify.case)


# --- the decision --------------------------------------------------------------------------


@FLOW.child(Verify.confirm_approve, Verify.case)
async def ask_confirm_approve(turn: Turn) -> None:
    """What approving does, before it is done."""
    data = await turn.data()
    bindings = await pending_bindings(turn, str(data.get("case_user_id", "")))
    markup = inline(
        [
            [button(turn.t("button.confirm"), StepDo(action=StepAction.CONFIRM).pack())],
            nav_row(turn.t),
        ]
    )
    await turn.show(
        "verification.confirm", markup, name=data.get("case_name", ""), bindings=len(bindings)
    )


async def on_confirm_approve(query: CallbackQuery, callback_data: StepDo, turn: Turn) -> None:
    """Confirmed: approve the verification."""
    if callback_data.action is not StepAction.CONFIRM:
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    await run_action(turn, "verification.approve")


@action("verification.approve")
async def approve(turn: Turn) -> None:
    """DecideVerification(approve): the pending bindings are approved, documents erased."""
    data = await turn.data()
    try:
        decided = await turn.services.verification.decide(str(data["case_user_id"]), approve=True)
    except (Refused, NotAllowed) as error:
        await _refused(turn, error, Verify.case)
        return
    log.info("verification approved", extra={"user_id": turn.person.user_id})
    await turn.show(
        "verification.approved",
        None,
        name=data.get("case_name", ""),
        bindings=len(decided.approved_binding_ids),
    )
    await CASES.reset(turn)
    await enter(turn, Verify.cases)


@FLOW.child(Verify.reject_reason, Verify.case)
async def ask_reject_reason(turn: Turn) -> None:
    """Why the verification is rejected (the person is told)."""
    name = str((await turn.data()).get("case_name", ""))
    await turn.show("verification.reject.ask", inline([nav_row(turn.t)]), name=name)


async def on_reject_reason(message: Message, turn: Turn) -> None:
    """A typed reason to reject the verification."""
    checked = check_decision_reason(message.text)
    if not checked.ok:
        await turn.say(checked.problem, None, length=checked.length)
        return
    await turn.remember(reject_reason=checked.value)
    await run_action(turn, "verification.reject")


@action("verification.reject")
async def reject(turn: Turn) -> None:
    """DecideVerification(reject) with the reason."""
    data = await turn.data()
    try:
        await turn.services.verification.decide(
            str(data["case_user_id"]), approve=False, reason=str(data["reject_reason"])
        )
    except (Refused, NotAllowed) as error:
        await _refused(turn, error, Verify.case)
        return
    log.info("verification rejected", extra={"user_id": turn.person.user_id})
    await turn.say("verification.rejected", None, name=data.get("case_name", ""))
    await CASES.reset(turn)
    await enter(turn, Verify.cases)


# --- asking for documents ------------------------------------------------------------------


async def ask_for(turn: Turn, user_id: str, *, name: str, back_to: State) -> None:
    """Ask `user_id` for documents; "back" (and the end) returns to `back_to`."""
    back = back_to.state or ""
    await turn.remember(
        ask_user_id=user_id, ask_name=name, ask_types=[], ask_comment="", ask_back_to=back
    )
    await FLOW.enter(turn, Verify.ask_types)


def _ask_back(data: dict[str, Any]) -> str | None:
    back = data.get("ask_back_to")
    return back if isinstance(back, str) and back else None


@FLOW.child(Verify.ask_types, _ask_back)
async def ask_types(turn: Turn) -> None:
    """Which kinds of documents (several may be chosen)."""
    t = turn.t
    data = await turn.data()
    chosen = list(data.get("ask_types") or [])
    buttons = [
        button(
            ("✅ " if k in chosen else "▫️ ") + t(f"verification.doc.{k}"),
            PickDocType(type=DocTypeKey(k)).pack(),
        )
        for k in _TYPES
    ]
    done = button(t("button.done", count=len(chosen)), StepDo(action=StepAction.DONE).pack())
    markup = inline([*grid(buttons, 2), [done], nav_row(t)])
    await turn.show("verification.ask.types", markup, name=data.get("ask_name", ""))


async def on_type(query: CallbackQuery, callback_data: PickDocType, turn: Turn) -> None:
    """A kind chosen or unchosen."""
    chosen = list((await turn.data()).get("ask_types") or [])
    await turn.remember(ask_types=toggle(chosen, callback_data.type.value, _TYPES))
    await FLOW.reprompt(turn)


async def on_types_done(query: CallbackQuery, callback_data: StepDo, turn: Turn) -> None:
    """The kinds are chosen: the comment next."""
    if callback_data.action is not StepAction.DONE:
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    if not (await turn.data()).get("ask_types"):
        await turn.reply.toast(turn.t("verification.ask.none_chosen"), alert=True)
        return
    await FLOW.enter(turn, Verify.ask_comment)


@FLOW.child(Verify.ask_comment, Verify.ask_types)
async def ask_comment(turn: Turn) -> None:
    """An optional comment for the person."""
    markup = inline(
        [[button(turn.t("button.skip"), StepDo(action=StepAction.SKIP).pack())], nav_row(turn.t)]
    )
    await turn.show("verification.ask.comment", markup)


async def on_comment(message: Message, turn: Turn) -> None:
    """A typed comment."""
    checked = check_comment(message.text)
    if not checked.ok:
        await turn.say(checked.problem, None, length=checked.length)
        return
    await turn.remember(ask_comment=checked.value)
    await run_action(turn, "verification.ask")


async def on_comment_skipped(query: CallbackQuery, callback_data: StepDo, turn: Turn) -> None:
    """No comment."""
    if callback_data.action is not StepAction.SKIP:
        await turn.reply.toast(turn.t("error.stale_button"), alert=True)
        return
    await turn.remember(ask_comment="")
    await run_action(turn, "verification.ask")


@action("verification.ask")
async def request_documents(turn: Turn) -> None:
    """RequestDocuments; then back where the asking started."""
    data = await turn.data()
    back = _ask_back(data) or Verify.case
    types = [str(k) for k in data.get("ask_types") or []]
    try:
        await turn.services.verification.request_documents(
            str(data["ask_user_id"]), types, comment=str(data.get("ask_comment", ""))
        )
    except (Refused, NotAllowed) as error:
        await _refused(turn, error, back)
        return
    log.info("documents requested", extra={"user_id": turn.person.user_id})
    await turn.show(
        "verification.ask.done",
        None,
        name=data.get("ask_name", ""),
        types=", ".join(turn.t(f"verification.doc.{k}") for k in types),
    )
    await enter(turn, back)


async def _refused(turn: Turn, error: MeshError, back: State | str) -> None:
    """A reason this panel words: said, then `back`; anything else: the usual answer."""
    key = reason_key(turn, "verification", error)
    if key is None:
        raise error
    await turn.reply.toast()
    await turn.say(key)
    await enter(turn, back)


async def on_text_not_expected(message: Message, turn: Turn) -> None:
    """Typing where buttons are expected."""
    await turn.say("panels.input.use_buttons")
    await FLOW.reprompt(turn)


async def on_reason_not_text(message: Message, turn: Turn) -> None:
    """A photo or sticker where a reason is expected."""
    await turn.say("panels.input.reason_text")


def router() -> Router:
    """The verification panel (approved managers and admins)."""
    r = Router(name="verification")
    for observer in (r.message, r.callback_query):
        observer.filter(Approved(), HasRole("manager"))
    r.callback_query.register(on_menu_item, MenuItem.filter(F.item == MenuKey.VERIFICATION))
    r.callback_query.register(on_page, PageTo.filter(), StateFilter(Verify.cases))
    r.message.register(on_cases_text, StateFilter(Verify.cases))
    r.callback_query.register(
        on_open_case, Panel.filter(F.kind == PanelKind.CASE), StateFilter(Verify.cases)
    )
    r.callback_query.register(
        on_case_button, Panel.filter(F.kind == PanelKind.CASE), StateFilter(Verify.case)
    )
    r.callback_query.register(
        on_open_document, Panel.filter(F.kind == PanelKind.DOCUMENT), StateFilter(Verify.case)
    )
    r.callback_query.register(
        on_review_button, Panel.filter(F.kind == PanelKind.DOCUMENT), StateFilter(Verify.document)
    )
    r.message.register(on_document_reason, StateFilter(Verify.document_reason), F.text)
    r.message.register(on_reject_reason, StateFilter(Verify.reject_reason), F.text)
    r.message.register(
        on_reason_not_text, StateFilter(Verify.document_reason, Verify.reject_reason)
    )
    r.callback_query.register(
        on_confirm_approve, StepDo.filter(), StateFilter(Verify.confirm_approve)
    )
    r.callback_query.register(on_type, PickDocType.filter(), StateFilter(Verify.ask_types))
    r.callback_query.register(on_types_done, StepDo.filter(), StateFilter(Verify.ask_types))
    r.message.register(on_comment, StateFilter(Verify.ask_comment), F.text)
    r.callback_query.register(on_comment_skipped, StepDo.filter(), StateFilter(Verify.ask_comment))
    r.message.register(
        on_text_not_expected,
        StateFilter(Verify.case, Verify.document, Verify.confirm_approve, Verify.ask_types),
    )
    return r
