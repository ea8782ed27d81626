"""Persistence of the address directory: yards, buildings, apartments, bindings, yard grants.

The rules are in `services.users.addresses`; this module loads the facts they need, applies
their decisions in one transaction each, and writes the binding and grant events to the outbox
in the same transaction. Two functions (`approve_pending_bindings`, `bindings_of`) run inside
the verification code's own transaction.

Whether requests still reference an address is asked of the requests service
(`MeshRequestReferences`), since its tables are not ours.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import grpc
import sqlalchemy as sa
from google.protobuf.message import Message
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from ukm.requests.v1 import requests_service_pb2, requests_service_pb2_grpc
from ukm.users.v1 import directory_pb2, events_pb2

from services.kit.channels import MeshChannels
from services.kit.db import session_factory, transaction
from services.kit.errors import AlreadyExists, FailedPrecondition, NotFound, Unavailable
from services.kit.outbox import enqueue
from services.kit.telemetry import current_traceparent
from services.users import addresses, models
from services.users import directory_models as t
from services.users.addresses import BindingStatus, BindingView, Level

log = logging.getLogger(__name__)

Row = sa.RowMapping
# The keyset of a listing: the sort-key values of the last row of the previous page.
After = Sequence[Any] | None

# --- what each directory level is stored as ---------------------------------------------


@dataclass(frozen=True)
class _Kind:
    """One level of the directory: its table, its parent, how it sorts and is named."""

    level: Level
    table: sa.Table
    parent: sa.Column[Any] | None  # the column naming the parent
    parent_level: Level | None
    order: tuple[str, ...]  # listing keyset columns
    unique: str  # the unique constraint on its name
    name_column: str  # what AlreadyExists quotes


YARD = _Kind(Level.YARD, t.yards, None, None, ("name_key", "id"), "yards_name_key", "name")
BUILDING = _Kind(
    Level.BUILDING,
    t.buildings,
    t.buildings.c.yard_id,
    Level.YARD,
    ("address_key", "id"),
    "buildings_address_key",
    "address",
)
APARTMENT = _Kind(
    Level.APARTMENT,
    t.apartments,
    t.apartments.c.building_id,
    Level.BUILDING,
    ("number_order", "number_key", "id"),
    "apartments_number_key",
    "number",
)
KINDS = {kind.level: kind for kind in (YARD, BUILDING, APARTMENT)}

_ALREADY = {
    "yards_name_key": "a yard with this name already exists",
    "buildings_address_key": "a building with this address already exists in the yard",
    "apartments_number_key": "an apartment with this number already exists in the building",
    "apartment_bindings_open": "you already asked for or hold a binding to this apartment",
    "yard_grants_once": "the user already has access to this yard",
}


class RequestReferences(Protocol):
    """How many requests reference an address (they live in the requests service)."""

    async def count(self, level: Level, object_id: str) -> int:
        """Requests (any status) filed for the address or anything under it."""
        ...


class MeshRequestReferences:
    """`RequestService.CountAddressReferences` through the mesh, as the users service."""

    def __init__(self, channels: MeshChannels, *, target: str | None = None) -> None:
        self.channels = channels
        self.target = target

    async def count(self, level: Level, object_id: str) -> int:
        """See `RequestReferences.count`; refuses (UNAVAILABLE) when requests cannot answer,
        since purging without knowing would orphan requests."""
        stub = requests_service_pb2_grpc.RequestServiceStub(self.channels.get(self.target))
        question = requests_service_pb2.CountAddressReferencesRequest(
            **{f"{level.value}_id": object_id}
        )
        try:
            answer = await stub.CountAddressReferences(question)
        except grpc.aio.AioRpcError as exc:
            log.warning("CountAddressReferences failed: %s", exc.code().name)
            raise Unavailable(
                "cannot check whether requests still reference this address; try again later"
            ) from exc
        return int(answer.requests)


class DirectoryStore:
    """All SQL of the address directory."""

    def __init__(self, engine: AsyncEngine, references: RequestReferences) -> None:
        self.sessions = session_factory(engine)
        # Single-statement reads need no transaction: one round trip instead of three.
        self.reader = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.references = references

    # --- yards, buildings, apartments -----------------------------------------------------

    async def create(
        self,
        level: Level,
        values: Mapping[str, Any],
        now: datetime,
        *,
        check_parent: Callable[[Row], None] | None = None,
    ) -> Row:
        """Insert a new yard, building or apartment. Its parent must exist and be active, and
        pass `check_parent` (an apartment must fit its building)."""
        kind = KINDS[level]
        async with transaction(self.sessions) as session:
            parent = await self._parent(session, kind, values)
            if parent is not None and check_parent is not None:
                check_parent(parent)
            row = {**values, "id": _new_id(), "active": True, "created_at": now, "updated_at": now}
            stored = await session.execute(
                insert(kind.table)
                .values(row)
                .on_conflict_do_nothing(constraint=kind.unique)
                .returning(*kind.table.c)
            )
            created = stored.mappings().first()
            if created is None:
                raise AlreadyExists(f"{_ALREADY[kind.unique]}: {values[kind.name_column]}")
            return created

    async def create_apartments(
        self,
        building_id: str,
        plan: Callable[[Row, list[str]], list[dict[str, Any]]],
        now: datetime,
    ) -> list[Row]:
        """Insert the apartments `plan(building, existing numbers)` returns, all or none."""
        async with transaction(self.sessions) as session:
            building = await _locked(session, BUILDING, building_id)
            addresses.check_parent_active("building", building_id, building["active"])
            existing = await session.scalars(
                sa.select(t.apartments.c.number).where(t.apartments.c.building_id == building_id)
            )
            rows = [
                {**values, "id": _new_id(), "active": True, "created_at": now, "updated_at": now}
                for values in plan(building, list(existing))
            ]
            stored = await session.execute(
                insert(t.apartments)
                .values(rows)
                .on_conflict_do_nothing(constraint=APARTMENT.unique)
                .returning(*t.apartments.c)
            )
            created = list(stored.mappings().all())
            if len(created) != len(rows):  # a concurrent call took some numbers meanwhile
                raise AlreadyExists(_ALREADY[APARTMENT.unique])
            return sorted(created, key=lambda r: (r["number_order"], r["number_key"]))

    async def update(
        self,
        level: Level,
        object_id: str,
        changes: Mapping[str, Any],
        now: datetime,
        *,
        check: Callable[[Row, Row | None], None] | None = None,
    ) -> Row:
        """Apply `changes` to one object; `check(current, parent)` may refuse them first."""
        kind = KINDS[level]
        async with transaction(self.sessions) as session:
            current = await _locked(session, kind, object_id)
            if check is not None:
                parent = None
                if kind.parent is not None and kind.parent_level is not None:
                    parent = await _get(session, KINDS[kind.parent_level], current[kind.parent.key])
                check(current, parent)
            if level is Level.BUILDING:
                await _check_apartments_fit(session, object_id, {**current, **changes})
            try:
                updated = await session.execute(
                    sa.update(kind.table)
                    .where(kind.table.c.id == object_id)
                    .values(**changes, updated_at=now)
                    .returning(*kind.table.c)
                )
            except IntegrityError as exc:
                raise _already_exists(exc) from exc
            return updated.mappings().one()

    async def get(self, level: Level, object_id: str) -> Row:
        """One object by id, or NotFound."""
        async with self.reader.connect() as connection:
            return await _get(connection, KINDS[level], object_id)

    async def purge(self, level: Level, object_id: str) -> None:
        """Delete a deactivated object for good, unless anything still references it.

        Requests are counted first (a remote call, outside the transaction); a deactivated
        address cannot be chosen for new requests, so the count cannot grow meanwhile.
        Rejected bindings are history of the apartment and go with it.
        """
        kind = KINDS[level]
        _check_deactivated(kind, await self.get(level, object_id))
        requests = await self.references.count(level, object_id)
        async with transaction(self.sessions) as session:
            _check_deactivated(kind, await _locked(session, kind, object_id))
            references = await _local_references(session, level, object_id)
            addresses.check_purge(level.value, object_id, {**references, "requests": requests})
            if level is Level.APARTMENT:
                await session.execute(
                    sa.delete(t.bindings).where(t.bindings.c.apartment_id == object_id)
                )
            await session.execute(sa.delete(kind.table).where(kind.table.c.id == object_id))

    async def list_objects(
        self,
        level: Level,
        *,
        parent_id: str | None,
        search: str | None,
        include_inactive: bool,
        limit: int,
        after: After,
    ) -> list[Row]:
        """A page in natural order; without `include_inactive`, only objects whose whole
        chain is active (what a resident may choose).

        `search` is a key (`addresses.text_key` or `apartment_key`): a substring of yard
        names and building addresses, the start of apartment numbers.
        """
        kind = KINDS[level]
        query = sa.select(kind.table)
        if parent_id is not None and kind.parent is not None:
            query = query.where(kind.parent == parent_id)
        if search:
            query = query.where(_matches(level, search))
        if not include_inactive:
            query = query.where(*_chain_active(level))
        return await self._page(query, [kind.table.c[name] for name in kind.order], limit, after)

    # --- bindings ---------------------------------------------------------------------------

    async def request_binding(
        self, user_id: str, apartment_id: str, *, owner: bool, primary: bool, now: datetime
    ) -> Row:
        """A resident's new pending binding request (and its event)."""
        async with transaction(self.sessions) as session:
            mine = await _lock_bindings(session, user_id)
            apartment = await _get(session, APARTMENT, apartment_id)
            addresses.check_binding_request(
                mine,
                apartment_id,
                apartment_in_use=apartment["active"]
                and await _chain_is_active(session, apartment["building_id"]),
            )
            values = {
                "id": _new_id(),
                "user_id": user_id,
                "apartment_id": apartment_id,
                "status": BindingStatus.PENDING.value,
                "is_owner": owner,
                "wants_primary": primary,
                "created_at": now,
                "updated_at": now,
            }
            try:
                stored = await session.execute(
                    sa.insert(t.bindings).values(values).returning(*t.bindings.c)
                )
            except IntegrityError as exc:
                raise _already_exists(exc) from exc
            row = stored.mappings().one()
            event = events_pb2.ApartmentBindingRequested(binding=binding_proto(row))
            await _emit(session, event, user_id)
            return row

    async def decide_binding(
        self, binding_id: str, *, approve: bool, reason: str, decided_by: str, now: datetime
    ) -> Row:
        """A manager's decision on a pending binding (and its event)."""
        async with transaction(self.sessions) as session:
            user_id = await session.scalar(
                sa.select(t.bindings.c.user_id).where(t.bindings.c.id == binding_id)
            )
            if user_id is None:
                raise NotFound("apartment binding", binding_id)
            mine = {b.id: b for b in await _lock_bindings(session, user_id)}
            status = addresses.decide_binding(
                mine[binding_id].status, approve=approve, reason=reason
            )
            [row] = await _set_decision(session, [binding_id], status, reason, decided_by, now)
            if status is BindingStatus.APPROVED:
                await _settle_primary(
                    session, user_id, binding_id if row["wants_primary"] else None
                )
            [decided] = await _bindings(session, [binding_id])  # primary settled
            event = events_pb2.ApartmentBindingDecided(binding=binding_proto(decided))
            await _emit(session, event, user_id)
            return decided

    async def list_bindings(
        self,
        *,
        status: BindingStatus | None,
        user_id: str | None,
        apartment_id: str | None,
        limit: int,
        after: After,
    ) -> list[Row]:
        """A page of bindings, oldest first (a moderation queue reads front to back)."""
        query = sa.select(t.bindings)
        if status is not None:
            query = query.where(t.bindings.c.status == status.value)
        if user_id is not None:
            query = query.where(t.bindings.c.user_id == user_id)
        if apartment_id is not None:
            query = query.where(t.bindings.c.apartment_id == apartment_id)
        return await self._page(query, [t.bindings.c.created_at, t.bindings.c.id], limit, after)

    # --- yard grants ------------------------------------------------------------------------

    async def grant_yard(self, user_id: str, yard_id: str, granted_by: str, now: datetime) -> Row:
        """Give `user_id` access to a whole (active) yard (and say so in an event)."""
        async with transaction(self.sessions) as session:
            yard = await _get(session, YARD, yard_id)
            addresses.check_parent_active("yard", yard_id, yard["active"])
            stored = await session.execute(
                insert(t.yard_grants)
                .values(
                    id=_new_id(),
                    user_id=user_id,
                    yard_id=yard_id,
                    granted_by=granted_by,
                    created_at=now,
                )
                .on_conflict_do_nothing(constraint="yard_grants_once")
                .returning(*t.yard_grants.c)
            )
            grant = stored.mappings().first()
            if grant is None:
                raise AlreadyExists(_ALREADY["yard_grants_once"])
            await _emit(session, events_pb2.YardGrantChanged(grant=grant_proto(grant)), user_id)
            return grant

    async def revoke_yard_grant(self, grant_id: str) -> None:
        """Take a grant back (and say so in an event)."""
        async with transaction(self.sessions) as session:
            deleted = await session.execute(
                sa.delete(t.yard_grants)
                .where(t.yard_grants.c.id == grant_id)
                .returning(*t.yard_grants.c)
            )
            grant = deleted.mappings().first()
            if grant is None:
                raise NotFound("yard grant", grant_id)
            event = events_pb2.YardGrantChanged(grant=grant_proto(grant), revoked=True)
            await _emit(session, event, grant["user_id"])

    async def list_grants(
        self, *, user_id: str | None, yard_id: str | None, limit: int, after: After
    ) -> list[Row]:
        """A page of yard grants, oldest first."""
        query = sa.select(t.yard_grants)
        if user_id is not None:
            query = query.where(t.yard_grants.c.user_id == user_id)
        if yard_id is not None:
            query = query.where(t.yard_grants.c.yard_id == yard_id)
        keys = [t.yard_grants.c.created_at, t.yard_grants.c.id]
        return await self._page(query, keys, limit, after)

    # --- reachability -----------------------------------------------------------------------

    async def resolve(self, user_id: str) -> addresses.Reach:
        """What `user_id` may file requests for (see `addresses.reachable`)."""
        async with self.reader.connect() as connection:
            bound = await connection.execute(_BOUND, {"user_id": user_id})
            granted = await connection.execute(_GRANTED, {"user_id": user_id})
        yards: dict[str, addresses.YardFact] = {}
        buildings: dict[str, addresses.BuildingFact] = {}
        apartments: dict[str, addresses.ApartmentFact] = {}
        bindings: list[BindingView] = []
        for r in bound.mappings():
            bindings.append(_view(r))
            yards[r["yard_id"]] = addresses.YardFact(r["yard_id"], r["yard_name"], r["yard_active"])
            buildings[r["building_id"]] = addresses.BuildingFact(
                r["building_id"], r["yard_id"], r["building_address"], r["building_active"]
            )
            apartments[r["apartment_id"]] = addresses.ApartmentFact(
                r["apartment_id"], r["building_id"], r["apartment_number"], r["apartment_active"]
            )
        grants: list[str] = []
        for r in granted.mappings():
            grants.append(r["yard_id"])
            yards[r["yard_id"]] = addresses.YardFact(r["yard_id"], r["yard_name"], r["yard_active"])
            if r["building_id"] is not None:
                buildings[r["building_id"]] = addresses.BuildingFact(
                    r["building_id"], r["yard_id"], r["building_address"], r["building_active"]
                )
        facts = addresses.DirectoryFacts(yards, buildings, apartments)
        return addresses.reachable(bindings, grants, facts)

    # --- shared -------------------------------------------------------------------------------

    async def _page(
        self, query: sa.Select[Any], keys: Sequence[sa.ColumnElement[Any]], limit: int, after: After
    ) -> list[Row]:
        if after is not None:
            # Typed binds: PostgreSQL compares (uuid, …) tuples only with uuid values.
            bounds = [sa.literal(v, type_=k.type) for k, v in zip(keys, after, strict=True)]
            query = query.where(sa.tuple_(*keys) > sa.tuple_(*bounds))
        async with self.reader.connect() as connection:
            result = await connection.execute(query.order_by(*keys).limit(limit))
            return list(result.mappings().all())

    async def _parent(
        self, session: AsyncSession, kind: _Kind, values: Mapping[str, Any]
    ) -> Row | None:
        """The active parent a new object goes under (None for a yard)."""
        if kind.parent is None or kind.parent_level is None:
            return None
        parent_kind = KINDS[kind.parent_level]
        # FOR SHARE: the parent cannot be purged or deactivated under the new child.
        parent = await _locked(session, parent_kind, values[kind.parent.key], share=True)
        addresses.check_parent_active(kind.parent_level.value, parent["id"], parent["active"])
        return parent


