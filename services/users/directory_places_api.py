"""The places of `DirectoryService`: yards, buildings and apartments (ranges of them too),
created, changed, soft deleted, purged and listed (part of `directory_api.DirectoryApi`).

Anyone may list what can be chosen; only managers see deleted places.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeAlias

import grpc
from ukm.users.v1 import directory_pb2
from ukm.users.v1 import directory_service_pb2 as pb

from services.kit.context import current_caller
from services.kit.errors import InvalidArgument, PermissionDenied
from services.users import address_numbers, address_ranges, address_text
from services.users.address_levels import Level
from services.users.directory_paging_api import page, parse_uuid
from services.users.directory_sql import KINDS, After, Row
from services.users.directory_store import DirectoryStore

Context: TypeAlias = grpc.aio.ServicerContext


class PlaceRpcs:
    """Yards, buildings and apartments (a mixin of `directory_api.DirectoryApi`, which sets
    these)."""

    store: DirectoryStore
    clock: Callable[[], datetime]

    # --- yards --------------------------------------------------------------------------------

    async def CreateYard(
        self, request: pb.CreateYardRequest, context: Context
    ) -> pb.CreateYardResponse:
        """A new yard (its name unique however it is spelt)."""
        values = {**_name(request.name), **_point(request.location)}
        values["description"] = request.description.strip()
        row = await self.store.places.create(Level.YARD, values, self.clock())
        return pb.CreateYardResponse(yard=yard_proto(row))

    async def UpdateYard(
        self, request: pb.UpdateYardRequest, context: Context
    ) -> pb.UpdateYardResponse:
        """Rename, move, describe or restore a yard."""
        changes: dict[str, Any] = {}
        if request.HasField("name"):
            changes.update(_name(request.name))
        if request.HasField("location"):
            changes.update(_point(request.location))
        if request.HasField("description"):
            changes["description"] = request.description.strip()
        if request.HasField("active"):
            changes["active"] = request.active
        row = await self._update(Level.YARD, request.yard_id, changes)
        return pb.UpdateYardResponse(yard=yard_proto(row))

    async def DeleteYard(
        self, request: pb.DeleteYardRequest, context: Context
    ) -> pb.DeleteYardResponse:
        """Soft delete: the yard and everything in it can no longer be chosen."""
        row = await self._update(Level.YARD, request.yard_id, {"active": False})
        return pb.DeleteYardResponse(yard=yard_proto(row))

    async def PurgeYard(
        self, request: pb.PurgeYardRequest, context: Context
    ) -> pb.PurgeYardResponse:
        """Remove a deleted yard that nothing references any more."""
        await self.store.places.purge(Level.YARD, request.yard_id)
        return pb.PurgeYardResponse()

    async def ListYards(
        self, request: pb.ListYardsRequest, context: Context
    ) -> pb.ListYardsResponse:
        """Yards by name, optionally those whose name contains `query`."""
        rows, token = await self._listing(
            request,
            Level.YARD,
            parent_id=None,
            search=address_text.text_key(request.query),
            include_inactive=request.include_inactive,
            parsers=(str, parse_uuid),
        )
        return pb.ListYardsResponse(yards=[yard_proto(r) for r in rows], next_page_token=token)

    # --- buildings ----------------------------------------------------------------------------

    async def CreateBuilding(
        self, request: pb.CreateBuildingRequest, context: Context
    ) -> pb.CreateBuildingResponse:
        """A new building in an active yard."""
        address_numbers.check_building_size(request.entrances, request.floors)
        values = {
            "yard_id": request.yard_id,
            **_address(request.address),
            **_point(request.location),
            "entrances": request.entrances,
            "floors": request.floors,
        }
        row = await self.store.places.create(Level.BUILDING, values, self.clock())
        return pb.CreateBuildingResponse(building=building_proto(row))

    async def UpdateBuilding(
        self, request: pb.UpdateBuildingRequest, context: Context
    ) -> pb.UpdateBuildingResponse:
        """Change a building's address, location or size, or restore it."""
        changes: dict[str, Any] = {}
        if request.HasField("address"):
            changes.update(_address(request.address))
        if request.HasField("location"):
            changes.update(_point(request.location))
        for size in ("entrances", "floors"):
            if request.HasField(size):
                changes[size] = getattr(request, size)
        if request.HasField("active"):
            changes["active"] = request.active
        # Shrinking below the apartments already placed is refused by the store.
        row = await self._update(Level.BUILDING, request.building_id, changes)
        return pb.UpdateBuildingResponse(building=building_proto(row))

    async def DeleteBuilding(
        self, request: pb.DeleteBuildingRequest, context: Context
    ) -> pb.DeleteBuildingResponse:
        """Soft delete: the building and its apartments can no longer be chosen."""
        row = await self._update(Level.BUILDING, request.building_id, {"active": False})
        return pb.DeleteBuildingResponse(building=building_proto(row))

    async def PurgeBuilding(
        self, request: pb.PurgeBuildingRequest, context: Context
    ) -> pb.PurgeBuildingResponse:
        """Remove a deleted building that nothing references any more."""
        await self.store.places.purge(Level.BUILDING, request.building_id)
        return pb.PurgeBuildingResponse()

    async def ListBuildings(
        self, request: pb.ListBuildingsRequest, context: Context
    ) -> pb.ListBuildingsResponse:
        """Buildings by address, of one yard or all, optionally matching `query`."""
        rows, token = await self._listing(
            request,
            Level.BUILDING,
            parent_id=request.yard_id or None,
            search=address_text.text_key(request.query),
            include_inactive=request.include_inactive,
            parsers=(str, parse_uuid),
        )
        return pb.ListBuildingsResponse(
            buildings=[building_proto(r) for r in rows], next_page_token=token
        )

    # --- apartments ---------------------------------------------------------------------------

    async def CreateApartment(
        self, request: pb.CreateApartmentRequest, context: Context
    ) -> pb.CreateApartmentResponse:
        """A new apartment in an active building (its number unique there)."""
        values = {
            "building_id": request.building_id,
            **_number(request.number),
            "entrance": request.entrance or None,
            "floor": request.floor or None,
            "rooms": request.rooms or None,
            "area_dm2": _area(request.area_m2),
        }

        def fits(building: Row) -> None:
            _check_placement(values, building)

        row = await self.store.places.create(
            Level.APARTMENT, values, self.clock(), check_parent=fits
        )
        return pb.CreateApartmentResponse(apartment=apartment_proto(row))

    async def CreateApartmentRange(
        self, request: pb.CreateApartmentRangeRequest, context: Context
    ) -> pb.CreateApartmentRangeResponse:
        """Apartments `first`..`last` at once, all or none."""
        layout = address_ranges.RangeLayout(
            apartments_per_floor=request.apartments_per_floor or None,
            floors_per_entrance=request.floors_per_entrance or None,
        )

        def plan(building: Row, existing: list[str]) -> list[dict[str, Any]]:
            shape = address_ranges.BuildingShape(building["entrances"], building["floors"])
            planned = address_ranges.expand_range(
                request.first, request.last, building=shape, layout=layout, existing=existing
            )
            return [
                {
                    "building_id": request.building_id,
                    **_number(a.number),
                    "entrance": a.entrance,
                    "floor": a.floor,
                }
                for a in planned
            ]

        rows = await self.store.places.create_apartments(request.building_id, plan, self.clock())
        return pb.CreateApartmentRangeResponse(apartments=[apartment_proto(r) for r in rows])

    async def UpdateApartment(
        self, request: pb.UpdateApartmentRequest, context: Context
    ) -> pb.UpdateApartmentResponse:
        """Change an apartment's number or details (zero or empty clears one), or restore it."""
        changes: dict[str, Any] = {}
        if request.HasField("number"):
            changes.update(_number(request.number))
        for detail in ("entrance", "floor", "rooms"):
            if request.HasField(detail):
                changes[detail] = getattr(request, detail) or None
        if request.HasField("area_m2"):
            changes["area_dm2"] = _area(request.area_m2)
        if request.HasField("active"):
            changes["active"] = request.active

        def check(current: Row, building: Row | None) -> None:
            assert building is not None  # an apartment always has its building
            _check_placement({**current, **changes}, building)

        row = await self._update(Level.APARTMENT, request.apartment_id, changes, check)
        return pb.UpdateApartmentResponse(apartment=apartment_proto(row))

    async def DeleteApartment(
        self, request: pb.DeleteApartmentRequest, context: Context
    ) -> pb.DeleteApartmentResponse:
        """Soft delete: the apartment can no longer be chosen; its bindings stop working."""
        row = await self._update(Level.APARTMENT, request.apartment_id, {"active": False})
        return pb.DeleteApartmentResponse(apartment=apartment_proto(row))

    async def PurgeApartment(
        self, request: pb.PurgeApartmentRequest, context: Context
    ) -> pb.PurgeApartmentResponse:
        """Remove a deleted apartment that nothing references any more."""
        await self.store.places.purge(Level.APARTMENT, request.apartment_id)
        return pb.PurgeApartmentResponse()

    async def ListApartments(
        self, request: pb.ListApartmentsRequest, context: Context
    ) -> pb.ListApartmentsResponse:
        """Apartments of a building in number order, optionally those starting with `query`."""
        rows, token = await self._listing(
            request,
            Level.APARTMENT,
            parent_id=request.building_id,
            search=address_text.apartment_key(request.query),
            include_inactive=request.include_inactive,
            parsers=(int, str, parse_uuid),
        )
        return pb.ListApartmentsResponse(
            apartments=[apartment_proto(r) for r in rows], next_page_token=token
        )

    # --- shared -------------------------------------------------------------------------------

    async def _update(
        self,
        level: Level,
        object_id: str,
        changes: dict[str, Any],
        check: Callable[[Row, Row | None], None] | None = None,
    ) -> Row:
        if not changes:
            return await self.store.places.get(level, object_id)
        return await self.store.places.update(level, object_id, changes, self.clock(), check=check)

    async def _listing(
        self,
        request: Any,
        level: Level,
        *,
        parent_id: str | None,
        search: str,
        include_inactive: bool,
        parsers: Sequence[Callable[[Any], Any]],
    ) -> tuple[list[Row], str]:
        if include_inactive and not current_caller().is_staff:
            raise PermissionDenied("STAFF_ONLY", "only managers may list deleted addresses")
        order = KINDS[level].order

        async def fetch(limit: int, after: After) -> list[Row]:
            return await self.store.places.list_objects(
                level,
                parent_id=parent_id,
                search=search or None,
                include_inactive=include_inactive,
                limit=limit,
                after=after,
            )

        return await page(request, fetch, lambda r: [r[k] for k in order], parsers)


