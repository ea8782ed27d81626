"""Login throttling and lockout, as pure functions of recent failure times.

Rules (issue 3):

- per account: the first `account_free_failures` (10) failures inside the sliding `window`
  (15 min) cost nothing; after that every attempt must wait 2^(n-10) seconds after the latest
  failure (n = failures in the window), capped at `max_delay` (15 min);
- per client IP: at most `ip_failures` (50) failures in the window across all accounts; the next
  attempt from that IP waits until the oldest counted failure leaves the window;
- an attempt that arrives while it must wait is refused *without checking the password* and is
  not counted as a failure, so hammering does not prolong the wait;
- a successful sign-in clears the account's count (failures before it no longer matter).

Why a user cannot be locked out for long: every wait is at most `max_delay` after the failure
that caused it, and the next attempt after the wait is checked; a correct password then
succeeds. Because failures leave the window after 15 minutes while the delays add up to more
than that (1 + 2 + … + 512 s), an attacker who keeps trying sustains only about twenty guesses
per account per quarter hour, and the refusals the owner meets last seconds to minutes, never
longer than the cap.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


@dataclass(frozen=True)
class ThrottlePolicy:
    """The knobs of the throttle (defaults are the issue's numbers)."""

    window: timedelta = timedelta(minutes=15)
    account_free_failures: int = 10
    max_delay: timedelta = timedelta(minutes=15)
    ip_failures: int = 50


class Scope(StrEnum):
    """Which limit refused an attempt."""

    ACCOUNT = "account"
    IP = "ip"


@dataclass(frozen=True)
class Verdict:
    """Whether an attempt may be checked now; if not, how long to wait and why."""

    allowed: bool
    retry_after: timedelta = timedelta(0)
    scope: Scope | None = None

    @property
    def retry_after_seconds(self) -> float:
        """`retry_after` in whole seconds, rounded up (what a client is told)."""
        seconds = self.retry_after.total_seconds()
        return float(int(seconds) + (seconds % 1 > 0))


ALLOWED = Verdict(allowed=True)


def account_delay(failures: int, policy: ThrottlePolicy) -> timedelta:
    """The wait after the latest of `failures` recent failures (zero while under the free count)."""
    if failures < policy.account_free_failures:
        return timedelta(0)
    exponent = failures - policy.account_free_failures
    cap = policy.max_delay.total_seconds()
    # 2**exponent overflows float conversion long after it passes the cap; stop early.
    seconds = cap if exponent >= 64 else min(float(2**exponent), cap)
    return timedelta(seconds=seconds)


def account_verdict(
    failures: Iterable[datetime],
    now: datetime,
    policy: ThrottlePolicy,
    *,
    last_success: datetime | None = None,
) -> Verdict:
    """The account limit given the account's failure times (any order, any age)."""
    recent = _recent(failures, now, policy.window, after=last_success)
    if not recent:
        return ALLOWED
    wait = max(recent) + account_delay(len(recent), policy) - now
    if wait <= timedelta(0):
        return ALLOWED
    return Verdict(allowed=False, retry_after=wait, scope=Scope.ACCOUNT)


def ip_verdict(failures: Iterable[datetime], now: datetime, policy: ThrottlePolicy) -> Verdict:
    """The per-IP limit given the failure times of every account tried from that IP."""
    recent = sorted(_recent(failures, now, policy.window))
    excess = len(recent) - policy.ip_failures
    if excess < 0:
        return ALLOWED
    # Below the limit again once the (excess+1) oldest failures have left the window.
    wait = recent[excess] + policy.window - now
    if wait <= timedelta(0):
        return ALLOWED
    return Verdict(allowed=False, retry_after=wait, scope=Scope.IP)


def decide(
    *,
    account_failures: Iterable[datetime],
    ip_failures: Iterable[datetime],
    now: datetime,
    policy: ThrottlePolicy,
    last_success: datetime | None = None,
) -> Verdict:
    """Both limits together: refused if either refuses, waiting for the longer of the two."""
    verdicts = [
        account_verdict(account_failures, now, policy, last_success=last_success),
        ip_verdict(ip_failures, now, policy),
    ]
    refused = [v for v in verdicts if not v.allowed]
    return max(refused, key=lambda v: v.retry_after) if refused else ALLOWED


def _recent(
    times: Iterable[datetime], now: datetime, window: timedelta, *, after: datetime | None = None
) -> list[datetime]:
    """Times inside (now - window, now], and after `after` when given."""
    start = now - window
    if after is not None and after > start:
        start = after
    return [t for t in times if start < t <= now]