# --- inside the verification transaction ------------------------------------------------


async def approve_pending_bindings(
    connection: AsyncSession, user_id: str, decided_by: str, now: datetime
) -> list[str]:
    """Approve all of `user_id`'s pending bindings in the caller's transaction; their ids.

    Verification approval calls this: the bindings and the verification change together.
    Each approved binding gets its `ApartmentBindingDecided` event; the primary apartment is
    settled as for a single approval (the oldest binding that asked to be primary wins).
    """
    mine = await _lock_bindings(connection, user_id)
    pending = sorted(
        (b for b in mine if b.status is BindingStatus.PENDING), key=lambda b: (b.created_at, b.id)
    )
    if not pending:
        return []
    ids = [b.id for b in pending]
    approved = await _set_decision(connection, ids, BindingStatus.APPROVED, "", decided_by, now)
    wanted = next((r["id"] for r in approved if r["wants_primary"]), None)
    await _settle_primary(connection, user_id, wanted)
    for decided in await _bindings(connection, ids):
        event = events_pb2.ApartmentBindingDecided(binding=binding_proto(decided))
        await _emit(connection, event, user_id)
    return ids


async def bindings_of(connection: AsyncSession, user_id: str) -> list[dict[str, Any]]:
    """Everything the directory holds about `user_id`, for their data export: bindings and
    yard grants with readable addresses (JSON-ready: strings, booleans, ISO timestamps)."""
    bound = await connection.execute(
        sa.select(t.bindings, *_ADDRESS_COLUMNS)
        .select_from(_BINDING_CHAIN)
        .where(t.bindings.c.user_id == user_id)
        .order_by(t.bindings.c.created_at, t.bindings.c.id)
    )
    granted = await connection.execute(
        sa.select(t.yard_grants, t.yards.c.name.label("yard_name"))
        .join(t.yards, t.yards.c.id == t.yard_grants.c.yard_id)
        .where(t.yard_grants.c.user_id == user_id)
        .order_by(t.yard_grants.c.created_at, t.yard_grants.c.id)
    )
    export: list[dict[str, Any]] = [
        {
            "kind": "apartment_binding",
            "id": r["id"],
            "apartment_id": r["apartment_id"],
            "address": addresses.address_label(
                r["yard_name"], r["building_address"], r["apartment_number"]
            ),
            "status": r["status"],
            "primary": r["is_primary"],
            "owner": r["is_owner"],
            "decision_reason": r["decision_reason"],
            "requested_at": r["created_at"].isoformat(),
            "decided_at": r["decided_at"].isoformat() if r["decided_at"] else None,
        }
        for r in bound.mappings()
    ]
    export.extend(
        {
            "kind": "yard_grant",
            "id": r["id"],
            "yard_id": r["yard_id"],
            "address": addresses.address_label(r["yard_name"]),
            "granted_at": r["created_at"].isoformat(),
        }
        for r in granted.mappings()
    )
    return export


