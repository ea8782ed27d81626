"""Client-side pacing under a provider's rate limits: token buckets on an injectable clock.

Telegram asks bots to stay under about 30 messages a second overall and one a second per chat;
going over earns 429s and, if repeated, longer bans. Pacing on our side keeps us under the
limits instead of discovering them. This module is pure (no sleeping, no I/O): callers ask how
long to wait and do the waiting themselves, so tests drive it with a fake clock.

The limits hold per process. Several replicas sharing one bot need a shared limiter (Redis);
that belongs to the delivery layer's per-recipient limiting.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

MonotonicClock = Callable[[], float]

# Float arithmetic leaves refills a hair short (0.99999999999997 of a token); that is a token.
_EPSILON = 1e-9
# Idle per-key buckets are dropped once there are this many, to bound memory.
_PRUNE_THRESHOLD = 10_000


@dataclass(frozen=True, slots=True)
class Rate:
    """A limit: `per_second` on average, with bursts of up to `burst` at once."""

    per_second: float
    burst: float = 1.0

    def __post_init__(self) -> None:
        if self.per_second <= 0:
            raise ValueError("a rate must be positive")
        if self.burst < 1:
            raise ValueError("a burst must allow at least one message")


class TokenBucket:
    """Holds up to `rate.burst` tokens, refilled at `rate.per_second`; a message costs one."""

    def __init__(self, rate: Rate, now: float) -> None:
        self.rate = rate
        self._tokens = rate.burst
        self._updated = now

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(self.rate.burst, self._tokens + elapsed * self.rate.per_second)
        self._updated = max(self._updated, now)

    def wait(self, now: float) -> float:
        """Seconds until one token is available (0 when one is available now)."""
        self._refill(now)
        missing = 1.0 - self._tokens
        return 0.0 if missing <= _EPSILON else missing / self.rate.per_second

    def take(self, now: float) -> None:
        """Spend one token; call only after `wait(now)` returned 0."""
        self._refill(now)
        self._tokens -= 1.0

    def is_full(self, now: float) -> bool:
        """Refilled to the brim: indistinguishable from a new bucket, safe to forget."""
        self._refill(now)
        return self._tokens >= self.rate.burst - _EPSILON


class Pacer:
    """One global bucket plus one bucket per key (a chat), both of which a message must pass.

    `acquire(key)` either takes a token from both buckets and returns 0, or takes nothing and
    returns how many seconds to wait before asking again. Taking nothing when refusing matters:
    a caller that gives up (the wait is too long) must not use up capacity it never used.
    """

    def __init__(self, overall: Rate, per_key: Rate, clock: MonotonicClock) -> None:
        self._clock = clock
        self._per_key = per_key
        self._overall = TokenBucket(overall, clock())
        self._buckets: dict[Hashable, TokenBucket] = {}

    def acquire(self, key: Hashable) -> float:
        """Take a slot for one message to `key` now (0), or say how long to wait (> 0)."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            self._prune(now)
            bucket = self._buckets[key] = TokenBucket(self._per_key, now)
        wait = max(self._overall.wait(now), bucket.wait(now))
        if wait > 0:
            return wait
        self._overall.take(now)
        bucket.take(now)
        return 0.0

    @property
    def tracked_keys(self) -> int:
        """How many per-key buckets are held (for tests and metrics)."""
        return len(self._buckets)

    def _prune(self, now: float) -> None:
        if len(self._buckets) < _PRUNE_THRESHOLD:
            return
        for key in [key for key, bucket in self._buckets.items() if bucket.is_full(now)]:
            del self._buckets[key]
