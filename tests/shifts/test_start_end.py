"""Going on and off duty through the real service: one open shift at a time (also under races),
whose shifts one may end, the live check of the executor against the users service, and the
events in the outbox."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from ukm.common.v1 import specialization_pb2 as spec_pb
from ukm.shifts.v1 import events_pb2, shift_pb2
from ukm.shifts.v1 import shifts_service_pb2 as pb
from ukm.users.v1 import users_service_pb2 as users_pb

from services.kit.envelope import Envelope, unwrap
from tests.shifts.conftest import MANAGER, ShiftsService
from tests.support.db import count, execute, rows
from tests.support.identity import Person, as_, person
from tests.support.rpc import code_of, error_info, reason_of


async def outbox_events(service: ShiftsService) -> list[tuple[str, Envelope]]:
    """(subject, envelope) of every outbox row, in order."""
    found = await rows(
        service.database_url, "SELECT subject, payload FROM shifts.outbox ORDER BY seq"
    )
    return [(subject, Envelope.FromString(payload)) for subject, payload in found]


def timestamp(moment: object) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)  # type: ignore[arg-type]
    return stamp


async def test_taking_a_shift_puts_the_executor_on_duty_now(service: ShiftsService) -> None:
    executor = await service.executor("plumber", "heating")
    planned_end = service.clock.now + timedelta(hours=12)
    shift = await service.start(
        executor,
        "heating",
        type=shift_pb2.SHIFT_TYPE_EMERGENCY,
        planned_end_time=timestamp(planned_end),
        note="дежурю по котельной",
    )
    uuid.UUID(shift.id)
    assert shift.executor_id == executor.user_id
    assert shift.status == shift_pb2.SHIFT_STATUS_ACTIVE
    assert shift.type == shift_pb2.SHIFT_TYPE_EMERGENCY
    assert list(shift.specializations) == [spec_pb.SPECIALIZATION_HEATING]
    assert shift.start_time.ToDatetime(UTC) == service.clock.now
    assert shift.planned_start_time.ToDatetime(UTC) == service.clock.now
    assert shift.planned_end_time.ToDatetime(UTC) == planned_end
    assert shift.create_time.ToDatetime(UTC) == service.clock.now
    assert not shift.HasField("end_time")
    assert shift.note == "дежурю по котельной"
    [(subject, envelope)] = await outbox_events(service)
    assert subject == "ukm.shifts.shift_started"
    assert envelope.source == "shifts"
    assert envelope.subject == shift.id
    assert unwrap(envelope, events_pb2.ShiftStarted).shift == shift


async def test_a_shift_without_specialisations_is_universal_and_regular(
    service: ShiftsService,
) -> None:
    shift = await service.start(await service.executor("electrician"))
    assert list(shift.specializations) == []
    assert shift.type == shift_pb2.SHIFT_TYPE_REGULAR


async def test_a_second_shift_while_on_duty_is_refused(service: ShiftsService) -> None:
    executor = await service.executor("plumber")
    first = await service.start(executor)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await service.start(executor, "plumber")
    assert code_of(refused.value) == grpc.StatusCode.FAILED_PRECONDITION
    info = error_info(refused.value)
    assert info.reason == "SHIFT_ALREADY_ACTIVE"
    assert info.metadata["shift_id"] == first.id
    assert await count(service.database_url, "shifts.shifts") == 1
    assert await count(service.database_url, "shifts.outbox") == 1


async def test_of_concurrent_take_shift_calls_exactly_one_wins(service: ShiftsService) -> None:
    executor = await service.executor("plumber")
    answers = await asyncio.gather(
        *(service.start(executor) for _ in range(6)), return_exceptions=True
    )
    won = [a for a in answers if isinstance(a, shift_pb2.Shift)]
    lost = [a for a in answers if isinstance(a, grpc.aio.AioRpcError)]
    assert len(won) == 1
    assert len(lost) == 5
    assert {reason_of(e) for e in lost} == {"SHIFT_ALREADY_ACTIVE"}
    assert await count(service.database_url, "shifts.shifts") == 1
    assert await count(service.database_url, "shifts.outbox") == 1


async def test_the_database_itself_refuses_a_second_open_shift(service: ShiftsService) -> None:
    executor = await service.executor("plumber")
    shift = await service.start(executor)
    # Even a writer that skips the service's path cannot give one executor two open shifts.
    with pytest.raises(Exception, match="shifts_one_open_per_executor"):
        await execute(
            service.database_url,
            "INSERT INTO shifts.shifts (id, executor_id, status, type, started_at, created_by,"
            " created_at, updated_at) SELECT gen_random_uuid(), executor_id, 'paused', type,"
            " started_at, created_by, created_at, updated_at FROM shifts.shifts WHERE id = :id",
            id=shift.id,
        )


async def test_after_handing_over_the_executor_may_take_a_new_shift(
    service: ShiftsService,
) -> None:
    executor = await service.executor("plumber")
    first = await service.start(executor)
    service.clock.advance(timedelta(hours=8))
    await service.end(executor)
    service.clock.advance(timedelta(hours=16))
    second = await service.start(executor)
    assert second.id != first.id
    assert second.status == shift_pb2.SHIFT_STATUS_ACTIVE


async def test_only_specialisations_the_executor_holds_may_be_chosen(
    service: ShiftsService,
) -> None:
    executor = await service.executor("plumber")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await service.start(executor, "plumber", "electrician")
    assert code_of(refused.value) == grpc.StatusCode.FAILED_PRECONDITION
    info = error_info(refused.value)
    assert info.reason == "SPECIALIZATION_NOT_HELD"
    assert info.metadata["specializations"] == "electrician"
    assert await count(service.database_url, "shifts.shifts") == 0


async def test_an_executor_who_can_do_anything_may_focus_on_anything(
    service: ShiftsService,
) -> None:
    executor = await service.executor("universal")
    shift = await service.start(executor, "elevator", "security")
    assert list(shift.specializations) == [
        spec_pb.SPECIALIZATION_ELEVATOR,
        spec_pb.SPECIALIZATION_SECURITY,
    ]


async def test_universal_in_the_request_makes_a_universal_shift(service: ShiftsService) -> None:
    shift = await service.start(await service.executor("plumber"), "plumber", "universal")
    assert list(shift.specializations) == []


async def test_people_without_the_executor_role_are_refused_by_the_matrix(
    service: ShiftsService,
) -> None:
    for who in (MANAGER, person("applicant"), person("executor", status="pending")):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await service.start(who)
        assert code_of(refused.value) == grpc.StatusCode.PERMISSION_DENIED
        assert reason_of(refused.value) == "ROLE_NOT_ALLOWED"
    with pytest.raises(grpc.aio.AioRpcError) as anonymous:
        await service.shifts.StartShift(pb.StartShiftRequest())
    assert code_of(anonymous.value) == grpc.StatusCode.UNAUTHENTICATED


async def test_the_users_services_current_word_beats_an_older_token(
    service: ShiftsService,
) -> None:
    # Tokens claiming an approved executor, for people users knows otherwise.
    pending = await service.person("Pending Person")
    resident = await service.person("Approved Resident")
    await service.users.ApproveUser(
        users_pb.ApproveUserRequest(user_id=resident.user_id), metadata=as_(MANAGER)
    )
    blocked = await service.executor("plumber", name="Blocked Executor")
    await service.users.BlockUser(
        users_pb.BlockUserRequest(user_id=blocked.user_id, reason="left the company"),
        metadata=as_(MANAGER),
    )
    cases = [
        (pending.user_id, grpc.StatusCode.PERMISSION_DENIED, "ACCOUNT_NOT_APPROVED"),
        (resident.user_id, grpc.StatusCode.PERMISSION_DENIED, "NOT_AN_EXECUTOR"),
        (blocked.user_id, grpc.StatusCode.PERMISSION_DENIED, "ACCOUNT_NOT_APPROVED"),
        (str(uuid.uuid4()), grpc.StatusCode.PERMISSION_DENIED, "ACCOUNT_UNKNOWN"),
    ]
    for user_id, code, reason in cases:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await service.start(Person(user_id, ("executor",)))
        assert (code_of(refused.value), reason_of(refused.value)) == (code, reason)
    assert await count(service.database_url, "shifts.shifts") == 0


async def test_a_planned_end_in_the_past_is_bad_input(service: ShiftsService) -> None:
    executor = await service.executor("plumber")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await service.start(
            executor, planned_end_time=timestamp(service.clock.now - timedelta(minutes=5))
        )
    assert code_of(refused.value) == grpc.StatusCode.INVALID_ARGUMENT
    assert "planned_end_time" in (refused.value.details() or "")


async def test_handing_over_ends_the_callers_shift_and_announces_who_ended_it(
    service: ShiftsService,
) -> None:
    executor = await service.executor("plumber")
    started = await service.start(executor)
    service.clock.advance(timedelta(hours=9, minutes=30))
    ended = await service.end(executor, note="  всё сдал  ")
    assert ended.id == started.id
    assert ended.status == shift_pb2.SHIFT_STATUS_COMPLETED
    assert ended.end_time.ToDatetime(UTC) == service.clock.now
    assert ended.start_time == started.start_time
    [_, (subject, envelope)] = await outbox_events(service)
    assert subject == "ukm.shifts.shift_ended"
    assert envelope.subject == started.id
    event = unwrap(envelope, events_pb2.ShiftEnded)
    assert event.shift == ended
    assert event.ended_by == executor.user_id
    [(end_note, ended_by)] = await rows(
        service.database_url, "SELECT end_note, ended_by FROM shifts.shifts"
    )
    assert (end_note, ended_by) == ("всё сдал", executor.user_id)


async def test_handing_over_off_duty_is_refused(service: ShiftsService) -> None:
    executor = await service.executor("plumber")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await service.end(executor)
    assert code_of(refused.value) == grpc.StatusCode.FAILED_PRECONDITION
    assert reason_of(refused.value) == "NO_ACTIVE_SHIFT"


async def test_an_executor_cannot_end_someone_elses_shift(service: ShiftsService) -> None:
    owner = await service.executor("plumber", name="Owner")
    other = await service.executor("plumber", name="Other")
    shift = await service.start(owner)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await service.end(other, shift.id)
    assert code_of(refused.value) == grpc.StatusCode.PERMISSION_DENIED
    assert reason_of(refused.value) == "NOT_YOUR_SHIFT"
    # Their own (none) is not touched either, and the owner is still on duty.
    assert await count(service.database_url, "shifts.shifts WHERE status = 'active'") == 1


async def test_a_manager_ends_anyones_shift_and_is_named_as_the_ender(
    service: ShiftsService,
) -> None:
    executor = await service.executor("plumber")
    shift = await service.start(executor)
    ended = await service.end(MANAGER, shift.id, note="ушёл без сдачи смены")
    assert ended.status == shift_pb2.SHIFT_STATUS_COMPLETED
    _, (_, envelope) = await outbox_events(service)
    assert unwrap(envelope, events_pb2.ShiftEnded).ended_by == MANAGER.user_id


async def test_an_ended_shift_cannot_be_ended_again(service: ShiftsService) -> None:
    executor = await service.executor("plumber")
    shift = await service.start(executor)
    await service.end(executor)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await service.end(MANAGER, shift.id)
    assert code_of(refused.value) == grpc.StatusCode.FAILED_PRECONDITION
    info = error_info(refused.value)
    assert info.reason == "SHIFT_NOT_ACTIVE"
    assert info.metadata["status"] == "completed"


async def test_of_concurrent_hand_overs_exactly_one_ends_the_shift(
    service: ShiftsService,
) -> None:
    executor = await service.executor("plumber")
    shift = await service.start(executor)
    answers = await asyncio.gather(
        service.end(executor),
        service.end(executor, shift.id),
        service.end(MANAGER, shift.id),
        service.end(MANAGER, shift.id),
        return_exceptions=True,
    )
    assert sum(isinstance(a, shift_pb2.Shift) for a in answers) == 1
    refusals = {reason_of(a) for a in answers if isinstance(a, grpc.aio.AioRpcError)}
    assert refusals <= {"SHIFT_NOT_ACTIVE", "NO_ACTIVE_SHIFT"}
    assert await count(service.database_url, "shifts.outbox WHERE subject LIKE '%ended'") == 1


async def test_ending_an_unknown_shift_is_not_found(service: ShiftsService) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await service.end(MANAGER, str(uuid.uuid4()))
    assert code_of(refused.value) == grpc.StatusCode.NOT_FOUND


async def test_a_malformed_shift_id_is_bad_input(service: ShiftsService) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await service.end(MANAGER, "shift-1")
    assert code_of(refused.value) == grpc.StatusCode.INVALID_ARGUMENT
