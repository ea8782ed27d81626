"""The life of a request through the real service, verb by verb, as each role meets it: states,
versions, the history that replays to the stored state, and the events written with each step."""

from __future__ import annotations

from datetime import UTC, timedelta

import grpc
from ukm.common.v1 import media_pb2, specialization_pb2
from ukm.requests.v1 import events_pb2, request_pb2, workflow_pb2
from ukm.requests.v1 import requests_service_pb2 as pb

from services.requests import history
from services.requests.lifecycle_codec import state_of
from tests.requests.conftest import Clock
from tests.requests.factories import APPLICANT
from tests.requests.lifecycle_steps import (
    claimed_by,
    completed_by,
    confirmed,
    events_of,
    history_rows,
    refused,
    request_row,
)
from tests.requests.world import MANAGER, World, address_input
from tests.support.db import rows
from tests.support.identity import Person, as_

OWNER = Person(APPLICANT, ("applicant",))
S = request_pb2
PHOTO = media_pb2.MediaRef(kind=media_pb2.MEDIA_KIND_PHOTO, telegram_file_id="tg-report-1")


async def test_the_whole_life_claim_purchase_resume_complete_confirm_accept(
    world: World, clock: Clock
) -> None:
    plumber = await world.executor("plumber")
    await world.on_shift(plumber)
    stub, number = world.requests, (await world.file()).request_number
    steps = []

    clock.advance(timedelta(minutes=5))
    claimed = await stub.ClaimRequest(
        pb.ClaimRequestRequest(request_number=number, expected_version=2), metadata=as_(plumber)
    )
    steps.append(claimed.request)
    clock.advance(timedelta(minutes=30))
    purchase = pb.PurchaseMaterialsRequest(
        request_number=number,
        materials=[S.MaterialItem(name="Смеситель", quantity="1")],
        comment="нужен смеситель",
    )
    steps.append((await stub.PurchaseMaterials(purchase, metadata=as_(plumber))).request)
    finish = pb.FinishPurchaseRequest(request_number=number, comment="куплен")
    steps.append((await stub.FinishPurchase(finish, metadata=as_(MANAGER))).request)
    complete = pb.CompleteRequestRequest(request_number=number, report="Заменил", media=[PHOTO])
    steps.append((await stub.CompleteRequest(complete, metadata=as_(plumber))).request)
    confirm = pb.ConfirmRequestRequest(request_number=number, notes="проверено")
    steps.append((await stub.ConfirmRequest(confirm, metadata=as_(MANAGER))).request)
    accept = pb.AcceptRequestRequest(request_number=number, rating=5, review="Спасибо!")
    steps.append((await stub.AcceptRequest(accept, metadata=as_(OWNER))).request)

    assert [s.status for s in steps] == [
        S.REQUEST_STATUS_IN_PROGRESS,
        S.REQUEST_STATUS_PURCHASE,
        S.REQUEST_STATUS_IN_PROGRESS,
        S.REQUEST_STATUS_COMPLETED,
        S.REQUEST_STATUS_CONFIRMED,
        S.REQUEST_STATUS_ACCEPTED,
    ]
    assert [s.version for s in steps] == [3, 4, 5, 6, 7, 8]
    final = steps[-1]
    assert final.executor_id == plumber.user_id
    assert final.assignment.mode == S.ASSIGNMENT_MODE_INDIVIDUAL
    assert final.materials.items[0].name == "Смеситель"
    assert final.materials.requested_by == plumber.user_id
    assert final.completion.report == "Заменил"
    assert list(final.completion.media) == [PHOTO]
    assert final.manager_confirmation.notes == "проверено"
    assert (final.rating.stars, final.rating.review) == (5, "Спасибо!")
    assert final.sla.respond_time.ToDatetime(UTC) == claimed.request.update_time.ToDatetime(UTC)
    assert final.accept_time.ToDatetime(UTC) == clock.now
    fetched = await stub.GetRequest(
        pb.GetRequestRequest(request_number=number), metadata=as_(OWNER)
    )
    assert fetched.request == final

    # The history lists every step from the filing on, and replays to what is stored.
    listed = (
        await stub.ListHistory(pb.ListHistoryRequest(request_number=number), metadata=as_(MANAGER))
    ).entries
    assert [e.version for e in listed] == list(range(1, 9))
    assert [e.change for e in listed] == ["created"] + ["transition"] * 7
    assert [e.action for e in listed] == [
        workflow_pb2.TRANSITION_ACTION_UNSPECIFIED,
        workflow_pb2.TRANSITION_ACTION_ASSIGN_GROUP,
        workflow_pb2.TRANSITION_ACTION_EXECUTOR_CLAIM,
        workflow_pb2.TRANSITION_ACTION_EXECUTOR_PURCHASE,
        workflow_pb2.TRANSITION_ACTION_PURCHASE_DONE,
        workflow_pb2.TRANSITION_ACTION_EXECUTOR_COMPLETE,
        workflow_pb2.TRANSITION_ACTION_MANAGER_CONFIRM,
        workflow_pb2.TRANSITION_ACTION_APPLICANT_ACCEPT,
    ]
    assert [e.actor_id for e in listed][1:3] == ["", plumber.user_id]
    assert listed[1].details["specialization"] == "plumber"
    assert listed[2].details["executor_id"] == plumber.user_id
    assert listed[3].details["materials"] == "Смеситель 1 pcs"
    assert listed[-1].details["rating"] == "5"
    stored = await request_row(world, number)
    assert history.replay(await history_rows(world, number)) == state_of(stored)

    # The rating is stored once, with whose work it rated; the purchase log has both steps.
    assert await rows(
        world.database_url, "SELECT stars, review, executor_id::text FROM requests.request_ratings"
    ) == [(5, "Спасибо!", plumber.user_id)]
    assert await rows(
        world.database_url,
        "SELECT step, items, comment FROM requests.request_purchases ORDER BY id",
    ) == [
        ("requested", [{"name": "Смеситель", "quantity": "1", "unit": "pcs"}], "нужен смеситель"),
        ("done", [], "куплен"),
    ]


