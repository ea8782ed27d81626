"""Bad input gets INVALID_ARGUMENT with every field violation, and changes nothing."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2
from ukm.requests.v1 import request_pb2
from ukm.requests.v1 import requests_service_pb2 as pb

from services.kit.status import details_of
from tests.requests.conftest import RequestsService
from tests.requests.factories import YARD, create_request
from tests.support.db import count


async def count_rows_of(database_url: str) -> tuple[int, int]:
    """(requests, outbox events) stored: bad input must leave both at zero."""
    return await count(database_url, "requests.requests"), await count(
        database_url, "requests.outbox"
    )


async def violations_of(call: object) -> dict[str, str]:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call  # type: ignore[misc]
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    [bad_request] = details_of(refused.value)
    assert isinstance(bad_request, error_details_pb2.BadRequest)
    return {v.field: v.description for v in bad_request.field_violations}


async def test_every_violation_is_reported_at_once(
    service: RequestsService, database_url: str
) -> None:
    found = await violations_of(
        service.stub.CreateRequest(
            pb.CreateRequestRequest(
                description="short",
                urgency=99,
                media=[],  # type: ignore[arg-type]
                address=pb.AddressInput(
                    level=request_pb2.ADDRESS_LEVEL_APARTMENT, yard_id="not-a-uuid"
                ),
                applicant_id="also-not-a-uuid",
                idempotency_key="spaces are not allowed",
            )
        )
    )
    assert set(found) >= {
        "category",
        "description",
        "urgency",
        "address",
        "address.yard_id",
        "applicant_id",
        "idempotency_key",
    }
    assert "at least 10" in found["description"]
    assert await count_rows_of(database_url) == (0, 0)


async def test_address_levels_must_be_consistent(service: RequestsService) -> None:
    yard_with_building = create_request(
        address=pb.AddressInput(
            level=request_pb2.ADDRESS_LEVEL_YARD, yard_id=YARD, building_id=YARD
        )
    )
    found = await violations_of(service.stub.CreateRequest(yard_with_building))
    assert "building_id must be empty" in found["address"]


async def test_too_many_media_and_too_long_text_are_refused(service: RequestsService) -> None:
    from ukm.common.v1 import media_pb2

    photo = media_pb2.MediaRef(kind=media_pb2.MEDIA_KIND_PHOTO, telegram_file_id="AgAD123")
    found = await violations_of(
        service.stub.CreateRequest(create_request(media=[photo] * 11, description="x" * 2001))
    )
    assert set(found) == {"media", "description"}


async def test_list_limits(service: RequestsService) -> None:
    found = await violations_of(
        service.stub.ListRequests(pb.ListRequestsRequest(page_size=101, statuses=[42]))
    )  # type: ignore[list-item]
    assert set(found) == {"page_size", "statuses[0]"}


async def test_malformed_number(service: RequestsService) -> None:
    found = await violations_of(
        service.stub.GetRequest(pb.GetRequestRequest(request_number="1; DROP"))
    )
    assert set(found) == {"request_number"}


async def test_oversized_message_is_refused_before_any_handler(
    service: RequestsService, database_url: str
) -> None:
    huge = create_request(description="я" * (service.settings.max_message_bytes // 2 + 1))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await service.stub.CreateRequest(huge)
    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert await count_rows_of(database_url) == (0, 0)


async def test_garbage_bytes_are_refused_without_side_effects(
    service: RequestsService, database_url: str
) -> None:
    from tests.requests.conftest import MANAGER
    from tests.support.identity import test_issuer
    from tests.support.services import direct_channel

    token = test_issuer().token(MANAGER)
    channel = direct_channel(service.settings, service.server, token=token)
    raw = channel.unary_unary("/ukm.requests.v1.RequestService/CreateRequest")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await raw(b"\xff\xff\xff\xff garbage")
    await channel.close()
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "not a valid ukm.requests.v1.CreateRequestRequest" in (refused.value.details() or "")
    assert await count_rows_of(database_url) == (0, 0)
    # The service is still fine afterwards.
    assert (await service.stub.CreateRequest(create_request())).request.request_number
