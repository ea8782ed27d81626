"""One gRPC call into the mesh: the bot's certificate, a deadline, and errors as bot errors.

Calls go by method path (`/ukm.users.v1.UserService/GetMe`) with the request and response
types of the contract, so the façade modules are short and typed without the untyped stubs.
Reads (GET in their HTTP rule) are retried by the channel on UNAVAILABLE; writes never are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import grpc
from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import FileDescriptor
from google.protobuf.message import Message
from ukm.auth.v1 import auth_service_pb2
from ukm.notifications.v1 import notifications_service_pb2
from ukm.requests.v1 import requests_service_pb2
from ukm.shifts.v1 import shifts_service_pb2
from ukm.users.v1 import directory_service_pb2, users_service_pb2, verification_service_pb2

from bot.mesh.errors import from_rpc
from services.kit.channels import MeshChannels
from services.kit.contracts import idempotent_methods

__all__ = ["IDENTITY", "Rpc", "retryable_methods"]

# The bot's workload identity: `bot.crt` / `bot.key` in the PKI folder.
IDENTITY = "bot"
M = TypeVar("M", bound=Message)

_FILES: tuple[FileDescriptor, ...] = (
    auth_service_pb2.DESCRIPTOR,
    users_service_pb2.DESCRIPTOR,
    directory_service_pb2.DESCRIPTOR,
    verification_service_pb2.DESCRIPTOR,
    requests_service_pb2.DESCRIPTOR,
    shifts_service_pb2.DESCRIPTOR,
    notifications_service_pb2.DESCRIPTOR,
)


def retryable_methods() -> list[str]:
    """The read methods of every service the bot calls (safe to retry on UNAVAILABLE)."""
    protos: list[descriptor_pb2.FileDescriptorProto] = []
    names: list[str] = []
    for file in _FILES:
        proto = descriptor_pb2.FileDescriptorProto()
        file.CopyToProto(proto)
        protos.append(proto)
        names.extend(service.full_name for service in file.services_by_name.values())
    return idempotent_methods(protos, names)


class Rpc:
    """Unary calls through `MeshChannels` (which follow certificate rotation)."""

    def __init__(self, channels: MeshChannels, *, timeout: float) -> None:
        self.channels = channels
        self.timeout = timeout

    async def unary(
        self,
        path: str,
        request: Message,
        response_type: type[M],
        *,
        metadata: Sequence[tuple[str, str]] = (),
    ) -> M:
        """Call `path` with `request`; the answer, or a `bot.mesh.errors.MeshError`."""
        call = self.channels.get().unary_unary(
            path,
            request_serializer=type(request).SerializeToString,
            response_deserializer=response_type.FromString,
        )
        try:
            answer: M = await call(
                request, timeout=self.timeout, metadata=grpc.aio.Metadata(*metadata)
            )
        except grpc.aio.AioRpcError as error:
            raise from_rpc(error) from None
        return answer
