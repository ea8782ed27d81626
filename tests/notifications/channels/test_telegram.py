"""The Telegram channel against the local Bot API server: what is sent, and each outcome."""

from __future__ import annotations

import socket
import ssl
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from pydantic import SecretStr

from mesh.pki import IdentityFiles
from services.notifications.channels import (
    Button,
    OutboundMessage,
    Permanent,
    Sent,
    TelegramChannel,
    Transient,
    Unreachable,
)
from services.notifications.channels.telegram import HEADROOM, telegram_pacer
from tests.notifications.channels.conftest import FakeMonotonic
from tests.support.smtp_server import server_tls_context
from tests.support.telegram_api import Failure, LocalBotApi, running_bot_api

CHAT = 700100200


def message(text: str = "<b>№251125-007</b> принята в работу", **extra: Any) -> OutboundMessage:
    """A Telegram message to `CHAT`, with `extra` fields changed."""
    return replace(OutboundMessage(str(CHAT), text, idempotency_key="ev-1"), **extra)


@pytest.fixture
async def channel(bot_api: LocalBotApi, clock: FakeMonotonic) -> AsyncIterator[TelegramChannel]:
    """A channel on the local server, paced by the fake clock (sleeping moves it)."""
    telegram = TelegramChannel(
        SecretStr(bot_api.token),
        api_base=bot_api.base_url,
        pacer=telegram_pacer(clock=clock),
        sleep=clock.sleep,
        timeout=2.0,
    )
    yield telegram
    await telegram.aclose()


async def test_a_message_goes_out_as_html_with_inline_buttons(
    bot_api: LocalBotApi, channel: TelegramChannel
) -> None:
    buttons = ((Button("Принять", "acc:251125-007"), Button("Вернуть", "ret:251125-007")),)
    outcome = await channel.send(message(buttons=buttons))

    assert outcome == Sent("1")
    [call] = bot_api.sent_to(CHAT)
    assert call.method == "sendMessage"
    assert call.params["parse_mode"] == "HTML"
    assert call.params["text"] == "<b>№251125-007</b> принята в работу"
    assert call.params["link_preview_options"] == {"is_disabled": True}
    assert call.params["reply_markup"] == {
        "inline_keyboard": [
            [
                {"text": "Принять", "callback_data": "acc:251125-007"},
                {"text": "Вернуть", "callback_data": "ret:251125-007"},
            ]
        ]
    }


async def test_message_ids_are_the_providers(channel: TelegramChannel) -> None:
    assert await channel.send(message()) == Sent("1")
    assert await channel.send(message()) == Sent("2")


async def test_a_photo_goes_out_with_the_text_as_caption(
    bot_api: LocalBotApi, channel: TelegramChannel
) -> None:
    outcome = await channel.send(message(photo="AgACAgIAAxkBAAIBQ2Z"))

    assert isinstance(outcome, Sent)
    [call] = bot_api.sent_to(CHAT)
    assert call.method == "sendPhoto"
    assert call.params["photo"] == "AgACAgIAAxkBAAIBQ2Z"
    assert call.params["caption"] == "<b>№251125-007</b> принята в работу"
    assert call.params["parse_mode"] == "HTML"


async def test_flood_control_is_transient_with_telegrams_wait(
    bot_api: LocalBotApi, channel: TelegramChannel
) -> None:
    bot_api.fail_next(Failure.too_many_requests(7))
    outcome = await channel.send(message())
    assert isinstance(outcome, Transient)
    assert outcome.retry_after == 7.0
    assert "429" in outcome.error


@pytest.mark.parametrize("failure", [Failure.blocked(), Failure.deactivated()])
async def test_a_blocked_or_deleted_user_is_unreachable(
    bot_api: LocalBotApi, channel: TelegramChannel, failure: Failure
) -> None:
    bot_api.fail_chat(CHAT, failure)
    outcome = await channel.send(message())
    assert isinstance(outcome, Unreachable)
    assert "403" in outcome.error


async def test_an_unknown_chat_is_permanent(bot_api: LocalBotApi, channel: TelegramChannel) -> None:
    bot_api.fail_chat(CHAT, Failure.chat_not_found())
    outcome = await channel.send(message())
    assert outcome == Permanent("telegram sendMessage: 400 Bad Request: chat not found")


