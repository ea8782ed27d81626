"""The Eskiz SMS channel against the local gateway: login, sends, and each outcome."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from services.notifications.channels import (
    EskizSmsChannel,
    OutboundMessage,
    Permanent,
    Sent,
    Transient,
)
from services.notifications.channels.sms_replies import scrub
from tests.support.sms_gateway import LocalEskiz

PHONE = "+998901234567"


def message(address: str = PHONE) -> OutboundMessage:
    """An SMS."""
    return OutboundMessage(
        address=address, text="UKM: zayavka 251125-007 bajarildi", idempotency_key="ev-9:sms"
    )


def channel_for(gateway: LocalEskiz, api_key: str | None = None) -> EskizSmsChannel:
    """Our channel on `gateway`'s account."""
    return EskizSmsChannel(
        login=gateway.email,
        api_key=SecretStr(api_key or gateway.secret_key),
        sender="4546",
        base_url=gateway.base_url,
    )


@pytest.fixture
async def channel(eskiz: LocalEskiz) -> AsyncIterator[EskizSmsChannel]:
    """The channel on the local gateway's account."""
    sms = channel_for(eskiz)
    yield sms
    await sms.aclose()


async def test_an_sms_goes_out_after_one_login(eskiz: LocalEskiz, channel: EskizSmsChannel) -> None:
    first = await channel.send(message())
    second = await channel.send(message())

    assert isinstance(first, Sent) and isinstance(second, Sent)
    assert [sms.id for sms in eskiz.sent] == [first.provider_message_id, second.provider_message_id]
    assert eskiz.sent[0].mobile_phone == "998901234567"
    assert eskiz.sent[0].message == "UKM: zayavka 251125-007 bajarildi"
    assert eskiz.sent[0].sender == "4546"
    assert eskiz.logins == 1


async def test_an_expired_token_is_replaced_once(
    eskiz: LocalEskiz, channel: EskizSmsChannel
) -> None:
    await channel.send(message())
    eskiz.expire_tokens()
    assert isinstance(await channel.send(message()), Sent)
    assert eskiz.logins == 2
    assert [call.status for call in eskiz.calls if call.path.endswith("/send")] == [200, 401, 200]


async def test_refused_credentials_are_permanent(eskiz: LocalEskiz) -> None:
    wrong = channel_for(eskiz, api_key="not-the-key")
    try:
        outcome = await wrong.send(message())
    finally:
        await wrong.aclose()
    assert outcome == Permanent("sms login: the gateway refused our credentials (HTTP 401)")
    assert eskiz.sent == []


async def test_field_errors_are_permanent_and_name_only_the_field(
    eskiz: LocalEskiz, channel: EskizSmsChannel
) -> None:
    eskiz.fail_next(422, {"status": "error", "message": {"mobile_phone": ["998901234567 is bad"]}})
    outcome = await channel.send(message())
    assert outcome == Permanent("sms send: HTTP 422 (invalid: mobile_phone)")


async def test_no_funds_is_permanent(eskiz: LocalEskiz, channel: EskizSmsChannel) -> None:
    eskiz.balance = 0
    outcome = await channel.send(message())
    assert outcome == Permanent("sms send: HTTP 400 (Недостаточно средств)")


async def test_a_sender_name_the_account_may_not_use_is_permanent(eskiz: LocalEskiz) -> None:
    other = EskizSmsChannel(
        login=eskiz.email,
        api_key=SecretStr(eskiz.secret_key),
        sender="UKM",
        base_url=eskiz.base_url,
    )
    try:
        outcome = await other.send(message())
    finally:
        await other.aclose()
    assert isinstance(outcome, Permanent)


async def test_throttling_is_transient_with_the_gateways_wait(
    eskiz: LocalEskiz, channel: EskizSmsChannel
) -> None:
    eskiz.fail_next(429, {"message": "Too Many Attempts."}, headers={"Retry-After": "30"})
    outcome = await channel.send(message())
    assert outcome == Transient("sms send: HTTP 429 (Too Many Attempts.)", retry_after=30.0)


async def test_gateway_errors_are_transient(eskiz: LocalEskiz, channel: EskizSmsChannel) -> None:
    eskiz.fail_next(503, {"message": "Service Unavailable"})
    outcome = await channel.send(message())
    assert isinstance(outcome, Transient)
    assert outcome.retry_after is None


@pytest.mark.parametrize("address", ["+79161234567", "998901234567", "+99890123456", "phone"])
async def test_numbers_the_gateway_cannot_reach_are_permanent_without_a_call(
    eskiz: LocalEskiz, channel: EskizSmsChannel, address: str
) -> None:
    outcome = await channel.send(message(address))
    assert isinstance(outcome, Permanent)
    assert eskiz.calls == []


async def test_no_gateway_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    nowhere = EskizSmsChannel(
        login="x@y.uz", api_key=SecretStr("k"), sender="4546", base_url=f"http://127.0.0.1:{port}"
    )
    try:
        outcome = await nowhere.send(message())
    finally:
        await nowhere.aclose()
    assert outcome == Transient("sms login: ConnectError")


def test_gateway_phrases_lose_numbers_and_addresses() -> None:
    assert scrub("Номер +998 90 123-45-67 заблокирован") == "Номер … заблокирован"
    assert scrub("sent to ivan@example.uz ok") == "sent to … ok"
    assert scrub("ticket 20251125 from 4546") == "ticket … from 4546"  # short codes stay
