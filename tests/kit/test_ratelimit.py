"""The Redis rate limiter against real Redis: exact under concurrency, across clients, after
restarts; the answers it gives and the keys it leaves behind."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.exceptions
from pydantic import SecretStr
from redis.asyncio import Redis

from mesh.infra import EmbeddedRedis
from services.kit.faults import is_transient
from services.kit.ratelimit import Decision, RateLimiter
from services.kit.redis import redis_client
from services.kit.settings import Settings

# Slack for timing assertions: scheduling on a shared 2-core machine, never the algorithm.
SLACK = 0.1
# What redis-py sends on its own when it opens or checks a pooled connection.
_CONNECTION_UPKEEP = {"HELLO", "CLIENT", "PING"}


def _client(url: str, name: str) -> Redis:
    return redis_client(Settings(redis_url=SecretStr(url)), name=name)


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[Redis]:
    """A kit client of the session's Redis."""
    created = _client(redis_url, "test-ratelimit")
    yield created
    await created.aclose()


@pytest.fixture
def key() -> str:
    """A key no other test (or earlier run against the same Redis) has used."""
    return f"test:{uuid.uuid4().hex}"


async def test_admits_up_to_the_limit_then_refuses(client: Redis, key: str) -> None:
    limiter = RateLimiter(client)
    answers = [await limiter.acquire(key, limit=3, per_seconds=60) for _ in range(4)]
    assert [(a.allowed, a.remaining) for a in answers] == [
        (True, 2),
        (True, 1),
        (True, 0),
        (False, 0),
    ]
    assert answers[0].retry_after == 0
    assert 60 - SLACK < answers[3].retry_after <= 60


async def test_cost_spends_several_units_or_none(client: Redis, key: str) -> None:
    limiter = RateLimiter(client)
    assert (await limiter.acquire(key, limit=5, per_seconds=60, cost=3)).remaining == 2
    refused = await limiter.acquire(key, limit=5, per_seconds=60, cost=3)
    assert (refused.allowed, refused.remaining) == (False, 2)  # nothing spent
    assert (await limiter.acquire(key, limit=5, per_seconds=60, cost=2)) == Decision(
        allowed=True, retry_after=0.0, remaining=0
    )


async def test_keys_are_independent_and_prefixed(client: Redis, key: str) -> None:
    limiter = RateLimiter(client)
    assert (await limiter.acquire(f"{key}:a", limit=1, per_seconds=60)).allowed
    assert (await limiter.acquire(f"{key}:b", limit=1, per_seconds=60)).allowed
    assert not (await limiter.acquire(f"{key}:a", limit=1, per_seconds=60)).allowed
    assert await client.zcard(f"ratelimit:{key}:a") == 1
    assert not await client.exists(f"{key}:a")  # nothing outside the limiter's prefix


async def test_limit_holds_exactly_under_concurrency_across_clients(
    redis_url: str, key: str
) -> None:
    # Two clients with their own pools stand for two processes (or two machines).
    first, second = _client(redis_url, "test-rl-1"), _client(redis_url, "test-rl-2")
    try:
        limiters = [RateLimiter(first), RateLimiter(second)]
        answers = await asyncio.gather(
            *(limiters[i % 2].acquire(key, limit=37, per_seconds=60) for i in range(300))
        )
    finally:
        await first.aclose()
        await second.aclose()
    assert sum(answer.allowed for answer in answers) == 37
    assert sorted(a.remaining for a in answers if a.allowed) == list(range(37))


async def test_concurrent_costs_never_overspend(client: Redis, key: str) -> None:
    limiter = RateLimiter(client)
    costs = [1, 2, 3, 5, 8] * 20
    answers = await asyncio.gather(
        *(limiter.acquire(key, limit=50, per_seconds=60, cost=cost) for cost in costs)
    )
    spent = sum(cost for cost, answer in zip(costs, answers, strict=True) if answer.allowed)
    assert spent <= 50
    assert await client.zcard(f"ratelimit:{key}") == spent
    # Whatever is left is too little for the cheapest refused request.
    cheapest_refused = min(c for c, a in zip(costs, answers, strict=True) if not a.allowed)
    assert 50 - spent < cheapest_refused


async def test_retry_after_is_when_the_window_slides_past_the_oldest_unit(
    client: Redis, key: str
) -> None:
    limiter = RateLimiter(client)
    per = 0.6
    started = time.monotonic()
    assert (await limiter.acquire(key, limit=2, per_seconds=per)).allowed
    await asyncio.sleep(0.2)
    assert (await limiter.acquire(key, limit=2, per_seconds=per)).allowed

    refused = await limiter.acquire(key, limit=2, per_seconds=per)
    assert not refused.allowed
    # The first unit leaves the window `per` after it came in: ~0.4 s from now.
    expected = per - (time.monotonic() - started)
    assert expected - SLACK < refused.retry_after <= expected + SLACK

    # Needing both units back means waiting for the second one too: ~0.2 s longer.
    refused_pair = await limiter.acquire(key, limit=2, per_seconds=per, cost=2)
    assert 0.2 - SLACK < refused_pair.retry_after - refused.retry_after < 0.2 + SLACK

    # Waiting exactly as long as told is enough, and admits one unit, not two.
    await asyncio.sleep(refused.retry_after)
    assert (await limiter.acquire(key, limit=2, per_seconds=per)).allowed
    assert not (await limiter.acquire(key, limit=2, per_seconds=per)).allowed