async def test_each_step_writes_its_events_with_the_request_as_it_became(world: World) -> None:
    plumber = await world.executor("plumber")
    await world.on_shift(plumber)
    accepted = await confirmed(world, plumber)
    number = accepted.request_number
    await world.requests.AcceptRequest(
        pb.AcceptRequestRequest(request_number=number, rating=4), metadata=as_(OWNER)
    )
    found = await events_of(world.database_url, number)
    assert [type(e).__name__ for e in found] == [
        "RequestCreated",
        "RequestAssigned",  # to the plumbers' pool
        "RequestStatusChanged",  # claimed: NEW → IN_PROGRESS
        "RequestAssigned",
        "RequestStatusChanged",  # completed
        "RequestCommented",  # the report
        "RequestStatusChanged",  # confirmed
        "RequestStatusChanged",  # accepted
        "RequestRated",
    ]
    assert [e.request.version for e in found] == [1, 2, 3, 3, 4, 4, 5, 6, 6]
    pool, claim, claim_assigned = found[1], found[2], found[3]
    assert pool.specialization == specialization_pb2.SPECIALIZATION_PLUMBER
    assert (claim.from_status, claim.to_status) == (
        S.REQUEST_STATUS_NEW,
        S.REQUEST_STATUS_IN_PROGRESS,
    )
    assert claim.action == workflow_pb2.TRANSITION_ACTION_EXECUTOR_CLAIM
    assert claim.actor_id == plumber.user_id
    assert (claim_assigned.executor_id, claim_assigned.assigned_by) == (
        plumber.user_id,
        plumber.user_id,
    )
    completed, report = found[4], found[5]
    assert completed.text == "Заменил прокладку"
    assert report.comment.kind == workflow_pb2.COMMENT_KIND_REPORT
    assert report.comment.text == "Заменил прокладку" and not report.comment.internal
    rated = found[-1]
    assert isinstance(rated, events_pb2.RequestRated)
    assert (rated.rating.stars, rated.executor_id) == (4, plumber.user_id)
    assert rated.request.status == S.REQUEST_STATUS_ACCEPTED


