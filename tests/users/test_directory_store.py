"""The directory's store against a real, migrated PostgreSQL (no gRPC in between).

Purging asks the real requests service, over mTLS, how many requests reference an address.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from ukm.events.v1 import envelope_pb2
from ukm.requests.v1 import request_pb2
from ukm.requests.v1 import requests_service_pb2 as requests_pb
from ukm.requests.v1 import requests_service_pb2_grpc as requests_rpc
from ukm.users.v1 import events_pb2

from mesh.topology import load_topology
from services.kit.channels import MeshChannels
from services.kit.db import create_engine, migrate_async, session_factory, transaction
from services.kit.errors import AlreadyExists, FailedPrecondition, NotFound, Unavailable
from services.kit.server import Server
from services.kit.settings import Settings
from services.users import directory_models, models
from services.users.address_bindings import BindingStatus
from services.users.address_levels import Level
from services.users.address_reach import Via
from services.users.address_text import apartment_key, number_order, text_key
from services.users.binding_reach import bindings_of
from services.users.binding_store import approve_pending_bindings
from services.users.directory_references import MeshRequestReferences
from services.users.directory_store import DirectoryStore
from tests.requests.factories import create_request
from tests.support.identity import person, test_issuer
from tests.support.services import direct_channel, running_requests, service_settings

NOW = datetime(2025, 11, 25, 9, 0, tzinfo=UTC)
TASHKENT = {"latitude_e6": 41_311_081, "longitude_e6": 69_279_737}


class NoRequests:
    """Requests counted as none: for tests that are not about the requests service."""

    async def count(self, level: Level, object_id: str) -> int:
        return 0


@pytest.fixture
async def migrated(database_url: str) -> str:
    service = load_topology().service("users")
    await migrate_async(database_url, service.migrations_dir, service.schema or "users")
    return database_url


@pytest.fixture
async def engine(migrated: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(migrated, pool_size=2)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def store(engine: AsyncEngine) -> DirectoryStore:
    return DirectoryStore(engine, NoRequests())


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Transactions of other code (verification, export) that call the directory's hooks."""
    return session_factory(engine)


# --- builders ---------------------------------------------------------------------------------


async def yard(store: DirectoryStore, name: str = "ЖК Olmazor") -> dict[str, Any]:
    values = {"name": name, "name_key": text_key(name), "description": "", **TASHKENT}
    return dict(await store.places.create(Level.YARD, values, NOW))


async def building(
    store: DirectoryStore, yard_id: str, address: str = "ул. Чиланзар, 12", **size: int
) -> dict[str, Any]:
    values = {
        "yard_id": yard_id,
        "address": address,
        "address_key": text_key(address),
        "entrances": size.get("entrances", 4),
        "floors": size.get("floors", 9),
        **TASHKENT,
    }
    return dict(await store.places.create(Level.BUILDING, values, NOW))


async def apartment(
    store: DirectoryStore, building_id: str, number: str = "45", **details: Any
) -> dict[str, Any]:
    values = {
        "building_id": building_id,
        "number": number,
        "number_key": apartment_key(number),
        "number_order": number_order(number),
        "entrance": None,
        "floor": None,
        "rooms": None,
        "area_dm2": None,
        **details,
    }
    return dict(await store.places.create(Level.APARTMENT, values, NOW))


async def chain(store: DirectoryStore) -> tuple[str, str, str]:
    y = await yard(store)
    b = await building(store, y["id"])
    a = await apartment(store, b["id"])
    return y["id"], b["id"], a["id"]


def user() -> str:
    return str(uuid.uuid4())