async def test_keys_expire_with_their_newest_unit(client: Redis, key: str) -> None:
    limiter = RateLimiter(client)
    stored = f"ratelimit:{key}"
    await limiter.acquire(key, limit=5, per_seconds=0.3)
    assert 0 < await client.pttl(stored) <= 300
    await asyncio.sleep(0.15)
    await limiter.acquire(key, limit=5, per_seconds=0.3)
    assert await client.pttl(stored) > 150  # renewed by the newer unit

    await asyncio.sleep(0.3 + SLACK)
    assert not await client.exists(stored)
    assert (await limiter.acquire(key, limit=5, per_seconds=0.3)).remaining == 4


async def test_one_round_trip_per_call(own_redis: EmbeddedRedis) -> None:
    client = _client(own_redis.url, "test-rl-trips")
    limiter = RateLimiter(client)
    try:
        await limiter.acquire("k", limit=5, per_seconds=60)  # the server learns the script
        sent: list[str] = []
        async with client.monitor() as monitor:
            for _ in range(7):
                await limiter.acquire("k", limit=5, per_seconds=60)
            await client.echo(b"done")  # marks the end of what the limiter sent
            while not sent or sent[-1] != "ECHO":
                seen = await monitor.next_command()
                verb = seen["command"].split(" ", 1)[0].upper()
                # Skip what the script runs itself and the pool's connection upkeep (the
                # monitor holds a connection, so the limiter opens and pings a new one).
                if seen["client_type"] != "lua" and verb not in _CONNECTION_UPKEEP:
                    sent.append(verb)
    finally:
        await client.aclose()
    assert sent == ["EVALSHA"] * 7 + ["ECHO"]


async def test_a_restart_is_transient_and_the_limiter_recovers(own_redis: EmbeddedRedis) -> None:
    client = _client(own_redis.url, "test-rl-restart")
    limiter = RateLimiter(client)
    try:
        assert (await limiter.acquire("k", limit=1, per_seconds=60)).allowed
        own_redis.stop()
        with pytest.raises(redis.exceptions.ConnectionError) as failure:
            await limiter.acquire("k", limit=1, per_seconds=60)
        assert is_transient(failure.value)

        own_redis.start()  # an empty server: it forgot the script and the counts
        assert (await limiter.acquire("k", limit=1, per_seconds=60)).allowed
        assert not (await limiter.acquire("k", limit=1, per_seconds=60)).allowed
        # The first call after the restart was told NOSCRIPT and loaded the script again.
        calls = await _command_calls(client)
    finally:
        await client.aclose()
    assert calls["script"] == 1
    assert calls["evalsha"] == 3


async def _command_calls(client: Redis) -> dict[str, int]:
    """How often the server ran each command since its statistics were last reset."""
    stats = await client.info("commandstats")
    return {
        name.removeprefix("cmdstat_"): int(stat["calls"])
        for name, stat in stats.items()
        if name != "cmdstat_info"
    }


@pytest.mark.parametrize(
    ("limit", "per_seconds", "cost", "complaint"),
    [
        (0, 1.0, 1, "limit"),
        (10_001, 1.0, 1, "limit"),
        (3, 1.0, 0, "cost"),
        (3, 1.0, 4, "cost"),
        (3, 0.0, 1, "per_seconds"),
        (3, 0.0001, 1, "per_seconds"),
        (3, float("nan"), 1, "per_seconds"),
        (3, float("inf"), 1, "per_seconds"),
    ],
)
async def test_impossible_arguments_are_a_bug_in_the_caller(
    client: Redis, key: str, limit: int, per_seconds: float, cost: int, complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint):
        await RateLimiter(client).acquire(key, limit=limit, per_seconds=per_seconds, cost=cost)
    assert not await client.exists(f"ratelimit:{key}")


async def test_many_keys_at_once_each_decided_as_by_acquire(
    own_redis: EmbeddedRedis,
) -> None:
    client = _client(own_redis.url, "test-rl-many")
    limiter = RateLimiter(client)
    try:
        await limiter.acquire("a", limit=2, per_seconds=60)  # "a" has one unit left
        sent: list[str] = []
        async with client.monitor() as monitor:
            decisions = await limiter.acquire_many(["a", "b", "a"], limit=2, per_seconds=60)
            await client.echo(b"done")
            while not sent or sent[-1] != "ECHO":
                seen = await monitor.next_command()
                verb = seen["command"].split(" ", 1)[0].upper()
                if seen["client_type"] != "lua" and verb not in _CONNECTION_UPKEEP:
                    sent.append(verb)
    finally:
        await client.aclose()
    assert [d.allowed for d in decisions] == [True, True, False]
    assert decisions[2].retry_after > 0
    # One pipeline: the scripts travel together (redis-py may check they are loaded first).
    assert sent.count("EVALSHA") == 3 and sent[-1] == "ECHO"
    assert await limiter.acquire_many([], limit=2, per_seconds=60) == []
