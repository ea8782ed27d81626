"""Retries: full-jitter exponential backoff, caps, attempts, failure classes, retry_after."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.notifications.retry import (
    BackoffPolicy,
    Failure,
    FailureKind,
    GiveUp,
    RetryIn,
    classify_http,
    classify_smtp,
    jitter_source,
    next_step,
    parse_retry_after,
    transient,
)

POLICY = BackoffPolicy(base=1.0, factor=2.0, cap=60.0, max_attempts=5, max_retry_after=600.0)


def test_the_ceiling_grows_exponentially_up_to_the_cap() -> None:
    assert [POLICY.ceiling(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_a_huge_attempt_number_neither_overflows_nor_exceeds_the_cap() -> None:
    assert POLICY.ceiling(10_000) == 60.0


def test_the_same_seed_gives_the_same_waits() -> None:
    first = [POLICY.backoff(n, jitter_source(7)) for n in range(1, 6)]
    second = [POLICY.backoff(n, jitter_source(7)) for n in range(1, 6)]
    assert first == second


@given(attempt=st.integers(1, 200), seed=st.integers(0, 2**32))
def test_a_wait_is_within_zero_and_the_ceiling(attempt: int, seed: int) -> None:
    wait = POLICY.backoff(attempt, random.Random(seed))
    assert 0.0 <= wait <= POLICY.ceiling(attempt) <= POLICY.cap


def test_the_jitter_spreads_waits_out() -> None:
    rng = jitter_source(1)
    waits = {round(POLICY.backoff(6, rng), 3) for _ in range(50)}
    assert len(waits) > 40


def test_transient_failures_are_retried_until_the_attempts_run_out() -> None:
    rng = jitter_source(3)
    failure = transient("timeout")
    steps = [next_step(POLICY, n, failure, rng) for n in range(1, 6)]
    assert [type(s) for s in steps] == [RetryIn] * 4 + [GiveUp]
    assert [s.attempt for s in steps if isinstance(s, RetryIn)] == [2, 3, 4, 5]
    last = steps[-1]
    assert isinstance(last, GiveUp) and "after 5 attempts" in last.reason


@pytest.mark.parametrize("kind", [FailureKind.PERMANENT, FailureKind.UNREACHABLE])
def test_permanent_and_unreachable_failures_are_not_retried(kind: FailureKind) -> None:
    step = next_step(POLICY, 1, Failure(kind, "HTTP 400"), jitter_source(0))
    assert isinstance(step, GiveUp)
    assert step.unreachable is (kind is FailureKind.UNREACHABLE)


@given(retry_after=st.floats(0, 600), attempts=st.integers(1, 4), seed=st.integers(0, 1000))
def test_retry_after_is_a_floor(retry_after: float, attempts: int, seed: int) -> None:
    step = next_step(POLICY, attempts, transient("429", retry_after), random.Random(seed))
    assert isinstance(step, RetryIn)
    assert step.delay >= retry_after
    assert step.delay <= max(retry_after, POLICY.ceiling(attempts))


def test_a_retry_after_beyond_the_limit_moves_to_the_next_channel() -> None:
    step = next_step(POLICY, 1, transient("HTTP 429", 3600), jitter_source(0))
    assert isinstance(step, GiveUp) and "3600" in step.reason


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (429, FailureKind.TRANSIENT),
        (500, FailureKind.TRANSIENT),
        (502, FailureKind.TRANSIENT),
        (503, FailureKind.TRANSIENT),
        (408, FailureKind.TRANSIENT),
        (403, FailureKind.UNREACHABLE),
        (400, FailureKind.PERMANENT),
        (401, FailureKind.PERMANENT),
        (404, FailureKind.PERMANENT),
    ],
)
def test_http_statuses_are_classified(status: int, kind: FailureKind) -> None:
    assert classify_http(status).kind is kind


def test_a_429_keeps_its_retry_after() -> None:
    assert classify_http(429, retry_after=5).retry_after == 5


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (421, FailureKind.TRANSIENT),
        (451, FailureKind.TRANSIENT),
        (550, FailureKind.UNREACHABLE),
        (553, FailureKind.UNREACHABLE),
        (554, FailureKind.PERMANENT),
        (535, FailureKind.PERMANENT),
    ],
)
def test_smtp_codes_are_classified(code: int, kind: FailureKind) -> None:
    assert classify_smtp(code).kind is kind


def test_retry_after_headers_in_seconds_or_as_a_date() -> None:
    now = datetime(2025, 11, 25, 12, 0, tzinfo=UTC)
    assert parse_retry_after("30", now) == 30.0
    assert parse_retry_after("Tue, 25 Nov 2025 12:01:00 GMT", now) == 60.0
    assert parse_retry_after("Tue, 25 Nov 2025 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


@pytest.mark.parametrize(
    "policy",
    [
        {"base": 0},
        {"factor": 0.5},
        {"cap": 0.5},
        {"max_attempts": 0},
    ],
)
def test_unusable_policies_are_refused(policy: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="unusable"):
        BackoffPolicy(**policy)  # type: ignore[arg-type]
