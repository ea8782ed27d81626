"""The manager's verification panel through the real bot and the real mesh: a manager asks a
pending resident for documents from their card (kinds toggled, a comment too long first), the
resident uploads a photo and a file, the manager sees each as it was sent, accepts one and
rejects the other with a reason, cannot approve before reviewing everything, then approves:
the resident's pending binding is approved with it and the documents are deleted. Another
case is rejected with a reason. Forged and stale buttons are refused."""

from __future__ import annotations

import uuid
from pathlib import Path
from uuid import UUID

import grpc
import pytest
from ukm.common.v1 import media_pb2
from ukm.users.v1 import directory_pb2, user_pb2
from ukm.users.v1 import verification_service_pb2 as vpb
from ukm.users.v1 import verification_service_pb2_grpc as vrpc

from bot.callbacks import (
    DocTypeKey,
    ListKind,
    MenuItem,
    MenuKey,
    Nav,
    NavTo,
    Panel,
    PanelAct,
    PanelKind,
    PickDocType,
    StepAction,
    StepDo,
)
from tests.bot.flows.desk import (  # roomy_bot: the `bot` fixture of this module
    acting_as,
    buttons_of,
    manager_chat,
    page_to,
    pending_resident,
    roomy_bot,  # noqa: F401
)
from tests.bot.harness import BotUnderTest, Chat, eventually, stem
from tests.bot.office import Office, Place
from tests.support.people import SignedIn, sign_in
from tests.support.stack import Stack
from tests.support.telegram_api import BotApiCall, LocalBotApi


@pytest.fixture(scope="module")
async def admin(stack: Stack) -> SignedIn:
    """An admin (who makes Telegram users managers)."""
    return await sign_in(stack, "admin")


def _panel(kind: PanelKind, act: PanelAct, ref: str) -> str:
    return Panel(kind=kind, act=act, id=UUID(ref)).pack()


async def _case(stack: Stack, office: Office, user_id: str) -> vpb.Verification:
    """A case as the services hold it (read by the office's manager over gRPC)."""
    async with grpc.aio.insecure_channel(stack.edge_address) as channel:
        answer = await vrpc.VerificationServiceStub(channel).GetVerification(
            vpb.GetVerificationRequest(user_id=user_id), metadata=office.md
        )
    case: vpb.Verification = answer.verification
    return case


async def _sent(api: LocalBotApi, chat: Chat, method: str, since: int) -> BotApiCall:
    def found() -> BotApiCall | None:
        calls = [c for c in api.calls_to(method) if c.chat_id == chat.id and c.status == 200]
        return calls[-1] if len(calls) > since else None

    return await eventually(found, what=method)


async def _toggle(chat: Chat, data: str, count: int) -> None:
    """Press a kind; wait for the keyboard counting `count` chosen."""
    since = chat.mark()
    chat.user.press(data)
    await chat.expect_button(chat.t("button.done", count=count), since=since)


async def _open_case(chat: Chat, user_id: str) -> None:
    t = chat.t
    heading = stem(t, "verification.cases.title")
    await chat.say("/menu", t("menu.title", role=t("role.manager")))
    await chat.tap(MenuItem(item=MenuKey.VERIFICATION).pack(), heading)
    open_case = _panel(PanelKind.CASE, PanelAct.OPEN, user_id)
    await page_to(chat, ListKind.VERIFICATIONS, open_case, heading)
    await chat.tap(open_case, stem(t, "verification.case.text"))


