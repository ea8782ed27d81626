"""Whether an executor is on duty, and with which skills: the shifts service's answer.

`Roster` is what the lifecycle needs; `ShiftRoster` asks `ShiftService/GetOnDuty` through the
mesh. The servicer receives a roster object, so a test can point it at a real shifts service
running beside the requests service.
"""

from __future__ import annotations

from typing import Protocol

import grpc
from ukm.shifts.v1 import shift_pb2, shifts_service_pb2, shifts_service_pb2_grpc

from services.kit.channels import MeshChannels
from services.kit.errors import NotFound
from services.requests.lifecycle_actor import Duty
from services.requests.lifecycle_codec import SPECIALISATION


class Roster(Protocol):
    """Looks up an executor's standing now."""

    async def duty(self, executor_id: str) -> Duty:
        """Their own skills and their active shift (NotFound for an unknown executor)."""
        ...


class ShiftRoster:
    """`Roster` backed by `ShiftService/GetOnDuty` (an idempotent read, retried by the mesh
    client on UNAVAILABLE; any other failure is the shifts service's and is not hidden)."""

    def __init__(self, channels: MeshChannels, *, target: str | None = None) -> None:
        self.channels = channels
        self.target = target

    async def duty(self, executor_id: str) -> Duty:
        """The executor's standing, as the shifts service knows it now."""
        stub = shifts_service_pb2_grpc.ShiftServiceStub(self.channels.get(self.target))
        try:
            answer = await stub.GetOnDuty(
                shifts_service_pb2.GetOnDutyRequest(executor_id=executor_id)
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                raise NotFound("executor", executor_id) from exc
            raise
        return duty_of(answer)


def duty_of(answer: shifts_service_pb2.GetOnDutyResponse) -> Duty:
    """The standing a `GetOnDutyResponse` describes (only an ACTIVE shift counts as duty)."""
    own = frozenset(SPECIALISATION.key(s) for s in answer.executor_specializations)
    shift = answer.shift
    if not answer.HasField("shift") or shift.status != shift_pb2.SHIFT_STATUS_ACTIVE:
        return Duty(executor_specialisations=own)
    covers = frozenset(SPECIALISATION.key(s) for s in shift.specializations)
    return Duty(executor_specialisations=own, on_shift=True, shift_specialisations=covers)
