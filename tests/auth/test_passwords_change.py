"""ChangePassword, RequestPasswordReset and ResetPassword: single use, expiry, sessions end,
the same answer for unknown addresses, and the event that gets the link delivered."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from ukm.auth.v1 import auth_service_pb2 as pb
from ukm.auth.v1 import events_pb2

from services.kit.envelope import decode_envelope, unwrap
from tests.auth.conftest import PASSWORD, AuthService, bearer
from tests.support.db import rows, scalar
from tests.support.rpc import code_of, reason_of

EMAIL = "resident@example.uz"
NEW = "another long phrase 77"


async def reset_events(service: AuthService) -> list[events_pb2.PasswordResetRequested]:
    payloads = await rows(
        service.database_url,
        "SELECT payload FROM auth.outbox WHERE subject = 'ukm.auth.password_reset_requested' "
        "ORDER BY seq",
    )
    return [unwrap(decode_envelope(p), events_pb2.PasswordResetRequested) for (p,) in payloads]


async def request_reset(service: AuthService, email: str = EMAIL) -> None:
    await service.stub.RequestPasswordReset(pb.RequestPasswordResetRequest(email=email))


async def reset(service: AuthService, token: str, password: str = NEW) -> None:
    await service.stub.ResetPassword(
        pb.ResetPasswordRequest(reset_token=token, new_password=password)
    )


async def refused_reset(service: AuthService, token: str) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await reset(service, token)
    assert code_of(error.value) == grpc.StatusCode.FAILED_PRECONDITION
    return reason_of(error.value)


async def test_a_reset_link_sets_a_new_password_once(service: AuthService) -> None:
    user_id = await service.register(EMAIL)
    session = await service.tokens(EMAIL)
    await request_reset(service, "Resident@Example.uz")
    (event,) = await reset_events(service)
    assert (event.user_id, event.email, event.language) == (user_id, EMAIL, "ru")
    assert event.expires_at.ToSeconds() - int(service.clock().timestamp()) in (1799, 1800)
    await reset(service, event.reset_token)
    await service.tokens(EMAIL, NEW)
    with pytest.raises(grpc.aio.AioRpcError):
        await service.tokens(EMAIL, PASSWORD)
    # Single use.
    assert await refused_reset(service, event.reset_token) == "RESET_TOKEN_INVALID"
    # Every session that existed before the reset has ended.
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.Refresh(pb.RefreshRequest(refresh_token=session.refresh_token))
    assert reason_of(error.value) == "SESSION_ENDED"


async def test_a_reset_token_expires_after_thirty_minutes(service: AuthService) -> None:
    await service.register(EMAIL)
    await request_reset(service)
    (event,) = await reset_events(service)
    service.clock.advance(timedelta(minutes=30))
    assert await refused_reset(service, event.reset_token) == "RESET_TOKEN_EXPIRED"
    await service.tokens(EMAIL)  # the old password still works


async def test_one_reset_spends_every_outstanding_link(service: AuthService) -> None:
    await service.register(EMAIL)
    await request_reset(service)
    await request_reset(service)
    first, second = await reset_events(service)
    await reset(service, second.reset_token)
    assert await refused_reset(service, first.reset_token) == "RESET_TOKEN_INVALID"


async def test_only_hashes_of_reset_tokens_are_stored(service: AuthService) -> None:
    await service.register(EMAIL)
    await request_reset(service)
    (event,) = await reset_events(service)
    stored = await scalar(service.database_url, "SELECT token_hash FROM auth.password_resets")
    assert stored != event.reset_token and event.reset_token not in stored


async def test_unknown_addresses_get_the_same_answer_and_no_mail(service: AuthService) -> None:
    await request_reset(service, "nobody@example.uz")
    assert await reset_events(service) == []


async def test_at_most_five_links_an_hour(service: AuthService) -> None:
    await service.register(EMAIL)
    for _ in range(7):
        await request_reset(service)
    assert len(await reset_events(service)) == 5
    service.clock.advance(timedelta(hours=1))
    await request_reset(service)
    assert len(await reset_events(service)) == 6


async def test_the_new_password_must_follow_the_rules(service: AuthService) -> None:
    await service.register(EMAIL)
    await request_reset(service)
    (event,) = await reset_events(service)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await reset(service, event.reset_token, "qwertyuiop12")
    assert code_of(error.value) == grpc.StatusCode.INVALID_ARGUMENT
    await reset(service, event.reset_token)  # a refused attempt does not spend the link


async def test_a_reset_unlocks_a_held_back_account(service: AuthService) -> None:
    await service.register(EMAIL)
    for _ in range(10):
        with pytest.raises(grpc.aio.AioRpcError):
            await service.login(EMAIL, "wrong guess number x")
    await request_reset(service)
    (event,) = await reset_events(service)
    await reset(service, event.reset_token)
    await service.tokens(EMAIL, NEW)


async def test_changing_the_password_ends_the_other_sessions(service: AuthService) -> None:
    await service.register(EMAIL)
    other = await service.tokens(EMAIL)
    mine = await service.tokens(EMAIL)
    await service.stub.ChangePassword(
        pb.ChangePasswordRequest(current_password=PASSWORD, new_password=NEW),
        metadata=bearer(mine.access_token),
    )
    await service.stub.Refresh(pb.RefreshRequest(refresh_token=mine.refresh_token))
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.Refresh(pb.RefreshRequest(refresh_token=other.refresh_token))
    assert reason_of(error.value) == "SESSION_ENDED"
    await service.tokens(EMAIL, NEW)
    changed = "SELECT count(*) FROM auth.auth_events WHERE kind = 'password_changed'"
    assert await scalar(service.database_url, changed) == 1


async def test_changing_needs_the_current_password(service: AuthService) -> None:
    await service.register(EMAIL)
    mine = await service.tokens(EMAIL)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.ChangePassword(
            pb.ChangePasswordRequest(current_password="not my password", new_password=NEW),
            metadata=bearer(mine.access_token),
        )
    assert code_of(error.value) == grpc.StatusCode.INVALID_ARGUMENT
    assert "current_password" in error.value.details()


async def test_changing_needs_a_signed_in_person(service: AuthService) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.ChangePassword(
            pb.ChangePasswordRequest(current_password=PASSWORD, new_password=NEW)
        )
    assert code_of(error.value) == grpc.StatusCode.UNAUTHENTICATED