# --- events -------------------------------------------------------------------------------


def binding_proto(row: Row) -> directory_pb2.ApartmentBinding:
    """A stored binding as the contract shows it."""
    message = directory_pb2.ApartmentBinding(
        id=row["id"],
        user_id=row["user_id"],
        apartment_id=row["apartment_id"],
        status=_BINDING_STATUS[row["status"]],
        primary=row["is_primary"],
        owner=row["is_owner"],
        decision_reason=row["decision_reason"],
        decided_by=row["decided_by"] or "",
    )
    message.requested_at.FromDatetime(row["created_at"])
    if row["decided_at"] is not None:
        message.decided_at.FromDatetime(row["decided_at"])
    return message


def grant_proto(row: Row) -> directory_pb2.YardGrant:
    """A stored yard grant as the contract shows it."""
    message = directory_pb2.YardGrant(
        id=row["id"],
        user_id=row["user_id"],
        yard_id=row["yard_id"],
        granted_by=row["granted_by"] or "",
    )
    message.granted_at.FromDatetime(row["created_at"])
    return message


_BINDING_STATUS = {
    BindingStatus.PENDING.value: directory_pb2.BINDING_STATUS_PENDING,
    BindingStatus.APPROVED.value: directory_pb2.BINDING_STATUS_APPROVED,
    BindingStatus.REJECTED.value: directory_pb2.BINDING_STATUS_REJECTED,
}


