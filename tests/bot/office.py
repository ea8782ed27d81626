"""The manager's side in bot tests: real gRPC calls through Envoy's edge with a signed-in
manager's token (what a web console or the manager's own bot flows would do)."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from ukm.requests.v1 import request_pb2
from ukm.requests.v1 import requests_service_pb2 as req_pb
from ukm.requests.v1 import requests_service_pb2_grpc as req_rpc
from ukm.users.v1 import directory_pb2, user_pb2
from ukm.users.v1 import directory_service_pb2 as dir_pb
from ukm.users.v1 import directory_service_pb2_grpc as dir_rpc
from ukm.users.v1 import users_service_pb2 as users_pb
from ukm.users.v1 import users_service_pb2_grpc as users_rpc

from tests.support.people import SignedIn

TASHKENT = dir_pb.GeoPointInput(latitude_e6=41311081, longitude_e6=69240562)


@dataclass(frozen=True)
class Place:
    """A yard with one building and its apartments."""

    yard: directory_pb2.Yard
    building: directory_pb2.Building
    flats: dict[str, directory_pb2.Apartment]


class Office:
    """A manager at work."""

    def __init__(self, channel: grpc.aio.Channel, manager: SignedIn) -> None:
        self.md = manager.metadata
        self.users = users_rpc.UserServiceStub(channel)
        self.directory = dir_rpc.DirectoryServiceStub(channel)
        self.requests = req_rpc.RequestServiceStub(channel)

    async def place(self, yard: str, building: str, flats: int) -> Place:
        """A yard, a building in it and apartments 1..`flats`."""
        made_yard = (
            await self.directory.CreateYard(
                dir_pb.CreateYardRequest(name=yard, location=TASHKENT), metadata=self.md
            )
        ).yard
        made_building = (
            await self.directory.CreateBuilding(
                dir_pb.CreateBuildingRequest(
                    yard_id=made_yard.id,
                    address=building,
                    location=TASHKENT,
                    entrances=2,
                    floors=9,
                ),
                metadata=self.md,
            )
        ).building
        made = await self.directory.CreateApartmentRange(
            dir_pb.CreateApartmentRangeRequest(building_id=made_building.id, first=1, last=flats),
            metadata=self.md,
        )
        return Place(made_yard, made_building, {a.number: a for a in made.apartments})

    async def user_of(self, telegram_id: int) -> user_pb2.User:
        """The UKM user behind a Telegram account."""
        page_token = ""
        while True:
            page = await self.users.ListUsers(
                users_pb.ListUsersRequest(page_size=100, page_token=page_token), metadata=self.md
            )
            for user in page.users:
                if user.telegram_user_id == telegram_id:
                    return user
            if not page.next_page_token:
                raise LookupError(f"no user for Telegram id {telegram_id}")
            page_token = page.next_page_token

    async def approve(self, telegram_id: int) -> user_pb2.User:
        """Approve the person and every binding they asked for."""
        user = await self.user_of(telegram_id)
        await self.users.ApproveUser(users_pb.ApproveUserRequest(user_id=user.id), metadata=self.md)
        bindings = await self.bindings(user.id)
        for binding in bindings:
            if binding.status == directory_pb2.BINDING_STATUS_PENDING:
                await self.directory.DecideApartmentBinding(
                    dir_pb.DecideApartmentBindingRequest(binding_id=binding.id, approve=True),
                    metadata=self.md,
                )
        return user

    async def block(self, telegram_id: int) -> None:
        """Block the person."""
        user = await self.user_of(telegram_id)
        await self.users.BlockUser(
            users_pb.BlockUserRequest(user_id=user.id, reason="Тест: нарушение правил"),
            metadata=self.md,
        )

    async def bindings(self, user_id: str) -> list[directory_pb2.ApartmentBinding]:
        """A person's bindings."""
        answer = await self.directory.ListApartmentBindings(
            dir_pb.ListApartmentBindingsRequest(user_id=user_id, page_size=50), metadata=self.md
        )
        return list(answer.bindings)

    async def request(self, number: str) -> request_pb2.Request:
        """A request as the manager sees it."""
        return (
            await self.requests.GetRequest(
                req_pb.GetRequestRequest(request_number=number), metadata=self.md
            )
        ).request

    async def requests_of(self, applicant_id: str) -> list[request_pb2.Request]:
        """Every request a person filed."""
        answer = await self.requests.ListRequests(
            req_pb.ListRequestsRequest(applicant_id=applicant_id, page_size=50), metadata=self.md
        )
        return list(answer.requests)

    async def invite(self, role: int, specializations: tuple[int, ...] = ()) -> str:
        """A staff invite token."""
        answer = await self.users.CreateInvite(
            users_pb.CreateInviteRequest(
                role=role,
                specializations=list(specializations),
                validity=users_pb.INVITE_VALIDITY_ONE_HOUR,
            ),
            metadata=self.md,
        )
        return answer.token