async def test_documents_asked_reviewed_and_the_verification_approved(
    bot: BotUnderTest,
    api: LocalBotApi,
    stack: Stack,
    place: Place,
    office: Office,
    admin: SignedIn,
    redis_url: str,
    pki_dir: Path,
) -> None:
    resident, name, _ = await pending_resident(api, place, flat="6", first_name="Nodira")
    user = await office.user_of(resident.id)
    chat = await manager_chat(api, stack, office, admin)
    t = chat.t

    # From the pending person's card: ask for documents.
    await chat.tap(MenuItem(item=MenuKey.PENDING_USERS).pack(), stem(t, "people.list.title"))
    await chat.search(name, name)
    await chat.tap(_panel(PanelKind.USER, PanelAct.OPEN, user.id), name)
    await chat.tap(
        _panel(PanelKind.USER, PanelAct.ASK_DOCUMENTS, user.id),
        t("verification.ask.types", name=name),
    )
    queries = len(api.answers)
    chat.user.press(StepDo(action=StepAction.DONE).pack())
    await chat.toast(t("verification.ask.none_chosen"), query_count=queries)
    await _toggle(chat, PickDocType(type=DocTypeKey.PASSPORT).pack(), 1)
    await _toggle(chat, PickDocType(type=DocTypeKey.UTILITY_BILL).pack(), 2)
    await _toggle(chat, PickDocType(type=DocTypeKey.OTHER).pack(), 3)
    # Chosen twice: unchosen.
    await _toggle(chat, PickDocType(type=DocTypeKey.OTHER).pack(), 2)
    since = chat.mark()
    chat.user.text("what?")
    await chat.expect(t("panels.input.use_buttons"), since=since)
    await chat.expect(t("verification.ask.types", name=name), since=since)  # asked again
    await chat.tap(StepDo(action=StepAction.DONE).pack(), t("verification.ask.comment"))
    # Back keeps the choice.
    since = chat.mark()
    chat.user.press(Nav(to=NavTo.BACK).pack())
    await chat.expect_button(t("button.done", count=2), since=since)
    await chat.tap(StepDo(action=StepAction.DONE).pack(), t("verification.ask.comment"))
    await chat.say("x" * 1001, t("panels.input.comment_long", length=1001))
    since = chat.mark()
    chat.user.text("Фото паспорта и последняя квитанция за свет")
    types = f"{t('verification.doc.passport')}, {t('verification.doc.utility_bill')}"
    await chat.expect(t("verification.ask.done", name=name, types=types), since=since)
    # Back where the asking started: the person's card.
    await chat.expect(t("people.card.via_signup"), since=since)
    case = await _case(stack, office, user.id)
    assert case.status == user_pb2.VERIFICATION_STATUS_REQUESTED
    assert list(case.requested_types) == [
        vpb.DOCUMENT_TYPE_PASSPORT,
        vpb.DOCUMENT_TYPE_UTILITY_BILL,
    ]
    assert case.request_comment == "Фото паспорта и последняя квитанция за свет"

    # The resident uploads a photo of the passport and a scanned bill (as their bot would).
    async with acting_as(stack, redis_url, pki_dir, resident.id) as services:
        passport = await services.verification.submit(
            "passport",
            media_pb2.MediaRef(
                kind=media_pb2.MEDIA_KIND_PHOTO, telegram_file_id="photo-passport-1"
            ),
        )
        bill = await services.verification.submit(
            "utility_bill",
            media_pb2.MediaRef(kind=media_pb2.MEDIA_KIND_DOCUMENT, telegram_file_id="doc-bill-1"),
            note="Квитанция за октябрь",
        )

    await _open_case(chat, user.id)
    card = chat.last_message()
    assert t("verification.doc.passport") in str(card["text"])
    open_passport = _panel(PanelKind.DOCUMENT, PanelAct.OPEN, passport.id)
    open_bill = _panel(PanelKind.DOCUMENT, PanelAct.OPEN, bill.id)
    assert {open_passport, open_bill} <= set(buttons_of(card))
    # A document of someone else's case (forged): refused.
    queries = len(api.answers)
    chat.user.press(_panel(PanelKind.DOCUMENT, PanelAct.OPEN, str(uuid.uuid4())), message=card)
    await chat.toast(t("error.stale_button"), query_count=queries)

    # Approving before every document is reviewed: said what to do first.
    await chat.tap(
        _panel(PanelKind.CASE, PanelAct.APPROVE, user.id),
        t("verification.confirm", name=name, bindings=1),
    )
    since = chat.mark()
    chat.user.press(StepDo(action=StepAction.CONFIRM).pack())
    await chat.expect(t("verification.reason.DOCUMENTS_NOT_REVIEWED"), since=since)
    await chat.expect_key("verification.case.text", since=since)  # the case again

    # The passport, as the photo it was: accepted.
    photos = len([c for c in api.calls_to("sendPhoto") if c.chat_id == chat.id])
    chat.user.press(open_passport)
    shown = await _sent(api, chat, "sendPhoto", photos)
    assert shown.params["photo"] == "photo-passport-1"
    assert t("verification.doc.passport") in str(shown.params["caption"])
    accept = _panel(PanelKind.DOCUMENT, PanelAct.APPROVE, passport.id)
    assert accept in buttons_of(shown.params)
    await chat.tap(accept, t("verification.document.accepted", type=t("verification.doc.passport")))

    # The bill, as the file it was: rejected with a reason typed short first.
    files = len([c for c in api.calls_to("sendDocument") if c.chat_id == chat.id])
    chat.user.press(open_bill)
    shown = await _sent(api, chat, "sendDocument", files)
    assert shown.params["document"] == "doc-bill-1"
    assert "Квитанция за октябрь" in str(shown.params["caption"])
    await chat.tap(
        _panel(PanelKind.DOCUMENT, PanelAct.REJECT, bill.id),
        t("verification.document.ask_reason"),
    )
    await chat.say("no", t("panels.input.reason_short", length=2))
    since = chat.mark()
    chat.user.text("Не читается сумма и адрес")
    bill_type = t("verification.doc.utility_bill")
    await chat.expect(t("verification.document.rejected", type=bill_type), since=since)
    await chat.expect_key("verification.case.text", since=since)
    reviewed = {d.id: d for d in (await _case(stack, office, user.id)).documents}
    assert reviewed[passport.id].status == vpb.DOCUMENT_STATUS_ACCEPTED
    assert reviewed[bill.id].status == vpb.DOCUMENT_STATUS_REJECTED
    assert reviewed[bill.id].review_reason == "Не читается сумма и адрес"

    # Now the approval: the pending binding goes with it, the documents are deleted.
    await chat.tap(
        _panel(PanelKind.CASE, PanelAct.APPROVE, user.id),
        t("verification.confirm", name=name, bindings=1),
    )
    confirm = chat.last_message()
    since = chat.mark()
    chat.user.press(StepDo(action=StepAction.CONFIRM).pack())
    await chat.expect(t("verification.approved", name=name, bindings=1), since=since)
    await chat.expect_key("verification.cases.title", since=since)
    decided = await _case(stack, office, user.id)
    assert decided.status == user_pb2.VERIFICATION_STATUS_VERIFIED
    assert {d.status for d in decided.documents} == {vpb.DOCUMENT_STATUS_DELETED}
    assert not any(d.media.telegram_file_id for d in decided.documents)
    bindings = await office.bindings(user.id)
    assert [b.status for b in bindings] == [directory_pb2.BINDING_STATUS_APPROVED]
    # The confirmation pressed again: out of date, not decided twice.
    queries = len(api.answers)
    chat.user.press(StepDo(action=StepAction.CONFIRM).pack(), message=confirm)
    await chat.toast(t("error.stale_button"), query_count=queries)


