"""What every part of the directory's persistence shares: engine access, paging, the levels
(yard, building, apartment) as tables, row look-ups, unique-violation messages and the outbox.

The parts: `directory_places` (yards, buildings, apartments, purging), `binding_store`
(apartment bindings), `binding_grants` (yard grants), `binding_reach` (what a person may file
requests for, and their data export); `directory_store.DirectoryStore` holds them together.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from google.protobuf.message import Message
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from services.kit.db import session_factory
from services.kit.errors import AlreadyExists, NotFound
from services.kit.outbox import enqueue
from services.kit.telemetry import current_traceparent
from services.users import directory_models as t
from services.users import models
from services.users.address_levels import Level

Row = sa.RowMapping
# The keyset of a listing: the sort-key values of the last row of the previous page.
After = Sequence[Any] | None


class DirectoryDb:
    """The engine as the directory's parts use it: transactions, and reads without one."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.sessions = session_factory(engine)
        # Single-statement reads need no transaction: one round trip instead of three.
        self.reader = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def page(
        self, query: sa.Select[Any], keys: Sequence[sa.ColumnElement[Any]], limit: int, after: After
    ) -> list[Row]:
        """Up to `limit` rows of `query` in `keys` order, starting after the keyset `after`."""
        if after is not None:
            # Typed binds: PostgreSQL compares (uuid, …) tuples only with uuid values.
            bounds = [sa.literal(v, type_=k.type) for k, v in zip(keys, after, strict=True)]
            query = query.where(sa.tuple_(*keys) > sa.tuple_(*bounds))
        async with self.reader.connect() as connection:
            result = await connection.execute(query.order_by(*keys).limit(limit))
            return list(result.mappings().all())


# --- what each directory level is stored as ---------------------------------------------


@dataclass(frozen=True)
class Kind:
    """One level of the directory: its table, its parent, how it sorts and is named."""

    level: Level
    table: sa.Table
    parent: sa.Column[Any] | None  # the column naming the parent
    parent_level: Level | None
    order: tuple[str, ...]  # listing keyset columns
    unique: str  # the unique constraint on its name
    name_column: str  # what AlreadyExists quotes


YARD = Kind(Level.YARD, t.yards, None, None, ("name_key", "id"), "yards_name_key", "name")
BUILDING = Kind(
    Level.BUILDING,
    t.buildings,
    t.buildings.c.yard_id,
    Level.YARD,
    ("address_key", "id"),
    "buildings_address_key",
    "address",
)
APARTMENT = Kind(
    Level.APARTMENT,
    t.apartments,
    t.apartments.c.building_id,
    Level.BUILDING,
    ("number_order", "number_key", "id"),
    "apartments_number_key",
    "number",
)
KINDS = {kind.level: kind for kind in (YARD, BUILDING, APARTMENT)}

# What a violated unique constraint of the directory means, as the caller is told.
ALREADY = {
    "yards_name_key": "a yard with this name already exists",
    "buildings_address_key": "a building with this address already exists in the yard",
    "apartments_number_key": "an apartment with this number already exists in the building",
    "apartment_bindings_open": "you already asked for or hold a binding to this apartment",
    "yard_grants_once": "the user already has access to this yard",
}


def new_id() -> str:
    """A fresh row id."""
    return str(uuid.uuid4())


async def get_row(executor: AsyncSession | AsyncConnection, kind: Kind, object_id: str) -> Row:
    """One object of `kind` by id, or NotFound."""
    row = (
        (await executor.execute(sa.select(kind.table).where(kind.table.c.id == object_id)))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(kind.level.value, object_id)
    return row


async def locked_row(
    session: AsyncSession, kind: Kind, object_id: str, *, share: bool = False
) -> Row:
    """The row, locked until commit (FOR UPDATE, or FOR SHARE to only keep it in place)."""
    query = sa.select(kind.table).where(kind.table.c.id == object_id)
    query = query.with_for_update(read=share)
    row = (await session.execute(query)).mappings().first()
    if row is None:
        raise NotFound(kind.level.value, object_id)
    return row


def chain_active(level: Level) -> list[sa.ColumnElement[bool]]:
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


def already_exists(exc: IntegrityError) -> Exception:
    """AlreadyExists for a unique violation we know; anything else is re-raised as is."""
    cause = getattr(exc.orig, "__cause__", None)
    name = getattr(cause, "constraint_name", None)
    if name in ALREADY:
        return AlreadyExists(ALREADY[name])
    return exc


async def emit(session: AsyncSession, message: Message, user_id: str) -> None:
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
