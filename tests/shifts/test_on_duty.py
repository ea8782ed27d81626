"""GetOnDuty, the requests service's question, and the events reaching JetStream."""

from __future__ import annotations

import grpc
import nats
import pytest
from ukm.common.v1 import specialization_pb2 as spec_pb
from ukm.shifts.v1 import events_pb2
from ukm.shifts.v1 import shifts_service_pb2 as pb
from ukm.shifts.v1 import shifts_service_pb2_grpc as rpc

from mesh.topology import load_topology
from services.kit.envelope import decode_envelope, unwrap
from services.kit.streams import ensure_streams
from tests.shifts.conftest import MANAGER, ShiftsService
from tests.support.events import stream_messages, wait_until
from tests.support.identity import as_
from tests.support.rpc import code_of
from tests.support.services import direct_channel


async def test_on_duty_answers_the_shift_and_the_executors_own_skills(
    service: ShiftsService,
) -> None:
    executor = await service.executor("repair", "plumber")
    shift = await service.start(executor)
    answer = await service.requests.GetOnDuty(pb.GetOnDutyRequest(executor_id=executor.user_id))
    assert answer.shift == shift
    assert list(answer.executor_specializations) == [
        spec_pb.SPECIALIZATION_PLUMBER,
        spec_pb.SPECIALIZATION_REPAIR,
    ]


async def test_off_duty_the_answer_is_empty(service: ShiftsService) -> None:
    executor = await service.executor("repair")
    question = pb.GetOnDutyRequest(executor_id=executor.user_id)
    assert not (await service.requests.GetOnDuty(question)).HasField("shift")
    await service.start(executor)
    await service.end(executor)
    answer = await service.requests.GetOnDuty(question)
    assert not answer.HasField("shift")
    assert list(answer.executor_specializations) == []


async def test_only_the_requests_service_may_ask(service: ShiftsService) -> None:
    executor = await service.executor("repair")
    question = pb.GetOnDutyRequest(executor_id=executor.user_id)
    for who in (MANAGER, executor):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await service.shifts.GetOnDuty(question, metadata=as_(who))
        assert code_of(refused.value) == grpc.StatusCode.PERMISSION_DENIED
    for identity in ("users", "bot"):
        channel = direct_channel(service.settings, service.server, identity=identity)
        try:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await rpc.ShiftServiceStub(channel).GetOnDuty(question)
            assert code_of(refused.value) in (
                grpc.StatusCode.PERMISSION_DENIED,
                grpc.StatusCode.UNAUTHENTICATED,
            )
        finally:
            await channel.close()


async def test_shift_events_reach_the_shifts_stream(service: ShiftsService) -> None:
    client = await nats.connect(service.settings.nats_url)
    try:
        js = client.jetstream()
        await ensure_streams(js, load_topology())
        executor = await service.executor("plumber")
        shift = await service.start(executor)
        await service.end(executor)

        async def both_published() -> bool:
            return (await js.stream_info("SHIFTS")).state.messages == 2

        await wait_until(both_published, within=15)
        started, ended = [
            decode_envelope(m.data or b"") for m in await stream_messages(js, "SHIFTS")
        ]
        assert unwrap(started, events_pb2.ShiftStarted).shift.id == shift.id
        ended_event = unwrap(ended, events_pb2.ShiftEnded)
        assert (ended_event.shift.id, ended_event.ended_by) == (shift.id, executor.user_id)
    finally:
        await client.close()
