"""The lockout policy: free failures, exponential delay, the cap, per-IP limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.auth.throttle import (
    Scope,
    ThrottlePolicy,
    account_delay,
    account_verdict,
    decide,
    ip_verdict,
)

POLICY = ThrottlePolicy()
NOW = datetime(2025, 11, 25, 12, 0, tzinfo=UTC)


def seconds_ago(*offsets: float) -> list[datetime]:
    return [NOW - timedelta(seconds=s) for s in offsets]


def test_ten_failures_in_the_window_are_free() -> None:
    assert account_verdict(seconds_ago(*range(9)), NOW, POLICY).allowed
    # The tenth failure just happened: now the next attempt waits 2^0 seconds.
    verdict = account_verdict(seconds_ago(*range(10)), NOW, POLICY)
    assert not verdict.allowed and verdict.scope is Scope.ACCOUNT
    assert verdict.retry_after == timedelta(seconds=1)


def test_the_delay_doubles_and_stops_at_the_cap() -> None:
    assert [account_delay(n, POLICY).total_seconds() for n in (9, 10, 11, 12, 19, 20, 21)] == [
        0,
        1,
        2,
        4,
        512,
        900,
        900,
    ]
    assert account_delay(10_000, POLICY) == POLICY.max_delay


def test_the_wait_counts_from_the_latest_failure() -> None:
    failures = seconds_ago(*([3] + [600] * 11))  # 12 failures, the latest 3 s ago → wait 4 s
    verdict = account_verdict(failures, NOW, POLICY)
    assert verdict.retry_after == timedelta(seconds=1)
    assert account_verdict(failures, NOW + timedelta(seconds=1), POLICY).allowed


def test_failures_older_than_the_window_are_forgotten() -> None:
    old = [NOW - POLICY.window - timedelta(seconds=1)] * 30
    assert account_verdict(old + seconds_ago(*range(9)), NOW, POLICY).allowed


def test_a_success_clears_earlier_failures() -> None:
    failures = seconds_ago(*range(20, 40))
    assert not account_verdict(failures, NOW, POLICY).allowed
    last_success = NOW - timedelta(seconds=10)
    assert account_verdict(failures, NOW, POLICY, last_success=last_success).allowed


def test_retry_after_seconds_rounds_up() -> None:
    failures = [NOW - timedelta(milliseconds=200)] * 10
    assert account_verdict(failures, NOW, POLICY).retry_after_seconds == 1.0


def test_ip_limit_counts_failures_across_accounts() -> None:
    assert ip_verdict(seconds_ago(*range(49)), NOW, POLICY).allowed
    failures = seconds_ago(*range(100, 150))  # 50 failures, the oldest 149 s ago
    verdict = ip_verdict(failures, NOW, POLICY)
    assert not verdict.allowed and verdict.scope is Scope.IP
    assert verdict.retry_after == POLICY.window - timedelta(seconds=149)


def test_ip_limit_waits_until_enough_failures_left_the_window() -> None:
    failures = seconds_ago(*range(100, 155))  # 55: wait for the 6 oldest to leave
    verdict = ip_verdict(failures, NOW, POLICY)
    assert verdict.retry_after == POLICY.window - timedelta(seconds=149)


def test_decide_takes_the_longer_wait() -> None:
    verdict = decide(
        account_failures=seconds_ago(*range(10)),
        ip_failures=seconds_ago(*range(100, 150)),
        now=NOW,
        policy=POLICY,
    )
    assert verdict.scope is Scope.IP
    assert decide(account_failures=[], ip_failures=[], now=NOW, policy=POLICY).allowed


def test_an_attacker_retrying_at_once_gets_about_twenty_guesses_per_window() -> None:
    """Simulate an attacker who tries whenever allowed for six hours."""
    now, failures = NOW, list[datetime]()
    longest_refusal = timedelta(0)
    while now < NOW + timedelta(hours=6):
        verdict = account_verdict(failures, now, POLICY)
        if verdict.allowed:
            failures.append(now)
            now += timedelta(milliseconds=100)
        else:
            longest_refusal = max(longest_refusal, verdict.retry_after)
            now += verdict.retry_after
    busiest = max(sum(1 for t in failures if s <= t < s + POLICY.window) for s in failures)
    assert busiest <= 20
    assert longest_refusal <= POLICY.max_delay


moments = st.integers(min_value=-3600, max_value=0).map(lambda s: NOW + timedelta(seconds=s))


@given(st.lists(moments, max_size=200))
def test_no_failure_history_locks_anyone_out_beyond_the_cap(failures: list[datetime]) -> None:
    verdict = account_verdict(failures, NOW, POLICY)
    assert verdict.retry_after <= POLICY.max_delay
    # After waiting, the attempt is checked (and a correct password would succeed).
    assert account_verdict(failures, NOW + verdict.retry_after, POLICY).allowed


@given(st.lists(moments, max_size=300))
def test_no_ip_history_blocks_beyond_the_window(failures: list[datetime]) -> None:
    verdict = ip_verdict(failures, NOW, POLICY)
    assert verdict.retry_after <= POLICY.window
    assert ip_verdict(failures, NOW + verdict.retry_after, POLICY).allowed


@given(st.lists(moments, max_size=60), st.lists(moments, max_size=120))
def test_decide_is_allowed_only_when_both_limits_allow(
    account: list[datetime], ip: list[datetime]
) -> None:
    verdict = decide(account_failures=account, ip_failures=ip, now=NOW, policy=POLICY)
    both = account_verdict(account, NOW, POLICY).allowed and ip_verdict(ip, NOW, POLICY).allowed
    assert verdict.allowed == both
