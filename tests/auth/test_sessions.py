"""ListSessions and RevokeSession: one's own sessions, and anyone's for admins."""

from __future__ import annotations

import uuid

import grpc
import pytest
from ukm.auth.v1 import auth_service_pb2 as pb

from tests.auth.conftest import ADMIN, AuthService, bearer
from tests.support.identity import as_
from tests.support.rpc import code_of, reason_of

EMAIL = "resident@example.uz"


async def test_a_person_lists_their_open_sessions(service: AuthService) -> None:
    user_id = await service.register(EMAIL)
    first = await service.tokens(EMAIL)
    second = await service.tokens(EMAIL)
    await service.stub.Logout(pb.LogoutRequest(refresh_token=first.refresh_token))
    listed = await service.stub.ListSessions(
        pb.ListSessionsRequest(), metadata=bearer(second.access_token)
    )
    assert [s.session_id for s in listed.sessions] == [second.session_id]
    (session,) = listed.sessions
    assert session.user_id == user_id and session.method == "pwd"
    assert session.client_ip == "127.0.0.1"
    assert session.user_agent.startswith("grpc-python")
    assert session.expires_at.ToSeconds() > session.created_at.ToSeconds()


async def test_a_person_ends_their_own_session(service: AuthService) -> None:
    await service.register(EMAIL)
    old = await service.tokens(EMAIL)
    current = await service.tokens(EMAIL)
    await service.stub.RevokeSession(
        pb.RevokeSessionRequest(session_id=old.session_id), metadata=bearer(current.access_token)
    )
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.Refresh(pb.RefreshRequest(refresh_token=old.refresh_token))
    assert reason_of(error.value) == "SESSION_ENDED"


async def test_nobody_else_may_see_or_end_them(service: AuthService) -> None:
    victim_id = await service.register(EMAIL)
    victim = await service.tokens(EMAIL)
    await service.register("other@example.uz")
    other = await service.tokens("other@example.uz")
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.ListSessions(
            pb.ListSessionsRequest(user_id=victim_id), metadata=bearer(other.access_token)
        )
    assert code_of(error.value) == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.RevokeSession(
            pb.RevokeSessionRequest(session_id=victim.session_id),
            metadata=bearer(other.access_token),
        )
    assert reason_of(error.value) == "NOT_YOUR_SESSION"


async def test_an_admin_may_see_and_end_anyones(service: AuthService) -> None:
    victim_id = await service.register(EMAIL)
    victim = await service.tokens(EMAIL)
    listed = await service.stub.ListSessions(
        pb.ListSessionsRequest(user_id=victim_id), metadata=as_(ADMIN)
    )
    assert [s.session_id for s in listed.sessions] == [victim.session_id]
    await service.stub.RevokeSession(
        pb.RevokeSessionRequest(session_id=victim.session_id), metadata=as_(ADMIN)
    )
    listed = await service.stub.ListSessions(
        pb.ListSessionsRequest(user_id=victim_id), metadata=as_(ADMIN)
    )
    assert list(listed.sessions) == []


async def test_unknown_sessions_are_not_found(service: AuthService) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.RevokeSession(
            pb.RevokeSessionRequest(session_id=str(uuid.uuid4())), metadata=as_(ADMIN)
        )
    assert code_of(error.value) == grpc.StatusCode.NOT_FOUND


async def test_sessions_need_a_signed_in_person(service: AuthService) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.ListSessions(pb.ListSessionsRequest())
    assert code_of(error.value) == grpc.StatusCode.UNAUTHENTICATED
