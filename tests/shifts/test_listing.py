"""Who is on duty now (by executor, by specialisation with the universal rules) and the history
of shifts (paging, filters, executors see only their own)."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from ukm.shifts.v1 import shifts_service_pb2 as pb

from tests.shifts.conftest import MANAGER, SPEC, ShiftsService
from tests.support.identity import Person, as_
from tests.support.rpc import code_of, reason_of


async def active_ids(service: ShiftsService, **filters: object) -> list[str]:
    """Ids of the active shifts matching `filters` (as a manager sees them)."""
    request = pb.ListActiveShiftsRequest(**filters)  # type: ignore[arg-type]
    answer = await service.shifts.ListActiveShifts(request, metadata=as_(MANAGER))
    return [s.id for s in answer.shifts]


async def test_active_shifts_by_executor_and_not_the_ended_ones(service: ShiftsService) -> None:
    first = await service.executor("plumber", name="First")
    second = await service.executor("plumber", name="Second")
    gone = await service.executor("plumber", name="Gone")
    a = await service.start(first)
    service.clock.advance(timedelta(minutes=5))
    b = await service.start(second)
    await service.start(gone)
    await service.end(gone)
    assert await active_ids(service) == [a.id, b.id]
    assert await active_ids(service, executor_id=second.user_id) == [b.id]
    assert await active_ids(service, executor_id=gone.user_id) == []


async def test_active_shifts_by_specialisation_follow_the_universal_rules(
    service: ShiftsService,
) -> None:
    focused = await service.start(
        await service.executor("plumber", "heating", name="Focused"), "plumber"
    )
    own_set = await service.start(await service.executor("electrician", "repair", name="Own set"))
    anything = await service.start(await service.executor("universal", name="Anything"))
    narrowed = await service.start(await service.executor("universal", name="Narrowed"), "cleaning")
    skills = {
        "plumber": {focused.id, anything.id},
        # The focused executor holds heating but chose plumbing for this shift.
        "heating": {anything.id},
        "electrician": {own_set.id, anything.id},
        "repair": {own_set.id, anything.id},
        "cleaning": {anything.id, narrowed.id},
        "elevator": {anything.id},
        # "Who covers everything": only a universal executor on a universal shift.
        "universal": {anything.id},
    }
    for key, expected in skills.items():
        assert set(await active_ids(service, specialization=SPEC[key])) == expected, key
    assert len(await active_ids(service)) == 4


async def test_executors_see_who_else_is_on_duty(service: ShiftsService) -> None:
    me = await service.executor("plumber", name="Me")
    colleague = await service.executor("plumber", name="Colleague")
    shift = await service.start(colleague)
    answer = await service.shifts.ListActiveShifts(
        pb.ListActiveShiftsRequest(specialization=SPEC["plumber"]), metadata=as_(me)
    )
    assert [s.id for s in answer.shifts] == [shift.id]


async def shifts_of(service: ShiftsService, executor: Person, times: int) -> list[str]:
    """`executor` works `times` shifts, one a day; their ids, oldest first."""
    ids = []
    for _ in range(times):
        ids.append((await service.start(executor)).id)
        service.clock.advance(timedelta(hours=8))
        await service.end(executor)
        service.clock.advance(timedelta(hours=16))
    return ids


async def history(service: ShiftsService, who: Person, **fields: object) -> tuple[list[str], str]:
    answer = await service.shifts.ListShifts(
        pb.ListShiftsRequest(**fields),  # type: ignore[arg-type]
        metadata=as_(who),
    )
    return [s.id for s in answer.shifts], answer.next_page_token


async def test_history_pages_newest_first_to_the_end(service: ShiftsService) -> None:
    executor = await service.executor("plumber")
    ids = await shifts_of(service, executor, 5)
    current = (await service.start(executor)).id
    expected = [current, *reversed(ids)]
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        page, token = await history(service, MANAGER, page_size=2, page_token=token)
        seen.extend(page)
        pages += 1
        if not token:
            break
    assert seen == expected
    assert pages == 3


async def test_history_pages_stay_stable_while_new_shifts_start(service: ShiftsService) -> None:
    veteran = await service.executor("plumber", name="Veteran")
    ids = await shifts_of(service, veteran, 4)
    first, token = await history(service, MANAGER, page_size=2)
    await service.start(await service.executor("plumber", name="Newcomer"))
    second, _ = await history(service, MANAGER, page_size=2, page_token=token)
    assert first + second == list(reversed(ids))


async def test_executors_see_only_their_own_history(service: ShiftsService) -> None:
    me = await service.executor("plumber", name="Me")
    other = await service.executor("plumber", name="Other")
    mine = await shifts_of(service, me, 2)
    theirs = await shifts_of(service, other, 1)
    assert (await history(service, me))[0] == list(reversed(mine))
    assert (await history(service, me, executor_id=me.user_id))[0] == list(reversed(mine))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await history(service, me, executor_id=other.user_id)
    assert code_of(refused.value) == grpc.StatusCode.PERMISSION_DENIED
    assert reason_of(refused.value) == "NOT_YOUR_SHIFTS"
    assert (await history(service, MANAGER, executor_id=other.user_id))[0] == theirs
    assert len((await history(service, MANAGER))[0]) == 3


async def test_history_by_start_time_window(service: ShiftsService) -> None:
    executor = await service.executor("plumber")
    start = service.clock.now
    ids = await shifts_of(service, executor, 4)  # one a day from `start`
    after, before = Timestamp(), Timestamp()
    after.FromDatetime(start + timedelta(days=1))
    before.FromDatetime(start + timedelta(days=3))
    found, _ = await history(service, MANAGER, started_after=after, started_before=before)
    assert found == [ids[2], ids[1]]
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await history(service, MANAGER, started_after=before, started_before=after)
    assert code_of(refused.value) == grpc.StatusCode.INVALID_ARGUMENT


async def test_foreign_or_stale_page_tokens_are_bad_input(service: ShiftsService) -> None:
    executor = await service.executor("plumber")
    await shifts_of(service, executor, 3)
    _, token = await history(service, MANAGER, page_size=1)
    for bad in (
        "not-a-token",
        # A token of the same listing with other filters.
        (await history(service, MANAGER, page_size=1, executor_id=executor.user_id))[1],
    ):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await history(service, MANAGER, page_size=1, page_token=bad)
        assert code_of(refused.value) == grpc.StatusCode.INVALID_ARGUMENT
    assert (await history(service, MANAGER, page_size=1, page_token=token))[0]