@pytest.mark.parametrize("failure", [Failure.server_error(), Failure.bad_gateway()])
async def test_server_errors_are_transient(
    bot_api: LocalBotApi, channel: TelegramChannel, failure: Failure
) -> None:
    bot_api.fail_next(failure)
    outcome = await channel.send(message())
    assert isinstance(outcome, Transient)
    assert outcome.retry_after is None
    assert not outcome.maybe_delivered


async def test_html_telegram_cannot_parse_is_permanent(channel: TelegramChannel) -> None:
    outcome = await channel.send(message("<p>paragraphs are e-mail HTML</p>"))
    assert isinstance(outcome, Permanent)
    assert "can't parse entities" in outcome.error


async def test_a_rejected_token_is_permanent(bot_api: LocalBotApi, clock: FakeMonotonic) -> None:
    wrong = TelegramChannel(
        SecretStr("999:not-the-bots-token"),
        api_base=bot_api.base_url,
        pacer=telegram_pacer(clock=clock),
    )
    try:
        outcome = await wrong.send(message())
    finally:
        await wrong.aclose()
    assert outcome == Permanent("telegram sendMessage: 401 Unauthorized")


async def test_an_address_that_is_no_chat_is_permanent_without_a_call(
    bot_api: LocalBotApi, channel: TelegramChannel
) -> None:
    outcome = await channel.send(message(address="someone@example.uz"))
    assert isinstance(outcome, Permanent)
    assert bot_api.calls == []


async def test_no_server_is_transient_and_nothing_was_delivered(clock: FakeMonotonic) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago, now closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    nowhere = TelegramChannel(
        SecretStr("1:x"), api_base=f"http://127.0.0.1:{port}", pacer=telegram_pacer(clock=clock)
    )
    try:
        outcome = await nowhere.send(message())
    finally:
        await nowhere.aclose()
    assert outcome == Transient("telegram sendMessage: ClientConnectorError")


async def test_a_lost_answer_may_have_delivered(bot_api: LocalBotApi, clock: FakeMonotonic) -> None:
    bot_api.fail_next(Failure.stall(1.0))
    impatient = TelegramChannel(
        SecretStr(bot_api.token),
        api_base=bot_api.base_url,
        pacer=telegram_pacer(clock=clock),
        timeout=0.2,
    )
    try:
        outcome = await impatient.send(message())
    finally:
        await impatient.aclose()
    assert outcome == Transient("telegram sendMessage: SocketTimeoutError", maybe_delivered=True)
    assert len(bot_api.sent_to(CHAT)) == 1  # Telegram did deliver it


async def test_the_second_message_to_a_chat_waits_a_second(
    bot_api: LocalBotApi, channel: TelegramChannel, clock: FakeMonotonic
) -> None:
    await channel.send(message())
    await channel.send(message(address="-100123"))  # another chat: only the bot's spacing
    await channel.send(message())

    # 1/30 s and 1 s apart, each with the pacer's headroom.
    bot_gap, chat_gap = 1 / (30 * HEADROOM), 1 / HEADROOM
    assert clock.sleeps == [pytest.approx(bot_gap), pytest.approx(chat_gap - bot_gap)]
    assert len(bot_api.sent_to(CHAT)) == 2


async def test_a_long_pacing_wait_hands_the_message_back(
    bot_api: LocalBotApi, clock: FakeMonotonic
) -> None:
    strict = TelegramChannel(
        SecretStr(bot_api.token),
        api_base=bot_api.base_url,
        pacer=telegram_pacer(per_chat_per_second=0.1, clock=clock),  # one per 10 s
        max_pacing_wait=2.0,
        sleep=clock.sleep,
    )
    try:
        assert isinstance(await strict.send(message()), Sent)
        outcome = await strict.send(message())
    finally:
        await strict.aclose()
    assert isinstance(outcome, Transient)
    assert outcome.retry_after == pytest.approx(10.0 / HEADROOM)
    assert clock.sleeps == []
    assert len(bot_api.sent_to(CHAT)) == 1


async def test_https_with_a_trusted_ca(relay_identity: IdentityFiles, clock: FakeMonotonic) -> None:
    trust = ssl.create_default_context(cafile=str(relay_identity.ca))
    async with running_bot_api(ssl_context=server_tls_context(relay_identity)) as server:
        channel = TelegramChannel(
            SecretStr(server.token),
            api_base=server.base_url,
            ssl_context=trust,
            pacer=telegram_pacer(clock=clock),
        )
        assert server.base_url.startswith("https://")
        assert isinstance(await channel.send(message()), Sent)
