"""DirectoryService through the running users service: the contract's validation, the
permission matrix, the resource rules, paging, and a purge that asks the requests service."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from ukm.requests.v1 import request_pb2
from ukm.requests.v1 import requests_service_pb2 as requests_pb
from ukm.requests.v1 import requests_service_pb2_grpc as requests_rpc
from ukm.users.v1 import directory_pb2
from ukm.users.v1 import directory_service_pb2 as pb
from ukm.users.v1 import directory_service_pb2_grpc as rpc

from services.kit.channels import MeshChannels
from services.users.directory_references import MeshRequestReferences
from tests.requests.factories import create_request
from tests.support.identity import Person, person, test_issuer
from tests.support.rpc import code_of, reason_of
from tests.support.services import (
    direct_channel,
    running_requests,
    running_service,
    service_settings,
)
from tests.users.conftest import MANAGER, Clock, UsersService

TASHKENT = pb.GeoPointInput(latitude_e6=41_311_081, longitude_e6=69_279_737)


@dataclass
class Directory:
    """A DirectoryService stub that acts for whoever a call names."""

    stub: rpc.DirectoryServiceStub

    async def call(self, method: str, message: object, who: Person | None = MANAGER) -> Any:
        metadata = test_issuer().metadata(who) if who is not None else ()
        return await getattr(self.stub, method)(message, metadata=metadata)

    async def refused(
        self, method: str, message: object, who: Person | None = MANAGER
    ) -> grpc.aio.AioRpcError:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await self.call(method, message, who)
        return raised.value


@pytest.fixture
async def directory(service: UsersService) -> AsyncIterator[Directory]:
    channel = direct_channel(service.settings, service.server)
    try:
        yield Directory(rpc.DirectoryServiceStub(channel))
    finally:
        await channel.close()


async def make_chain(directory: Directory, apartments: int = 1) -> tuple[str, str, list[str]]:
    """A yard, a building and apartments 1..`apartments`; their ids."""
    yard = await directory.call(
        "CreateYard", pb.CreateYardRequest(name="ЖК Olmazor", location=TASHKENT)
    )
    building = await directory.call(
        "CreateBuilding",
        pb.CreateBuildingRequest(
            yard_id=yard.yard.id,
            address="ул. Чиланзар, 12",
            location=TASHKENT,
            entrances=4,
            floors=9,
        ),
    )
    building_id = building.building.id
    ids: list[str] = []
    if apartments:
        created = await directory.call(
            "CreateApartmentRange",
            pb.CreateApartmentRangeRequest(building_id=building_id, first=1, last=apartments),
        )
        ids = [a.id for a in created.apartments]
    return yard.yard.id, building_id, ids


# --- managing the directory -------------------------------------------------------------------


async def test_manager_creates_updates_deletes_and_restores(directory: Directory) -> None:
    yard_id, building_id, _ = await make_chain(directory, apartments=0)
    created = await directory.call(
        "CreateApartment",
        pb.CreateApartmentRequest(
            building_id=building_id, number="12а", entrance=1, floor=3, rooms=2, area_m2="54.3"
        ),
    )
    apartment = created.apartment
    assert (apartment.number, apartment.area_m2, apartment.floor) == ("12А", "54.30", 3)

    updated = await directory.call(
        "UpdateApartment",
        pb.UpdateApartmentRequest(apartment_id=apartment.id, area_m2="", rooms=0, floor=4),
    )
    assert (updated.apartment.area_m2, updated.apartment.rooms, updated.apartment.floor) == (
        "",
        0,
        4,
    )
    deleted = await directory.call(
        "DeleteApartment", pb.DeleteApartmentRequest(apartment_id=apartment.id)
    )
    assert deleted.apartment.active is False
    restored = await directory.call(
        "UpdateApartment", pb.UpdateApartmentRequest(apartment_id=apartment.id, active=True)
    )
    assert restored.apartment.active is True

    renamed = await directory.call(
        "UpdateYard", pb.UpdateYardRequest(yard_id=yard_id, name="  ЖК   Olmazor-2 ")
    )
    assert renamed.yard.name == "ЖК Olmazor-2"


@pytest.mark.parametrize(
    ("method", "message", "field"),
    [
        ("CreateYard", pb.CreateYardRequest(name="   ", location=TASHKENT), "name"),
        ("CreateYard", pb.CreateYardRequest(name="Yard", location=pb.GeoPointInput()), "location"),
        (
            "CreateYard",
            pb.CreateYardRequest(
                name="Yard", location=pb.GeoPointInput(latitude_e6=91_000_000, longitude_e6=1)
            ),
            "location.latitude_e6",
        ),
    ],
)
async def test_bad_input_is_refused_with_the_field(
    directory: Directory, method: str, message: object, field: str
) -> None:
    error = await directory.refused(method, message)
    assert code_of(error) == grpc.StatusCode.INVALID_ARGUMENT
    assert field in (error.details() or "")


async def test_apartment_input_is_checked_against_the_building(directory: Directory) -> None:
    _, building_id, _ = await make_chain(directory)
    for message in (
        pb.CreateApartmentRequest(building_id=building_id, number="7", area_m2="54.355"),
        pb.CreateApartmentRequest(building_id=building_id, number="7", floor=10),  # 9 floors
        pb.CreateApartmentRequest(building_id=building_id, number="7", entrance=5),  # 4
        pb.CreateApartmentRequest(building_id=building_id, number="7#"),
    ):
        error = await directory.refused("CreateApartment", message)
        assert code_of(error) == grpc.StatusCode.INVALID_ARGUMENT, message


async def test_duplicates_are_refused_however_spelt(directory: Directory) -> None:
    await make_chain(directory)
    error = await directory.refused(
        "CreateYard", pb.CreateYardRequest(name="жк  OLMAZOR", location=TASHKENT)
    )
    assert code_of(error) == grpc.StatusCode.ALREADY_EXISTS


async def test_unknown_ids_are_not_found(directory: Directory) -> None:
    error = await directory.refused(
        "DeleteYard", pb.DeleteYardRequest(yard_id="6f1c2a7e-3b9d-4c55-8e21-0a1b2c3d4e5f")
    )
    assert code_of(error) == grpc.StatusCode.NOT_FOUND


async def test_a_range_with_a_layout_places_apartments_and_refuses_overlaps(
    directory: Directory,
) -> None:
    _, building_id, _ = await make_chain(directory, apartments=0)
    made = await directory.call(
        "CreateApartmentRange",
        pb.CreateApartmentRangeRequest(
            building_id=building_id,
            first=1,
            last=120,
            apartments_per_floor=4,
            floors_per_entrance=9,
        ),
    )
    apartments = made.apartments
    assert [a.number for a in apartments] == [str(n) for n in range(1, 121)]
    by_number = {a.number: (a.entrance, a.floor) for a in apartments}
    assert by_number["1"] == (1, 1) and by_number["37"] == (2, 1) and by_number["120"] == (4, 3)

    overlap = await directory.refused(
        "CreateApartmentRange",
        pb.CreateApartmentRangeRequest(building_id=building_id, first=100, last=130),
    )
    assert code_of(overlap) == grpc.StatusCode.ALREADY_EXISTS
    assert "100" in (overlap.details() or "")
    too_many = await directory.refused(
        "CreateApartmentRange",
        pb.CreateApartmentRangeRequest(building_id=building_id, first=200, last=1200),
    )
    assert code_of(too_many) == grpc.StatusCode.INVALID_ARGUMENT
    backwards = await directory.refused(
        "CreateApartmentRange",
        pb.CreateApartmentRangeRequest(building_id=building_id, first=10, last=5),
    )
    assert code_of(backwards) == grpc.StatusCode.INVALID_ARGUMENT


async def test_only_managers_change_the_directory(directory: Directory) -> None:
    resident = person("applicant")
    error = await directory.refused(
        "CreateYard", pb.CreateYardRequest(name="Mine", location=TASHKENT), resident
    )
    assert code_of(error) == grpc.StatusCode.PERMISSION_DENIED
    nobody = await directory.refused("ListYards", pb.ListYardsRequest(), None)
    assert code_of(nobody) == grpc.StatusCode.UNAUTHENTICATED


# --- browsing ---------------------------------------------------------------------------------


async def test_residents_browse_only_what_is_in_use(directory: Directory) -> None:
    yard_id, building_id, _ = await make_chain(directory, apartments=3)
    newcomer = person("applicant", status="pending")  # onboarding: not approved yet
    listed = await directory.call(
        "ListApartments", pb.ListApartmentsRequest(building_id=building_id), newcomer
    )
    assert [a.number for a in listed.apartments] == ["1", "2", "3"]

    await directory.call("DeleteBuilding", pb.DeleteBuildingRequest(building_id=building_id))
    hidden = await directory.call(
        "ListApartments", pb.ListApartmentsRequest(building_id=building_id), newcomer
    )
    assert list(hidden.apartments) == []
    buildings = await directory.call(
        "ListBuildings", pb.ListBuildingsRequest(yard_id=yard_id), newcomer
    )
    assert list(buildings.buildings) == []
    error = await directory.refused(
        "ListBuildings", pb.ListBuildingsRequest(include_inactive=True), newcomer
    )
    assert code_of(error) == grpc.StatusCode.PERMISSION_DENIED
    assert reason_of(error) == "STAFF_ONLY"
    everything = await directory.call(
        "ListBuildings", pb.ListBuildingsRequest(include_inactive=True)
    )
    assert [b.active for b in everything.buildings] == [False]


async def test_search_finds_russian_and_uzbek_spellings(directory: Directory) -> None:
    for name in ("ЖК Ёлочка", "Mirzo Ulugʻbek", "Yunusobod"):
        await directory.call("CreateYard", pb.CreateYardRequest(name=name, location=TASHKENT))

    async def names(query: str) -> list[str]:
        found = await directory.call("ListYards", pb.ListYardsRequest(query=query))
        return [y.name for y in found.yards]

    assert await names("елочка") == ["ЖК Ёлочка"]
    assert await names("ULUG'BEK") == ["Mirzo Ulugʻbek"]
    assert await names("o") == ["Mirzo Ulugʻbek", "Yunusobod"]  # by name, case-blind


async def test_pages_cover_everything_once_and_tokens_are_checked(directory: Directory) -> None:
    _, building_id, _ = await make_chain(directory, apartments=120)
    numbers: list[str] = []
    token = ""
    while True:
        page = await directory.call(
            "ListApartments",
            pb.ListApartmentsRequest(building_id=building_id, page_size=50, page_token=token),
        )
        numbers += [a.number for a in page.apartments]
        token = page.next_page_token
        if not token:
            break
    assert numbers == [str(n) for n in range(1, 121)]

    first = await directory.call(
        "ListApartments", pb.ListApartmentsRequest(building_id=building_id, page_size=10)
    )
    token = first.next_page_token
    other_filter = await directory.refused(
        "ListApartments",
        pb.ListApartmentsRequest(
            building_id=building_id, page_size=10, query="1", page_token=token
        ),
    )
    assert code_of(other_filter) == grpc.StatusCode.INVALID_ARGUMENT
    payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    payload["p"][-1] = "not-a-uuid'); DROP TABLE users.apartments; --"
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    error = await directory.refused(
        "ListApartments",
        pb.ListApartmentsRequest(building_id=building_id, page_size=10, page_token=forged),
    )
    assert code_of(error) == grpc.StatusCode.INVALID_ARGUMENT


# --- bindings and grants ----------------------------------------------------------------------


async def test_binding_moderation_and_who_sees_which_bindings(directory: Directory) -> None:
    _, _, apartments = await make_chain(directory, apartments=2)
    resident, neighbour = person("applicant", status="pending"), person("applicant")
    asked = await directory.call(
        "RequestApartmentBinding",
        pb.RequestApartmentBindingRequest(apartment_id=apartments[0], owner=True, primary=True),
        resident,
    )
    binding = asked.binding
    assert (binding.status, binding.user_id, binding.owner) == (
        directory_pb2.BINDING_STATUS_PENDING,
        resident.user_id,
        True,
    )
    await directory.call(
        "RequestApartmentBinding",
        pb.RequestApartmentBindingRequest(apartment_id=apartments[1]),
        neighbour,
    )
    again = await directory.refused(
        "RequestApartmentBinding",
        pb.RequestApartmentBindingRequest(apartment_id=apartments[0]),
        resident,
    )
    assert code_of(again) == grpc.StatusCode.ALREADY_EXISTS

    queue = await directory.call(
        "ListApartmentBindings",
        pb.ListApartmentBindingsRequest(status=directory_pb2.BINDING_STATUS_PENDING),
    )
    assert len(queue.bindings) == 2
    own = await directory.call("ListApartmentBindings", pb.ListApartmentBindingsRequest(), resident)
    assert [b.id for b in own.bindings] == [binding.id]
    snooping = await directory.refused(
        "ListApartmentBindings",
        pb.ListApartmentBindingsRequest(user_id=neighbour.user_id),
        resident,
    )
    assert code_of(snooping) == grpc.StatusCode.PERMISSION_DENIED

    self_approval = await directory.refused(
        "DecideApartmentBinding",
        pb.DecideApartmentBindingRequest(binding_id=binding.id, approve=True),
        resident,
    )
    assert code_of(self_approval) == grpc.StatusCode.PERMISSION_DENIED
    no_reason = await directory.refused(
        "DecideApartmentBinding",
        pb.DecideApartmentBindingRequest(binding_id=binding.id, approve=False),
    )
    assert code_of(no_reason) == grpc.StatusCode.INVALID_ARGUMENT

    decided = await directory.call(
        "DecideApartmentBinding",
        pb.DecideApartmentBindingRequest(binding_id=binding.id, approve=True),
    )
    approved = decided.binding
    assert approved.status == directory_pb2.BINDING_STATUS_APPROVED
    assert approved.primary and approved.decided_by == MANAGER.user_id
    twice = await directory.refused(
        "DecideApartmentBinding",
        pb.DecideApartmentBindingRequest(binding_id=binding.id, approve=False, reason="oops"),
    )
    assert reason_of(twice) == "BINDING_ALREADY_DECIDED"


async def test_yard_grants_are_managed_by_managers_and_seen_by_their_holder(
    directory: Directory,
) -> None:
    yard_id, _, _ = await make_chain(directory)
    resident = person("applicant")
    granted = await directory.call(
        "GrantYard", pb.GrantYardRequest(user_id=resident.user_id, yard_id=yard_id)
    )
    grant = granted.grant
    assert grant.granted_by == MANAGER.user_id
    mine = await directory.call("ListYardGrants", pb.ListYardGrantsRequest(), resident)
    assert [g.id for g in mine.grants] == [grant.id]
    others = await directory.refused(
        "ListYardGrants", pb.ListYardGrantsRequest(user_id=MANAGER.user_id), resident
    )
    assert code_of(others) == grpc.StatusCode.PERMISSION_DENIED
    not_a_manager = await directory.refused(
        "RevokeYardGrant", pb.RevokeYardGrantRequest(grant_id=grant.id), resident
    )
    assert code_of(not_a_manager) == grpc.StatusCode.PERMISSION_DENIED
    await directory.call("RevokeYardGrant", pb.RevokeYardGrantRequest(grant_id=grant.id))
    left = await directory.call("ListYardGrants", pb.ListYardGrantsRequest(), resident)
    assert list(left.grants) == []


# --- resolution -------------------------------------------------------------------------------


async def test_resolve_addresses_follows_the_chain_and_who_may_ask(
    directory: Directory, service: UsersService
) -> None:
    yard_id, building_id, apartments = await make_chain(directory)
    resident = person("applicant")
    asked = await directory.call(
        "RequestApartmentBinding",
        pb.RequestApartmentBindingRequest(apartment_id=apartments[0]),
        resident,
    )
    await directory.call(
        "DecideApartmentBinding",
        pb.DecideApartmentBindingRequest(binding_id=asked.binding.id, approve=True),
    )
    question = pb.ResolveAddressesRequest(user_id=resident.user_id)
    mine = await directory.call("ResolveAddresses", question, resident)
    assert [(a.label, a.via) for a in mine.addresses] == [
        ("ЖК Olmazor · ул. Чиланзар, 12 · кв. 1", "binding"),
        ("ЖК Olmazor · ул. Чиланзар, 12", "binding"),
        ("ЖК Olmazor", "binding"),
    ]
    assert (mine.addresses[0].yard_id, mine.addresses[0].building_id) == (yard_id, building_id)
    assert mine.addresses[2].building_id == ""

    stranger = await directory.refused("ResolveAddresses", question, person("applicant"))
    assert code_of(stranger) == grpc.StatusCode.PERMISSION_DENIED
    for_manager = await directory.call("ResolveAddresses", question)
    assert len(for_manager.addresses) == 3

    # The requests service asks with its own certificate and no person behind the call.
    channel = direct_channel(service.settings, service.server, identity="requests")
    try:
        as_requests = await rpc.DirectoryServiceStub(channel).ResolveAddresses(question)
    finally:
        await channel.close()
    assert len(as_requests.addresses) == 3

    await directory.call("DeleteYard", pb.DeleteYardRequest(yard_id=yard_id))
    cut = await directory.call("ResolveAddresses", question, resident)
    assert list(cut.addresses) == []


# --- purge ------------------------------------------------------------------------------------


@pytest.fixture
async def guarded_directory(
    database_url: str, nats_url: str, pki_dir: Path, clock: Clock
) -> AsyncIterator[tuple[Directory, requests_rpc.RequestServiceStub]]:
    """Users and requests services side by side; purges ask the running requests service."""
    settings = service_settings(database_url, nats_url, pki_dir)
    async with running_requests(settings) as requests_server:
        channels = MeshChannels(settings, "users")
        references = MeshRequestReferences(
            channels, target=f"localhost:{requests_server.grpc_port}"
        )
        async with running_service("users", settings, clock=clock, references=references) as users:
            users_channel = direct_channel(settings, users)
            requests_channel = direct_channel(
                settings, requests_server, token=test_issuer().token(MANAGER)
            )
            try:
                yield (
                    Directory(rpc.DirectoryServiceStub(users_channel)),
                    requests_rpc.RequestServiceStub(requests_channel),
                )
            finally:
                await users_channel.close()
                await requests_channel.close()
                await channels.close()


async def test_purge_through_the_service_respects_every_reference(
    guarded_directory: tuple[Directory, requests_rpc.RequestServiceStub],
) -> None:
    directory, requests = guarded_directory
    yard_id, building_id, apartments = await make_chain(directory, apartments=2)
    await requests.CreateRequest(
        create_request(
            address=requests_pb.AddressInput(
                level=request_pb2.ADDRESS_LEVEL_APARTMENT,
                yard_id=yard_id,
                building_id=building_id,
                apartment_id=apartments[0],
            ),
            applicant_id=MANAGER.user_id,
        )
    )
    still_active = await directory.refused(
        "PurgeApartment", pb.PurgeApartmentRequest(apartment_id=apartments[1])
    )
    assert reason_of(still_active) == "STILL_ACTIVE"
    for apartment_id in apartments:
        await directory.call(
            "DeleteApartment", pb.DeleteApartmentRequest(apartment_id=apartment_id)
        )
    await directory.call("PurgeApartment", pb.PurgeApartmentRequest(apartment_id=apartments[1]))

    referenced = await directory.refused(
        "PurgeApartment", pb.PurgeApartmentRequest(apartment_id=apartments[0])
    )
    assert code_of(referenced) == grpc.StatusCode.FAILED_PRECONDITION
    assert reason_of(referenced) == "STILL_REFERENCED"
    assert "1 requests" in (referenced.details() or "")
    await directory.call("DeleteYard", pb.DeleteYardRequest(yard_id=yard_id))
    children = await directory.refused("PurgeYard", pb.PurgeYardRequest(yard_id=yard_id))
    assert "1 buildings" in (children.details() or "")
