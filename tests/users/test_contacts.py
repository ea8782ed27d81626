"""GetContacts through the running service, as the notifications service calls it: people by
id (any status, decrypted phone and e-mail), everyone approved by role (admins as managers),
their union, erased people, who may ask, and that a batch costs one query."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import grpc
import pytest
import sqlalchemy as sa
from ukm.users.v1 import user_pb2
from ukm.users.v1 import users_service_pb2 as pb
from ukm.users.v1 import users_service_pb2_grpc as rpc

from services.kit.crypto import Keyring
from services.kit.db import create_engine
from services.users import mapping
from services.users.people import Person as StoredPerson
from services.users.people_store import PeopleStore
from services.users.privacy import Sealer
from tests.support.identity import Person, person
from tests.support.rpc import code_of
from tests.support.services import direct_channel
from tests.users.conftest import ADMIN, MANAGER, UsersService

APPROVED = user_pb2.ACCOUNT_STATUS_APPROVED
PENDING = user_pb2.ACCOUNT_STATUS_PENDING
BLOCKED = user_pb2.ACCOUNT_STATUS_BLOCKED


@pytest.fixture
async def notifications(service: UsersService) -> AsyncIterator[rpc.UserServiceStub]:
    """UserService called with the notifications service's certificate, no person behind it."""
    channel = direct_channel(service.settings, service.server, identity="notifications")
    try:
        yield rpc.UserServiceStub(channel)
    finally:
        await channel.close()


async def contacts(
    stub: rpc.UserServiceStub, user_ids: tuple[str, ...] = (), roles: tuple[int, ...] = ()
) -> dict[str, pb.Contact]:
    answer = await stub.GetContacts(pb.GetContactsRequest(user_ids=user_ids, roles=roles))
    found = {c.user_id: c for c in answer.contacts}
    assert len(found) == len(answer.contacts), "a person was listed twice"
    return found


async def staff(service: UsersService, name: str, *roles: str, status: str = "approved") -> Person:
    """A registered person holding `roles` (given by an admin), then approved or blocked."""
    who = await service.register(name)
    await service.users.SetRoles(
        pb.SetRolesRequest(
            user_id=who.user_id, roles=[mapping.ROLE.number(r) for r in roles], reason="staff"
        ),
        metadata=service.as_(ADMIN),
    )
    if status in ("approved", "blocked"):
        await service.users.ApproveUser(
            pb.ApproveUserRequest(user_id=who.user_id), metadata=service.as_(ADMIN)
        )
    if status == "blocked":
        await service.users.BlockUser(
            pb.BlockUserRequest(user_id=who.user_id, reason="left the company"),
            metadata=service.as_(ADMIN),
        )
    return Person(who.user_id, roles, status)


# --- by id ------------------------------------------------------------------------------------


async def test_people_by_id_with_decrypted_contacts_whatever_their_status(
    service: UsersService, notifications: rpc.UserServiceStub
) -> None:
    created = await service.auth.CreateUser(
        pb.CreateUserRequest(
            full_name="Dilnoza Karimova", email="dilnoza@example.uz", language="uz"
        )
    )
    web = created.principal.user_id
    await service.users.UpdateProfile(
        pb.UpdateProfileRequest(user_id=web, phone="(90) 123-45-67"), metadata=service.as_(MANAGER)
    )
    telegram = await service.auth.EnsureTelegramUser(
        pb.EnsureTelegramUserRequest(
            telegram_user_id=700_100_200, full_name="Sardor", language_code="en-US"
        )
    )
    bot_user = telegram.principal.user_id
    blocked = await staff(service, "Bobur", "executor", status="blocked")
    unknown = str(uuid.uuid4())

    found = await contacts(notifications, (web, bot_user, blocked.user_id, unknown, web))

    assert set(found) == {web, bot_user, blocked.user_id}
    assert found[web] == pb.Contact(
        user_id=web,
        full_name="Dilnoza Karimova",
        language="uz",
        email="dilnoza@example.uz",
        phone="+998901234567",
        roles=[user_pb2.ROLE_APPLICANT],
        status=PENDING,
    )
    assert (found[bot_user].telegram_user_id, found[bot_user].language) == (700_100_200, "en")
    assert (found[bot_user].email, found[bot_user].phone) == ("", "")
    # The notifications service skips blocked people itself; it is told they are.
    assert found[blocked.user_id].status == BLOCKED
    assert list(found[blocked.user_id].roles) == [user_pb2.ROLE_EXECUTOR]


async def test_erased_people_are_there_with_nothing_to_reach(
    service: UsersService, notifications: rpc.UserServiceStub
) -> None:
    telegram = await service.auth.EnsureTelegramUser(
        pb.EnsureTelegramUserRequest(telegram_user_id=700_300_400, full_name="Gulnora")
    )
    gone = telegram.principal.user_id
    await service.users.UpdateProfile(
        pb.UpdateProfileRequest(user_id=gone, phone="+998 93 555 66 77"),
        metadata=service.as_(MANAGER),
    )
    await service.users.DeleteUser(pb.DeleteUserRequest(user_id=gone), metadata=service.as_(ADMIN))

    erased = (await contacts(notifications, (gone,)))[gone]
    assert (erased.full_name, erased.status) == ("Deleted user", BLOCKED)
    assert (erased.telegram_user_id, erased.email, erased.phone) == (0, "", "")


