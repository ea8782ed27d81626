"""Refusals through the real service: the documented status code and ErrorInfo reason for each
way an action can be wrong, and nothing written when refused."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2
from ukm.common.v1 import specialization_pb2
from ukm.requests.v1 import request_pb2, workflow_pb2
from ukm.requests.v1 import requests_service_pb2 as pb

from services.kit.status import details_of
from tests.requests.factories import APPLICANT
from tests.requests.lifecycle_steps import claimed_by, confirmed, events_of, refused
from tests.requests.world import MANAGER, World
from tests.support.identity import Person, as_, person

OWNER = Person(APPLICANT, ("applicant",))
REPAIR = specialization_pb2.SPECIALIZATION_REPAIR
FAILED = grpc.StatusCode.FAILED_PRECONDITION
DENIED = grpc.StatusCode.PERMISSION_DENIED


async def test_a_stale_version_is_refused_with_the_current_one(world: World) -> None:
    filed = await world.file()
    cancel = pb.CancelRequestRequest(
        request_number=filed.request_number, expected_version=1, reason="дубль"
    )
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await world.requests.CancelRequest(cancel, metadata=as_(MANAGER))
    assert failure.value.code() == FAILED
    [info] = details_of(failure.value)
    assert isinstance(info, error_details_pb2.ErrorInfo)
    assert (info.reason, info.metadata["current_version"]) == ("STALE_VERSION", "2")
    unchanged = await world.requests.GetRequest(
        pb.GetRequestRequest(request_number=filed.request_number), metadata=as_(MANAGER)
    )
    assert unchanged.request == filed


async def test_an_executor_off_duty_cannot_claim_nor_work(world: World) -> None:
    plumber = await world.executor("plumber")
    number = (await world.file()).request_number
    claim = pb.ClaimRequestRequest(request_number=number)
    message = await refused(
        world.requests.ClaimRequest(claim, metadata=as_(plumber)), FAILED, "EXECUTOR_NOT_ON_SHIFT"
    )
    assert "take a shift" in message
    await world.on_shift(plumber)
    await world.requests.ClaimRequest(claim, metadata=as_(plumber))
    await world.off_shift(plumber)
    complete = pb.CompleteRequestRequest(request_number=number, report="Сделал")
    await refused(
        world.requests.CompleteRequest(complete, metadata=as_(plumber)),
        FAILED,
        "EXECUTOR_NOT_ON_SHIFT",
    )


async def test_claims_need_the_skill_and_a_shift_that_covers_it(world: World) -> None:
    electrician = await world.executor("electrician")
    versatile = await world.executor("plumber", "electrician")
    await world.on_shift(electrician)
    await world.on_shift(versatile, "electrician")  # focused on electricity today
    claim = pb.ClaimRequestRequest(request_number=(await world.file()).request_number)
    for who in (electrician, versatile):
        await refused(
            world.requests.ClaimRequest(claim, metadata=as_(who)), FAILED, "SKILL_MISMATCH"
        )


async def test_only_the_assigned_executor_works_on_a_request(world: World) -> None:
    mine, other = await world.executor("plumber"), await world.executor("plumber")
    for who in (mine, other):
        await world.on_shift(who)
    number = (await claimed_by(world, mine)).request_number
    complete = pb.CompleteRequestRequest(request_number=number, report="Сделал")
    await refused(
        world.requests.CompleteRequest(complete, metadata=as_(other)), FAILED, "NOT_ASSIGNED"
    )
    claim = pb.ClaimRequestRequest(request_number=number)
    await refused(
        world.requests.ClaimRequest(claim, metadata=as_(other)), FAILED, "TRANSITION_NOT_ALLOWED"
    )


async def test_accepting_needs_a_rating_and_returning_a_reason(world: World) -> None:
    plumber = await world.executor("plumber")
    await world.on_shift(plumber)
    number = (await confirmed(world, plumber)).request_number
    accept = pb.AcceptRequestRequest(request_number=number)
    message = await refused(
        world.requests.AcceptRequest(accept, metadata=as_(OWNER)), FAILED, "RATING_REQUIRED"
    )
    assert "1 to 5" in message
    back = pb.TransitionRequest(
        request_number=number, action=workflow_pb2.TRANSITION_ACTION_APPLICANT_RETURN
    )
    await refused(world.requests.Transition(back, metadata=as_(OWNER)), FAILED, "REASON_REQUIRED")


async def test_a_finished_request_is_frozen(world: World) -> None:
    number = (await world.file()).request_number
    cancel = pb.CancelRequestRequest(request_number=number, reason="дубль")
    await world.requests.CancelRequest(cancel, metadata=as_(MANAGER))
    offer = pb.AssignRequestRequest(request_number=number, specialization=REPAIR)
    await refused(
        world.requests.AssignRequest(offer, metadata=as_(MANAGER)), FAILED, "REQUEST_FROZEN"
    )


async def test_the_owner_may_not_dispatch(world: World) -> None:
    number = (await world.file()).request_number
    assign = pb.TransitionRequest(
        request_number=number,
        action=workflow_pb2.TRANSITION_ACTION_ASSIGN_GROUP,
        payload=workflow_pb2.TransitionPayload(specialization=REPAIR),
    )
    await refused(
        world.requests.Transition(assign, metadata=as_(OWNER)), DENIED, "ROLE_NOT_ALLOWED"
    )
    system = pb.TransitionRequest(
        request_number=number,
        action=workflow_pb2.TRANSITION_ACTION_DISPATCH_ASSIGN,
        payload=workflow_pb2.TransitionPayload(executor_id=MANAGER.user_id),
    )
    await refused(
        world.requests.Transition(system, metadata=as_(MANAGER)), DENIED, "ROLE_NOT_ALLOWED"
    )


async def test_requests_others_may_not_see_do_not_exist_for_them(world: World) -> None:
    number = (await world.file()).request_number
    stranger = person("applicant")
    for call in (
        world.requests.CancelRequest(
            pb.CancelRequestRequest(request_number=number, reason="чужая"), metadata=as_(stranger)
        ),
        world.requests.ListHistory(
            pb.ListHistoryRequest(request_number=number), metadata=as_(stranger)
        ),
        world.requests.Transition(
            pb.TransitionRequest(
                request_number=number, action=workflow_pb2.TRANSITION_ACTION_CANCEL
            ),
            metadata=as_(stranger),
        ),
    ):
        await refused(call, grpc.StatusCode.NOT_FOUND)
    await refused(
        world.requests.CancelRequest(
            pb.CancelRequestRequest(request_number="251125-999", reason="нет такой"),
            metadata=as_(MANAGER),
        ),
        grpc.StatusCode.NOT_FOUND,
    )


async def test_bad_payloads_name_the_field_and_write_nothing(world: World) -> None:
    number = (await world.file()).request_number
    for payload in (
        workflow_pb2.TransitionPayload(text="лишний текст"),  # a claim takes no text
        workflow_pb2.TransitionPayload(rating=5),  # nor a rating
    ):
        claim = pb.TransitionRequest(
            request_number=number,
            action=workflow_pb2.TRANSITION_ACTION_EXECUTOR_CLAIM,
            payload=payload,
        )
        plumber = await world.executor("plumber")
        await world.on_shift(plumber)
        await refused(
            world.requests.Transition(claim, metadata=as_(plumber)),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
    purchase = pb.PurchaseMaterialsRequest(
        request_number=number, materials=[request_pb2.MaterialItem(name="Кран", quantity="-1")]
    )
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await world.requests.PurchaseMaterials(purchase, metadata=as_(MANAGER))
    [bad] = details_of(failure.value)
    assert isinstance(bad, error_details_pb2.BadRequest)
    assert bad.field_violations[0].field == "materials[0].quantity"
    assert len(await events_of(world.database_url, number)) == 2  # created, pooled: no more


async def test_only_an_executor_can_be_assigned(world: World) -> None:
    number = (await world.file()).request_number
    resident = await world.approved(await world.someone())
    assign = pb.AssignRequestRequest(request_number=number, executor_id=resident.user_id)
    await refused(
        world.requests.AssignRequest(assign, metadata=as_(MANAGER)), FAILED, "NOT_AN_EXECUTOR"
    )


async def test_managers_assign_executors_who_are_off_duty(world: World) -> None:
    plumber = await world.executor("plumber")
    number = (await world.file()).request_number
    assign = pb.AssignRequestRequest(request_number=number, executor_id=plumber.user_id)
    assigned = (await world.requests.AssignRequest(assign, metadata=as_(MANAGER))).request
    assert assigned.executor_id == plumber.user_id
