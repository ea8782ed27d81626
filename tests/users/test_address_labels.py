"""LabelAddresses through the running service: labels of yards, buildings and apartments by
id (the same text ResolveAddresses shows), ids completed, the order kept, missing places left
out, deleted ones still labelled, contradicting references refused by index, who may ask, and
that a batch costs one query."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest
import sqlalchemy as sa
from google.rpc import error_details_pb2
from ukm.users.v1 import directory_service_pb2 as pb
from ukm.users.v1 import directory_service_pb2_grpc as rpc

from services.kit.db import create_engine
from services.kit.status import details_of
from services.users.address_labels import PlaceAsk
from services.users.directory_labels import LabelStore
from services.users.directory_sql import DirectoryDb
from tests.support.identity import Person, person
from tests.support.rpc import code_of
from tests.support.services import direct_channel
from tests.users.conftest import MANAGER, UsersService

POINT = pb.GeoPointInput(latitude_e6=41_311_081, longitude_e6=69_279_737)
OLMAZOR = "ЖК Olmazor"
CHILANZAR = "ЖК Olmazor · ул. Чиланзар, 12"


@dataclass(frozen=True)
class Places:
    """Two yards; in the first, two buildings; apartments 1 and 2 in the first building, 7 in
    the second."""

    yard: str
    other_yard: str
    building: str
    other_building: str
    flat_1: str
    flat_2: str
    flat_7: str


async def make_places(service: UsersService) -> Places:
    staff = service.as_(MANAGER)
    d = service.directory
    yard = (
        await d.CreateYard(pb.CreateYardRequest(name=OLMAZOR, location=POINT), metadata=staff)
    ).yard
    other_yard = (
        await d.CreateYard(pb.CreateYardRequest(name="ЖК Светлый", location=POINT), metadata=staff)
    ).yard

    async def building(address: str) -> str:
        made = await d.CreateBuilding(
            pb.CreateBuildingRequest(
                yard_id=yard.id, address=address, location=POINT, entrances=2, floors=9
            ),
            metadata=staff,
        )
        return made.building.id

    async def flat(building_id: str, number: str) -> str:
        made = await d.CreateApartment(
            pb.CreateApartmentRequest(building_id=building_id, number=number), metadata=staff
        )
        return made.apartment.id

    chilanzar, navoi = await building("ул. Чиланзар, 12"), await building("ул. Навои, 5")
    return Places(
        yard=yard.id,
        other_yard=other_yard.id,
        building=chilanzar,
        other_building=navoi,
        flat_1=await flat(chilanzar, "1"),
        flat_2=await flat(chilanzar, "2"),
        flat_7=await flat(navoi, "7"),
    )


def ref(yard: str = "", building: str = "", apartment: str = "") -> pb.PlaceRef:
    return pb.PlaceRef(yard_id=yard, building_id=building, apartment_id=apartment)


async def label(
    service: UsersService, *refs: pb.PlaceRef, who: Person = MANAGER
) -> list[tuple[tuple[str, str, str], str]]:
    answer = await service.directory.LabelAddresses(
        pb.LabelAddressesRequest(places=refs), metadata=service.as_(who)
    )
    return [
        ((p.place.yard_id, p.place.building_id, p.place.apartment_id), p.label)
        for p in answer.places
    ]


def violations(error: grpc.aio.AioRpcError) -> dict[str, str]:
    """Field → description of a refused call's BadRequest."""
    for detail in details_of(error):
        if isinstance(detail, error_details_pb2.BadRequest):
            return {v.field: v.description for v in detail.field_violations}
    return {}


@pytest.fixture
async def places(service: UsersService) -> Places:
    return await make_places(service)


# --- labels ------------------------------------------------------------------------------------


async def test_each_level_labelled_with_its_ids_completed_in_the_order_asked(
    service: UsersService, places: Places
) -> None:
    p = places
    labelled = await label(
        service,
        ref(apartment=p.flat_7),
        ref(yard=p.other_yard),
        ref(apartment=str(uuid.uuid4())),  # no such place: left out
        ref(building=p.building),
        ref(yard=p.yard, building=p.building, apartment=p.flat_1),
        ref(yard=str(uuid.uuid4())),
        ref(apartment=p.flat_7.upper()),  # the same place, however the id is spelt
    )
    navoi_7 = ((p.yard, p.other_building, p.flat_7), "ЖК Olmazor · ул. Навои, 5 · кв. 7")
    assert labelled == [
        navoi_7,
        ((p.other_yard, "", ""), "ЖК Светлый"),
        ((p.yard, p.building, ""), CHILANZAR),
        ((p.yard, p.building, p.flat_1), f"{CHILANZAR} · кв. 1"),
        navoi_7,
    ]


async def test_labels_read_as_resolve_addresses_shows_them(
    service: UsersService, places: Places
) -> None:
    resident = await service.register("Nodira")
    asked = await service.directory.RequestApartmentBinding(
        pb.RequestApartmentBindingRequest(apartment_id=places.flat_1),
        metadata=service.as_(resident),
    )
    await service.directory.DecideApartmentBinding(
        pb.DecideApartmentBindingRequest(binding_id=asked.binding.id, approve=True),
        metadata=service.as_(MANAGER),
    )
    resolved = await service.directory.ResolveAddresses(
        pb.ResolveAddressesRequest(user_id=resident.user_id), metadata=service.as_(MANAGER)
    )
    expected = [((a.yard_id, a.building_id, a.apartment_id), a.label) for a in resolved.addresses]
    assert len(expected) == 3
    refs = [ref(*ids) for ids, _ in expected]
    assert await label(service, *refs) == expected


