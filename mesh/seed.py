"""Demo data for `ukm up`: people, a yard in Tashkent, residents bound to their flats, requests.

The people come from the operator bootstrap (mesh.demo); everything else goes through the real
API at Envoy's edge, signed in as the people who would do it: the manager builds the directory
and approves bindings, residents ask for bindings and file their requests. Every step looks
before it acts, so a second `ukm up` finds the same data instead of filing it twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import grpc
from ukm.requests.v1 import request_pb2, requests_service_pb2, requests_service_pb2_grpc
from ukm.users.v1 import directory_pb2, directory_service_pb2, directory_service_pb2_grpc

from mesh.demo import Credentials, demo_person, demo_token, ensure_demo_people
from mesh.topology import Topology

T = TypeVar("T")
# gRPC metadata that acts as someone.
Metadata = tuple[tuple[str, str], ...]

# Olmazor district, Tashkent (micro-degrees, WGS 84).
YARD_NAME = "ЖК Olmazor City"
YARD_LOCATION = (41_353_150, 69_212_480)
BUILDINGS = (
    ("ул. Олмазор, 12", (41_353_610, 69_211_930)),
    ("ул. Олмазор, 14", (41_352_870, 69_213_040)),
)
# Per building: entrances × floors × flats per floor.
ENTRANCES, FLOORS, PER_FLOOR = 2, 9, 4
# Who lives where: (resident key, building index, flat number).
HOMES = (("resident", 0, "12"), ("resident2", 1, "45"))

DEMO_REQUESTS = {
    "resident": [
        (
            request_pb2.CATEGORY_PLUMBING,
            request_pb2.URGENCY_HIGH,
            "Течёт труба под раковиной на кухне, вода капает к соседям снизу.",
        ),
        (
            request_pb2.CATEGORY_ELEVATOR,
            request_pb2.URGENCY_CRITICAL,
            "Лифт во втором подъезде застрял между 5 и 6 этажом, внутри никого нет.",
        ),
    ],
    "resident2": [
        (
            request_pb2.CATEGORY_ELECTRICITY,
            request_pb2.URGENCY_MEDIUM,
            "Yo'lakda 3-qavatda chiroq yonmayapti, kechqurun juda qorong'i.",
        ),
        (
            request_pb2.CATEGORY_CLEANING,
            request_pb2.URGENCY_LOW,
            "Please clean the stairwell of entrance 1, there is construction dust.",
        ),
    ],
}


@dataclass(frozen=True)
class Home:
    """A demo resident's flat."""

    yard_id: str
    building_id: str
    apartment_id: str


@dataclass(frozen=True)
class Seeded:
    """What the seed made that the banner shows: request numbers, the residents' flats, and
    the request the banner walks through its life (None once that walk has been done)."""

    numbers: list[str]
    homes: dict[str, Home]
    walkthrough: str | None = None


async def seed_demo(
    root: Path,
    topology: Topology,
    *,
    database_url: str,
    data_keys: str,
    local_telegram: bool = False,
) -> Seeded:
    """Make the demo data (once); what the banner needs to show it. With `local_telegram`
    the demo people are linked to their accounts in the local Telegram (never with a real
    bot: there those ids are strangers' accounts)."""
    credentials = Credentials.load_or_create(root)
    await ensure_demo_people(database_url, data_keys, credentials, link_telegram=local_telegram)
    edge = f"127.0.0.1:{topology.edge.http_port}"

    async def as_(key: str) -> Metadata:
        return (("authorization", f"Bearer {await demo_token(root, edge, key)}"),)

    async with grpc.aio.insecure_channel(edge) as channel:
        directory = directory_service_pb2_grpc.DirectoryServiceStub(channel)
        manager = await as_("manager")
        homes = await _directory(directory, manager)
        for key, building, number in HOMES:
            await _bind(directory, manager, await as_(key), key, homes[building][number])
        requests = requests_service_pb2_grpc.RequestServiceStub(channel)
        numbers = []
        walkthrough = None
        for index, (key, building, number) in enumerate(HOMES):
            resident = await as_(key)
            flat = homes[building][number]
            for position, (category, urgency, text) in enumerate(DEMO_REQUESTS[key]):
                response = await requests.CreateRequest(
                    requests_service_pb2.CreateRequestRequest(
                        category=category,
                        urgency=urgency,
                        description=text,
                        source=request_pb2.SOURCE_BOT,
                        address=requests_service_pb2.AddressInput(
                            level=request_pb2.ADDRESS_LEVEL_APARTMENT,
                            yard_id=flat.yard_id,
                            building_id=flat.building_id,
                            apartment_id=flat.apartment_id,
                        ),
                        idempotency_key=f"demo-seed-{index}-{position}",
                    ),
                    metadata=resident,
                    timeout=10,
                )
                numbers.append(response.request.request_number)
                # The resident's leak, still waiting in the plumbers' pool: the banner's walk.
                if (
                    walkthrough is None
                    and response.request.status == request_pb2.REQUEST_STATUS_NEW
                ):
                    walkthrough = response.request.request_number
    residents = {key: homes[building][number] for key, building, number in HOMES}
    return Seeded(numbers, residents, walkthrough)