async def _emit(session: AsyncSession, message: Message, user_id: str) -> None:
    """Queue a directory event; its subject is the person it concerns (their notifications)."""
    await enqueue(
        session,
        models.outbox,
        message,
        domain="users",
        source="users",
        aggregate_id=user_id,
        traceparent=current_traceparent(),
    )


# --- helpers ------------------------------------------------------------------------------

_BINDING_CHAIN = t.bindings.join(t.apartments, t.apartments.c.id == t.bindings.c.apartment_id)
_BINDING_CHAIN = _BINDING_CHAIN.join(
    t.buildings, t.buildings.c.id == t.apartments.c.building_id
).join(t.yards, t.yards.c.id == t.buildings.c.yard_id)
_ADDRESS_COLUMNS = (
    t.apartments.c.number.label("apartment_number"),
    t.apartments.c.active.label("apartment_active"),
    t.apartments.c.building_id,
    t.buildings.c.address.label("building_address"),
    t.buildings.c.active.label("building_active"),
    t.buildings.c.yard_id,
    t.yards.c.name.label("yard_name"),
    t.yards.c.active.label("yard_active"),
)
# Approved bindings with their whole chain (active or not: the rules decide).
_BOUND = (
    sa.select(t.bindings, *_ADDRESS_COLUMNS)
    .select_from(_BINDING_CHAIN)
    .where(
        t.bindings.c.user_id == sa.bindparam("user_id"),
        t.bindings.c.status == BindingStatus.APPROVED.value,
    )
)
# Granted yards with every building in them.
_GRANTED = (
    sa.select(
        t.yard_grants.c.yard_id,
        t.yards.c.name.label("yard_name"),
        t.yards.c.active.label("yard_active"),
        t.buildings.c.id.label("building_id"),
        t.buildings.c.address.label("building_address"),
        t.buildings.c.active.label("building_active"),
    )
    .select_from(t.yard_grants)
    .join(t.yards, t.yards.c.id == t.yard_grants.c.yard_id)
    .outerjoin(t.buildings, t.buildings.c.yard_id == t.yards.c.id)
    .where(t.yard_grants.c.user_id == sa.bindparam("user_id"))
)


