"""The users service as the auth service needs it: create people, find Telegram users, and read
roles and status for every token (internal RPCs, over the mesh with the `auth` identity).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

import grpc
from ukm.users.v1 import user_pb2
from ukm.users.v1 import users_service_pb2 as pb
from ukm.users.v1 import users_service_pb2_grpc as rpc

from services.auth.principals import Principal
from services.kit.channels import MeshChannels
from services.kit.enums import EnumKeys
from services.kit.errors import AlreadyExists, PermissionDenied, Unavailable
from services.kit.settings import Settings

ROLE = EnumKeys(user_pb2.Role.DESCRIPTOR)
STATUS = EnumKeys(user_pb2.AccountStatus.DESCRIPTOR)
T = TypeVar("T")

# GetPrincipal is a read: safe to retry when users is briefly unavailable.
_RETRYABLE = ("/ukm.users.v1.UserService/GetPrincipal",)


def principal_of(message: user_pb2.Principal) -> Principal:
    """The domain form of a `Principal` message."""
    return Principal(
        user_id=message.user_id,
        roles=tuple(ROLE.key(r) for r in message.roles if r in ROLE.by_number),
        active_role=ROLE.key(message.active_role) if message.active_role else "",
        status=STATUS.key(message.status) if message.status else "pending",
        language=message.language or "ru",
    )


class UsersClient:
    """Calls into `ukm.users.v1.UserService` (one long-lived mTLS channel, see MeshChannels)."""

    def __init__(self, channels: MeshChannels) -> None:
        self.channels = channels

    @classmethod
    def over_mesh(cls, settings: Settings) -> UsersClient:
        """A client presenting the auth service's identity to the mesh."""
        return cls(MeshChannels(settings, "auth", default_timeout=3.0, retry_methods=_RETRYABLE))

    def _stub(self) -> rpc.UserServiceStub:
        return rpc.UserServiceStub(self.channels.get())

    async def create_user(self, *, full_name: str, email: str, language: str) -> Principal:
        """A new pending applicant (web registration, first OIDC login)."""
        request = pb.CreateUserRequest(full_name=full_name, email=email, language=language)
        response = await _call(self._stub().CreateUser(request))
        return principal_of(response.principal)

    async def ensure_telegram_user(
        self, *, telegram_user_id: int, full_name: str, language_code: str
    ) -> tuple[Principal, bool]:
        """The person behind a Telegram account (created on first contact) and whether new."""
        request = pb.EnsureTelegramUserRequest(
            telegram_user_id=telegram_user_id, full_name=full_name, language_code=language_code
        )
        response = await _call(self._stub().EnsureTelegramUser(request))
        return principal_of(response.principal), response.created

    async def get_principal(self, user_id: str) -> Principal:
        """Roles and status as they are now (read at every token issue)."""
        response = await _call(self._stub().GetPrincipal(pb.GetPrincipalRequest(user_id=user_id)))
        return principal_of(response.principal)

    async def close(self) -> None:
        """Close the channel (at shutdown)."""
        await self.channels.close()


async def _call(call: Awaitable[T]) -> T:
    """Await a users RPC, turning its failures into our domain errors."""
    try:
        return await call
    except grpc.aio.AioRpcError as error:
        code = error.code()
        if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
            raise Unavailable("the users service is not reachable; try again shortly") from None
        if code == grpc.StatusCode.NOT_FOUND:
            raise PermissionDenied("ACCOUNT_UNKNOWN", "this account no longer exists") from None
        if code == grpc.StatusCode.ALREADY_EXISTS:
            raise AlreadyExists(error.details() or "this person already exists") from None
        raise
