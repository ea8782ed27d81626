"""What a person's bindings and yard grants amount to, with readable addresses: the addresses
they may file requests for (`resolve`, behind ResolveAddresses) and what their data export shows
of the directory (`bindings_of`, run inside the export's own snapshot)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.users import address_reach
from services.users import directory_models as t
from services.users.address_bindings import BindingStatus, BindingView
from services.users.binding_store import binding_view
from services.users.directory_sql import DirectoryDb, Row

_BINDING_CHAIN = (
    t.bindings.join(t.apartments, t.apartments.c.id == t.bindings.c.apartment_id)
    .join(t.buildings, t.buildings.c.id == t.apartments.c.building_id)
    .join(t.yards, t.yards.c.id == t.buildings.c.yard_id)
)
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


class ReachStore:
    """Reads of what people may file requests for."""

    def __init__(self, db: DirectoryDb) -> None:
        self.db = db

    async def resolve(self, user_id: str) -> address_reach.Reach:
        """What `user_id` may file requests for (see `address_reach.reachable`)."""
        async with self.db.reader.connect() as connection:
            bound = await connection.execute(_BOUND, {"user_id": user_id})
            granted = await connection.execute(_GRANTED, {"user_id": user_id})
        return _reach(bound.mappings(), granted.mappings())


def _reach(bound: Iterable[Row], granted: Iterable[Row]) -> address_reach.Reach:
    """The rules' verdict on approved bindings and granted yards (rows of `_BOUND`, `_GRANTED`)."""
    yards: dict[str, address_reach.YardFact] = {}
    buildings: dict[str, address_reach.BuildingFact] = {}
    apartments: dict[str, address_reach.ApartmentFact] = {}
    bindings: list[BindingView] = []
    for r in bound:
        bindings.append(binding_view(r))
        yards[r["yard_id"]] = address_reach.YardFact(r["yard_id"], r["yard_name"], r["yard_active"])
        buildings[r["building_id"]] = address_reach.BuildingFact(
            r["building_id"], r["yard_id"], r["building_address"], r["building_active"]
        )
        apartments[r["apartment_id"]] = address_reach.ApartmentFact(
            r["apartment_id"], r["building_id"], r["apartment_number"], r["apartment_active"]
        )
    grants: list[str] = []
    for r in granted:
        grants.append(r["yard_id"])
        yards[r["yard_id"]] = address_reach.YardFact(r["yard_id"], r["yard_name"], r["yard_active"])
        if r["building_id"] is not None:
            buildings[r["building_id"]] = address_reach.BuildingFact(
                r["building_id"], r["yard_id"], r["building_address"], r["building_active"]
            )
    facts = address_reach.DirectoryFacts(yards, buildings, apartments)
    return address_reach.reachable(bindings, grants, facts)


async def bindings_of(session: AsyncSession, user_id: str) -> list[dict[str, Any]]:
    """Everything the directory holds about `user_id`, for their data export: bindings and
    yard grants with readable addresses (JSON-ready: strings, booleans, ISO timestamps)."""
    bound = await session.execute(
        sa.select(t.bindings, *_ADDRESS_COLUMNS)
        .select_from(_BINDING_CHAIN)
        .where(t.bindings.c.user_id == user_id)
        .order_by(t.bindings.c.created_at, t.bindings.c.id)
    )
    granted = await session.execute(
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
            "address": address_reach.address_label(
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
            "address": address_reach.address_label(r["yard_name"]),
            "granted_at": r["created_at"].isoformat(),
        }
        for r in granted.mappings()
    )
    return export
