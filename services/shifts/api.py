"""The `ukm.shifts.v1.ShiftService` servicer: protos in, domain calls, protos out.

Who may call each method is the RBAC interceptor's job (`kit/permissions.yaml`); the row-level
rules (an executor's own shifts only) are applied here through `access`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

import grpc
from ukm.shifts.v1 import shifts_service_pb2 as pb
from ukm.shifts.v1 import shifts_service_pb2_grpc as rpc

from services.kit.context import current_caller
from services.kit.errors import InvalidArgument
from services.kit.paging import decode_token, encode_token, filters_fingerprint, page_size
from services.shifts import access, lifecycle, mapping
from services.shifts.people import People
from services.shifts.store import HistoryFilter, ShiftStore


class ShiftApi(rpc.ShiftServiceServicer):
    """Going on and off duty, who is on duty now, and the history of shifts."""

    def __init__(self, store: ShiftStore, people: People, *, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.people = people
        self.clock = clock

    async def StartShift(
        self, request: pb.StartShiftRequest, context: grpc.aio.ServicerContext
    ) -> pb.StartShiftResponse:
        """Take shift: the calling executor goes on duty now."""
        executor_id = access.person_id(current_caller())
        profile = await self.people.profile(executor_id)
        new = lifecycle.open_adhoc(
            profile,
            requested_focus=mapping.specialisation_keys(request.specializations),
            shift_type=mapping.type_key(request.type),
            planned_end=(
                mapping.moment(request.planned_end_time)
                if request.HasField("planned_end_time")
                else None
            ),
            note=request.note,
            now=self.clock(),
        )
        shift = await self.store.open(new)
        return pb.StartShiftResponse(shift=mapping.to_proto(shift))

    async def EndShift(
        self, request: pb.EndShiftRequest, context: grpc.aio.ServicerContext
    ) -> pb.EndShiftResponse:
        """Hand over: ends the caller's own active shift, or (managers) any open shift."""
        caller = current_caller()
        me = access.person_id(caller)
        shift = await self.store.end(
            shift_id=request.shift_id or None,
            executor_id=me,
            check=partial(lifecycle.check_may_end, caller_id=me, manager=access.is_manager(caller)),
            ended_by=me,
            note=lifecycle.clean_note(request.note, field="note"),
            now=self.clock(),
        )
        return pb.EndShiftResponse(shift=mapping.to_proto(shift))

    async def ListActiveShifts(
        self, request: pb.ListActiveShiftsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListActiveShiftsResponse:
        """Shifts active now, by executor and by the specialisation they cover."""
        specialisation = (
            mapping.SPECIALIZATION.key(request.specialization) if request.specialization else None
        )
        shifts = await self.store.active(
            executor_id=request.executor_id or None, specialisation=specialisation
        )
        return pb.ListActiveShiftsResponse(shifts=[mapping.to_proto(s) for s in shifts])

    async def ListShifts(
        self, request: pb.ListShiftsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListShiftsResponse:
        """A page of shifts that have started, newest first (executors: their own only)."""
        filters = HistoryFilter(
            executor_id=access.history_scope(current_caller(), request.executor_id),
            started_after=(
                mapping.moment(request.started_after) if request.HasField("started_after") else None
            ),
            started_before=(
                mapping.moment(request.started_before)
                if request.HasField("started_before")
                else None
            ),
        )
        if (
            filters.started_after is not None
            and filters.started_before is not None
            and filters.started_after >= filters.started_before
        ):
            raise InvalidArgument.field("started_before", "must be later than started_after")
        fingerprint = filters_fingerprint(request)
        position = decode_token(request.page_token, fingerprint)
        limit = page_size(request.page_size)
        shifts = await self.store.history(
            filters, limit=limit + 1, after=mapping.keyset(position) if position else None
        )
        response = pb.ListShiftsResponse(shifts=[mapping.to_proto(s) for s in shifts[:limit]])
        if len(shifts) > limit:
            last = shifts[limit - 1]
            assert last.started_at is not None  # the listing holds started shifts only
            response.next_page_token = encode_token(
                [last.started_at.isoformat(), last.id], fingerprint
            )
        return response

    async def GetOnDuty(
        self, request: pb.GetOnDutyRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetOnDutyResponse:
        """Internal (requests service): the executor's active shift and their own
        specialisations as of its start (what a universal shift expands to); empty when off
        duty."""
        shift = await self.store.on_duty(request.executor_id)
        if shift is None:
            return pb.GetOnDutyResponse()
        return pb.GetOnDutyResponse(
            shift=mapping.to_proto(shift),
            executor_specializations=mapping.specialisation_numbers(shift.executor_specialisations),
        )
