"""TelegramSession: only the bot's certificate may call it; people are created on first contact."""

from __future__ import annotations

import grpc
import pytest
from ukm.auth.v1 import auth_service_pb2 as pb
from ukm.auth.v1 import auth_service_pb2_grpc as rpc

from tests.auth.conftest import AuthService
from tests.support.rpc import code_of, reason_of
from tests.support.services import direct_channel

REQUEST = pb.TelegramSessionRequest(
    telegram_user_id=5_550_001, first_name="Bobur", last_name="Aliyev", language_code="uz"
)


async def test_the_bot_gets_a_token_for_a_new_pending_applicant(service: AuthService) -> None:
    first = await service.bot.TelegramSession(REQUEST)
    assert first.created
    claims = await service.claims(first.access_token)
    assert claims["sub"] == first.user_id
    assert (claims["roles"], claims["status"], claims["amr"]) == (
        ["applicant"],
        "pending",
        ["telegram"],
    )
    assert "sid" not in claims  # sessionless: the bot asks again when it expires
    assert first.access_expires_at.seconds == claims["exp"]
    again = await service.bot.TelegramSession(REQUEST)
    assert (again.user_id, again.created) == (first.user_id, False)


@pytest.mark.parametrize("identity", ["operator", "requests", "users"])
async def test_other_certificates_get_permission_denied(
    service: AuthService, identity: str
) -> None:
    channel = direct_channel(service.settings, service.server, identity=identity)
    try:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await rpc.AuthServiceStub(channel).TelegramSession(REQUEST)
    finally:
        await channel.close()
    assert code_of(error.value) == grpc.StatusCode.PERMISSION_DENIED


async def test_blocked_people_get_no_token(service: AuthService) -> None:
    first = await service.bot.TelegramSession(REQUEST)
    await service.block(first.user_id)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.bot.TelegramSession(REQUEST)
    assert reason_of(error.value) == "ACCOUNT_BLOCKED"
