"""Nothing secret or personal in logs or outcome errors, whatever happens on any channel.

Every logger is captured at DEBUG (httpx writes request URLs, which carry the bot token, at
INFO). `mail.log` is left out of the personal-data check: it is the stand-in SMTP provider's
own log, not ours. Secrets must not appear anywhere, that log included.
"""

from __future__ import annotations

import logging
import ssl

import pytest
from pydantic import SecretStr

from services.notifications.channels import (
    EmailChannel,
    EskizSmsChannel,
    OutboundMessage,
    Outcome,
    Sent,
    TelegramChannel,
)
from services.notifications.channels.redaction import redact_bot_tokens
from services.notifications.channels.telegram import telegram_pacer
from tests.notifications.channels.conftest import FakeMonotonic
from tests.notifications.conftest import SMTP_PASSWORD, SMTP_USER
from tests.support.sms_gateway import LocalEskiz
from tests.support.smtp_server import LocalSmtpServer
from tests.support.telegram_api import Failure, LocalBotApi

CHAT = "5550001234"
EMAIL = "malika.rashidova@example.uz"
PHONE = "+998977654321"
TEXT = "Ваш код 123456 — никому не сообщайте"


def _errors(outcomes: list[Outcome]) -> list[str]:
    return [o.error for o in outcomes if not isinstance(o, Sent)]


async def test_no_secret_or_personal_data_in_logs_or_errors(
    caplog: pytest.LogCaptureFixture,
    clock: FakeMonotonic,
    bot_api: LocalBotApi,
    smtp: LocalSmtpServer,
    client_tls: ssl.SSLContext,
    eskiz: LocalEskiz,
) -> None:
    caplog.set_level(logging.DEBUG)
    for client in ("httpx", "httpcore", "aiohttp.client"):
        caplog.set_level(logging.DEBUG, logger=client)
    telegram = TelegramChannel(
        SecretStr(bot_api.token), api_base=bot_api.base_url, pacer=telegram_pacer(clock=clock)
    )
    email = EmailChannel(
        host=smtp.host,
        port=smtp.port,
        sender="noreply@ukm.example.uz",
        username=SMTP_USER,
        password=SecretStr(SMTP_PASSWORD),
        tls_context=client_tls,
    )
    sms = EskizSmsChannel(
        login=eskiz.email,
        api_key=SecretStr(eskiz.secret_key),
        sender="4546",
        base_url=eskiz.base_url,
    )
    outcomes: list[Outcome] = []
    try:
        for failure in (None, Failure.blocked(), Failure.chat_not_found(), Failure.bad_gateway()):
            if failure is not None:
                bot_api.fail_next(failure)
            clock.advance(2.0)
            outcomes.append(await telegram.send(OutboundMessage(CHAT, TEXT, "k1")))
        outcomes.append(await email.send(OutboundMessage(EMAIL, TEXT, "k2")))
        smtp.refuse_recipient(EMAIL, f"550 5.1.1 <{EMAIL}>: no such user")
        outcomes.append(await email.send(OutboundMessage(EMAIL, TEXT, "k3")))
        outcomes.append(await sms.send(OutboundMessage(PHONE, TEXT, "k4")))
        eskiz.fail_next(400, {"message": f"Номер {PHONE[1:]} в чёрном списке"})
        outcomes.append(await sms.send(OutboundMessage(PHONE, TEXT, "k5")))
    finally:
        await telegram.aclose()
        await sms.aclose()

    assert len(_errors(outcomes)) == 5
    secrets = [bot_api.token, bot_api.token.split(":")[1], SMTP_PASSWORD, eskiz.secret_key]
    personal = [CHAT, EMAIL, PHONE, PHONE[1:], "123456"]
    logged = [(record.name, record.getMessage()) for record in caplog.records]
    # The HTTP clients' own request logs were on (the service turns them down; a library
    # default must not leak either), and something was logged at all.
    assert logged
    for text in [*_errors(outcomes), *(message for _, message in logged)]:
        for secret in secrets:
            assert secret not in text
    for text in [*_errors(outcomes), *(m for name, m in logged if name != "mail.log")]:
        for datum in personal:
            assert datum not in text


def test_token_paths_are_redacted_wherever_they_appear() -> None:
    url = "https://api.telegram.org/bot123456:AAH-x_y/sendMessage?x=1"
    assert redact_bot_tokens(url) == "https://api.telegram.org/bot<redacted>/sendMessage?x=1"
    assert redact_bot_tokens("/botfather/is/fine") == "/botfather/is/fine"


def test_settings_never_show_their_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.notifications.channels import ChannelSettings

    monkeypatch.setenv("UKM_TELEGRAM_BOT_TOKEN", "42:secret-bot-token")
    monkeypatch.setenv("UKM_SMTP_USERNAME", "relay-user")
    monkeypatch.setenv("UKM_SMTP_PASSWORD", "secret-smtp-password")
    monkeypatch.setenv("UKM_SMS_API_KEY", "secret-eskiz-key")
    settings = ChannelSettings()
    shown = repr(settings) + str(settings.model_dump())
    for secret in ("secret-bot-token", "secret-smtp-password", "secret-eskiz-key"):
        assert secret not in shown
