"""The archive through the real bot: the executor's finished requests, newest first — one
accepted with a rating and a review, one returned by the resident with a reason — each card
showing what happened; requests still in work stay out."""

from __future__ import annotations

from pathlib import Path

from ukm.requests.v1 import request_pb2
from ukm.requests.v1 import requests_service_pb2 as pb

from bot.callbacks import ExecList, ExecOpen, MenuKey
from tests.bot.executors import (
    SPEC,
    another_device,
    buttons,
    desk,
    executor,
    go_on_duty,
    menu,
)
from tests.bot.harness import BotUnderTest, stem
from tests.bot.office import Office, Place
from tests.support.people import sign_in
from tests.support.stack import Stack
from tests.support.telegram_api import LocalBotApi


async def test_finished_requests_with_their_rating_and_return_reason(
    bot: BotUnderTest,
    api: LocalBotApi,
    stack: Stack,
    office: Office,
    place: Place,
    redis_url: str,
    pki_dir: Path,
) -> None:
    chat, executor_id = await executor(api, office, SPEC.SPECIALIZATION_ELEVATOR)
    t = chat.t
    await go_on_duty(chat)
    resident = await sign_in(stack, "applicant")
    empty = await menu(chat, MenuKey.ARCHIVE, stem(t, "archive.list.title"))
    assert t("archive.list.empty") in str(empty.params["text"])

    async with desk(stack, office) as d:
        numbers = []
        for text in ("Лифт застревает на 5 этаже", "Не закрываются двери лифта", "Скрипит лифт"):
            filed = await d.file(
                place, request_pb2.CATEGORY_ELEVATOR, text, applicant_id=resident.user_id
            )
            await d.assign(filed.request_number, executor_id)
            numbers.append(filed.request_number)
        accepted, returned, working = numbers
        # The executor's work, from another device (the bot's flows have their own tests).
        async with another_device(stack, redis_url, pki_dir, chat) as elsewhere:
            for number in (accepted, returned):
                await elsewhere.requests.complete(number, report="Отрегулировал двери")
                await d.confirm(number)
        await d.requests.AcceptRequest(
            pb.AcceptRequestRequest(request_number=accepted, rating=4, review="Быстро и чисто"),
            metadata=resident.metadata,
        )
        await d.requests.ReturnRequest(
            pb.ReturnRequestRequest(request_number=returned, reason="Двери опять заедают"),
            metadata=resident.metadata,
        )

    listing = await menu(chat, MenuKey.ARCHIVE, stem(t, "archive.list.title"))
    shown = [ExecOpen.unpack(data).number for _, data in buttons(listing) if data.startswith("eo:")]
    assert shown == [returned, accepted]  # newest first; the one in work stays out
    assert working not in str(listing.params["text"])
    text = str(listing.params["text"])
    assert t("status.accepted") in text and t("status.returned") in text

    card = await chat.tap(ExecOpen(list=ExecList.ARCHIVE, number=accepted).pack(), f"№{accepted}")
    text = str(card.params["text"])
    assert t("work.card.rating_review", stars="⭐⭐⭐⭐", review="Быстро и чисто") in text
    assert "Отрегулировал двери" in text
    # Nothing to do on a finished request: only the way back.
    assert [label for label, _ in buttons(card)] == [
        t("work.button.to_list"),
        t("work.button.menu"),
    ]
    await chat.tap(buttons(card)[0][1], t("archive.list.title", page=1))
    card = await chat.tap(ExecOpen(list=ExecList.ARCHIVE, number=returned).pack(), f"№{returned}")
    assert t("work.card.returned", reason="Двери опять заедают") in str(card.params["text"])
