"""When to try a failed send again, and when to stop (pure).

Backoff is exponential with *full jitter*: attempt n waits a uniform random time in
[0, min(cap, base·factorⁿ⁻¹)], which spreads a burst of failures out instead of retrying them in
lock-step. The random source is passed in, so tests (and replays) can seed it. A provider's
`retry_after` (Telegram's 429, HTTP `Retry-After`) is a floor: we never call back sooner.

Failures are classified before anything else: a transient one (timeouts, 5xx, 429) is retried
until the attempts run out; a permanent one (a malformed message, a refused credential) and an
unreachable recipient (the person blocked the bot, the mailbox does not exist) are not retried on
that channel; the caller moves on to the person's next channel.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum


class FailureKind(StrEnum):
    """What a failed send means for the next attempt."""

    # Try again later on the same channel.
    TRANSIENT = "transient"
    # This message will never go through this channel (retrying cannot help).
    PERMANENT = "permanent"
    # This person cannot be reached on this channel any more (mark it, do not retry).
    UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class Failure:
    """One failed attempt, as the channel saw it (no secrets or message text in `reason`)."""

    kind: FailureKind
    reason: str
    # Seconds the provider asked us to wait.
    retry_after: float | None = None


@dataclass(frozen=True)
class BackoffPolicy:
    """How hard to retry one delivery on one channel."""

    base: float = 1.0
    factor: float = 2.0
    cap: float = 300.0
    max_attempts: int = 6
    # A provider asking for a longer pause than this gets the next channel instead.
    max_retry_after: float = 3600.0

    def __post_init__(self) -> None:
        if self.base <= 0 or self.factor < 1 or self.cap < self.base or self.max_attempts < 1:
            raise ValueError(f"unusable backoff policy {self}")

    def ceiling(self, attempt: int) -> float:
        """The longest wait after failed attempt `attempt` (1-based)."""
        # Compare exponents, not powers: base·factor^n overflows a float long before
        # max_attempts would stop a long-running retry loop.
        exponent = attempt - 1
        if self.factor > 1 and exponent * math.log(self.factor) >= math.log(self.cap / self.base):
            return self.cap
        return min(self.cap, self.base * self.factor**exponent)

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """A full-jitter wait after failed attempt `attempt`."""
        return rng.uniform(0.0, self.ceiling(attempt))


@dataclass(frozen=True)
class RetryIn:
    """Try again after `delay` seconds; that will be attempt `attempt`."""

    delay: float
    attempt: int


@dataclass(frozen=True)
class GiveUp:
    """Stop on this channel (the caller falls back to the next one, or dead-letters)."""

    reason: str
    failure: Failure

    @property
    def unreachable(self) -> bool:
        """Whether the person should be marked unreachable on this channel."""
        return self.failure.kind is FailureKind.UNREACHABLE


Step = RetryIn | GiveUp


def next_step(policy: BackoffPolicy, attempts: int, failure: Failure, rng: random.Random) -> Step:
    """What to do after `attempts` attempts (1-based count), the last of which hit `failure`."""
    if failure.kind is not FailureKind.TRANSIENT:
        return GiveUp(f"{failure.kind.value}: {failure.reason}", failure)
    if attempts >= policy.max_attempts:
        return GiveUp(f"gave up after {attempts} attempts: {failure.reason}", failure)
    delay = policy.backoff(attempts, rng)
    if failure.retry_after is not None:
        if failure.retry_after > policy.max_retry_after:
            return GiveUp(
                f"provider asked to wait {failure.retry_after:.0f} s: {failure.reason}", failure
            )
        delay = max(delay, failure.retry_after)
    return RetryIn(delay, attempts + 1)


def jitter_source(seed: int | None = None) -> random.Random:
    """The random source for backoff: seeded for reproducible tests, from the OS otherwise."""
    return random.Random(seed)


def transient(reason: str, retry_after: float | None = None) -> Failure:
    """A failure worth retrying (a timeout, a refused connection…)."""
    return Failure(FailureKind.TRANSIENT, reason, retry_after)


def classify_http(status: int, *, retry_after: float | None = None) -> Failure:
    """An HTTP provider's answer (Telegram Bot API, the SMS gateway) as a failure."""
    reason = f"HTTP {status}"
    if status == 429 or status in (408, 425) or 500 <= status <= 599:
        return Failure(FailureKind.TRANSIENT, reason, retry_after)
    if status == 403:
        # Telegram: the person blocked the bot (or never started it).
        return Failure(FailureKind.UNREACHABLE, reason)
    return Failure(FailureKind.PERMANENT, reason)


# RFC 5321 codes saying the mailbox itself is wrong, as opposed to this one message.
_NO_MAILBOX = frozenset({550, 551, 553})


def classify_smtp(code: int) -> Failure:
    """An SMTP reply code as a failure: 4xx are temporary, 5xx final."""
    reason = f"SMTP {code}"
    if 400 <= code <= 499:
        return Failure(FailureKind.TRANSIENT, reason)
    if code in _NO_MAILBOX:
        return Failure(FailureKind.UNREACHABLE, reason)
    return Failure(FailureKind.PERMANENT, reason)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from an HTTP `Retry-After` header (delta-seconds or an HTTP date)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