def _new_id() -> str:
    return str(uuid.uuid4())


def _view(row: Row) -> BindingView:
    return BindingView(
        row["id"],
        row["apartment_id"],
        BindingStatus(row["status"]),
        row["is_primary"],
        row["created_at"],
    )


async def _get(executor: AsyncSession | AsyncConnection, kind: _Kind, object_id: str) -> Row:
    row = (
        (await executor.execute(sa.select(kind.table).where(kind.table.c.id == object_id)))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(kind.level.value, object_id)
    return row


async def _locked(
    session: AsyncSession, kind: _Kind, object_id: str, *, share: bool = False
) -> Row:
    """The row, locked until commit (FOR UPDATE, or FOR SHARE to only keep it in place)."""
    query = sa.select(kind.table).where(kind.table.c.id == object_id)
    query = query.with_for_update(read=share)
    row = (await session.execute(query)).mappings().first()
    if row is None:
        raise NotFound(kind.level.value, object_id)
    return row


def _check_deactivated(kind: _Kind, row: Row) -> None:
    if row["active"]:
        raise FailedPrecondition(
            "STILL_ACTIVE",
            f"delete (deactivate) the {kind.level.value} before purging it",
            {f"{kind.level.value}_id": row["id"]},
        )


async def _local_references(session: AsyncSession, level: Level, object_id: str) -> dict[str, int]:
    """What in the directory points at the object: children, open bindings, grants."""

    async def count(table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
        return int(
            await session.scalar(sa.select(sa.func.count()).select_from(table).where(*where)) or 0
        )

    if level is Level.YARD:
        return {
            "buildings": await count(t.buildings, t.buildings.c.yard_id == object_id),
            "yard grants": await count(t.yard_grants, t.yard_grants.c.yard_id == object_id),
        }
    if level is Level.BUILDING:
        return {"apartments": await count(t.apartments, t.apartments.c.building_id == object_id)}
    open_statuses = [s.value for s in addresses.OPEN_STATUSES]
    return {
        "bindings": await count(
            t.bindings,
            t.bindings.c.apartment_id == object_id,
            t.bindings.c.status.in_(open_statuses),
        )
    }


def _matches(level: Level, key: str) -> sa.ColumnElement[bool]:
    if level is Level.YARD:
        return t.yards.c.name_key.contains(key, autoescape=True)
    if level is Level.BUILDING:
        return t.buildings.c.address_key.contains(key, autoescape=True)
    return t.apartments.c.number_key.startswith(key, autoescape=True)


def _chain_active(level: Level) -> list[sa.ColumnElement[bool]]:
    """Conditions for "this object and every parent of it is active"."""
    if level is Level.YARD:
        return [t.yards.c.active]
    yard_active = sa.exists().where(t.yards.c.id == t.buildings.c.yard_id, t.yards.c.active)
    if level is Level.BUILDING:
        return [t.buildings.c.active, yard_active]
    building_active = sa.exists().where(
        t.buildings.c.id == t.apartments.c.building_id, t.buildings.c.active, yard_active
    )
    return [t.apartments.c.active, building_active]


async def _chain_is_active(session: AsyncSession, building_id: str) -> bool:
    """Whether a building and its yard are both active."""
    return bool(
        await session.scalar(
            sa.select(sa.literal(True)).where(
                t.buildings.c.id == building_id, *_chain_active(Level.BUILDING)
            )
        )
    )


async def _check_apartments_fit(
    session: AsyncSession, building_id: str, shape: Mapping[str, Any]
) -> None:
    """A building may not shrink below the entrances and floors its apartments are on."""
    outside = await session.scalar(
        sa.select(sa.func.count())
        .select_from(t.apartments)
        .where(
            t.apartments.c.building_id == building_id,
            sa.or_(
                t.apartments.c.entrance > shape["entrances"], t.apartments.c.floor > shape["floors"]
            ),
        )
    )
    if outside:
        raise FailedPrecondition(
            "APARTMENTS_OUTSIDE",
            f"{outside} apartments are on entrances or floors the building would no longer have",
            {"building_id": building_id},
        )


async def _lock_bindings(session: AsyncSession, user_id: str) -> list[BindingView]:
    """A person's bindings, locked: their binding changes run one at a time (one primary)."""
    rows = await session.execute(
        sa.select(t.bindings).where(t.bindings.c.user_id == user_id).with_for_update()
    )
    return [_view(r) for r in rows.mappings()]


async def _bindings(session: AsyncSession, ids: Sequence[str]) -> list[Row]:
    """Bindings by id, oldest first."""
    rows = await session.execute(
        sa.select(t.bindings)
        .where(t.bindings.c.id.in_(ids))
        .order_by(t.bindings.c.created_at, t.bindings.c.id)
    )
    return list(rows.mappings().all())


async def _set_decision(
    session: AsyncSession,
    ids: Sequence[str],
    status: BindingStatus,
    reason: str,
    decided_by: str,
    now: datetime,
) -> list[Row]:
    result = await session.execute(
        sa.update(t.bindings)
        .where(t.bindings.c.id.in_(ids))
        .values(
            status=status.value,
            decision_reason=reason.strip() if status is BindingStatus.REJECTED else "",
            decided_by=decided_by or None,
            decided_at=now,
            updated_at=now,
        )
        .returning(*t.bindings.c)
    )
    return sorted(result.mappings().all(), key=lambda r: (r["created_at"], r["id"]))


async def _settle_primary(session: AsyncSession, user_id: str, wanted: str | None) -> None:
    """Make the binding `addresses.choose_primary` picks the person's only primary one."""
    rows = await session.execute(sa.select(t.bindings).where(t.bindings.c.user_id == user_id))
    mine = [_view(r) for r in rows.mappings()]
    chosen = addresses.choose_primary(mine, wanted)
    if [b.id for b in mine if b.primary] == ([chosen] if chosen else []):
        return
    # Clear first: the unique index allows one primary per person at every statement.
    await session.execute(
        sa.update(t.bindings)
        .where(t.bindings.c.user_id == user_id, t.bindings.c.is_primary)
        .values(is_primary=False)
    )
    if chosen is not None:
        await session.execute(
            sa.update(t.bindings).where(t.bindings.c.id == chosen).values(is_primary=True)
        )


def _already_exists(exc: IntegrityError) -> Exception:
    """AlreadyExists for a unique violation we know; anything else is re-raised as is."""
    cause = getattr(exc.orig, "__cause__", None)
    name = getattr(cause, "constraint_name", None)
    if name in _ALREADY:
        return AlreadyExists(_ALREADY[name])
    return exc
