"""`ukm.shifts.v1.ShiftService` as the bot uses it (the executor's "take shift" / "hand over")."""

from __future__ import annotations

from collections.abc import Sequence

from ukm.common.v1 import specialization_pb2
from ukm.shifts.v1 import shift_pb2
from ukm.shifts.v1 import shifts_service_pb2 as pb

from bot.mesh.acting import Acting
from services.kit.enums import EnumKeys

__all__ = ["Shifts"]

_SERVICE = "/ukm.shifts.v1.ShiftService/"
_SPECIALIZATION = EnumKeys(specialization_pb2.Specialization.DESCRIPTOR)


class Shifts:
    """The executor's own shift."""

    def __init__(self, acting: Acting) -> None:
        self.acting = acting

    async def start(
        self, *, specializations: Sequence[int] = (), note: str = ""
    ) -> shift_pb2.Shift:
        """Go on duty now (an ad-hoc shift covering the executor's skills, or only the
        `specializations` numbers given: a focus among their own)."""
        answer = await self.acting.unary(
            _SERVICE + "StartShift",
            pb.StartShiftRequest(
                specializations=list(specializations),  # type: ignore[arg-type]
                note=note,
            ),
            pb.StartShiftResponse,
        )
        return answer.shift

    async def end(self, *, shift_id: str = "", note: str = "") -> shift_pb2.Shift:
        """Hand over: end the executor's own active shift (`shift_id`: that one exactly, so a
        confirmation about one shift never ends a later one), with an optional note."""
        answer = await self.acting.unary(
            _SERVICE + "EndShift",
            pb.EndShiftRequest(shift_id=shift_id, note=note),
            pb.EndShiftResponse,
        )
        return answer.shift

    async def active(self, executor_id: str) -> list[shift_pb2.Shift]:
        """The executor's active shifts (none or one)."""
        answer = await self.acting.unary(
            _SERVICE + "ListActiveShifts",
            pb.ListActiveShiftsRequest(executor_id=executor_id),
            pb.ListActiveShiftsResponse,
        )
        return list(answer.shifts)

    async def covering(self, specialisation: str) -> list[shift_pb2.Shift]:
        """Shifts active now that cover `specialisation` (`plumber`…; universal shifts of
        executors who can do it included): who is on duty for a request (managers)."""
        answer = await self.acting.unary(
            _SERVICE + "ListActiveShifts",
            pb.ListActiveShiftsRequest(
                specialization=_SPECIALIZATION.number(specialisation)  # type: ignore[arg-type]
            ),
            pb.ListActiveShiftsResponse,
        )
        return list(answer.shifts)
