"""A running shifts service (real PostgreSQL and NATS) next to a real users service it asks
about executors, a clock the test controls, and helpers to make executors and act as people
(tokens from the session's test issuer) or as the requests service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ukm.common.v1 import specialization_pb2
from ukm.shifts.v1 import shift_pb2
from ukm.shifts.v1 import shifts_service_pb2 as pb
from ukm.shifts.v1 import shifts_service_pb2_grpc as rpc
from ukm.users.v1 import user_pb2
from ukm.users.v1 import users_service_pb2 as users_pb
from ukm.users.v1 import users_service_pb2_grpc as users_rpc

from services.kit.server import Server
from services.kit.settings import Settings
from tests.support.clock import Clock
from tests.support.identity import Person, as_, person
from tests.support.services import direct_channel, running_service, service_settings

Metadata = tuple[tuple[str, str], ...]

MANAGER = person("manager")
ADMIN = person("admin")
SPEC = {
    key: getattr(specialization_pb2, f"SPECIALIZATION_{key.upper()}")
    for key in (
        "electrician",
        "plumber",
        "heating",
        "ventilation",
        "elevator",
        "cleaning",
        "security",
        "landscaping",
        "repair",
        "universal",
    )
}


@dataclass
class ShiftsService:
    """Stubs of the running services and what a test needs to look behind them."""

    shifts: rpc.ShiftServiceStub
    # The same ShiftService, called with the requests service's certificate (GetOnDuty).
    requests: rpc.ShiftServiceStub
    users: users_rpc.UserServiceStub
    users_as_auth: users_rpc.UserServiceStub
    server: Server
    settings: Settings
    clock: Clock
    database_url: str

    async def person(self, name: str = "Bobur Tursunov") -> Person:
        """A new pending applicant in the users service (as the auth service makes them)."""
        created = await self.users_as_auth.CreateUser(
            users_pb.CreateUserRequest(full_name=name, language="ru")
        )
        return Person(created.principal.user_id, ("applicant",), "pending")

    async def executor(self, *specialisations: str, name: str = "Sardor Aliev") -> Person:
        """An approved executor holding `specialisations`, as the users service knows them."""
        someone = await self.person(name)
        await self.users.SetRoles(
            users_pb.SetRolesRequest(user_id=someone.user_id, roles=[user_pb2.ROLE_EXECUTOR]),
            metadata=as_(ADMIN),
        )
        if specialisations:
            await self.users.SetSpecializations(
                users_pb.SetSpecializationsRequest(
                    user_id=someone.user_id, specializations=[SPEC[s] for s in specialisations]
                ),
                metadata=as_(MANAGER),
            )
        await self.users.ApproveUser(
            users_pb.ApproveUserRequest(user_id=someone.user_id), metadata=as_(MANAGER)
        )
        return Person(someone.user_id, ("executor",), "approved")

    async def start(self, who: Person, *specialisations: str, **fields: Any) -> shift_pb2.Shift:
        """`who` takes a shift now (focused on `specialisations`; none: universal); `fields`
        are further `StartShiftRequest` fields."""
        request = pb.StartShiftRequest(specializations=[SPEC[s] for s in specialisations], **fields)
        response: pb.StartShiftResponse = await self.shifts.StartShift(request, metadata=as_(who))
        return response.shift

    async def end(self, who: Person, shift_id: str = "", note: str = "") -> shift_pb2.Shift:
        """`who` ends a shift (their own active one unless `shift_id` is given)."""
        response: pb.EndShiftResponse = await self.shifts.EndShift(
            pb.EndShiftRequest(shift_id=shift_id, note=note), metadata=as_(who)
        )
        return response.shift


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 27, 8, 0, tzinfo=UTC))


@pytest.fixture
async def service(
    database_url: str, nats_url: str, pki_dir: Path, clock: Clock
) -> AsyncIterator[ShiftsService]:
    users_settings = service_settings(database_url, nats_url, pki_dir)
    async with running_service("users", users_settings, clock=clock) as users_server:
        settings = service_settings(
            database_url,
            nats_url,
            pki_dir,
            # The shifts service's calls into the mesh go straight to the users service.
            mesh_address=f"localhost:{users_server.grpc_port}",
        )
        async with running_service("shifts", settings, clock=clock) as server:
            channels = [
                direct_channel(settings, server),
                direct_channel(settings, server, identity="requests"),
                direct_channel(users_settings, users_server),
                direct_channel(users_settings, users_server, identity="auth"),
            ]
            try:
                yield ShiftsService(
                    shifts=rpc.ShiftServiceStub(channels[0]),
                    requests=rpc.ShiftServiceStub(channels[1]),
                    users=users_rpc.UserServiceStub(channels[2]),
                    users_as_auth=users_rpc.UserServiceStub(channels[3]),
                    server=server,
                    settings=settings,
                    clock=clock,
                    database_url=database_url,
                )
            finally:
                for channel in channels:
                    await channel.close()
