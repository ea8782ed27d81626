"""Who a named executor is: a manager assigning someone must name an approved executor, and the
workflow records whether their skills fit the request.

An executor on duty was vouched for by the shifts service when the shift began (it checks the
role and reads the skills from users), so its answer is enough; anyone else is looked up in the
users service (`UserService/GetPrincipal`).
"""

from __future__ import annotations

from typing import Protocol

import grpc
from ukm.users.v1 import user_pb2
from ukm.users.v1 import users_service_pb2 as users_pb
from ukm.users.v1 import users_service_pb2_grpc as users_rpc

from services.kit.channels import MeshChannels
from services.kit.errors import FailedPrecondition
from services.requests.lifecycle_codec import SPECIALISATION
from services.requests.lifecycle_duty import Roster


class Executors(Protocol):
    """Looks up people named as executors."""

    async def skills(self, executor_id: str) -> frozenset[str]:
        """The specialisations of an approved executor; refuses anyone else."""
        ...


class MeshExecutors:
    """`Executors` through the mesh: the shifts roster first, then the users service."""

    def __init__(self, roster: Roster, channels: MeshChannels) -> None:
        self.roster = roster
        self.channels = channels

    async def skills(self, executor_id: str) -> frozenset[str]:
        """See `Executors.skills` (NOT_AN_EXECUTOR for an unknown, unapproved or non-executor
        person)."""
        duty = await self.roster.duty(executor_id)
        if duty.on_shift:
            return duty.executor_specialisations
        stub = users_rpc.UserServiceStub(self.channels.get())
        try:
            answer = await stub.GetPrincipal(users_pb.GetPrincipalRequest(user_id=executor_id))
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                raise _not_an_executor(executor_id) from None
            raise
        principal = answer.principal
        if (
            user_pb2.ROLE_EXECUTOR not in principal.roles
            or principal.status != user_pb2.ACCOUNT_STATUS_APPROVED
        ):
            raise _not_an_executor(executor_id)
        return frozenset(
            SPECIALISATION.key(s)
            for s in principal.specializations
            if s in SPECIALISATION.by_number
        )


def _not_an_executor(executor_id: str) -> FailedPrecondition:
    return FailedPrecondition(
        "NOT_AN_EXECUTOR",
        f"{executor_id} is not an approved executor: choose someone from the executors list",
        {"executor_id": executor_id},
    )
