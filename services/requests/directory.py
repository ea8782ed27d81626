"""The users service's address directory, as the requests service needs it."""

from __future__ import annotations

from ukm.users.v1 import directory_pb2, directory_service_pb2, directory_service_pb2_grpc

from services.kit.channels import MeshChannels


class AddressBook:
    """Which addresses a person may file for (`DirectoryService/ResolveAddresses`)."""

    def __init__(self, channels: MeshChannels) -> None:
        self.channels = channels

    async def reachable(self, user_id: str) -> set[tuple[str, str, str]]:
        """The person's addresses as (yard, building, apartment) ids ("" for unused levels)."""
        return {(a.yard_id, a.building_id, a.apartment_id) for a in await self._resolve(user_id)}

    async def apartments_of(self, user_id: str) -> set[str]:
        """The apartments the person is bound to (approved bindings, not yard grants)."""
        addresses = await self._resolve(user_id)
        return {a.apartment_id for a in addresses if a.apartment_id and a.via == "binding"}

    async def _resolve(self, user_id: str) -> list[directory_pb2.ResolvedAddress]:
        stub = directory_service_pb2_grpc.DirectoryServiceStub(self.channels.get())
        response = await stub.ResolveAddresses(
            directory_service_pb2.ResolveAddressesRequest(user_id=user_id)
        )
        return list(response.addresses)
