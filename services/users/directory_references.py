"""Whether requests still reference an address: asked of the requests service, since its
tables are not ours (the purge guard in `directory_places` needs the answer)."""

from __future__ import annotations

import logging
from typing import Protocol

import grpc
from ukm.requests.v1 import requests_service_pb2, requests_service_pb2_grpc

from services.kit.channels import MeshChannels
from services.kit.errors import Unavailable
from services.users.address_levels import Level

log = logging.getLogger(__name__)


class RequestReferences(Protocol):
    """How many requests reference an address (they live in the requests service)."""

    async def count(self, level: Level, object_id: str) -> int:
        """Requests (any status) filed for the address or anything under it."""
        ...


class MeshRequestReferences:
    """`RequestService.CountAddressReferences` through the mesh, as the users service."""

    def __init__(self, channels: MeshChannels, *, target: str | None = None) -> None:
        self.channels = channels
        self.target = target

    async def count(self, level: Level, object_id: str) -> int:
        """See `RequestReferences.count`; refuses (UNAVAILABLE) when requests cannot answer,
        since purging without knowing would orphan requests."""
        stub = requests_service_pb2_grpc.RequestServiceStub(self.channels.get(self.target))
        question = requests_service_pb2.CountAddressReferencesRequest(
            **{f"{level.value}_id": object_id}
        )
        try:
            answer = await stub.CountAddressReferences(question)
        except grpc.aio.AioRpcError as exc:
            log.warning("CountAddressReferences failed: %s", exc.code().name)
            raise Unavailable(
                "cannot check whether requests still reference this address; try again later"
            ) from exc
        return int(answer.requests)
