"""Managers' edits (with their history and event), what each person reads of the history, who
sees pool requests, and the board counts."""

from __future__ import annotations

import grpc
from ukm.common.v1 import specialization_pb2
from ukm.requests.v1 import events_pb2, request_pb2, workflow_pb2
from ukm.requests.v1 import requests_service_pb2 as pb

from services.requests import history
from services.requests.lifecycle_codec import state_of
from tests.requests.factories import APPLICANT, as_stored
from tests.requests.lifecycle_steps import claimed_by, events_of, history_rows, refused, request_row
from tests.requests.world import MANAGER, World
from tests.support.identity import Person, as_

OWNER = Person(APPLICANT, ("applicant",))
S = request_pb2


async def test_a_manager_edits_with_history_and_an_event(world: World) -> None:
    filed = await world.file()
    number = filed.request_number
    edit = pb.UpdateRequestRequest(
        request_number=number,
        expected_version=filed.version,
        urgency=S.URGENCY_CRITICAL,
        description="  Прорвало трубу, заливает соседей снизу ",
        reason="звонок соседей",
    )
    edited = (await world.requests.UpdateRequest(edit, metadata=as_(MANAGER))).request
    assert edited.version == filed.version + 1
    assert edited.urgency == S.URGENCY_CRITICAL
    assert edited.description == "Прорвало трубу, заливает соседей снизу"
    last = (
        await world.requests.ListHistory(
            pb.ListHistoryRequest(request_number=number), metadata=as_(OWNER)
        )
    ).entries[-1]
    assert (last.change, last.version, last.actor_id, last.reason) == (
        "updated",
        edited.version,
        MANAGER.user_id,
        "звонок соседей",
    )
    assert last.details["urgency"] == "high → critical"
    assert (last.from_status, last.to_status) == (S.REQUEST_STATUS_NEW, S.REQUEST_STATUS_NEW)
    [updated] = [
        e
        for e in await events_of(world.database_url, number)
        if isinstance(e, events_pb2.RequestUpdated)
    ]
    assert updated.changes["urgency"] == "high → critical"
    assert (updated.updated_by, updated.reason, updated.request) == (
        MANAGER.user_id,
        "звонок соседей",
        as_stored(edited),
    )
    # The same edit again changes nothing (a retry is harmless); a stale one is refused.
    again = pb.UpdateRequestRequest(request_number=number, urgency=S.URGENCY_CRITICAL)
    assert (await world.requests.UpdateRequest(again, metadata=as_(MANAGER))).request == edited
    await refused(
        world.requests.UpdateRequest(edit, metadata=as_(MANAGER)),
        grpc.StatusCode.FAILED_PRECONDITION,
        "STALE_VERSION",
    )
    await refused(
        world.requests.UpdateRequest(again, metadata=as_(OWNER)), grpc.StatusCode.PERMISSION_DENIED
    )


async def test_a_new_category_moves_the_request_to_its_pool_unless_a_manager_chose_one(
    world: World,
) -> None:
    filed = await world.file()
    number = filed.request_number
    fix = pb.UpdateRequestRequest(request_number=number, category=S.CATEGORY_ELECTRICITY)
    moved = (await world.requests.UpdateRequest(fix, metadata=as_(MANAGER))).request
    assert moved.category == S.CATEGORY_ELECTRICITY
    assert moved.assignment.specialization == specialization_pb2.SPECIALIZATION_ELECTRICIAN
    assert moved.version == filed.version + 2  # the edit, then the system's new offer
    steps = await history_rows(world, number)
    assert [(s["change"], s["action"], s["actor_id"]) for s in steps[-2:]] == [
        ("updated", None, MANAGER.user_id),
        ("transition", "assign_group", None),
    ]
    assert history.replay(steps) == state_of(await request_row(world, number))

    chosen = await world.file()
    offer = pb.AssignRequestRequest(
        request_number=chosen.request_number,
        specialization=specialization_pb2.SPECIALIZATION_REPAIR,
    )
    await world.requests.AssignRequest(offer, metadata=as_(MANAGER))
    fix = pb.UpdateRequestRequest(
        request_number=chosen.request_number, category=S.CATEGORY_ELEVATOR
    )
    kept = (await world.requests.UpdateRequest(fix, metadata=as_(MANAGER))).request
    assert kept.assignment.specialization == specialization_pb2.SPECIALIZATION_REPAIR


async def test_residents_read_the_history_without_staff_only_notes(world: World) -> None:
    plumber, other = await world.executor("plumber"), await world.executor("plumber")
    for executor in (plumber, other):
        await world.on_shift(executor)
    number = (await claimed_by(world, plumber)).request_number
    transition = pb.TransitionRequest(
        request_number=number,
        action=workflow_pb2.TRANSITION_ACTION_MANAGER_ASSIGN,
        payload=workflow_pb2.TransitionPayload(executor_id=other.user_id, text="он ближе"),
    )
    await world.requests.Transition(transition, metadata=as_(MANAGER))

    async def last_reason(who: Person) -> str:
        entries = (
            await world.requests.ListHistory(
                pb.ListHistoryRequest(request_number=number), metadata=as_(who)
            )
        ).entries
        assert entries[-1].details["previous_executor_id"] == plumber.user_id
        return str(entries[-1].reason)

    assert await last_reason(MANAGER) == "он ближе"
    assert await last_reason(OWNER) == ""
    # The removed executor no longer sees the request at all.
    await refused(
        world.requests.ListHistory(
            pb.ListHistoryRequest(request_number=number), metadata=as_(plumber)
        ),
        grpc.StatusCode.NOT_FOUND,
    )


async def test_pool_requests_are_seen_by_executors_on_duty_with_the_skill(world: World) -> None:
    number = (await world.file()).request_number
    get = pb.GetRequestRequest(request_number=number)
    plumber, electrician = await world.executor("plumber"), await world.executor("electrician")
    await refused(world.requests.GetRequest(get, metadata=as_(plumber)), grpc.StatusCode.NOT_FOUND)
    await world.on_shift(plumber)
    await world.on_shift(electrician)
    assert (await world.requests.GetRequest(get, metadata=as_(plumber))).request.request_number
    await refused(
        world.requests.GetRequest(get, metadata=as_(electrician)), grpc.StatusCode.NOT_FOUND
    )
    await world.off_shift(plumber)
    await refused(world.requests.GetRequest(get, metadata=as_(plumber)), grpc.StatusCode.NOT_FOUND)


async def test_counts_per_status_for_what_the_caller_may_see(world: World) -> None:
    plumber = await world.executor("plumber")
    await world.on_shift(plumber)
    await claimed_by(world, plumber)
    await world.file()
    await world.file(applicant_id="0f000000-0000-4000-8000-000000000001")
    counts = await world.requests.CountRequests(pb.CountRequestsRequest(), metadata=as_(MANAGER))
    assert counts.total == 3
    assert counts.by_status["REQUEST_STATUS_NEW"] == 2
    assert counts.by_status["REQUEST_STATUS_IN_PROGRESS"] == 1
    assert counts.by_status["REQUEST_STATUS_CANCELLED"] == 0
    assert len(counts.by_status) == 9
    mine = await world.requests.CountRequests(pb.CountRequestsRequest(), metadata=as_(OWNER))
    assert mine.total == 2
    filtered = await world.requests.CountRequests(
        pb.CountRequestsRequest(
            filter=pb.ListRequestsRequest(statuses=[S.REQUEST_STATUS_IN_PROGRESS])
        ),
        metadata=as_(plumber),
    )
    assert filtered.total == 1