async def test_deleted_places_are_still_labelled(service: UsersService, places: Places) -> None:
    staff = service.as_(MANAGER)
    await service.directory.DeleteApartment(
        pb.DeleteApartmentRequest(apartment_id=places.flat_2), metadata=staff
    )
    await service.directory.DeleteYard(pb.DeleteYardRequest(yard_id=places.yard), metadata=staff)
    assert await label(
        service, ref(apartment=places.flat_2), ref(yard=places.yard), who=person("applicant")
    ) == [
        ((places.yard, places.building, places.flat_2), f"{CHILANZAR} · кв. 2"),
        ((places.yard, "", ""), OLMAZOR),
    ]


# --- bad references ----------------------------------------------------------------------------


async def test_a_reference_naming_nothing_is_refused_by_its_index(
    service: UsersService, places: Places
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await label(service, ref(yard=places.yard), ref(), ref(building=places.building), ref())
    assert code_of(raised.value) == grpc.StatusCode.INVALID_ARGUMENT
    assert set(violations(raised.value)) == {"places[1]", "places[3]"}


async def test_contradicting_ids_are_refused_by_their_index(
    service: UsersService, places: Places
) -> None:
    p = places
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await label(
            service,
            ref(building=p.building, apartment=p.flat_1),  # right
            ref(building=p.other_building, apartment=p.flat_1),  # not its building
            ref(yard=p.other_yard, building=p.building),  # not its yard
            ref(yard=p.other_yard, apartment=p.flat_7),  # not its yard either
            ref(building=str(uuid.uuid4()), apartment=p.flat_2),  # no such building at all
            ref(yard=p.other_yard, apartment=str(uuid.uuid4())),  # nothing to contradict
        )
    assert code_of(raised.value) == grpc.StatusCode.INVALID_ARGUMENT
    found = violations(raised.value)
    assert set(found) == {"places[1]", "places[2]", "places[3]", "places[4]"}
    assert "building" in found["places[1]"]
    assert "yard" in found["places[2]"]


async def test_the_contract_bounds_the_batch(service: UsersService, places: Places) -> None:
    for bad in (
        pb.LabelAddressesRequest(),
        pb.LabelAddressesRequest(places=[ref(yard=places.yard)] * 201),
        pb.LabelAddressesRequest(places=[ref(yard="not-a-uuid")]),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await service.directory.LabelAddresses(bad, metadata=service.as_(MANAGER))
        assert code_of(raised.value) == grpc.StatusCode.INVALID_ARGUMENT
    full = await label(service, *[ref(apartment=places.flat_1)] * 200)
    assert len(full) == 200


# --- who may ask -------------------------------------------------------------------------------


@pytest.fixture
async def as_service(service: UsersService) -> AsyncIterator[dict[str, rpc.DirectoryServiceStub]]:
    """DirectoryService called with each service's own certificate, no person behind it."""
    names = ("notifications", "requests", "bot", "auth")
    channels = {n: direct_channel(service.settings, service.server, identity=n) for n in names}
    try:
        yield {n: rpc.DirectoryServiceStub(c) for n, c in channels.items()}
    finally:
        for channel in channels.values():
            await channel.close()


async def test_people_with_any_role_and_the_request_card_services_may_ask(
    service: UsersService, places: Places, as_service: dict[str, rpc.DirectoryServiceStub]
) -> None:
    question = pb.LabelAddressesRequest(places=[ref(building=places.building)])
    for who in ("applicant", "executor", "inspector", "manager", "admin"):
        assert await label(service, ref(building=places.building), who=person(who))
    for name in ("notifications", "requests"):
        answer = await as_service[name].LabelAddresses(question)
        assert [p.label for p in answer.places] == [CHILANZAR]

    refused: list[grpc.aio.AioRpcError] = []
    for name in ("bot", "auth"):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await as_service[name].LabelAddresses(question)
        refused.append(raised.value)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await label(
            service, ref(building=places.building), who=person("applicant", status="pending")
        )
    refused.append(raised.value)
    assert {code_of(e) for e in refused} == {grpc.StatusCode.PERMISSION_DENIED}


async def test_a_batch_costs_one_query(service: UsersService, places: Places) -> None:
    asked = [
        PlaceAsk(None, None, places.flat_1),
        PlaceAsk(None, None, places.flat_7),
        PlaceAsk(None, places.building, None),
        PlaceAsk(places.other_yard, None, None),
        PlaceAsk(None, None, str(uuid.uuid4())),
    ]
    engine = create_engine(service.database_url, pool_size=1)
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    try:
        store = LabelStore(DirectoryDb(engine))
        await store.facts([])  # connect first: the dialect's own set-up
        sa.event.listen(engine.sync_engine, "before_cursor_execute", seen)
        facts = await store.facts(asked)
    finally:
        await engine.dispose()
    assert len(facts) == 4
    assert len(statements) == 1, statements
