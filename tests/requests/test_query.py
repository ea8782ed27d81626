"""Reading and listing requests: filters, keyset paging, not found."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from google.rpc import error_details_pb2
from ukm.requests.v1 import request_pb2
from ukm.requests.v1 import requests_service_pb2 as pb

from services.kit.status import details_of
from tests.requests.conftest import RequestsService
from tests.requests.factories import BUILDING, YARD, create_request, new_uuid


async def file_many(service: RequestsService, count: int, **changes: object) -> list[str]:
    numbers = []
    for _ in range(count):
        service.clock.advance(timedelta(seconds=1))
        response = await service.stub.CreateRequest(create_request(**changes))
        numbers.append(response.request.request_number)
    return numbers


async def list_all(service: RequestsService, **filters: object) -> list[str]:
    numbers: list[str] = []
    token = ""
    while True:
        page = await service.stub.ListRequests(
            pb.ListRequestsRequest(page_size=3, page_token=token, **filters)
        )  # type: ignore[arg-type]
        numbers += [r.request_number for r in page.requests]
        token = page.next_page_token
        if not token:
            return numbers


async def test_unknown_number_is_not_found_with_resource_info(service: RequestsService) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await service.stub.GetRequest(pb.GetRequestRequest(request_number="251125-404"))
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    [info] = details_of(missing.value)
    assert isinstance(info, error_details_pb2.ResourceInfo)
    assert (info.resource_type, info.resource_name) == ("request", "251125-404")


async def test_listing_is_newest_first_and_pages_cover_everything_once(
    service: RequestsService,
) -> None:
    numbers = await file_many(service, 10)
    assert await list_all(service) == list(reversed(numbers))
    default_page = await service.stub.ListRequests(pb.ListRequestsRequest())
    assert len(default_page.requests) == 10
    assert default_page.next_page_token == ""


async def test_paging_is_stable_while_new_requests_arrive(service: RequestsService) -> None:
    older = await file_many(service, 7)
    first = await service.stub.ListRequests(pb.ListRequestsRequest(page_size=3))
    await file_many(service, 5)  # inserted between page requests
    seen = [r.request_number for r in first.requests]
    token = first.next_page_token
    while token:
        page = await service.stub.ListRequests(
            pb.ListRequestsRequest(page_size=3, page_token=token)
        )
        seen += [r.request_number for r in page.requests]
        token = page.next_page_token
    assert seen == list(reversed(older))


async def test_filters_combine(service: RequestsService) -> None:
    other_applicant, other_building = new_uuid(), new_uuid()
    plumbing = await file_many(service, 2)
    elevator = await file_many(
        service, 2, category=request_pb2.CATEGORY_ELEVATOR, urgency=request_pb2.URGENCY_CRITICAL
    )
    neighbour = await file_many(service, 1, applicant_id=other_applicant)
    elsewhere = await file_many(
        service,
        1,
        address=pb.AddressInput(
            level=request_pb2.ADDRESS_LEVEL_BUILDING, yard_id=YARD, building_id=other_building
        ),
    )
    assert set(await list_all(service, categories=[request_pb2.CATEGORY_ELEVATOR])) == set(elevator)
    assert set(await list_all(service, urgencies=[request_pb2.URGENCY_HIGH])) == set(
        plumbing + neighbour + elsewhere
    )
    assert await list_all(service, applicant_id=other_applicant) == neighbour
    assert await list_all(service, building_id=other_building) == elsewhere
    assert len(await list_all(service, building_id=BUILDING)) == 5
    assert len(await list_all(service, statuses=[request_pb2.REQUEST_STATUS_NEW])) == 6
    assert await list_all(service, statuses=[request_pb2.REQUEST_STATUS_CANCELLED]) == []
    # Created range: [after, before)
    after, before = Timestamp(), Timestamp()
    after.FromDatetime(service.clock.now - timedelta(seconds=3))
    before.FromDatetime(service.clock.now)
    ranged = await list_all(service, created_after=after, created_before=before)
    assert ranged == list(reversed((elevator + neighbour)[-3:]))


async def test_a_page_token_only_works_with_the_filters_it_was_made_for(
    service: RequestsService,
) -> None:
    await file_many(service, 4)
    page = await service.stub.ListRequests(pb.ListRequestsRequest(page_size=2))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await service.stub.ListRequests(
            pb.ListRequestsRequest(
                page_size=2, page_token=page.next_page_token, urgencies=[request_pb2.URGENCY_LOW]
            )
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    for forged in ("garbage", "eyJwIjpbMSwyXSwiZiI6IngifQ"):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await service.stub.ListRequests(pb.ListRequestsRequest(page_token=forged))
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        [bad] = details_of(refused.value)
        assert isinstance(bad, error_details_pb2.BadRequest)
        assert bad.field_violations[0].field == "page_token"
