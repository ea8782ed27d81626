"""Concurrent steps on one request: the row lock orders them and the version check tells the
late one; nothing is half-applied and the history has no gaps."""

from __future__ import annotations

import asyncio

import grpc
from ukm.requests.v1 import request_pb2
from ukm.requests.v1 import requests_service_pb2 as pb

from services.requests import history
from services.requests.lifecycle_codec import state_of
from tests.requests.lifecycle_steps import history_rows, request_row
from tests.requests.world import MANAGER, World
from tests.support.db import rows
from tests.support.identity import as_, person
from tests.support.rpc import reason_of


async def outcomes(*calls: object) -> tuple[list[object], list[grpc.aio.AioRpcError]]:
    """The answers and the refusals of calls run at once."""
    results = await asyncio.gather(*calls, return_exceptions=True)  # type: ignore[call-overload]
    failures = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    unexpected = [r for r in results if isinstance(r, BaseException) and r not in failures]
    assert not unexpected, unexpected
    return [r for r in results if not isinstance(r, BaseException)], failures


async def test_two_managers_assigning_at_once_one_wins_the_other_is_stale(world: World) -> None:
    first, second = await world.executor("plumber"), await world.executor("plumber")
    for executor in (first, second):
        await world.on_shift(executor)
    for _ in range(3):  # a race is a race: try it a few times
        filed = await world.file()
        managers = person("manager"), person("manager")
        answers, failures = await outcomes(
            *(
                world.requests.AssignRequest(
                    pb.AssignRequestRequest(
                        request_number=filed.request_number,
                        expected_version=filed.version,
                        executor_id=executor.user_id,
                    ),
                    metadata=as_(manager),
                )
                for manager, executor in zip(managers, (first, second), strict=True)
            )
        )
        assert len(answers) == 1
        assert [(f.code(), reason_of(f)) for f in failures] == [
            (grpc.StatusCode.FAILED_PRECONDITION, "STALE_VERSION")
        ]
        stored = await world.requests.GetRequest(
            pb.GetRequestRequest(request_number=filed.request_number), metadata=as_(MANAGER)
        )
        assert stored.request == answers[0].request  # type: ignore[attr-defined]
        assert stored.request.version == filed.version + 1
    assert (
        await rows(
            world.database_url,
            "SELECT count(*) FROM requests.request_assignments"
            " WHERE active GROUP BY request_number",
        )
        == [(1,)] * 3
    )


async def test_executors_claiming_one_pool_request_at_once_exactly_one_gets_it(
    world: World,
) -> None:
    plumbers = [await world.executor("plumber") for _ in range(5)]
    for plumber in plumbers:
        await world.on_shift(plumber)
    filed = await world.file()
    number = filed.request_number
    answers, failures = await outcomes(
        *(
            world.requests.ClaimRequest(
                pb.ClaimRequestRequest(request_number=number), metadata=as_(plumber)
            )
            for plumber in plumbers
        )
    )
    assert len(answers) == 1
    winner = answers[0].request  # type: ignore[attr-defined]
    assert winner.status == request_pb2.REQUEST_STATUS_IN_PROGRESS
    assert winner.executor_id in {p.user_id for p in plumbers}
    # The others found it taken (without a version of their own, each is judged on what it
    # finds once it holds the lock).
    assert {reason_of(f) for f in failures} == {"TRANSITION_NOT_ALLOWED"}
    assert len(failures) == 4
    stored = await request_row(world, number)
    steps = await history_rows(world, number)
    assert [s["version"] for s in steps] == [1, 2, 3]
    assert history.replay(steps) == state_of(stored)


async def test_many_different_steps_at_once_leave_a_gapless_replayable_history(
    world: World,
) -> None:
    plumber = await world.executor("plumber")
    await world.on_shift(plumber)
    filed = await world.file()
    number = filed.request_number
    await world.requests.ClaimRequest(
        pb.ClaimRequestRequest(request_number=number), metadata=as_(plumber)
    )
    # Comments and questions race with each other; the lock orders the workflow steps.
    await outcomes(
        world.requests.ClarifyRequest(
            pb.ClarifyRequestRequest(request_number=number, question="Какой этаж?"),
            metadata=as_(MANAGER),
        ),
        world.requests.AddComment(
            pb.AddCommentRequest(request_number=number, text="Еду"), metadata=as_(plumber)
        ),
        world.requests.CompleteRequest(
            pb.CompleteRequestRequest(request_number=number, report="Готово"),
            metadata=as_(plumber),
        ),
        world.requests.UpdateRequest(
            pb.UpdateRequestRequest(request_number=number, urgency=request_pb2.URGENCY_CRITICAL),
            metadata=as_(MANAGER),
        ),
    )
    stored = await request_row(world, number)
    steps = await history_rows(world, number)
    assert [s["version"] for s in steps] == list(range(1, stored["version"] + 1))
    assert history.replay(steps) == state_of(stored)
