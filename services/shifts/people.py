"""The users service as the shifts service needs it: who a person is right now (roles, account
status, specialisations), read with `UserService/GetPrincipal` over the mesh."""

from __future__ import annotations

import logging
from typing import Protocol

import grpc
from ukm.users.v1 import user_pb2
from ukm.users.v1 import users_service_pb2 as pb
from ukm.users.v1 import users_service_pb2_grpc as rpc

from services.kit.channels import MeshChannels
from services.kit.enums import EnumKeys
from services.kit.errors import PermissionDenied, Unavailable
from services.shifts import mapping
from services.shifts.lifecycle import ExecutorProfile

log = logging.getLogger(__name__)

ROLE = EnumKeys(user_pb2.Role.DESCRIPTOR)
STATUS = EnumKeys(user_pb2.AccountStatus.DESCRIPTOR)
# A read: safe to retry when users is briefly unavailable.
RETRYABLE = ("/ukm.users.v1.UserService/GetPrincipal",)


class People(Protocol):
    """Where executors' current profiles come from."""

    async def profile(self, user_id: str) -> ExecutorProfile:
        """The person's roles, status and specialisations as they are now."""
        ...


def profile_of(principal: user_pb2.Principal) -> ExecutorProfile:
    """The domain form of a `Principal` (enum values this build does not know are dropped)."""
    return ExecutorProfile(
        user_id=principal.user_id,
        roles=frozenset(ROLE.key(r) for r in principal.roles if r in ROLE.by_number),
        status=STATUS.key(principal.status) if principal.status in STATUS.by_number else "",
        specialisations=mapping.specialisation_keys(principal.specializations),
    )


class MeshPeople:
    """`UserService/GetPrincipal` through the mesh, as the shifts service."""

    def __init__(self, channels: MeshChannels) -> None:
        self.channels = channels

    async def profile(self, user_id: str) -> ExecutorProfile:
        """See `People.profile`. UNAVAILABLE when users cannot answer (the caller may retry);
        a person users does not know is refused."""
        stub = rpc.UserServiceStub(self.channels.get())
        try:
            answer = await stub.GetPrincipal(pb.GetPrincipalRequest(user_id=user_id))
        except grpc.aio.AioRpcError as error:
            code = error.code()
            if code == grpc.StatusCode.NOT_FOUND:
                raise PermissionDenied(
                    "ACCOUNT_UNKNOWN", "your account is not known to the users service"
                ) from None
            log.warning("GetPrincipal failed: %s", code.name)
            if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                raise Unavailable(
                    "cannot read your specialisations right now; try again shortly"
                ) from None
            raise
        return profile_of(answer.principal)
