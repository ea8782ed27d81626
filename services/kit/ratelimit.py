"""Sliding-window rate limiting in Redis, shared by every process that uses the same server.

A key (chosen by the caller: "notify:user:<id>", "bot:user:<id>") may spend at most `limit`
units in any `per_seconds`-long window, exactly: each admitted unit is a member of a sorted
set scored by its admission time, and one Lua script drops the expired ones, counts, admits or
refuses, and says when enough units free up — in one round trip, atomically, on Redis's clock
(so processes on different machines agree). The set expires with its newest unit, so idle keys
cost nothing. Memory per key is proportional to `limit`, which suits per-person limits (tens
to hundreds), not millions of units per key.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis

__all__ = ["Decision", "RateLimiter"]

# Bigger limits would make one call's Lua loop and a key's sorted set large; per-person
# limits are far below it.
MAX_LIMIT = 10_000

# KEYS[1]: the sorted set of admitted units, scored by admission time in microseconds.
# ARGV: limit, window (µs), cost, a token unique to this call (members must be distinct even
# when two calls land in the same microsecond). Returns {allowed, retry_after µs, remaining}.
# Redis passes Lua numbers on as "%.17g", so microsecond scores (~1.7e15 < 2^53) stay exact.
_SCRIPT = """
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local token = ARGV[4]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local used = redis.call('ZCARD', key)
if used + cost <= limit then
  for i = 1, cost do
    redis.call('ZADD', key, now, token .. ':' .. i)
  end
  redis.call('PEXPIRE', key, math.ceil(window / 1000))
  return {1, 0, limit - used - cost}
end
-- Refused: the caller may retry once the oldest (used + cost - limit) units have expired.
local nth = used + cost - limit - 1
local freeing = redis.call('ZRANGE', key, nth, nth, 'WITHSCORES')
return {0, tonumber(freeing[2]) + window - now, limit - used}
"""


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer to one `RateLimiter.acquire`.

    `retry_after` is in seconds: 0 when allowed, otherwise how long until the same request
    would be admitted (assuming nobody else spends from the key meanwhile). `remaining` is how
    many units the key has left right now (after this request's, if admitted).
    """

    allowed: bool
    retry_after: float
    remaining: int


class RateLimiter:
    """Admits or refuses units of work per key; one instance per process, over its client."""

    def __init__(self, client: Redis, *, prefix: str = "ratelimit:") -> None:
        # The prefix keeps limiter keys apart from everything else stored in the same Redis.
        self._prefix = prefix
        self._client = client
        # Registered once: calls send EVALSHA, and the script is loaded again by itself when
        # Redis has forgotten it (a restart or a failover).
        self._script = client.register_script(_SCRIPT)

    async def acquire(self, key: str, *, limit: int, per_seconds: float, cost: int = 1) -> Decision:
        """Spend `cost` units of `key`'s budget of `limit` per `per_seconds`, if it has them.

        A refused request spends nothing. Pass the same `limit` and `per_seconds` for a key
        every time: they are the key's policy, not the call's. Raises `ValueError` for
        arguments no call could satisfy (a bug in the caller, not the client's input), and
        Redis connection or timeout errors when Redis is away (transient:
        `services.kit.faults`).
        """
        window_us = _window_microseconds(limit=limit, per_seconds=per_seconds, cost=cost)
        reply = await self._script(
            keys=[self._prefix + key],
            args=[limit, window_us, cost, secrets.token_hex(8)],
        )
        return _decision(reply)

    async def acquire_many(
        self, keys: Sequence[str], *, limit: int, per_seconds: float
    ) -> list[Decision]:
        """One unit from each of `keys` (same policy for all), in one round trip: the answers
        in the order of `keys`. Each key is decided on its own, atomically, as by `acquire`;
        a key listed twice spends twice."""
        if not keys:
            return []
        window_us = _window_microseconds(limit=limit, per_seconds=per_seconds, cost=1)
        async with self._client.pipeline(transaction=False) as pipe:
            for key in keys:
                await self._script(
                    keys=[self._prefix + key],
                    args=[limit, window_us, 1, secrets.token_hex(8)],
                    client=pipe,
                )
            replies = await pipe.execute()
        return [_decision(reply) for reply in replies]


def _window_microseconds(*, limit: int, per_seconds: float, cost: int) -> int:
    """The window in microseconds, after checking that the arguments make sense."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    if not 1 <= cost <= limit:
        raise ValueError(f"cost must be between 1 and the limit ({limit}), got {cost}")
    if not (math.isfinite(per_seconds) and per_seconds >= 0.001):
        # PEXPIRE counts milliseconds; a shorter window could not expire its key correctly.
        raise ValueError(f"per_seconds must be at least 0.001, got {per_seconds}")
    return round(per_seconds * 1_000_000)


def _decision(reply: object) -> Decision:
    """The script's {allowed, retry_after µs, remaining} as a `Decision`."""
    if not (isinstance(reply, list) and len(reply) == 3):
        raise TypeError(f"unexpected rate limiter reply: {reply!r}")
    allowed, retry_after_us, remaining = (int(part) for part in reply)
    return Decision(
        allowed=bool(allowed),
        retry_after=max(retry_after_us, 0) / 1_000_000,
        remaining=max(remaining, 0),
    )