# --- proto mapping ----------------------------------------------------------------------------


def yard_proto(row: Row) -> directory_pb2.Yard:
    """A stored yard as the contract shows it."""
    message = directory_pb2.Yard(
        id=row["id"],
        name=row["name"],
        location=_geo(row),
        description=row["description"],
        active=row["active"],
    )
    _stamp(message, row)
    return message


def building_proto(row: Row) -> directory_pb2.Building:
    """A stored building as the contract shows it."""
    message = directory_pb2.Building(
        id=row["id"],
        yard_id=row["yard_id"],
        address=row["address"],
        location=_geo(row),
        entrances=row["entrances"],
        floors=row["floors"],
        active=row["active"],
    )
    _stamp(message, row)
    return message


def apartment_proto(row: Row) -> directory_pb2.Apartment:
    """A stored apartment as the contract shows it (unknown details as zero or empty)."""
    message = directory_pb2.Apartment(
        id=row["id"],
        building_id=row["building_id"],
        number=row["number"],
        entrance=row["entrance"] or 0,
        floor=row["floor"] or 0,
        rooms=row["rooms"] or 0,
        area_m2=address_numbers.format_area(row["area_dm2"]) if row["area_dm2"] else "",
        active=row["active"],
    )
    _stamp(message, row)
    return message