async def test_managers_assign_and_reassign_and_the_removed_executor_is_told(
    world: World,
) -> None:
    first, second = await world.executor("plumber"), await world.executor("electrician")
    for executor in (first, second):
        await world.on_shift(executor)
    number = (await world.file()).request_number
    assign = pb.AssignRequestRequest(request_number=number, executor_id=first.user_id)
    assigned = (await world.requests.AssignRequest(assign, metadata=as_(MANAGER))).request
    assert (assigned.status, assigned.executor_id) == (S.REQUEST_STATUS_IN_PROGRESS, first.user_id)
    again = pb.AssignRequestRequest(request_number=number, executor_id=second.user_id)
    moved = (await world.requests.AssignRequest(again, metadata=as_(MANAGER))).request
    assert (moved.executor_id, moved.assignment.assigned_by) == (second.user_id, MANAGER.user_id)

    found = await events_of(world.database_url, number)
    unassigned = [e for e in found if isinstance(e, events_pb2.RequestUnassigned)]
    assert [(e.executor_id, e.action, e.reason) for e in unassigned] == [
        (first.user_id, workflow_pb2.TRANSITION_ACTION_MANAGER_ASSIGN, "")
    ]
    last = [e for e in found if isinstance(e, events_pb2.RequestAssigned)][-1]
    assert (last.executor_id, last.previous_executor_id) == (second.user_id, first.user_id)
    # Every assignment is kept; only the last one is active.
    assert await rows(
        world.database_url,
        "SELECT mode, specialisation, executor_id::text, active, end_reason"
        " FROM requests.request_assignments ORDER BY id",
    ) == [
        ("group", "plumber", None, False, "manager_assign"),
        ("individual", None, first.user_id, False, "manager_assign"),
        ("individual", None, second.user_id, True, None),
    ]


async def test_a_manager_offers_the_request_to_another_pool(world: World) -> None:
    number = (await world.file()).request_number
    offer = pb.AssignRequestRequest(
        request_number=number, specialization=specialization_pb2.SPECIALIZATION_REPAIR
    )
    offered = (await world.requests.AssignRequest(offer, metadata=as_(MANAGER))).request
    assert offered.status == S.REQUEST_STATUS_NEW
    assert offered.assignment.specialization == specialization_pb2.SPECIALIZATION_REPAIR
    assert offered.assignment.assigned_by == MANAGER.user_id
    # A handyman on duty may now claim the plumbing request; a plumber may not.
    handyman, plumber = await world.executor("repair"), await world.executor("plumber")
    for executor in (handyman, plumber):
        await world.on_shift(executor)
    claim = pb.ClaimRequestRequest(request_number=number)
    await refused(
        world.requests.ClaimRequest(claim, metadata=as_(plumber)),
        grpc.StatusCode.FAILED_PRECONDITION,
        "SKILL_MISMATCH",
    )
    taken = (await world.requests.ClaimRequest(claim, metadata=as_(handyman))).request
    assert taken.executor_id == handyman.user_id


async def test_clarification_question_answer_and_back_to_work(world: World) -> None:
    plumber = await world.executor("plumber")
    await world.on_shift(plumber)
    number = (await claimed_by(world, plumber)).request_number
    ask = pb.ClarifyRequestRequest(request_number=number, question="Какой подъезд?")
    asked = (await world.requests.ClarifyRequest(ask, metadata=as_(MANAGER))).request
    assert asked.status == S.REQUEST_STATUS_CLARIFICATION
    answer = pb.AnswerClarificationRequest(request_number=number, answer="Второй", media=[PHOTO])
    answered = (await world.requests.AnswerClarification(answer, metadata=as_(OWNER))).request
    # The answer is recorded (a new version) without a status change.
    assert (answered.status, answered.version) == (
        S.REQUEST_STATUS_CLARIFICATION,
        asked.version + 1,
    )
    resume = pb.ResumeRequestRequest(request_number=number)
    resumed = (await world.requests.ResumeRequest(resume, metadata=as_(plumber))).request
    assert resumed.status == S.REQUEST_STATUS_IN_PROGRESS
    listed = (
        await world.requests.ListComments(
            pb.ListCommentsRequest(request_number=number), metadata=as_(OWNER)
        )
    ).comments
    assert [(c.kind, c.text, c.author_id) for c in listed] == [
        (workflow_pb2.COMMENT_KIND_CLARIFICATION, "Какой подъезд?", MANAGER.user_id),
        (workflow_pb2.COMMENT_KIND_CLARIFICATION, "Второй", OWNER.user_id),
    ]
    assert list(listed[1].media) == [PHOTO]
    found = await events_of(world.database_url, number)
    answered_events = [e for e in found if e.request.version == answered.version]
    assert [type(e).__name__ for e in answered_events] == ["RequestCommented"]


