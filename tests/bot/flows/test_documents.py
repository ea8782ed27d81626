"""Verification documents through the real bot and mesh: a manager asks a pending resident for
documents; the notification's upload button opens the flow, which shows what was asked; wrong
input at each step is explained; a photo and a PDF are uploaded in a row and the manager reads
them back (types, kinds, Telegram file ids). From the profile, an upload cut off by an outage
is retried once the services are back and stored once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import httpx
import pytest
from ukm.common.v1 import media_pb2
from ukm.users.v1 import verification_service_pb2 as pb
from ukm.users.v1 import verification_service_pb2_grpc as rpc

from bot.callbacks import (
    DocTypeKey,
    MenuItem,
    MenuKey,
    Nav,
    NavTo,
    ProfileKey,
    ProfileOpen,
    UploadDocType,
    UploadNext,
    UploadThen,
)
from services.kit.callbacks import InlineAction, encode
from tests.bot.harness import BotUnderTest, Chat, new_chat, stem
from tests.bot.journeys import onboard, resident
from tests.bot.office import Office, Place
from tests.bot.tcp_proxy import TcpProxy
from tests.bot.test_resilience import connected
from tests.support.stack import Stack
from tests.support.telegram_api import LocalBotApi


@pytest.fixture
async def verification(stack: Stack) -> AsyncIterator[rpc.VerificationServiceStub]:
    """The verification service through the edge."""
    async with grpc.aio.insecure_channel(stack.edge_address) as channel:
        yield rpc.VerificationServiceStub(channel)


async def upload_button(api: LocalBotApi, chat: Chat) -> None:
    """The notification the notifications service sends with its upload button."""
    markup = {"inline_keyboard": [[{"text": "📎", "callback_data": encode(InlineAction.UPLOAD)}]]}
    async with httpx.AsyncClient(base_url=f"{api.base_url}/bot{api.token}") as http:
        answer = await http.post(
            "/sendMessage",
            json={"chat_id": chat.id, "text": "Пришлите документы", "reply_markup": markup},
        )
    assert answer.json()["ok"] is True


async def test_a_pending_resident_uploads_what_the_manager_asked_for(
    bot: BotUnderTest,
    api: LocalBotApi,
    place: Place,
    office: Office,
    verification: rpc.VerificationServiceStub,
) -> None:
    chat = new_chat(api)
    t = chat.t
    await onboard(chat, place, flat="2")
    user = await office.user_of(chat.id)
    await verification.RequestDocuments(
        pb.RequestDocumentsRequest(
            user_id=user.id,
            document_types=[pb.DOCUMENT_TYPE_PASSPORT, pb.DOCUMENT_TYPE_UTILITY_BILL],
            comment="Паспорт и квитанция за свет",
        ),
        metadata=office.md,
    )
    await upload_button(api, chat)
    ask = await chat.tap(encode(InlineAction.UPLOAD), stem(t, "documents.type.ask"))
    text = str(ask.params["text"])
    passport, bill = t("documents.type.passport"), t("documents.type.utility_bill")
    assert t("documents.type.asked", types=f"{passport}, {bill}") in text
    assert "Паспорт и квитанция за свет" in text

    await chat.tap(
        UploadDocType(type=DocTypeKey.PASSPORT).pack(), t("documents.file.ask", type=passport)
    )
    await chat.say("сейчас пришлю", t("documents.file.expected"))
    since = chat.mark()
    chat.user.sticker()
    await chat.expect_key("documents.file.expected", since=since)
    since = chat.mark()
    chat.user.document(file_name="setup.exe", mime_type="application/x-msdownload")
    await chat.expect_key("documents.file.kind", since=since)
    since = chat.mark()
    chat.user.photo()
    await chat.expect(t("documents.more.ask", type=passport, count=1), since=since)

    await chat.tap(UploadThen(then=UploadNext.MORE).pack(), stem(t, "documents.type.ask"))
    await chat.tap(
        UploadDocType(type=DocTypeKey.UTILITY_BILL).pack(), t("documents.file.ask", type=bill)
    )
    since = chat.mark()
    chat.user.document(file_name="kvitansiya.pdf")
    await chat.expect(t("documents.more.ask", type=bill, count=2), since=since)
    since = chat.mark()
    chat.user.press(UploadThen(then=UploadNext.DONE).pack())
    await chat.expect(t("documents.done", count=2), since=since)
    # Still pending: back to waiting for the manager.
    await chat.expect_key("onboarding.waiting.resident", since=since)

    case = (
        await verification.GetVerification(
            pb.GetVerificationRequest(user_id=user.id), metadata=office.md
        )
    ).verification
    documents = sorted(case.documents, key=lambda d: d.type)
    assert [(d.type, d.media.kind) for d in documents] == [
        (pb.DOCUMENT_TYPE_PASSPORT, media_pb2.MEDIA_KIND_PHOTO),
        (pb.DOCUMENT_TYPE_UTILITY_BILL, media_pb2.MEDIA_KIND_DOCUMENT),
    ]
    assert documents[0].media.telegram_file_id.startswith("photo-")
    assert documents[1].media.telegram_file_id.startswith("document-")
    assert all(d.status == pb.DOCUMENT_STATUS_SUBMITTED for d in documents)

    # A type button once the flow is over: out of date, nothing stored.
    queries = len(api.answers)
    chat.user.press(UploadDocType(type=DocTypeKey.OTHER).pack(), message=chat.last_message())
    await chat.toast(t("error.stale_button"), query_count=queries)


async def test_from_the_profile_an_upload_survives_an_outage(
    bot: BotUnderTest,
    api: LocalBotApi,
    place: Place,
    office: Office,
    verification: rpc.VerificationServiceStub,
    mesh_road: TcpProxy,
) -> None:
    chat = new_chat(api, language="uz")
    t = chat.t
    user_id = await resident(chat, place, office, flat="1")
    await chat.tap(MenuItem(item=MenuKey.PROFILE).pack(), stem(t, "profile.home"))
    await chat.tap(ProfileOpen(item=ProfileKey.DOCS).pack(), stem(t, "documents.type.ask"))
    await chat.tap(
        UploadDocType(type=DocTypeKey.PROPERTY_DEED).pack(),
        t("documents.file.ask", type=t("documents.type.property_deed")),
    )
    await mesh_road.cut()
    since = chat.mark()
    chat.user.document(file_name="guvohnoma.jpg", mime_type="image/jpeg")
    await chat.expect_key("error.busy", since=since)
    await mesh_road.restore()
    await connected(bot)
    await chat.tap(
        Nav(to=NavTo.RETRY).pack(),
        t("documents.more.ask", type=t("documents.type.property_deed"), count=1),
    )
    # Retry pressed again on the old message: nothing is pending, the step is asked again.
    await chat.tap(
        Nav(to=NavTo.RETRY).pack(),
        t("documents.more.ask", type=t("documents.type.property_deed"), count=1),
    )
    await chat.tap(UploadThen(then=UploadNext.DONE).pack(), t("documents.done", count=1))
    case = (
        await verification.GetVerification(
            pb.GetVerificationRequest(user_id=user_id), metadata=office.md
        )
    ).verification
    assert [d.type for d in case.documents] == [pb.DOCUMENT_TYPE_PROPERTY_DEED]
