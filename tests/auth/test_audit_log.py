"""The audit log: every authentication event, newest first, paged, filtered, admins only."""

from __future__ import annotations

import grpc
import pytest
from ukm.auth.v1 import auth_service_pb2 as pb

from tests.auth.conftest import ADMIN, PASSWORD, AuthService
from tests.support.identity import as_, person
from tests.support.rpc import code_of

EMAIL = "resident@example.uz"
K = pb.AuthEventKind


async def all_events(service: AuthService, **filters: object) -> list[pb.AuthEvent]:
    events: list[pb.AuthEvent] = []
    token = ""
    while True:
        page = await service.stub.ListAuthEvents(
            pb.ListAuthEventsRequest(page_size=3, page_token=token, **filters),  # type: ignore[arg-type]
            metadata=as_(ADMIN),
        )
        assert len(page.events) <= 3
        events.extend(page.events)
        token = page.next_page_token
        if not token:
            return events


async def test_events_are_recorded_and_paged_newest_first(service: AuthService) -> None:
    user_id = await service.register(EMAIL)
    with pytest.raises(grpc.aio.AioRpcError):
        await service.login(EMAIL, "not the right one")
    tokens = await service.tokens(EMAIL)
    await service.stub.Logout(pb.LogoutRequest(refresh_token=tokens.refresh_token))
    events = await all_events(service, user_id=user_id)
    assert [e.kind for e in events] == [
        K.AUTH_EVENT_KIND_LOGOUT,
        K.AUTH_EVENT_KIND_LOGIN_SUCCEEDED,
        K.AUTH_EVENT_KIND_LOGIN_FAILED,
        K.AUTH_EVENT_KIND_REGISTERED,
    ]
    assert all(e.user_id == user_id and e.client_ip == "127.0.0.1" for e in events)
    assert len({e.id for e in events}) == 4
    stamps = [e.occurred_at.ToDatetime() for e in events]
    assert stamps == sorted(stamps, reverse=True)
    # Nothing secret or personal in the details.
    for event in events:
        assert PASSWORD not in event.detail and EMAIL not in event.detail
        assert tokens.refresh_token not in event.detail


async def test_filters_by_kind(service: AuthService) -> None:
    await service.register(EMAIL)
    for _ in range(4):
        with pytest.raises(grpc.aio.AioRpcError):
            await service.login("nobody@example.uz", "not the right one")
    failures = await all_events(service, kinds=[K.AUTH_EVENT_KIND_LOGIN_FAILED])
    assert len(failures) == 4
    assert all(e.user_id == "" and e.detail == "unknown e-mail" for e in failures)


async def test_a_page_token_belongs_to_its_filters(service: AuthService) -> None:
    for index in range(3):
        await service.register(f"person{index}@example.uz")
    page = await service.stub.ListAuthEvents(
        pb.ListAuthEventsRequest(page_size=1), metadata=as_(ADMIN)
    )
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.ListAuthEvents(
            pb.ListAuthEventsRequest(
                page_size=1,
                page_token=page.next_page_token,
                kinds=[K.AUTH_EVENT_KIND_LOGOUT],
            ),
            metadata=as_(ADMIN),
        )
    assert code_of(error.value) == grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize("role", ["manager", "applicant"])
async def test_only_admins_read_the_log(service: AuthService, role: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.ListAuthEvents(pb.ListAuthEventsRequest(), metadata=as_(person(role)))
    assert code_of(error.value) == grpc.StatusCode.PERMISSION_DENIED