async def test_returned_by_a_manager_then_by_the_applicant_then_accepted_on_their_behalf(
    world: World,
) -> None:
    plumber = await world.executor("plumber")
    await world.on_shift(plumber)
    number = (await completed_by(world, plumber)).request_number
    back = pb.ReturnRequestRequest(request_number=number, reason="Не убрали за собой")
    returned = (await world.requests.ReturnRequest(back, metadata=as_(MANAGER))).request
    assert returned.status == S.REQUEST_STATUS_IN_PROGRESS
    assert returned.executor_id == plumber.user_id
    assert not returned.HasField("completion")
    assert returned.return_info.reason == "Не убрали за собой"
    complete = pb.CompleteRequestRequest(request_number=number, report="Убрал")
    await world.requests.CompleteRequest(complete, metadata=as_(plumber))
    await world.requests.ConfirmRequest(
        pb.ConfirmRequestRequest(request_number=number), metadata=as_(MANAGER)
    )
    mine = pb.ReturnRequestRequest(request_number=number, reason="Всё ещё капает", media=[PHOTO])
    rejected = (await world.requests.ReturnRequest(mine, metadata=as_(OWNER))).request
    assert rejected.status == S.REQUEST_STATUS_RETURNED
    assert list(rejected.return_info.media) == [PHOTO]
    assert rejected.return_info.returned_by == OWNER.user_id
    short = pb.AcceptRequestRequest(request_number=number, comment="ok")
    await refused(
        world.requests.AcceptRequest(short, metadata=as_(MANAGER)),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    forced = pb.AcceptRequestRequest(request_number=number, comment="Жилец подтвердил по телефону")
    accepted = (await world.requests.AcceptRequest(forced, metadata=as_(MANAGER))).request
    assert accepted.status == S.REQUEST_STATUS_ACCEPTED
    assert not accepted.HasField("rating")


async def test_cancel_by_the_owner_while_new_and_by_a_manager_later(world: World) -> None:
    own = (await world.file()).request_number
    cancel = pb.CancelRequestRequest(request_number=own, reason="Сам починил")
    cancelled = (await world.requests.CancelRequest(cancel, metadata=as_(OWNER))).request
    assert cancelled.status == S.REQUEST_STATUS_CANCELLED
    assert (cancelled.cancellation.reason, cancelled.cancellation.cancelled_by) == (
        "Сам починил",
        OWNER.user_id,
    )
    plumber = await world.executor("plumber")
    await world.on_shift(plumber)
    busy = (await claimed_by(world, plumber)).request_number
    message = await refused(
        world.requests.CancelRequest(
            pb.CancelRequestRequest(request_number=busy, reason="Передумал"), metadata=as_(OWNER)
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "TRANSITION_NOT_ALLOWED",
    )
    assert "ask a manager" in message
    stopped = (
        await world.requests.CancelRequest(
            pb.CancelRequestRequest(request_number=busy, reason="Дубликат"), metadata=as_(MANAGER)
        )
    ).request
    # The executor stays on the cancelled request, so they are told.
    assert (stopped.status, stopped.executor_id) == (S.REQUEST_STATUS_CANCELLED, plumber.user_id)
    changed = [
        e
        for e in await events_of(world.database_url, busy)
        if isinstance(e, events_pb2.RequestStatusChanged)
    ][-1]
    assert (changed.to_status, changed.text, changed.request.executor_id) == (
        S.REQUEST_STATUS_CANCELLED,
        "Дубликат",
        plumber.user_id,
    )


async def test_in_manager_acceptance_mode_the_confirmation_is_final(world: World) -> None:
    plumber = await world.executor("plumber")
    await world.on_shift(plumber)
    done = await completed_by(world, plumber, acceptance_mode=request_pb2.ACCEPTANCE_MODE_MANAGER)
    final = (
        await world.requests.ConfirmRequest(
            pb.ConfirmRequestRequest(request_number=done.request_number), metadata=as_(MANAGER)
        )
    ).request
    assert final.status == S.REQUEST_STATUS_ACCEPTED


async def test_transition_by_name_with_a_payload(world: World) -> None:
    number = (await world.file()).request_number
    plumber = await world.executor("plumber")
    await world.on_shift(plumber)
    # Straight to purchase from NEW (no executor yet), then back to work naming one.
    purchase = pb.TransitionRequest(
        request_number=number,
        action=workflow_pb2.TRANSITION_ACTION_MANAGER_PURCHASE,
        payload=workflow_pb2.TransitionPayload(text="ждём трубу"),
    )
    waiting = (await world.requests.Transition(purchase, metadata=as_(MANAGER))).request
    assert (waiting.status, waiting.materials.comment) == (S.REQUEST_STATUS_PURCHASE, "ждём трубу")
    done = pb.TransitionRequest(
        request_number=number, action=workflow_pb2.TRANSITION_ACTION_PURCHASE_DONE
    )
    await refused(
        world.requests.Transition(done, metadata=as_(MANAGER)),
        grpc.StatusCode.FAILED_PRECONDITION,
        "EXECUTOR_REQUIRED",
    )
    done.payload.executor_id = plumber.user_id
    working = (await world.requests.Transition(done, metadata=as_(MANAGER))).request
    assert (working.status, working.executor_id) == (S.REQUEST_STATUS_IN_PROGRESS, plumber.user_id)


async def test_a_neighbour_sees_and_accepts_while_it_waits_for_acceptance(world: World) -> None:
    flat = await world.flat()
    owner, neighbour = await world.resident(flat, "Nodira"), await world.resident(flat, "Aziz")
    stranger = await world.resident(await world.flat(), "Kamola")
    filed = await world.file(
        owner, address=address_input(flat), applicant_id="", source=S.SOURCE_BOT
    )
    number = filed.request_number
    get = pb.GetRequestRequest(request_number=number)
    await refused(
        world.requests.GetRequest(get, metadata=as_(neighbour)), grpc.StatusCode.NOT_FOUND
    )
    plumber = await world.executor("plumber")
    await world.on_shift(plumber)
    claim = pb.ClaimRequestRequest(request_number=number)
    await world.requests.ClaimRequest(claim, metadata=as_(plumber))
    complete = pb.CompleteRequestRequest(request_number=number, report="Готово")
    await world.requests.CompleteRequest(complete, metadata=as_(plumber))
    confirm = pb.ConfirmRequestRequest(request_number=number)
    await world.requests.ConfirmRequest(confirm, metadata=as_(MANAGER))

    seen = (await world.requests.GetRequest(get, metadata=as_(neighbour))).request
    assert seen.status == S.REQUEST_STATUS_CONFIRMED
    accept = pb.AcceptRequestRequest(request_number=number, rating=3)
    await refused(
        world.requests.AcceptRequest(accept, metadata=as_(stranger)), grpc.StatusCode.NOT_FOUND
    )
    accepted = (await world.requests.AcceptRequest(accept, metadata=as_(neighbour))).request
    assert accepted.status == S.REQUEST_STATUS_ACCEPTED
    history_entries = (
        await world.requests.ListHistory(
            pb.ListHistoryRequest(request_number=number), metadata=as_(owner)
        )
    ).entries
    assert history_entries[-1].actor_id == neighbour.user_id
    assert history_entries[-1].details["acting_as"] == "resident"


async def test_sla_clocks_move_with_the_steps_in_the_same_transaction(
    world: World, clock: Clock
) -> None:
    plumber = await world.executor("plumber")
    await world.on_shift(plumber)
    filed = await world.file()  # high urgency: resolve within 24 h
    number = filed.request_number
    due = filed.sla.resolution_due_time.ToDatetime(UTC)
    await world.requests.ClaimRequest(
        pb.ClaimRequestRequest(request_number=number), metadata=as_(plumber)
    )
    clock.advance(timedelta(minutes=10))
    ask = pb.ClarifyRequestRequest(request_number=number, question="Какой подъезд?")
    await world.requests.ClarifyRequest(ask, metadata=as_(MANAGER))
    clock.advance(timedelta(hours=1))  # the clock waits while the applicant answers
    resolve = pb.ResolveClarificationRequest(request_number=number)
    resumed = (await world.requests.ResolveClarification(resolve, metadata=as_(MANAGER))).request
    assert resumed.sla.resolution_due_time.ToDatetime(UTC) == due + timedelta(hours=1)
    # The event of the step carries the moved deadline too.
    changed = [
        e
        for e in await events_of(world.database_url, number)
        if isinstance(e, events_pb2.RequestStatusChanged)
    ][-1]
    assert changed.request.sla.resolution_due_time == resumed.sla.resolution_due_time