def test_an_erased_row_that_still_holds_contacts_gives_none_out() -> None:
    # Defence in depth: whatever a row of an erased person still carries is not handed out.
    moment = datetime(2026, 11, 26, tzinfo=UTC)
    stored = StoredPerson(
        id=str(uuid.uuid4()),
        full_name="Deleted user",
        phone="+998901234567",
        email="old@example.uz",
        language="ru",
        roles=("applicant",),
        active_role="applicant",
        status="blocked",
        status_reason="",
        verification_status="pending",
        specializations=(),
        telegram_user_id=42,
        channel="telegram",
        anonymized=True,
        created_at=moment,
        updated_at=moment,
    )
    contact = mapping.to_contact(stored)
    assert (contact.telegram_user_id, contact.email, contact.phone) == (0, "", "")


# --- by role ----------------------------------------------------------------------------------


async def test_by_role_only_approved_people_and_admins_count_as_managers(
    service: UsersService, notifications: rpc.UserServiceStub
) -> None:
    executor = await staff(service, "Akmal", "executor")
    await staff(service, "Jasur", "executor", status="pending")
    await staff(service, "Bobur", "executor", status="blocked")
    manager = await staff(service, "Malika", "manager")
    admin = await staff(service, "Timur", "admin")
    await staff(service, "Olim", "manager", status="blocked")
    inspector = await staff(service, "Rustam", "inspector", "executor")
    await service.approved(await service.register("Nodira"), MANAGER)  # an approved resident

    executors = await contacts(notifications, roles=(user_pb2.ROLE_EXECUTOR,))
    assert set(executors) == {executor.user_id, inspector.user_id}
    managers = await contacts(notifications, roles=(user_pb2.ROLE_MANAGER,))
    assert set(managers) == {manager.user_id, admin.user_id}
    assert {c.status for c in managers.values()} == {APPROVED}
    admins = await contacts(notifications, roles=(user_pb2.ROLE_ADMIN,))
    assert set(admins) == {admin.user_id}
    several = await contacts(notifications, roles=(user_pb2.ROLE_MANAGER, user_pb2.ROLE_EXECUTOR))
    assert set(several) == {executor.user_id, inspector.user_id, manager.user_id, admin.user_id}


async def test_ids_and_roles_give_their_union_once(
    service: UsersService, notifications: rpc.UserServiceStub
) -> None:
    manager = await staff(service, "Malika", "manager")
    admin = await staff(service, "Timur", "admin")
    waiting = await staff(service, "Jasur", "executor", status="pending")

    found = await contacts(
        notifications,
        (waiting.user_id, manager.user_id, str(uuid.uuid4())),
        (user_pb2.ROLE_MANAGER,),
    )
    assert set(found) == {waiting.user_id, manager.user_id, admin.user_id}
    assert found[waiting.user_id].status == PENDING
    assert await contacts(notifications) == {}  # asking for nobody finds nobody


async def test_a_batch_costs_one_query(
    service: UsersService, notifications: rpc.UserServiceStub
) -> None:
    people = [await staff(service, f"Executor {n}", "executor") for n in range(5)]
    manager = await staff(service, "Malika", "manager")
    await service.users.UpdateProfile(
        pb.UpdateProfileRequest(user_id=manager.user_id, phone="+998 90 765 43 21"),
        metadata=service.as_(ADMIN),
    )
    engine = create_engine(service.database_url, pool_size=1)
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    try:
        store = PeopleStore(engine, Sealer(Keyring.from_settings(service.settings)))
        await store.contacts([], ["manager"])  # connect first: the dialect's own set-up
        sa.event.listen(engine.sync_engine, "before_cursor_execute", seen)
        found = await store.contacts([p.user_id for p in people], ["manager", "executor"])
    finally:
        await engine.dispose()
    assert len(found) == 6
    assert {p.phone for p in found} == {None, "+998907654321"}  # opened, not left sealed
    assert len(statements) == 1, statements


# --- who may ask ------------------------------------------------------------------------------


async def test_only_the_notifications_service_may_ask(service: UsersService) -> None:
    question = pb.GetContactsRequest(roles=[user_pb2.ROLE_MANAGER])
    for who in (MANAGER, ADMIN, person("executor")):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await service.users.GetContacts(question, metadata=service.as_(who))
        assert code_of(raised.value) == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await service.auth.GetContacts(question)
    assert code_of(raised.value) == grpc.StatusCode.PERMISSION_DENIED
    for identity in ("requests", "bot"):
        channel = direct_channel(service.settings, service.server, identity=identity)
        try:
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                await rpc.UserServiceStub(channel).GetContacts(question)
        finally:
            await channel.close()
        assert code_of(raised.value) == grpc.StatusCode.PERMISSION_DENIED


async def test_the_contract_bounds_the_question(notifications: rpc.UserServiceStub) -> None:
    for bad in (
        pb.GetContactsRequest(user_ids=["not-a-uuid"]),
        pb.GetContactsRequest(user_ids=[str(uuid.uuid4()) for _ in range(1001)]),
        pb.GetContactsRequest(roles=[user_pb2.ROLE_UNSPECIFIED]),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await notifications.GetContacts(bad)
        assert code_of(raised.value) == grpc.StatusCode.INVALID_ARGUMENT