def _geo(row: Row) -> directory_pb2.GeoPoint:
    return directory_pb2.GeoPoint(latitude_e6=row["latitude_e6"], longitude_e6=row["longitude_e6"])


def _stamp(message: Any, row: Row) -> None:
    message.created_at.FromDatetime(row["created_at"])
    message.updated_at.FromDatetime(row["updated_at"])


# --- input mapping ----------------------------------------------------------------------------


def _name(text: str) -> dict[str, Any]:
    name = address_text.clean_text(text)
    if len(name) < 2:
        raise InvalidArgument.field("name", "must have at least 2 characters besides spaces")
    return {"name": name, "name_key": address_text.text_key(name)}


def _address(text: str) -> dict[str, Any]:
    address = address_text.clean_text(text)
    if len(address) < 3:
        raise InvalidArgument.field("address", "must have at least 3 characters besides spaces")
    return {"address": address, "address_key": address_text.text_key(address)}


def _number(text: str) -> dict[str, Any]:
    number = address_text.apartment_number(text)
    return {
        "number": number,
        "number_key": address_text.apartment_key(number),
        "number_order": address_text.number_order(number),
    }


def _point(location: pb.GeoPointInput) -> dict[str, int]:
    point = address_numbers.check_point(
        address_numbers.GeoPoint(location.latitude_e6, location.longitude_e6)
    )
    return {"latitude_e6": point.latitude_e6, "longitude_e6": point.longitude_e6}


def _area(text: str) -> int | None:
    return address_numbers.parse_area(text, "area_m2") if text else None


def _check_placement(apartment: dict[str, Any], building: Row) -> None:
    address_numbers.check_placement(
        apartment["entrance"],
        apartment["floor"],
        entrances=building["entrances"],
        floors=building["floors"],
    )
    if apartment["rooms"] is not None:
        address_numbers.check_rooms(apartment["rooms"])
