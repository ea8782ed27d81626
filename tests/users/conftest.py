"""A running users service (real PostgreSQL and NATS) with a clock the test controls, and
helpers to act as people (tokens from the session's test issuer) or as the auth service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ukm.users.v1 import directory_service_pb2_grpc as directory_rpc
from ukm.users.v1 import users_service_pb2 as pb
from ukm.users.v1 import users_service_pb2_grpc as users_rpc
from ukm.users.v1 import verification_service_pb2_grpc as verification_rpc

from services.kit.server import Server
from services.kit.settings import Settings
from tests.support.clock import Clock
from tests.support.identity import Person, person, test_issuer
from tests.support.services import direct_channel, running_service, service_settings

Metadata = tuple[tuple[str, str], ...]


@dataclass
class UsersService:
    """Stubs of the running service and what a test needs to look behind it."""

    users: users_rpc.UserServiceStub
    verification: verification_rpc.VerificationServiceStub
    directory: directory_rpc.DirectoryServiceStub
    # The same UserService, called with the auth service's certificate (internal methods).
    auth: users_rpc.UserServiceStub
    server: Server
    settings: Settings
    clock: Clock
    database_url: str

    @staticmethod
    def as_(who: Person) -> Metadata:
        """Call metadata acting for `who` (a fresh access token)."""
        return test_issuer().metadata(who)

    async def register(
        self, name: str = "Dilnoza Karimova", *, roles: tuple[str, ...] = ("applicant",)
    ) -> Person:
        """A new person created as the auth service would (pending applicant), returned as
        someone the test can act as (token roles as given, status pending)."""
        created = await self.auth.CreateUser(pb.CreateUserRequest(full_name=name, language="ru"))
        return Person(created.principal.user_id, roles, "pending")

    async def approved(self, who: Person, manager: Person) -> Person:
        """`who` approved by `manager` (and the token to match)."""
        await self.users.ApproveUser(
            pb.ApproveUserRequest(user_id=who.user_id), metadata=self.as_(manager)
        )
        return Person(who.user_id, who.roles, "approved")


MANAGER = person("manager")
ADMIN = person("admin")


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))


@pytest.fixture
async def service(
    database_url: str, nats_url: str, pki_dir: Path, clock: Clock
) -> AsyncIterator[UsersService]:
    settings = service_settings(database_url, nats_url, pki_dir)
    async with running_service("users", settings, clock=clock) as server:
        channel = direct_channel(settings, server)
        auth_channel = direct_channel(settings, server, identity="auth")
        try:
            yield UsersService(
                users=users_rpc.UserServiceStub(channel),
                verification=verification_rpc.VerificationServiceStub(channel),
                directory=directory_rpc.DirectoryServiceStub(channel),
                auth=users_rpc.UserServiceStub(auth_channel),
                server=server,
                settings=settings,
                clock=clock,
                database_url=database_url,
            )
        finally:
            await channel.close()
            await auth_channel.close()
