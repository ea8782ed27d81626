"""Persistence of the directory's places: yards, buildings, apartments (one by one or as a
range), their listings, and purging guarded by everything that still references them.

The rules are in the pure `services.users.address_*` modules; this one loads the facts they
need and applies their decisions, one transaction each.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.kit.db import transaction
from services.kit.errors import AlreadyExists, FailedPrecondition
from services.users import address_bindings, address_levels
from services.users import directory_models as t
from services.users.address_levels import Level
from services.users.directory_references import RequestReferences
from services.users.directory_sql import (
    ALREADY,
    APARTMENT,
    BUILDING,
    KINDS,
    After,
    DirectoryDb,
    Kind,
    Row,
    already_exists,
    chain_active,
    get_row,
    locked_row,
    new_id,
)


class PlaceStore:
    """SQL of yards, buildings and apartments."""

    def __init__(self, db: DirectoryDb, references: RequestReferences) -> None:
        self.db = db
        self.references = references

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
        async with transaction(self.db.sessions) as session:
            parent = await _parent(session, kind, values)
            if parent is not None and check_parent is not None:
                check_parent(parent)
            row = {**values, "id": new_id(), "active": True, "created_at": now, "updated_at": now}
            stored = await session.execute(
                insert(kind.table)
                .values(row)
                .on_conflict_do_nothing(constraint=kind.unique)
                .returning(*kind.table.c)
            )
            created = stored.mappings().first()
            if created is None:
                raise AlreadyExists(f"{ALREADY[kind.unique]}: {values[kind.name_column]}")
            return created

    async def create_apartments(
        self,
        building_id: str,
        plan: Callable[[Row, list[str]], list[dict[str, Any]]],
        now: datetime,
    ) -> list[Row]:
        """Insert the apartments `plan(building, existing numbers)` returns, all or none."""
        async with transaction(self.db.sessions) as session:
            building = await locked_row(session, BUILDING, building_id)
            address_levels.check_parent_active("building", building_id, building["active"])
            existing = await session.scalars(
                sa.select(t.apartments.c.number).where(t.apartments.c.building_id == building_id)
            )
            rows = [
                {**values, "id": new_id(), "active": True, "created_at": now, "updated_at": now}
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
                raise AlreadyExists(ALREADY[APARTMENT.unique])
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
        async with transaction(self.db.sessions) as session:
            current = await locked_row(session, kind, object_id)
            if check is not None:
                parent = None
                if kind.parent is not None and kind.parent_level is not None:
                    parent_kind = KINDS[kind.parent_level]
                    parent = await get_row(session, parent_kind, current[kind.parent.key])
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
                raise already_exists(exc) from exc
            return updated.mappings().one()

    async def get(self, level: Level, object_id: str) -> Row:
        """One object by id, or NotFound."""
        async with self.db.reader.connect() as connection:
            return await get_row(connection, KINDS[level], object_id)

    async def purge(self, level: Level, object_id: str) -> None:
        """Delete a deactivated object for good, unless anything still references it.

        Requests are counted first (a remote call, outside the transaction); a deactivated
        address cannot be chosen for new requests, so the count cannot grow meanwhile.
        Rejected bindings are history of the apartment and go with it.
        """
        kind = KINDS[level]
        _check_deactivated(kind, await self.get(level, object_id))
        requests = await self.references.count(level, object_id)
        async with transaction(self.db.sessions) as session:
            _check_deactivated(kind, await locked_row(session, kind, object_id))
            references = await _local_references(session, level, object_id)
            address_levels.check_purge(level.value, object_id, {**references, "requests": requests})
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

        `search` is a key (`address_text.text_key` or `apartment_key`): a substring of yard
        names and building addresses, the start of apartment numbers.
        """
        kind = KINDS[level]
        query = sa.select(kind.table)
        if parent_id is not None and kind.parent is not None:
            query = query.where(kind.parent == parent_id)
        if search:
            query = query.where(_matches(level, search))
        if not include_inactive:
            query = query.where(*chain_active(level))
        keys = [kind.table.c[name] for name in kind.order]
        return await self.db.page(query, keys, limit, after)


async def _parent(session: AsyncSession, kind: Kind, values: Mapping[str, Any]) -> Row | None:
    """The active parent a new object goes under (None for a yard)."""
    if kind.parent is None or kind.parent_level is None:
        return None
    parent_kind = KINDS[kind.parent_level]
    # FOR SHARE: the parent cannot be purged or deactivated under the new child.
    parent = await locked_row(session, parent_kind, values[kind.parent.key], share=True)
    address_levels.check_parent_active(kind.parent_level.value, parent["id"], parent["active"])
    return parent


def _check_deactivated(kind: Kind, row: Row) -> None:
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
    open_statuses = [s.value for s in address_bindings.OPEN_STATUSES]
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
