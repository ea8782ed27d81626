"""Filing requests through the real service: numbers, idempotency, events."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.rpc import error_details_pb2
from ukm.common.v1 import specialization_pb2
from ukm.events.v1 import envelope_pb2
from ukm.requests.v1 import events_pb2, request_pb2
from ukm.requests.v1 import requests_service_pb2 as pb

from services.kit.status import details_of
from tests.requests.conftest import RequestsService
from tests.requests.factories import APPLICANT, as_stored, create_request
from tests.support.db import rows, scalar


async def test_created_request_has_everything_the_caller_gave_and_the_defaults(
    service: RequestsService,
) -> None:
    created = (await service.stub.CreateRequest(create_request())).request
    assert created.request_number == "251125-001"
    assert created.status == request_pb2.REQUEST_STATUS_NEW
    assert created.applicant_id == APPLICANT
    assert created.category == request_pb2.CATEGORY_PLUMBING
    assert created.urgency == request_pb2.URGENCY_HIGH
    assert created.source == request_pb2.SOURCE_BOT
    assert created.acceptance_mode == request_pb2.ACCEPTANCE_MODE_RESIDENT
    assert created.address.level == request_pb2.ADDRESS_LEVEL_APARTMENT
    assert created.create_time.ToDatetime(UTC) == service.clock.now
    # High urgency: respond within 2 h, resolve within 24 h, from the moment of filing.
    assert created.sla.response_due_time.ToDatetime(UTC) == service.clock.now + timedelta(hours=2)
    assert created.sla.resolution_due_time.ToDatetime(UTC) == service.clock.now + timedelta(days=1)
    # Filed (version 1) and offered to its category's pool in the same transaction (version 2).
    assert created.version == 2
    assert created.assignment.mode == request_pb2.ASSIGNMENT_MODE_GROUP
    assert created.assignment.specialization == specialization_pb2.SPECIALIZATION_PLUMBER
    assert created.assignment.assigned_by == ""
    assert created.executor_id == ""
    fetched = (
        await service.stub.GetRequest(pb.GetRequestRequest(request_number=created.request_number))
    ).request
    assert fetched == created


async def test_200_concurrent_creates_get_200_distinct_consecutive_numbers(
    service: RequestsService,
) -> None:
    responses = await asyncio.gather(
        *(service.stub.CreateRequest(create_request()) for _ in range(200))
    )
    numbers = sorted(r.request.request_number for r in responses)
    assert numbers == [f"251125-{n:03d}" for n in range(1, 201)]


async def test_day_rolls_over_at_midnight_in_tashkent_not_utc(service: RequestsService) -> None:
    service.clock.now = datetime(2025, 11, 25, 18, 59, 59, tzinfo=UTC)  # 23:59:59 in Tashkent
    first = (await service.stub.CreateRequest(create_request())).request.request_number
    second = (await service.stub.CreateRequest(create_request())).request.request_number
    service.clock.now = datetime(2025, 11, 25, 19, 0, 0, tzinfo=UTC)  # 00:00 on the 26th
    third = (await service.stub.CreateRequest(create_request())).request.request_number
    assert (first, second, third) == ("251125-001", "251125-002", "251126-001")


async def test_numbers_are_never_reused_even_after_deletion(
    service: RequestsService, database_url: str
) -> None:
    for _ in range(3):
        await service.stub.CreateRequest(create_request())
    await scalar(
        database_url, "DELETE FROM requests.requests WHERE number = '251125-003' RETURNING 1"
    )
    again = (await service.stub.CreateRequest(create_request())).request.request_number
    assert again == "251125-004"


async def test_a_failed_create_burns_no_number(service: RequestsService) -> None:
    with pytest.raises(grpc.aio.AioRpcError):
        await service.stub.CreateRequest(create_request(description="   too short   "))
    first = (await service.stub.CreateRequest(create_request())).request.request_number
    assert first == "251125-001"


async def test_retry_with_the_same_idempotency_key_returns_the_first_request(
    service: RequestsService, database_url: str
) -> None:
    message = create_request(idempotency_key="bot-update-1234")
    first = (await service.stub.CreateRequest(message)).request
    service.clock.advance(timedelta(minutes=1))
    retried = (await service.stub.CreateRequest(message)).request
    assert retried == first
    racing = await asyncio.gather(
        *(
            service.stub.CreateRequest(create_request(idempotency_key="racing-key"))
            for _ in range(10)
        )
    )
    assert len({r.request.request_number for r in racing}) == 1
    assert await scalar(database_url, "SELECT count(*) FROM requests.requests") == 2
    # Each filing wrote its two events (created, offered to the pool) once.
    assert await scalar(database_url, "SELECT count(*) FROM requests.outbox") == 4


async def test_reusing_a_key_for_a_different_request_is_refused(service: RequestsService) -> None:
    await service.stub.CreateRequest(create_request(idempotency_key="k-1"))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await service.stub.CreateRequest(
            create_request(idempotency_key="k-1", description="A different problem text")
        )
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    [info] = details_of(refused.value)
    assert isinstance(info, error_details_pb2.ErrorInfo)
    assert info.reason == "IDEMPOTENCY_KEY_REUSED"


async def test_request_created_event_is_written_in_the_same_transaction(
    service: RequestsService, database_url: str
) -> None:
    created = (await service.stub.CreateRequest(create_request())).request
    outbox = await rows(database_url, "SELECT subject, payload FROM requests.outbox ORDER BY seq")
    assert [subject for subject, _ in outbox] == [
        "ukm.requests.request_created",
        "ukm.requests.request_assigned",
    ]
    envelope = envelope_pb2.Envelope.FromString(outbox[0][1])
    event = events_pb2.RequestCreated()
    assert envelope.data.Unpack(event)
    assert envelope.type == "ukm.requests.v1.RequestCreated"
    assert envelope.subject == created.request_number
    assert envelope.source == "requests"
    # As filed (version 1); the next event carries it offered to the pool.
    assert event.request.version == 1
    assert not event.request.HasField("assignment")
    assigned = events_pb2.RequestAssigned()
    assert envelope_pb2.Envelope.FromString(outbox[1][1]).data.Unpack(assigned)
    assert assigned.request == as_stored(created)
    assert assigned.specialization == specialization_pb2.SPECIALIZATION_PLUMBER
    assert assigned.assigned_by == ""
