"""The requests service among the real services it asks: users (residency, executors) and
shifts (who is on duty), each running in this process on its own port, with one clock.

The requests service's mesh calls go straight to the users service (its `mesh_address`), and
its roster to the shifts service, whose own mesh calls also go to users. People act through
tokens of the session's test issuer; executors and residents are made in the users service the
way the auth service and managers make them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from ukm.common.v1 import specialization_pb2
from ukm.requests.v1 import request_pb2
from ukm.requests.v1 import requests_service_pb2 as pb
from ukm.requests.v1 import requests_service_pb2_grpc as rpc
from ukm.shifts.v1 import shifts_service_pb2 as shifts_pb
from ukm.shifts.v1 import shifts_service_pb2_grpc as shifts_rpc
from ukm.users.v1 import directory_service_pb2 as directory_pb
from ukm.users.v1 import directory_service_pb2_grpc as directory_rpc
from ukm.users.v1 import user_pb2
from ukm.users.v1 import users_service_pb2 as users_pb
from ukm.users.v1 import users_service_pb2_grpc as users_rpc

from services.kit.channels import MeshChannels
from services.kit.settings import Settings
from services.requests.lifecycle_duty import ShiftRoster
from services.requests.workflow_state import SPECIALISATIONS, UNIVERSAL
from tests.requests.factories import create_request
from tests.support.identity import Person, as_, person
from tests.support.services import direct_channel, running_service, service_settings

Metadata = tuple[tuple[str, str], ...]

MANAGER = person("manager")
ADMIN = person("admin")
SPEC = {
    key: cast(
        specialization_pb2.Specialization,
        specialization_pb2.Specialization.Value(f"SPECIALIZATION_{key.upper()}"),
    )
    for key in (*SPECIALISATIONS, UNIVERSAL)
}


@dataclass
class World:
    """Stubs of the three services, and helpers to make people and file requests."""

    requests: rpc.RequestServiceStub
    users: users_rpc.UserServiceStub
    users_as_auth: users_rpc.UserServiceStub
    directory: directory_rpc.DirectoryServiceStub
    shifts: shifts_rpc.ShiftServiceStub
    settings: Settings
    database_url: str
    _flats: list[str] = field(default_factory=list)

    async def file(self, who: Person = MANAGER, **changes: Any) -> request_pb2.Request:
        """A request filed by `who` (a plumbing leak unless `changes` say otherwise)."""
        answer = await self.requests.CreateRequest(create_request(**changes), metadata=as_(who))
        filed: request_pb2.Request = answer.request
        return filed

    async def someone(self, name: str = "Bobur Tursunov") -> Person:
        """A new person, as the auth service creates them (a pending applicant)."""
        created = await self.users_as_auth.CreateUser(
            users_pb.CreateUserRequest(full_name=name, language="ru")
        )
        return Person(created.principal.user_id, ("applicant",), "pending")

    async def approved(self, who: Person) -> Person:
        """`who`, approved by a manager."""
        await self.users.ApproveUser(
            users_pb.ApproveUserRequest(user_id=who.user_id), metadata=as_(MANAGER)
        )
        return Person(who.user_id, who.roles, "approved")

    async def executor(self, *skills: str, name: str = "Sardor Aliev") -> Person:
        """An approved executor holding `skills`."""
        someone = await self.someone(name)
        await self.users.SetRoles(
            users_pb.SetRolesRequest(user_id=someone.user_id, roles=[user_pb2.ROLE_EXECUTOR]),
            metadata=as_(ADMIN),
        )
        if skills:
            await self.users.SetSpecializations(
                users_pb.SetSpecializationsRequest(
                    user_id=someone.user_id, specializations=[SPEC[s] for s in skills]
                ),
                metadata=as_(MANAGER),
            )
        await self.approved(someone)
        return Person(someone.user_id, ("executor",), "approved")

    async def on_shift(self, who: Person, *focus: str) -> None:
        """`who` takes a shift now (focused on `focus`; none: everything they can do)."""
        await self.shifts.StartShift(
            shifts_pb.StartShiftRequest(specializations=[SPEC[s] for s in focus]),
            metadata=as_(who),
        )

    async def off_shift(self, who: Person) -> None:
        """`who` hands their shift over."""
        await self.shifts.EndShift(shifts_pb.EndShiftRequest(), metadata=as_(who))

    async def flat(self) -> request_pb2.Address:
        """A new apartment in the directory (one yard and building for the whole test)."""
        staff = as_(MANAGER)
        if not self._flats:
            point = directory_pb.GeoPointInput(latitude_e6=41_311_081, longitude_e6=69_240_562)
            yard = await self.directory.CreateYard(
                directory_pb.CreateYardRequest(name="ЖК Олмазор", location=point), metadata=staff
            )
            building = await self.directory.CreateBuilding(
                directory_pb.CreateBuildingRequest(
                    yard_id=yard.yard.id,
                    address="ул. Навои, 12",
                    location=point,
                    entrances=2,
                    floors=9,
                ),
                metadata=staff,
            )
            self._flats += [yard.yard.id, building.building.id]
        yard_id, building_id = self._flats[:2]
        created = await self.directory.CreateApartment(
            directory_pb.CreateApartmentRequest(
                building_id=building_id, number=str(len(self._flats) - 1)
            ),
            metadata=staff,
        )
        self._flats.append(created.apartment.id)
        return request_pb2.Address(
            level=request_pb2.ADDRESS_LEVEL_APARTMENT,
            yard_id=yard_id,
            building_id=building_id,
            apartment_id=created.apartment.id,
        )

    async def resident(self, flat: request_pb2.Address, name: str = "Nodira") -> Person:
        """An approved resident bound (approved binding) to `flat`."""
        someone = await self.approved(await self.someone(name))
        asked = await self.directory.RequestApartmentBinding(
            directory_pb.RequestApartmentBindingRequest(apartment_id=flat.apartment_id),
            metadata=as_(someone),
        )
        await self.directory.DecideApartmentBinding(
            directory_pb.DecideApartmentBindingRequest(binding_id=asked.binding.id, approve=True),
            metadata=as_(MANAGER),
        )
        return someone


def address_input(address: request_pb2.Address) -> pb.AddressInput:
    """The filing form of an address."""
    return pb.AddressInput(
        level=address.level,
        yard_id=address.yard_id,
        building_id=address.building_id,
        apartment_id=address.apartment_id,
    )


@asynccontextmanager
async def running_world(
    database_url: str, nats_url: str, pki_dir: Path, clock: Any
) -> AsyncIterator[World]:
    """Users, shifts and requests, started in that order and stopped in reverse."""
    users_settings = service_settings(database_url, nats_url, pki_dir)
    async with running_service("users", users_settings, clock=clock) as users:
        # Every mesh call of shifts and requests goes to users; requests' roster to shifts.
        settings = service_settings(
            database_url, nats_url, pki_dir, mesh_address=f"localhost:{users.grpc_port}"
        )
        async with running_service("shifts", settings, clock=clock) as shifts:
            roster_channels = MeshChannels(settings, "requests")
            roster = ShiftRoster(roster_channels, target=f"localhost:{shifts.grpc_port}")
            async with running_service(
                "requests", settings, clock=clock, roster=roster
            ) as requests:
                channels = [
                    direct_channel(settings, requests),
                    direct_channel(users_settings, users),
                    direct_channel(users_settings, users, identity="auth"),
                    direct_channel(settings, shifts),
                ]
                try:
                    yield World(
                        requests=rpc.RequestServiceStub(channels[0]),
                        users=users_rpc.UserServiceStub(channels[1]),
                        users_as_auth=users_rpc.UserServiceStub(channels[2]),
                        directory=directory_rpc.DirectoryServiceStub(channels[1]),
                        shifts=shifts_rpc.ShiftServiceStub(channels[3]),
                        settings=settings,
                        database_url=database_url,
                    )
                finally:
                    for channel in channels:
                        await channel.close()
                    await roster_channels.close()
