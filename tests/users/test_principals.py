"""The auth service's internal calls: CreateUser, EnsureTelegramUser, GetPrincipal."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import pytest
from ukm.users.v1 import user_pb2
from ukm.users.v1 import users_service_pb2 as pb

from tests.support.rpc import code_of
from tests.users.conftest import MANAGER, UsersService


async def test_create_user_makes_a_pending_applicant(service: UsersService) -> None:
    created = await service.auth.CreateUser(
        pb.CreateUserRequest(full_name="  Aziz   Rahimov ", email="aziz@example.uz", language="uz")
    )
    principal = created.principal
    assert principal.roles == [user_pb2.ROLE_APPLICANT]
    assert principal.active_role == user_pb2.ROLE_APPLICANT
    assert principal.status == user_pb2.ACCOUNT_STATUS_PENDING
    assert principal.language == "uz"
    again = await service.auth.GetPrincipal(pb.GetPrincipalRequest(user_id=principal.user_id))
    assert again.principal == principal
    user = await service.users.GetUser(
        pb.GetUserRequest(user_id=principal.user_id), metadata=service.as_(MANAGER)
    )
    assert user.user.full_name == "Aziz Rahimov"
    assert user.user.email == "aziz@example.uz"


async def test_telegram_user_is_created_once(service: UsersService) -> None:
    request = pb.EnsureTelegramUserRequest(
        telegram_user_id=770_001, full_name="Malika", language_code="en-US"
    )
    first = await service.auth.EnsureTelegramUser(request)
    assert first.created
    assert first.principal.language == "en"
    second = await service.auth.EnsureTelegramUser(request)
    assert not second.created
    assert second.principal == first.principal


async def test_racing_first_contacts_create_one_person(service: UsersService) -> None:
    request = pb.EnsureTelegramUserRequest(telegram_user_id=770_002, language_code="xx")
    answers = await asyncio.gather(*(service.auth.EnsureTelegramUser(request) for _ in range(8)))
    assert sum(a.created for a in answers) == 1
    assert len({a.principal.user_id for a in answers}) == 1
    assert answers[0].principal.language == "ru"


async def test_unknown_principal_is_not_found(service: UsersService) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.auth.GetPrincipal(pb.GetPrincipalRequest(user_id=str(uuid.uuid4())))
    assert code_of(raised.value) == grpc.StatusCode.NOT_FOUND


async def test_only_the_auth_service_may_call_internal_methods(service: UsersService) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.users.CreateUser(
            pb.CreateUserRequest(full_name="Mallory"), metadata=service.as_(MANAGER)
        )
    assert code_of(raised.value) == grpc.StatusCode.PERMISSION_DENIED
