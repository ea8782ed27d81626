"""Refresh rotation, reuse detection (the whole family is revoked), expiry and logout."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from ukm.auth.v1 import auth_service_pb2 as pb
from ukm.auth.v1 import events_pb2

from services.kit.envelope import decode_envelope, unwrap
from tests.auth.conftest import AuthService
from tests.support.db import scalar
from tests.support.rpc import code_of, reason_of

EMAIL = "resident@example.uz"


async def refresh(service: AuthService, token: str) -> pb.TokenPair:
    response: pb.RefreshResponse = await service.stub.Refresh(
        pb.RefreshRequest(refresh_token=token)
    )
    return response.tokens


async def refused(service: AuthService, token: str) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await refresh(service, token)
    assert code_of(error.value) == grpc.StatusCode.UNAUTHENTICATED
    return reason_of(error.value)


async def test_every_refresh_rotates_within_the_session(service: AuthService) -> None:
    await service.register(EMAIL)
    first = await service.tokens(EMAIL)
    second = await refresh(service, first.refresh_token)
    third = await refresh(service, second.refresh_token)
    tokens = {first.refresh_token, second.refresh_token, third.refresh_token}
    assert len(tokens) == 3
    assert first.session_id == second.session_id == third.session_id
    claims = await service.claims(third.access_token)
    assert claims["sid"] == first.session_id and claims["amr"] == ["pwd"]


async def test_only_hashes_of_refresh_tokens_are_stored(service: AuthService) -> None:
    await service.register(EMAIL)
    first = await service.tokens(EMAIL)
    stored = await scalar(
        service.database_url, "SELECT string_agg(token_hash, ' ') FROM auth.refresh_tokens"
    )
    assert first.refresh_token not in stored


async def test_reusing_a_rotated_token_revokes_the_whole_family(service: AuthService) -> None:
    user_id = await service.register(EMAIL)
    stolen = await service.tokens(EMAIL)
    legitimate = await refresh(service, stolen.refresh_token)
    other_session = await service.tokens(EMAIL)
    # The thief (or the victim) presents the old token: the family dies…
    assert await refused(service, stolen.refresh_token) == "REFRESH_TOKEN_REUSED"
    # …including the newest token of that family.
    assert await refused(service, legitimate.refresh_token) == "SESSION_ENDED"
    # Other sessions of the person are untouched.
    await refresh(service, other_session.refresh_token)
    payload = await scalar(
        service.database_url,
        "SELECT payload FROM auth.outbox WHERE subject = 'ukm.auth.refresh_token_reuse_detected'",
    )
    event = unwrap(decode_envelope(payload), events_pb2.RefreshTokenReuseDetected)
    assert (event.user_id, event.session_id) == (user_id, stolen.session_id)
    kinds = await scalar(
        service.database_url,
        "SELECT count(*) FROM auth.auth_events WHERE kind = 'refresh_reuse_detected'",
    )
    assert kinds == 1


async def test_unknown_tokens_are_refused(service: AuthService) -> None:
    assert await refused(service, "x" * 43) == "REFRESH_TOKEN_INVALID"


async def test_an_idle_token_expires(service: AuthService) -> None:
    await service.register(EMAIL)
    tokens = await service.tokens(EMAIL)
    service.clock.advance(timedelta(days=14, seconds=1))
    assert await refused(service, tokens.refresh_token) == "REFRESH_TOKEN_EXPIRED"


async def test_a_session_ends_after_thirty_days_however_often_it_is_refreshed(
    service: AuthService,
) -> None:
    await service.register(EMAIL)
    tokens = await service.tokens(EMAIL)
    for days in (10, 10, 9):
        service.clock.advance(timedelta(days=days))
        tokens = await refresh(service, tokens.refresh_token)
    service.clock.advance(timedelta(days=1))
    assert await refused(service, tokens.refresh_token) == "REFRESH_TOKEN_EXPIRED"


async def test_logout_ends_the_session(service: AuthService) -> None:
    await service.register(EMAIL)
    tokens = await service.tokens(EMAIL)
    await service.stub.Logout(pb.LogoutRequest(refresh_token=tokens.refresh_token))
    assert await refused(service, tokens.refresh_token) == "SESSION_ENDED"
    # Logging out again (or with an unknown token) is harmless.
    await service.stub.Logout(pb.LogoutRequest(refresh_token=tokens.refresh_token))
    await service.stub.Logout(pb.LogoutRequest(refresh_token="y" * 43))


async def test_a_blocked_account_cannot_refresh_and_its_session_ends(
    service: AuthService,
) -> None:
    user_id = await service.register(EMAIL)
    tokens = await service.tokens(EMAIL)
    await service.block(user_id)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await refresh(service, tokens.refresh_token)
    assert reason_of(error.value) == "ACCOUNT_BLOCKED"
    revoked = await scalar(
        service.database_url,
        f"SELECT revoke_reason FROM auth.sessions WHERE id = '{tokens.session_id}'",
    )
    assert revoked == "account blocked"


async def test_the_new_access_token_carries_current_roles(service: AuthService) -> None:
    user_id = await service.register(EMAIL)
    tokens = await service.tokens(EMAIL)
    await service.set_roles(user_id, "executor")
    await service.approve(user_id)
    claims = await service.claims((await refresh(service, tokens.refresh_token)).access_token)
    assert (claims["roles"], claims["status"]) == (["executor"], "approved")
