"""Throttling and lockout through the real service: free failures, delays that are refused
unchecked, the cap, the per-IP limit, and the alarm to the owner."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from ukm.auth.v1 import events_pb2

from services.kit.envelope import decode_envelope, unwrap
from tests.auth.conftest import PASSWORD, AuthService, retry_after_of
from tests.support.db import execute, scalar
from tests.support.rpc import code_of, reason_of

EMAIL = "target@example.uz"
WRONG = "this is not it at all"


async def fail(service: AuthService, times: int, email: str = EMAIL) -> None:
    for _ in range(times):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await service.login(email, WRONG)
        assert reason_of(refused.value) == "BAD_CREDENTIALS"


async def refused(service: AuthService, email: str = EMAIL, password: str = WRONG) -> float:
    """Assert the next attempt is turned away unchecked; its retry delay."""
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.login(email, password)
    assert code_of(error.value) == grpc.StatusCode.RESOURCE_EXHAUSTED
    return retry_after_of(error.value)


async def test_ten_failures_are_free_then_even_the_right_password_waits(
    service: AuthService,
) -> None:
    await service.register(EMAIL)
    await fail(service, 10)
    # Judged before the password is looked at: the right one is refused too.
    delay = await refused(service, password=PASSWORD)
    assert delay == 1.0
    service.clock.advance(timedelta(seconds=1))
    await service.tokens(EMAIL)


async def test_delays_double_and_refused_attempts_do_not_count(service: AuthService) -> None:
    await service.register(EMAIL)
    await fail(service, 10)
    delays = []
    for _ in range(4):
        delays.append(await refused(service))
        await refused(service)  # hammering while waiting changes nothing
        service.clock.advance(timedelta(seconds=delays[-1]))
        await fail(service, 1)
    assert delays == [1.0, 2.0, 4.0, 8.0]
    assert await refused(service) == 16.0


async def test_an_attacker_who_keeps_going_never_locks_the_owner_out_for_long(
    service: AuthService,
) -> None:
    await service.register(EMAIL)
    # Guess whenever allowed, wait when told to, for 40 attempts.
    failures, longest = [], 0.0
    for _ in range(40):
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await service.login(EMAIL, WRONG)
        if code_of(error.value) == grpc.StatusCode.RESOURCE_EXHAUSTED:
            delay = retry_after_of(error.value)
            longest = max(longest, delay)
            service.clock.advance(timedelta(seconds=delay))
        else:
            failures.append(service.clock())
    # Failures leave the window while the delays grow: waits stay short of the cap, and the
    # attacker gets about twenty guesses per quarter hour.
    assert 0 < longest <= 900
    window = timedelta(minutes=15)
    assert max(sum(1 for t in failures if s <= t < s + window) for s in failures) <= 20
    # The owner, arriving now, waits at most one delay and is in.
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.tokens(EMAIL)
    assert code_of(error.value) == grpc.StatusCode.RESOURCE_EXHAUSTED
    service.clock.advance(timedelta(seconds=retry_after_of(error.value)))
    await service.tokens(EMAIL)


async def test_even_a_flood_of_failures_waits_at_most_the_cap(service: AuthService) -> None:
    """Failures that arrived faster than the delays allow (e.g. through many replicas)."""
    user_id = await service.register(EMAIL)
    for second in range(40):
        await execute(
            service.database_url,
            "INSERT INTO auth.auth_events (id, kind, outcome, user_id, client_ip, occurred_at)"
            " VALUES (gen_random_uuid(), 'login_failed', 'failure', :user_id, '10.9.9.9',"
            " :at)",
            user_id=user_id,
            at=service.clock() - timedelta(seconds=60 - second),
        )
    delay = await refused(service, password=PASSWORD)
    assert delay == 900 - 21  # the cap, counted from the latest failure (21 s ago)
    service.clock.advance(timedelta(seconds=delay))
    await service.tokens(EMAIL)


async def test_a_success_clears_the_count(service: AuthService) -> None:
    await service.register(EMAIL)
    await fail(service, 9)
    await service.tokens(EMAIL)
    await fail(service, 9)
    await service.tokens(EMAIL)  # nine more failures, still free


async def test_failures_leave_the_window_after_fifteen_minutes(service: AuthService) -> None:
    await service.register(EMAIL)
    await fail(service, 10)
    service.clock.advance(timedelta(minutes=15, seconds=1))
    await fail(service, 9)
    await service.tokens(EMAIL)


async def test_the_owner_hears_once_when_the_account_starts_being_held_back(
    service: AuthService,
) -> None:
    user_id = await service.register(EMAIL)
    await fail(service, 11 - 1)
    payload = await scalar(
        service.database_url,
        "SELECT payload FROM auth.outbox WHERE subject = 'ukm.auth.account_locked_out'",
    )
    event = unwrap(decode_envelope(payload), events_pb2.AccountLockedOut)
    assert event.user_id == user_id and event.failed_attempts == 10
    service.clock.advance(timedelta(seconds=1))
    await fail(service, 1)
    count = await scalar(
        service.database_url,
        "SELECT count(*) FROM auth.outbox WHERE subject = 'ukm.auth.account_locked_out'",
    )
    assert count == 1
    kinds = await scalar(
        service.database_url,
        "SELECT string_agg(DISTINCT outcome, ',' ORDER BY outcome) FROM auth.auth_events "
        "WHERE kind = 'locked_out'",
    )
    assert kinds == "info"
