"""Erasure and the directory: deleting a person clears the managers' written reasons on their
bindings and rejects the requests still waiting ("account deleted"), in the erasure's own
transaction; approved bindings stay as history. Through the running service (DeleteUser) and
at the hook itself (`binding_store.forget_user`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from ukm.users.v1 import directory_pb2
from ukm.users.v1 import directory_service_pb2 as dpb
from ukm.users.v1 import users_service_pb2 as pb

from services.kit.db import create_engine, session_factory, transaction
from services.users.binding_store import ACCOUNT_DELETED, forget_user
from tests.support.db import count
from tests.support.identity import Person
from tests.users.conftest import MANAGER, UsersService
from tests.users.flows import apartments

APPROVED = directory_pb2.BINDING_STATUS_APPROVED
REJECTED = directory_pb2.BINDING_STATUS_REJECTED
PENDING = directory_pb2.BINDING_STATUS_PENDING
Binding = directory_pb2.ApartmentBinding
DECIDED_EVENTS = "users.outbox WHERE subject LIKE '%binding_decided'"


@pytest.fixture
async def sessions(service: UsersService) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Transactions against the service's database, as the erasure code opens them."""
    engine = create_engine(service.database_url, pool_size=1)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def decide(service: UsersService, binding_id: str, *, approve: bool, reason: str) -> None:
    await service.directory.DecideApartmentBinding(
        dpb.DecideApartmentBindingRequest(binding_id=binding_id, approve=approve, reason=reason),
        metadata=service.as_(MANAGER),
    )


async def bindings(
    service: UsersService, user_id: str
) -> dict[str, directory_pb2.ApartmentBinding]:
    listed = await service.directory.ListApartmentBindings(
        dpb.ListApartmentBindingsRequest(user_id=user_id), metadata=service.as_(MANAGER)
    )
    return {b.id: b for b in listed.bindings}


async def ask(service: UsersService, who: Person, apartment_id: str) -> str:
    """`who` asks to be bound to the apartment; the binding id."""
    asked = await service.directory.RequestApartmentBinding(
        dpb.RequestApartmentBindingRequest(apartment_id=apartment_id),
        metadata=service.as_(who),
    )
    return str(asked.binding.id)


async def resident_with_history(
    service: UsersService, apartment_ids: list[str]
) -> tuple[Person, list[str]]:
    """A resident with an approved, a rejected (with a reason) and a pending binding, to the
    first three of `apartment_ids`."""
    resident = await service.register("Nodira")
    approved, rejected, pending = [await ask(service, resident, a) for a in apartment_ids[:3]]
    await decide(service, approved, approve=True, reason="")
    await decide(service, rejected, approve=False, reason="the lease names Dilshod, her brother")
    return resident, [approved, rejected, pending]


async def test_deleting_a_person_forgets_their_bindings(service: UsersService) -> None:
    flats = await apartments(service, 4)
    resident, (approved, rejected, pending) = await resident_with_history(service, flats)
    neighbour = await service.register("Sherzod")
    theirs = await ask(service, neighbour, flats[3])
    await decide(service, theirs, approve=False, reason="wrong building, ask at the office")
    decided_before = await count(service.database_url, DECIDED_EVENTS)

    await service.users.DeleteUser(
        pb.DeleteUserRequest(user_id=resident.user_id), metadata=service.as_(resident)
    )

    after = await bindings(service, resident.user_id)
    assert (after[approved].status, after[approved].primary) == (APPROVED, True)
    assert (after[rejected].status, after[rejected].decision_reason) == (REJECTED, "")
    assert (after[pending].status, after[pending].decision_reason) == (REJECTED, ACCOUNT_DELETED)
    assert after[pending].decided_by == "" and after[pending].HasField("decided_at")
    # One decision announced: the pending request's.
    assert await count(service.database_url, DECIDED_EVENTS) == decided_before + 1
    # Nobody else's bindings are touched.
    assert (await bindings(service, neighbour.user_id))[theirs].decision_reason == (
        "wrong building, ask at the office"
    )


async def test_forgetting_is_part_of_the_callers_transaction(
    service: UsersService, sessions: async_sessionmaker[AsyncSession]
) -> None:
    flats = await apartments(service, 3)
    resident, (approved, rejected, pending) = await resident_with_history(service, flats)
    events_before = await count(service.database_url, "users.outbox")

    async def forget_then_fail() -> None:
        async with transaction(sessions) as session:
            assert await forget_user(session, resident.user_id, service.clock()) == [pending]
            raise RuntimeError("the erasure failed afterwards")

    with pytest.raises(RuntimeError):
        await forget_then_fail()

    kept = await bindings(service, resident.user_id)
    assert [kept[i].status for i in (approved, rejected, pending)] == [APPROVED, REJECTED, PENDING]
    assert kept[rejected].decision_reason == "the lease names Dilshod, her brother"
    assert await count(service.database_url, "users.outbox") == events_before


async def test_forgetting_twice_changes_nothing_more(
    service: UsersService, sessions: async_sessionmaker[AsyncSession]
) -> None:
    resident, (_, _, pending) = await resident_with_history(service, await apartments(service, 3))
    async with transaction(sessions) as session:
        assert await forget_user(session, resident.user_id, service.clock()) == [pending]
    first = await bindings(service, resident.user_id)
    events = await count(service.database_url, "users.outbox")
    async with transaction(sessions) as session:
        assert await forget_user(session, resident.user_id, service.clock()) == []
    assert await bindings(service, resident.user_id) == first
    assert await count(service.database_url, "users.outbox") == events


async def test_a_person_without_bindings_is_forgotten_quietly(
    service: UsersService, sessions: async_sessionmaker[AsyncSession]
) -> None:
    who = await service.register()
    async with transaction(sessions) as session:
        assert await forget_user(session, who.user_id, service.clock()) == []