async def test_a_verification_rejected_with_a_reason(
    bot: BotUnderTest,
    api: LocalBotApi,
    stack: Stack,
    place: Place,
    office: Office,
    admin: SignedIn,
    redis_url: str,
    pki_dir: Path,
) -> None:
    resident, name, _ = await pending_resident(api, place, flat="8", first_name="Ulugbek")
    user = await office.user_of(resident.id)
    async with grpc.aio.insecure_channel(stack.edge_address) as channel:
        await vrpc.VerificationServiceStub(channel).RequestDocuments(
            vpb.RequestDocumentsRequest(
                user_id=user.id, document_types=[vpb.DOCUMENT_TYPE_PROPERTY_DEED]
            ),
            metadata=office.md,
        )
    async with acting_as(stack, redis_url, pki_dir, resident.id) as services:
        await services.verification.submit(
            "property_deed",
            media_pb2.MediaRef(kind=media_pb2.MEDIA_KIND_PHOTO, telegram_file_id="photo-deed-1"),
        )
    chat = await manager_chat(api, stack, office, admin, language="en")
    t = chat.t
    await _open_case(chat, user.id)
    since = chat.mark()
    chat.user.text("hello")
    await chat.expect(t("panels.input.use_buttons"), since=since)
    await chat.expect_key("verification.case.text", since=since)  # the case again
    await chat.tap(
        _panel(PanelKind.CASE, PanelAct.REJECT, user.id), t("verification.reject.ask", name=name)
    )
    await chat.tap(Nav(to=NavTo.BACK).pack(), stem(t, "verification.case.text"))
    await chat.tap(
        _panel(PanelKind.CASE, PanelAct.REJECT, user.id), t("verification.reject.ask", name=name)
    )
    await chat.say("ok", t("panels.input.reason_short", length=2))
    since = chat.mark()
    chat.user.text("The deed names another owner")
    await chat.expect(t("verification.rejected", name=name), since=since)
    case = await _case(stack, office, user.id)
    assert case.status == user_pb2.VERIFICATION_STATUS_REJECTED
    assert case.decision_reason == "The deed names another owner"
    # The binding still waits: a rejection decides nothing else.
    bindings = await office.bindings(user.id)
    assert [b.status for b in bindings] == [directory_pb2.BINDING_STATUS_PENDING]
