"""Profiles, search, roles and account status through the running service."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from ukm.common.v1 import specialization_pb2 as spec
from ukm.users.v1 import user_pb2
from ukm.users.v1 import users_service_pb2 as pb

from tests.support.db import count, scalar
from tests.support.identity import Person, person
from tests.support.rpc import code_of, reason_of
from tests.users.conftest import ADMIN, MANAGER, UsersService


async def test_people_read_themselves_staff_read_anyone(service: UsersService) -> None:
    me = await service.register("Dilnoza")
    other = await service.register("Sardor")
    mine = await service.users.GetMe(pb.GetMeRequest(), metadata=service.as_(me))
    assert mine.user.full_name == "Dilnoza"
    assert (
        await service.users.GetUser(pb.GetUserRequest(user_id=me.user_id), metadata=service.as_(me))
    ).user == mine.user
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.users.GetUser(
            pb.GetUserRequest(user_id=other.user_id), metadata=service.as_(me)
        )
    assert code_of(raised.value) == grpc.StatusCode.PERMISSION_DENIED
    # A manager still waiting for approval has no staff rights yet.
    waiting_manager = person("manager", status="pending")
    with pytest.raises(grpc.aio.AioRpcError):
        await service.users.GetUser(
            pb.GetUserRequest(user_id=other.user_id), metadata=service.as_(waiting_manager)
        )
    seen = await service.users.GetUser(
        pb.GetUserRequest(user_id=other.user_id), metadata=service.as_(MANAGER)
    )
    assert seen.user.full_name == "Sardor"


async def test_profile_update_normalises_the_phone_and_search_finds_it(
    service: UsersService,
) -> None:
    me = await service.register("Dilnoza Karimova")
    updated = await service.users.UpdateProfile(
        pb.UpdateProfileRequest(
            user_id=me.user_id, phone="(90) 123-45-67", language="uz", full_name="Dilnoza K."
        ),
        metadata=service.as_(me),
    )
    assert updated.user.phone == "+998901234567"
    assert updated.user.language == "uz"
    assert updated.user.full_name == "Dilnoza K."
    for query in ("+998 90 123 45 67", "998901234567", "90 123 45 67"):
        found = await service.users.ListUsers(
            pb.ListUsersRequest(query=query), metadata=service.as_(MANAGER)
        )
        assert [u.id for u in found.users] == [me.user_id]
    by_name = await service.users.ListUsers(
        pb.ListUsersRequest(query="dilnoza"), metadata=service.as_(MANAGER)
    )
    assert [u.id for u in by_name.users] == [me.user_id]


async def test_a_bad_phone_is_refused_with_what_to_fix(service: UsersService) -> None:
    me = await service.register()
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.users.UpdateProfile(
            pb.UpdateProfileRequest(user_id=me.user_id, phone="+7 916 123 45 67"),
            metadata=service.as_(me),
        )
    assert code_of(raised.value) == grpc.StatusCode.INVALID_ARGUMENT
    assert "+998" in (raised.value.details() or "")
    assert "916" not in (raised.value.details() or "")


async def test_someone_else_cannot_edit_my_profile(service: UsersService) -> None:
    me = await service.register()
    stranger = await service.register()
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.users.UpdateProfile(
            pb.UpdateProfileRequest(user_id=me.user_id, full_name="Hacked"),
            metadata=service.as_(stranger),
        )
    assert code_of(raised.value) == grpc.StatusCode.PERMISSION_DENIED


async def test_listing_filters_and_pages(service: UsersService) -> None:
    people = [await service.register(f"Person {n}") for n in range(5)]
    for who in people[:3]:
        service.clock.advance(timedelta(seconds=1))
        await service.approved(who, MANAGER)
    pending = await service.users.ListUsers(
        pb.ListUsersRequest(status=user_pb2.ACCOUNT_STATUS_PENDING), metadata=service.as_(MANAGER)
    )
    assert {u.id for u in pending.users} == {p.user_id for p in people[3:]}
    seen: list[str] = []
    token = ""
    while True:
        page = await service.users.ListUsers(
            pb.ListUsersRequest(page_size=2, page_token=token), metadata=service.as_(MANAGER)
        )
        seen += [u.id for u in page.users]
        token = page.next_page_token
        if not token:
            break
    assert sorted(seen) == sorted(p.user_id for p in people)
    assert len(seen) == len(set(seen))


async def test_roles_are_replaced_by_admins_and_the_active_role_follows(
    service: UsersService,
) -> None:
    who = await service.register()
    changed = await service.users.SetRoles(
        pb.SetRolesRequest(
            user_id=who.user_id,
            roles=[user_pb2.ROLE_EXECUTOR, user_pb2.ROLE_APPLICANT],
            reason="hired",
        ),
        metadata=service.as_(ADMIN),
    )
    assert list(changed.user.roles) == [user_pb2.ROLE_EXECUTOR, user_pb2.ROLE_APPLICANT]
    assert changed.user.active_role == user_pb2.ROLE_APPLICANT
    only_executor = await service.users.SetRoles(
        pb.SetRolesRequest(user_id=who.user_id, roles=[user_pb2.ROLE_EXECUTOR]),
        metadata=service.as_(ADMIN),
    )
    assert only_executor.user.active_role == user_pb2.ROLE_EXECUTOR
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.users.SetRoles(
            pb.SetRolesRequest(user_id=who.user_id, roles=[]), metadata=service.as_(ADMIN)
        )
    assert code_of(raised.value) == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.users.SetRoles(
            pb.SetRolesRequest(user_id=who.user_id, roles=[user_pb2.ROLE_ADMIN]),
            metadata=service.as_(MANAGER),
        )
    assert code_of(raised.value) == grpc.StatusCode.PERMISSION_DENIED
    assert await count(service.database_url, "users.audit WHERE action = 'roles.set'") == 2


async def test_the_active_role_must_be_held(service: UsersService) -> None:
    who = await service.register()
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.users.SetActiveRole(
            pb.SetActiveRoleRequest(role=user_pb2.ROLE_MANAGER), metadata=service.as_(who)
        )
    assert code_of(raised.value) == grpc.StatusCode.FAILED_PRECONDITION
    assert reason_of(raised.value) == "ROLE_NOT_HELD"


async def test_specialisations_only_for_executors(service: UsersService) -> None:
    who = await service.register()
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.users.SetSpecializations(
            pb.SetSpecializationsRequest(
                user_id=who.user_id, specializations=[spec.SPECIALIZATION_PLUMBER]
            ),
            metadata=service.as_(MANAGER),
        )
    assert reason_of(raised.value) == "NOT_AN_EXECUTOR"
    await service.users.SetRoles(
        pb.SetRolesRequest(user_id=who.user_id, roles=[user_pb2.ROLE_EXECUTOR]),
        metadata=service.as_(ADMIN),
    )
    done = await service.users.SetSpecializations(
        pb.SetSpecializationsRequest(
            user_id=who.user_id,
            specializations=[spec.SPECIALIZATION_REPAIR, spec.SPECIALIZATION_PLUMBER],
        ),
        metadata=service.as_(MANAGER),
    )
    assert list(done.user.specializations) == [
        spec.SPECIALIZATION_PLUMBER,
        spec.SPECIALIZATION_REPAIR,
    ]
    plumbers = await service.users.ListUsers(
        pb.ListUsersRequest(specialization=spec.SPECIALIZATION_PLUMBER),
        metadata=service.as_(MANAGER),
    )
    assert [u.id for u in plumbers.users] == [who.user_id]


async def test_status_machine_with_reasons_audit_and_events(service: UsersService) -> None:
    who = await service.register()
    approved = await service.users.ApproveUser(
        pb.ApproveUserRequest(user_id=who.user_id), metadata=service.as_(MANAGER)
    )
    assert approved.user.status == user_pb2.ACCOUNT_STATUS_APPROVED
    blocked = await service.users.BlockUser(
        pb.BlockUserRequest(user_id=who.user_id, reason="abusive messages"),
        metadata=service.as_(MANAGER),
    )
    assert blocked.user.status == user_pb2.ACCOUNT_STATUS_BLOCKED
    assert blocked.user.status_reason == "abusive messages"
    principal = await service.auth.GetPrincipal(pb.GetPrincipalRequest(user_id=who.user_id))
    assert principal.principal.status == user_pb2.ACCOUNT_STATUS_BLOCKED
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.users.ApproveUser(
            pb.ApproveUserRequest(user_id=who.user_id), metadata=service.as_(MANAGER)
        )
    assert reason_of(raised.value) == "STATUS_TRANSITION_NOT_ALLOWED"
    unblocked = await service.users.UnblockUser(
        pb.UnblockUserRequest(user_id=who.user_id, reason="apologised"),
        metadata=service.as_(MANAGER),
    )
    assert unblocked.user.status == user_pb2.ACCOUNT_STATUS_APPROVED
    assert unblocked.user.status_reason == ""

    trail = await scalar(
        service.database_url,
        f"SELECT string_agg(action || ':' || reason || ':' || actor, '|' ORDER BY id) "
        f"FROM users.audit WHERE subject_id = '{who.user_id}'",
    )
    assert trail == "|".join(
        [
            "user.registered::spiffe://ukm.local/svc/auth",
            f"user.approve::{MANAGER.user_id}",
            f"user.block:abusive messages:{MANAGER.user_id}",
            f"user.unblock:apologised:{MANAGER.user_id}",
        ]
    )
    subjects = await scalar(
        service.database_url,
        "SELECT string_agg(subject, ',' ORDER BY seq) FROM users.outbox",
    )
    assert subjects == (
        "ukm.users.user_registered,ukm.users.user_approved,"
        "ukm.users.user_blocked,ukm.users.user_unblocked"
    )


async def test_managers_do_not_decide_about_themselves_or_admins(service: UsersService) -> None:
    admin_account = await service.register()
    await service.users.SetRoles(
        pb.SetRolesRequest(user_id=admin_account.user_id, roles=[user_pb2.ROLE_ADMIN]),
        metadata=service.as_(ADMIN),
    )
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.users.BlockUser(
            pb.BlockUserRequest(user_id=admin_account.user_id, reason="coup"),
            metadata=service.as_(MANAGER),
        )
    assert reason_of(raised.value) == "ADMIN_REQUIRED"
    manager = await service.register()
    myself = Person(manager.user_id, ("manager",), "approved")
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.users.ApproveUser(
            pb.ApproveUserRequest(user_id=manager.user_id), metadata=service.as_(myself)
        )
    assert reason_of(raised.value) == "SELF_MANAGEMENT"