async def events(database_url: str) -> list[tuple[str, Any]]:
    """(subject, event) of every outbox row, in order."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                sa.select(models.outbox.c.subject, models.outbox.c.payload).order_by(
                    models.outbox.c.seq
                )
            )
            found = []
            for subject, payload in rows:
                envelope = envelope_pb2.Envelope.FromString(payload)
                name = envelope.data.TypeName().rsplit(".", 1)[-1]
                message = getattr(events_pb2, name)()
                envelope.data.Unpack(message)
                found.append((subject, message))
            return found
    finally:
        await engine.dispose()


# --- schema -----------------------------------------------------------------------------------


DIRECTORY_TABLES = {
    table.name
    for table in (
        directory_models.yards,
        directory_models.buildings,
        directory_models.apartments,
        directory_models.bindings,
        directory_models.yard_grants,
    )
}


async def test_the_migration_creates_exactly_the_modelled_tables(migrated: str) -> None:
    def differences(connection: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"include_schemas": True, "target_metadata": models.metadata}
        )
        return [d for d in compare_metadata(context, models.metadata) if _touches_directory(d)]

    engine = create_engine(migrated, pool_size=1)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()


def _touches_directory(diff: Any) -> bool:
    """Whether an autogenerate difference (a tuple, or a list of them) is about our tables:
    they name a table by string, or carry a Table, Column, Index or constraint."""
    if isinstance(diff, list | tuple):
        return any(_touches_directory(part) for part in diff)
    if isinstance(diff, str):
        return diff in DIRECTORY_TABLES
    table = diff if isinstance(diff, sa.Table) else getattr(diff, "table", None)
    return getattr(table, "name", None) in DIRECTORY_TABLES


# --- yards, buildings, apartments ---------------------------------------------------------------


async def test_names_are_unique_by_key(store: DirectoryStore) -> None:
    await yard(store, "ЖК Olmazor")
    with pytest.raises(AlreadyExists, match="yard"):
        await yard(store, "жк olmazor")


async def test_children_need_an_existing_active_parent(store: DirectoryStore) -> None:
    y = await yard(store)
    with pytest.raises(NotFound):
        await building(store, str(uuid.uuid4()))
    await store.places.update(Level.YARD, y["id"], {"active": False}, NOW)
    with pytest.raises(FailedPrecondition) as caught:
        await building(store, y["id"])
    assert caught.value.reason == "PARENT_INACTIVE"


async def test_check_parent_sees_the_parent_row(store: DirectoryStore) -> None:
    y = await yard(store)
    b = await building(store, y["id"], floors=5)
    seen: list[int] = []
    values = {
        "building_id": b["id"],
        "number": "1",
        "number_key": "1",
        "number_order": 1,
        "entrance": None,
        "floor": None,
        "rooms": None,
        "area_dm2": 5430,
    }
    row = await store.places.create(
        Level.APARTMENT, values, NOW, check_parent=lambda p: seen.append(p["floors"])
    )
    assert seen == [5] and row["area_dm2"] == 5430


async def test_rename_onto_another_name_is_refused(store: DirectoryStore) -> None:
    await yard(store, "Alpha")
    beta = await yard(store, "Beta")
    with pytest.raises(AlreadyExists):
        await store.places.update(
            Level.YARD, beta["id"], {"name": "Alpha", "name_key": "alpha"}, NOW
        )


async def test_a_building_cannot_shrink_below_its_apartments(store: DirectoryStore) -> None:
    y = await yard(store)
    b = await building(store, y["id"], entrances=4, floors=9)
    await apartment(store, b["id"], "100", entrance=3, floor=7)
    with pytest.raises(FailedPrecondition) as caught:
        await store.places.update(Level.BUILDING, b["id"], {"floors": 6}, NOW)
    assert caught.value.reason == "APARTMENTS_OUTSIDE"
    assert (await store.places.update(Level.BUILDING, b["id"], {"floors": 7}, NOW))["floors"] == 7


async def test_updates_stamp_updated_at(store: DirectoryStore) -> None:
    y = await yard(store)
    later = NOW + timedelta(hours=1)
    row = await store.places.update(Level.YARD, y["id"], {"description": "phase 2"}, later)
    assert (row["created_at"], row["updated_at"]) == (NOW, later)


async def test_listing_runs_in_natural_number_order_with_paging(store: DirectoryStore) -> None:
    y = await yard(store)
    b = await building(store, y["id"])
    for number in ["10", "2", "1", "12А", "100", "12"]:
        await apartment(store, b["id"], number)
    seen: list[str] = []
    after = None
    while True:
        page = await store.places.list_objects(
            Level.APARTMENT,
            parent_id=b["id"],
            search=None,
            include_inactive=False,
            limit=4,
            after=after,
        )
        seen += [r["number"] for r in page]
        if len(page) < 4:
            break
        last = page[-1]
        after = [last["number_order"], last["number_key"], last["id"]]
    assert seen == ["1", "2", "10", "12", "12А", "100"]


async def test_search_is_case_and_script_tolerant(store: DirectoryStore) -> None:
    y = await yard(store)
    await building(store, y["id"], "Mirzo Ulug'bek ko'chasi, 5")
    await building(store, y["id"], "ул. Чиланзар, 12")

    async def found(key: str) -> list[str]:
        rows = await store.places.list_objects(
            Level.BUILDING,
            parent_id=None,
            search=key,
            include_inactive=False,
            limit=10,
            after=None,
        )
        return [r["address"] for r in rows]

    assert await found("чиланзар") == ["ул. Чиланзар, 12"]
    assert await found("ulug'bek") == ["Mirzo Ulug'bek ko'chasi, 5"]
    assert await found("%") == []  # a wildcard is a character, not a pattern


async def test_listing_hides_what_sits_under_a_deleted_parent(store: DirectoryStore) -> None:
    y_id, b_id, _ = await chain(store)

    async def visible(include_inactive: bool) -> int:
        rows = await store.places.list_objects(
            Level.APARTMENT,
            parent_id=b_id,
            search=None,
            include_inactive=include_inactive,
            limit=10,
            after=None,
        )
        return len(rows)

    assert await visible(False) == 1
    await store.places.update(Level.YARD, y_id, {"active": False}, NOW)
    assert await visible(False) == 0
    assert await visible(True) == 1


# --- ranges -----------------------------------------------------------------------------------


def plan_numbers(first: int, last: int) -> Any:
    def plan(building_row: Any, existing: list[str]) -> list[dict[str, Any]]:
        taken = {apartment_key(n) for n in existing}
        numbers = [str(n) for n in range(first, last + 1)]
        if taken & set(numbers):
            raise AlreadyExists("taken")
        return [
            {
                "building_id": building_row["id"],
                "number": n,
                "number_key": n,
                "number_order": int(n),
                "entrance": None,
                "floor": None,
            }
            for n in numbers
        ]

    return plan


async def test_a_range_is_created_whole_and_sorted(store: DirectoryStore) -> None:
    y = await yard(store)
    b = await building(store, y["id"])
    rows = await store.places.create_apartments(b["id"], plan_numbers(1, 120), NOW)
    assert [r["number"] for r in rows] == [str(n) for n in range(1, 121)]


async def test_the_plan_sees_existing_numbers_and_nothing_half_applies(
    store: DirectoryStore,
) -> None:
    y = await yard(store)
    b = await building(store, y["id"])
    await apartment(store, b["id"], "60")
    with pytest.raises(AlreadyExists):
        await store.places.create_apartments(b["id"], plan_numbers(1, 120), NOW)
    rows = await store.places.list_objects(
        Level.APARTMENT,
        parent_id=b["id"],
        search=None,
        include_inactive=True,
        limit=200,
        after=None,
    )
    assert [r["number"] for r in rows] == ["60"]


async def test_a_range_goes_only_into_an_active_building(store: DirectoryStore) -> None:
    y = await yard(store)
    b = await building(store, y["id"])
    await store.places.update(Level.BUILDING, b["id"], {"active": False}, NOW)
    with pytest.raises(FailedPrecondition):
        await store.places.create_apartments(b["id"], plan_numbers(1, 3), NOW)


# --- bindings ---------------------------------------------------------------------------------


async def test_binding_request_is_pending_and_announced(
    store: DirectoryStore, migrated: str
) -> None:
    _, _, a_id = await chain(store)
    resident = user()
    row = await store.bindings.request_binding(resident, a_id, owner=True, primary=False, now=NOW)
    assert (row["status"], row["is_owner"], row["is_primary"]) == ("pending", True, False)
    [(subject, event)] = await events(migrated)
    assert subject == "ukm.users.apartment_binding_requested"
    assert event.binding.id == row["id"] and event.binding.user_id == resident


async def test_binding_twice_is_refused_but_again_after_rejection_is_fine(
    store: DirectoryStore,
) -> None:
    _, _, a_id = await chain(store)
    resident = user()
    first = await store.bindings.request_binding(
        resident, a_id, owner=False, primary=False, now=NOW
    )
    with pytest.raises(AlreadyExists):
        await store.bindings.request_binding(resident, a_id, owner=False, primary=False, now=NOW)
    await store.bindings.decide_binding(
        first["id"], approve=False, reason="not on the lease", decided_by=user(), now=NOW
    )
    again = await store.bindings.request_binding(
        resident, a_id, owner=False, primary=False, now=NOW
    )
    assert again["status"] == "pending"


async def test_binding_to_an_apartment_out_of_use_is_refused(store: DirectoryStore) -> None:
    _, b_id, a_id = await chain(store)
    await store.places.update(Level.BUILDING, b_id, {"active": False}, NOW)
    with pytest.raises(FailedPrecondition) as caught:
        await store.bindings.request_binding(user(), a_id, owner=False, primary=False, now=NOW)
    assert caught.value.reason == "APARTMENT_INACTIVE"


async def test_decisions_settle_one_primary_apartment(store: DirectoryStore, migrated: str) -> None:
    y = await yard(store)
    b = await building(store, y["id"])
    a1 = await apartment(store, b["id"], "1")
    a2 = await apartment(store, b["id"], "2")
    resident, manager = user(), user()
    first = await store.bindings.request_binding(
        resident, a1["id"], owner=False, primary=False, now=NOW
    )
    second = await store.bindings.request_binding(
        resident, a2["id"], owner=True, primary=True, now=NOW + timedelta(minutes=1)
    )

    decided = await store.bindings.decide_binding(
        first["id"], approve=True, reason="", decided_by=manager, now=NOW
    )
    assert decided["is_primary"] and decided["decided_by"] == manager
    decided = await store.bindings.decide_binding(
        second["id"], approve=True, reason="", decided_by=manager, now=NOW
    )
    assert decided["is_primary"]  # it asked to be primary: it takes over
    rows = await store.bindings.list_bindings(
        status=None, user_id=resident, apartment_id=None, limit=10, after=None
    )
    assert [r["is_primary"] for r in rows] == [False, True]

    with pytest.raises(FailedPrecondition) as caught:
        await store.bindings.decide_binding(
            second["id"], approve=False, reason="x", decided_by=manager, now=NOW
        )
    assert caught.value.reason == "BINDING_ALREADY_DECIDED"
    decided_events = [e for s, e in await events(migrated) if s.endswith("binding_decided")]
    assert [e.binding.id for e in decided_events] == [first["id"], second["id"]]
    assert decided_events[-1].binding.primary


async def test_unknown_binding_is_not_found(store: DirectoryStore) -> None:
    with pytest.raises(NotFound):
        await store.bindings.decide_binding(
            str(uuid.uuid4()), approve=True, reason="", decided_by="", now=NOW
        )


async def test_listing_bindings_filters_and_pages(store: DirectoryStore) -> None:
    _, _, a_id = await chain(store)
    people = [user() for _ in range(3)]
    for offset, person_id in enumerate(people):
        await store.bindings.request_binding(
            person_id, a_id, owner=False, primary=False, now=NOW + timedelta(minutes=offset)
        )
    page = await store.bindings.list_bindings(
        status=BindingStatus.PENDING, user_id=None, apartment_id=a_id, limit=2, after=None
    )
    assert [r["user_id"] for r in page] == people[:2]
    rest = await store.bindings.list_bindings(
        status=BindingStatus.PENDING,
        user_id=None,
        apartment_id=a_id,
        limit=2,
        after=[page[-1]["created_at"], page[-1]["id"]],
    )
    assert [r["user_id"] for r in rest] == people[2:]
    none = await store.bindings.list_bindings(
        status=BindingStatus.APPROVED, user_id=None, apartment_id=None, limit=2, after=None
    )
    assert none == []


async def test_verification_approves_every_pending_binding_in_its_transaction(
    store: DirectoryStore, sessions: async_sessionmaker[AsyncSession], migrated: str
) -> None:
    y = await yard(store)
    b = await building(store, y["id"])
    a1, a2 = await apartment(store, b["id"], "1"), await apartment(store, b["id"], "2")
    resident, manager = user(), user()
    older = await store.bindings.request_binding(
        resident, a1["id"], owner=False, primary=False, now=NOW
    )
    newer = await store.bindings.request_binding(
        resident, a2["id"], owner=False, primary=True, now=NOW + timedelta(minutes=1)
    )
    async with transaction(sessions) as session:
        ids = await approve_pending_bindings(session, resident, manager, NOW)
    assert ids == [older["id"], newer["id"]]
    rows = {
        r["id"]: r
        for r in await store.bindings.list_bindings(
            status=None, user_id=resident, apartment_id=None, limit=10, after=None
        )
    }
    assert {r["status"] for r in rows.values()} == {"approved"}
    assert rows[newer["id"]]["is_primary"] and not rows[older["id"]]["is_primary"]
    decided = [e for s, e in await events(migrated) if s.endswith("binding_decided")]
    assert sorted(e.binding.id for e in decided) == sorted(ids)

    async with transaction(sessions) as session:
        assert await approve_pending_bindings(session, resident, manager, NOW) == []


async def test_approval_rolls_back_with_the_callers_transaction(
    store: DirectoryStore, sessions: async_sessionmaker[AsyncSession]
) -> None:
    _, _, a_id = await chain(store)
    resident = user()
    await store.bindings.request_binding(resident, a_id, owner=False, primary=False, now=NOW)

    async def approve_then_fail() -> None:
        async with transaction(sessions) as session:
            await approve_pending_bindings(session, resident, user(), NOW)
            raise RuntimeError("the verification failed afterwards")

    with pytest.raises(RuntimeError):
        await approve_then_fail()
    rows = await store.bindings.list_bindings(
        status=None, user_id=resident, apartment_id=None, limit=10, after=None
    )
    assert [r["status"] for r in rows] == ["pending"]


async def test_export_lists_bindings_and_grants_readably(
    store: DirectoryStore, sessions: async_sessionmaker[AsyncSession]
) -> None:
    y_id, _, a_id = await chain(store)
    resident = user()
    await store.bindings.request_binding(resident, a_id, owner=True, primary=False, now=NOW)
    await store.grants.grant_yard(resident, y_id, user(), NOW)
    async with sessions() as session:
        exported = await bindings_of(session, resident)
    assert [e["kind"] for e in exported] == ["apartment_binding", "yard_grant"]
    assert exported[0]["address"] == "ЖК Olmazor · ул. Чиланзар, 12 · кв. 45"
    assert exported[0]["owner"] is True and exported[0]["status"] == "pending"
    assert exported[1]["address"] == "ЖК Olmazor"
    assert exported[0]["requested_at"] == NOW.isoformat()


# --- grants -----------------------------------------------------------------------------------


async def test_grants_are_given_once_revoked_and_announced(
    store: DirectoryStore, migrated: str
) -> None:
    y_id, _, _ = await chain(store)
    resident, manager = user(), user()
    grant = await store.grants.grant_yard(resident, y_id, manager, NOW)
    assert grant["granted_by"] == manager
    with pytest.raises(AlreadyExists):
        await store.grants.grant_yard(resident, y_id, manager, NOW)
    await store.grants.revoke_yard_grant(grant["id"])
    with pytest.raises(NotFound):
        await store.grants.revoke_yard_grant(grant["id"])
    changes = [e for s, e in await events(migrated) if s == "ukm.users.yard_grant_changed"]
    assert [(e.grant.id, e.revoked) for e in changes] == [(grant["id"], False), (grant["id"], True)]


async def test_no_grant_for_a_deleted_yard(store: DirectoryStore) -> None:
    y = await yard(store)
    await store.places.update(Level.YARD, y["id"], {"active": False}, NOW)
    with pytest.raises(FailedPrecondition):
        await store.grants.grant_yard(user(), y["id"], user(), NOW)


# --- reachability -----------------------------------------------------------------------------


async def test_resolve_follows_bindings_and_grants_with_the_whole_chain_active(
    store: DirectoryStore,
) -> None:
    y_id, b_id, a_id = await chain(store)
    other_yard = await yard(store, "Yunusobod")
    other_building = await building(store, other_yard["id"], "Amir Temur 4")
    resident = user()
    pending = await store.bindings.request_binding(
        resident, a_id, owner=False, primary=False, now=NOW
    )
    assert (await store.reach.resolve(resident)).addresses == ()

    await store.bindings.decide_binding(
        pending["id"], approve=True, reason="", decided_by=user(), now=NOW
    )
    await store.grants.grant_yard(resident, other_yard["id"], user(), NOW)
    reach = await store.reach.resolve(resident)
    assert [(a.ids, a.via) for a in reach.addresses] == [
        ((y_id, b_id, a_id), Via.BINDING),
        ((y_id, b_id, None), Via.BINDING),
        ((other_yard["id"], other_building["id"], None), Via.YARD_GRANT),
        ((y_id, None, None), Via.BINDING),
        ((other_yard["id"], None, None), Via.YARD_GRANT),
    ]

    # Any inactive link cuts what hangs below it.
    await store.places.update(Level.APARTMENT, a_id, {"active": False}, NOW)
    assert [
        a.level for a in (await store.reach.resolve(resident)).addresses if a.yard_id == y_id
    ] == []
    await store.places.update(Level.APARTMENT, a_id, {"active": True}, NOW)
    await store.places.update(Level.YARD, other_yard["id"], {"active": False}, NOW)
    assert {a.yard_id for a in (await store.reach.resolve(resident)).addresses} == {y_id}


async def test_resolve_for_a_stranger_is_empty(store: DirectoryStore) -> None:
    await chain(store)
    assert (await store.reach.resolve(user())).addresses == ()


# --- purge ------------------------------------------------------------------------------------


@pytest.fixture
async def requests_settings(migrated: str, nats_url: str, pki_dir: Path) -> Settings:
    return service_settings(migrated, nats_url, pki_dir)


@pytest.fixture
async def guarded(
    migrated: str, requests_settings: Settings
) -> AsyncIterator[tuple[DirectoryStore, Server]]:
    """A store whose purges ask a running requests service; and that service."""
    async with running_requests(requests_settings) as server:
        channels = MeshChannels(requests_settings, "users")
        references = MeshRequestReferences(channels, target=f"localhost:{server.grpc_port}")
        engine = create_engine(migrated, pool_size=2)
        try:
            yield DirectoryStore(engine, references), server
        finally:
            await engine.dispose()
            await channels.close()


async def test_purge_needs_a_soft_delete_first(guarded: tuple[DirectoryStore, Server]) -> None:
    store, _ = guarded
    y = await yard(store)
    with pytest.raises(FailedPrecondition) as caught:
        await store.places.purge(Level.YARD, y["id"])
    assert caught.value.reason == "STILL_ACTIVE"


async def test_purge_is_refused_while_children_bindings_or_grants_remain(
    guarded: tuple[DirectoryStore, Server],
) -> None:
    store, _ = guarded
    y_id, b_id, a_id = await chain(store)
    resident = user()
    binding = await store.bindings.request_binding(
        resident, a_id, owner=False, primary=False, now=NOW
    )
    grant = await store.grants.grant_yard(resident, y_id, user(), NOW)
    for level, object_id in ((Level.YARD, y_id), (Level.BUILDING, b_id), (Level.APARTMENT, a_id)):
        await store.places.update(level, object_id, {"active": False}, NOW)

    async def refused(level: Level, object_id: str) -> dict[str, str]:
        with pytest.raises(FailedPrecondition) as caught:
            await store.places.purge(level, object_id)
        assert caught.value.reason == "STILL_REFERENCED"
        return caught.value.metadata

    assert (await refused(Level.APARTMENT, a_id))["bindings"] == "1"
    assert (await refused(Level.BUILDING, b_id))["apartments"] == "1"
    held = await refused(Level.YARD, y_id)
    assert (held["buildings"], held["yard grants"]) == ("1", "1")

    # A rejected binding is history, not a reference: it goes with the apartment.
    await store.bindings.decide_binding(
        binding["id"], approve=False, reason="moved", decided_by="", now=NOW
    )
    await store.grants.revoke_yard_grant(grant["id"])
    await store.places.purge(Level.APARTMENT, a_id)
    await store.places.purge(Level.BUILDING, b_id)
    await store.places.purge(Level.YARD, y_id)
    with pytest.raises(NotFound):
        await store.places.get(Level.YARD, y_id)


async def test_purge_is_refused_while_requests_reference_the_address(
    guarded: tuple[DirectoryStore, Server], requests_settings: Settings
) -> None:
    store, server = guarded
    y_id, b_id, a_id = await chain(store)
    manager = person("manager")
    channel = direct_channel(requests_settings, server, token=test_issuer().token(manager))
    try:
        filed = create_request(
            address=requests_pb.AddressInput(
                level=request_pb2.ADDRESS_LEVEL_BUILDING, yard_id=y_id, building_id=b_id
            ),
            applicant_id=manager.user_id,
        )
        await requests_rpc.RequestServiceStub(channel).CreateRequest(filed)
    finally:
        await channel.close()
    await store.places.update(Level.BUILDING, b_id, {"active": False}, NOW)
    await store.places.update(Level.APARTMENT, a_id, {"active": False}, NOW)
    await store.places.purge(Level.APARTMENT, a_id)  # the request is about the building, not it

    with pytest.raises(FailedPrecondition) as caught:
        await store.places.purge(Level.BUILDING, b_id)
    assert caught.value.metadata["requests"] == "1"


async def test_purge_is_refused_when_requests_cannot_answer(migrated: str, pki_dir: Path) -> None:
    settings = service_settings(migrated, "nats://127.0.0.1:1", pki_dir)
    channels = MeshChannels(settings, "users", default_timeout=1.0)
    engine = create_engine(migrated, pool_size=1)
    try:
        store = DirectoryStore(engine, MeshRequestReferences(channels, target="localhost:1"))
        y = await yard(store)
        await store.places.update(Level.YARD, y["id"], {"active": False}, NOW)
        with pytest.raises(Unavailable):
            await store.places.purge(Level.YARD, y["id"])
        assert (await store.places.get(Level.YARD, y["id"]))["id"] == y["id"]
    finally:
        await engine.dispose()
        await channels.close()