async def _directory(
    directory: directory_service_pb2_grpc.DirectoryServiceStub, manager: Metadata
) -> list[dict[str, Home]]:
    """The yard, its buildings and flats (created when missing); per building, flats by number."""
    found = await _patiently(
        lambda: directory.ListYards(
            directory_service_pb2.ListYardsRequest(query=YARD_NAME), metadata=manager
        )
    )
    if found.yards:
        yard = found.yards[0]
    else:
        yard = (
            await directory.CreateYard(
                directory_service_pb2.CreateYardRequest(
                    name=YARD_NAME,
                    location=_point(YARD_LOCATION),
                    description="Демо-комплекс: два дома, по 72 квартиры",
                ),
                metadata=manager,
            )
        ).yard
    listed = await directory.ListBuildings(
        directory_service_pb2.ListBuildingsRequest(yard_id=yard.id), metadata=manager
    )
    existing = {b.address: b for b in listed.buildings}
    homes = []
    for address, location in BUILDINGS:
        building = (
            existing.get(address)
            or (
                await directory.CreateBuilding(
                    directory_service_pb2.CreateBuildingRequest(
                        yard_id=yard.id,
                        address=address,
                        location=_point(location),
                        entrances=ENTRANCES,
                        floors=FLOORS,
                    ),
                    metadata=manager,
                )
            ).building
        )
        flats = await _all_flats(directory, manager, building.id)
        if not flats:
            created = await directory.CreateApartmentRange(
                directory_service_pb2.CreateApartmentRangeRequest(
                    building_id=building.id,
                    first=1,
                    last=ENTRANCES * FLOORS * PER_FLOOR,
                    apartments_per_floor=PER_FLOOR,
                    floors_per_entrance=FLOORS,
                ),
                metadata=manager,
            )
            flats = list(created.apartments)
        homes.append({flat.number: Home(yard.id, building.id, flat.id) for flat in flats})
    return homes


async def _all_flats(
    directory: directory_service_pb2_grpc.DirectoryServiceStub,
    manager: Metadata,
    building_id: str,
) -> list[directory_pb2.Apartment]:
    flats: list[directory_pb2.Apartment] = []
    token = ""
    while True:
        page = await directory.ListApartments(
            directory_service_pb2.ListApartmentsRequest(
                building_id=building_id, page_size=100, page_token=token
            ),
            metadata=manager,
        )
        flats.extend(page.apartments)
        token = page.next_page_token
        if not token:
            return flats


async def _bind(
    directory: directory_service_pb2_grpc.DirectoryServiceStub,
    manager: Metadata,
    resident: Metadata,
    key: str,
    home: Home,
) -> None:
    """The resident's binding to their flat, asked for by them and approved by the manager."""
    user_id = demo_person(key).user_id
    bindings = await directory.ListApartmentBindings(
        directory_service_pb2.ListApartmentBindingsRequest(user_id=user_id), metadata=resident
    )
    mine = [b for b in bindings.bindings if b.apartment_id == home.apartment_id]
    if mine and mine[0].status == directory_pb2.BINDING_STATUS_APPROVED:
        return
    binding = (
        mine[0]
        if mine
        else (
            await directory.RequestApartmentBinding(
                directory_service_pb2.RequestApartmentBindingRequest(
                    apartment_id=home.apartment_id, owner=True, primary=True
                ),
                metadata=resident,
            )
        ).binding
    )
    await directory.DecideApartmentBinding(
        directory_service_pb2.DecideApartmentBindingRequest(binding_id=binding.id, approve=True),
        metadata=manager,
    )


def _point(micro_degrees: tuple[int, int]) -> directory_service_pb2.GeoPointInput:
    return directory_service_pb2.GeoPointInput(
        latitude_e6=micro_degrees[0], longitude_e6=micro_degrees[1]
    )


async def _patiently(call: Callable[[], Awaitable[T]], within: float = 20.0) -> T:
    """`call`, retried while the mesh is still warming up (UNAVAILABLE)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        try:
            return await call()
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.UNAVAILABLE:
                raise
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)
