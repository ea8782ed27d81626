"""A resident uploads the documents a manager asked for (DOMAIN.md "Verification").

From the notification's `act:upload` button or the profile: document type → a photo or a file
→ `VerificationService.SubmitDocument` (the Telegram file id in a `MediaRef`, kind PHOTO or
DOCUMENT) → "received", then another document or done. Pending people upload too: a manager
often asks for documents before approving an account, so this router takes both.

Uploading has no idempotency key in the contract, so a retry after a busy moment first looks
at the documents already received: one whose file is this one means the first try went through.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Router
from aiogram.filters import Filter, StateFilter, or_f
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.callbacks import DocTypeKey, UploadDocType, UploadNext, UploadThen
from bot.flows import home
from bot.flows.filters import Approved, Pending
from bot.flows.steps import Flow, action, run_action
from bot.media import StoredMedia, file_of, to_ref
from bot.mesh.verification import DOCUMENT_TYPE
from bot.turn import Turn
from bot.ui.keyboards import button, grid, inline, nav_row
from services.kit.callbacks import InlineAction, decode

__all__ = ["Uploading", "router", "start"]

log = logging.getLogger(__name__)
# Files people may send as documents: pictures and PDFs (what a manager can open and read).
_FILE_TYPES = ("image/", "application/pdf")


class Uploading(StatesGroup):
    """The steps of one upload (and the choice after it)."""

    type = State()
    file = State()
    more = State()


async def _leave(turn: Turn) -> None:
    await home.go_home(turn, edit=True)


FLOW = Flow("documents", exit=_leave)


async def start(turn: Turn) -> None:
    """From the top: which document."""
    await turn.state.clear()
    await turn.remember(uploaded=[])
    await turn.reply.toast()
    await FLOW.enter(turn, Uploading.type)


class UploadButton(Filter):
    """The notification's `act:upload` button."""

    async def __call__(self, event: TelegramObject) -> bool:
        """True for a well-formed upload button."""
        if not isinstance(event, CallbackQuery) or not event.data:
            return False
        ref = decode(event.data)
        return ref is not None and ref.action is InlineAction.UPLOAD


async def on_upload(query: CallbackQuery, turn: Turn) -> None:
    """The button under "please send your documents"."""
    await start(turn)


# --- which document --------------------------------------------------------------------------


@FLOW.step(Uploading.type)
async def ask_type(turn: Turn) -> None:
    """The kinds of document, with what the manager asked for."""
    t = turn.t
    case = await turn.services.verification.get(turn.person.user_id)
    asked = [
        t(f"documents.type.{DOCUMENT_TYPE.key(n)}")
        for n in case.requested_types
        if n in DOCUMENT_TYPE.by_number
    ]
    lines = [t("documents.type.ask")]
    if asked:
        lines.append(t("documents.type.asked", types=", ".join(asked)))
    if case.request_comment:
        lines.append(t("documents.type.comment", comment=case.request_comment))
    buttons = [
        button(t(f"documents.type.{kind.value}"), UploadDocType(type=kind).pack())
        for kind in DocTypeKey
    ]
    await turn.show_text("\n".join(lines), inline([*grid(buttons, 2), nav_row(t)]))


async def on_type(query: CallbackQuery, callback_data: UploadDocType, turn: Turn) -> None:
    """A kind was chosen: the file next."""
    await turn.remember(doc_type=callback_data.type.value)
    await FLOW.next(turn)


# --- the file --------------------------------------------------------------------------------


async def _type_label(turn: Turn) -> str:
    kind = str((await turn.data()).get("doc_type", "other"))
    return turn.t(f"documents.type.{kind}")


@FLOW.step(Uploading.file)
async def ask_file(turn: Turn) -> None:
    """A photo or a file of the chosen document."""
    await turn.show("documents.file.ask", inline([nav_row(turn.t)]), type=await _type_label(turn))


async def on_file(message: Message, turn: Turn) -> None:
    """A photo, a file, or something else."""
    incoming = file_of(message)
    if incoming is None:
        await turn.say("documents.file.expected", inline([nav_row(turn.t)]))
        return
    mime = message.document.mime_type if message.document is not None else None
    if mime and not mime.startswith(_FILE_TYPES):
        await turn.say("documents.file.kind", inline([nav_row(turn.t)]))
        return
    stored = await turn.media.keep(incoming)
    await turn.remember(doc_file=stored.dump())
    await run_action(turn, "documents.submit")


async def _already_received(turn: Turn, file_id: str) -> bool:
    case = await turn.services.verification.get(turn.person.user_id)
    return any(d.media.telegram_file_id == file_id for d in case.documents if file_id)


@action("documents.submit")
async def submit(turn: Turn) -> None:
    """SubmitDocument once per file (a retry checks whether the first try went through)."""
    data = await turn.data()
    stored = StoredMedia.load(dict(data["doc_file"]))
    kind = str(data.get("doc_type", "other"))
    if data.get("doc_tried") == stored.telegram_file_id and await _already_received(
        turn, stored.telegram_file_id
    ):
        log.info("document already received", extra={"user_id": turn.person.user_id})
    else:
        await turn.remember(doc_tried=stored.telegram_file_id)
        document = await turn.services.verification.submit(kind, to_ref(stored))
        log.info(
            "document submitted",
            extra={"user_id": turn.person.user_id, "document_id": document.id},
        )
    uploaded = [*_list(data.get("uploaded")), kind]
    await turn.remember(uploaded=uploaded, doc_file=None, doc_tried=None)
    await FLOW.enter(turn, Uploading.more)


def _list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


# --- another one, or done --------------------------------------------------------------------


@FLOW.step(Uploading.more)
async def ask_more(turn: Turn) -> None:
    """Received; another document?"""
    t = turn.t
    uploaded = _list((await turn.data()).get("uploaded"))
    last = t(f"documents.type.{uploaded[-1]}") if uploaded else ""
    markup = inline(
        [
            [button(t("documents.more.another"), UploadThen(then=UploadNext.MORE).pack())],
            [button(t("documents.more.done"), UploadThen(then=UploadNext.DONE).pack())],
        ]
    )
    await turn.say("documents.more.ask", markup, type=last, count=len(uploaded))


async def on_then(query: CallbackQuery, callback_data: UploadThen, turn: Turn) -> None:
    """Another document, or done."""
    if callback_data.then is UploadNext.MORE:
        await turn.remember(doc_type=None)
        await FLOW.enter(turn, Uploading.type)
        return
    count = len(_list((await turn.data()).get("uploaded")))
    await turn.state.clear()
    await turn.reply.toast()
    await turn.say("documents.done", None, count=count)
    await home.go_home(turn)


def router() -> Router:
    """The documents flow (approved and pending people; blocked ones never get here)."""
    r = Router(name="documents")
    who = or_f(Approved(), Pending())
    r.message.filter(who)
    r.callback_query.filter(who)
    r.callback_query.register(on_upload, UploadButton())
    r.callback_query.register(on_type, UploadDocType.filter(), StateFilter(Uploading.type))
    # Any message: a photo or a file is taken, anything else is explained (on_file).
    r.message.register(on_file, StateFilter(Uploading.file))
    r.callback_query.register(on_then, UploadThen.filter(), StateFilter(Uploading.more))
    return r
