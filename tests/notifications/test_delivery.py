"""Where a delivery goes after each provider answer (pure)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from services.notifications.channels.base import (
    ChannelKind,
    Permanent,
    Sent,
    Transient,
    Unreachable,
)
from services.notifications.delivery import (
    AttemptOutcome,
    Dead,
    Done,
    Later,
    NextChannel,
    Progress,
    Retry,
    State,
    after_send,
    interrupted,
)
from services.notifications.retry import BackoffPolicy

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
POLICY = BackoffPolicy(base=1.0, factor=2.0, cap=60.0, max_attempts=3)
BOTH = (ChannelKind.TELEGRAM, ChannelKind.EMAIL)


def step(progress: Progress, outcome: object) -> object:
    return after_send(progress, outcome, policy=POLICY, rng=random.Random(7), now=NOW)  # type: ignore[arg-type]


def test_telegram_answers_with_the_message_so_it_is_delivered() -> None:
    done = step(Progress(BOTH), Sent("17"))
    assert done == Done(State.DELIVERED, done.attempt, "17")  # type: ignore[union-attr]
    assert done.attempt.outcome is AttemptOutcome.SENT  # type: ignore[union-attr]


@pytest.mark.parametrize("channel", [ChannelKind.EMAIL, ChannelKind.SMS])
def test_a_relay_or_gateway_accepting_it_is_sent(channel: ChannelKind) -> None:
    done = step(Progress((channel,)), Sent("m-1"))
    assert isinstance(done, Done) and done.state is State.SENT


def test_a_transient_failure_is_retried_on_the_same_channel_after_a_jittered_wait() -> None:
    retry = step(Progress(BOTH), Transient("telegram: HTTP 502"))
    assert isinstance(retry, Retry)
    assert NOW <= retry.at <= NOW + timedelta(seconds=1)  # first ceiling: base
    assert retry.attempt.outcome is AttemptOutcome.TRANSIENT


def test_retry_after_is_a_floor() -> None:
    retry = step(Progress(BOTH), Transient("telegram: HTTP 429", retry_after=7))
    assert isinstance(retry, Retry)
    assert retry.at >= NOW + timedelta(seconds=7)
    assert retry.attempt.retry_after == 7


def test_when_attempts_run_out_the_next_channel_is_used() -> None:
    moved = step(Progress(BOTH, 0, channel_attempts=2), Transient("timeout"))
    assert isinstance(moved, NextChannel) and moved.index == 1 and not moved.unreachable


def test_a_permanent_failure_moves_on_at_once() -> None:
    moved = step(Progress(BOTH), Permanent("telegram: HTTP 400 chat not found"))
    assert isinstance(moved, NextChannel) and moved.index == 1


def test_unreachable_moves_on_and_marks_the_person() -> None:
    moved = step(Progress(BOTH), Unreachable("telegram: blocked by the user"))
    assert isinstance(moved, NextChannel) and moved.unreachable
    assert moved.attempt.outcome is AttemptOutcome.UNREACHABLE


def test_the_last_channel_failing_for_good_is_a_dead_letter() -> None:
    dead = step(Progress(BOTH, 1), Permanent("smtp: 554 rejected"))
    assert isinstance(dead, Dead)
    assert "554" in dead.error


def test_maybe_delivered_is_never_repeated() -> None:
    done = step(Progress(BOTH), Transient("timeout reading the answer", maybe_delivered=True))
    assert isinstance(done, Done) and done.state is State.SENT
    assert done.attempt.outcome is AttemptOutcome.UNCERTAIN


def test_held_back_by_our_own_pacing_is_not_an_attempt() -> None:
    later = step(Progress(BOTH, 0, 2), Transient("paced", retry_after=3, held_back=True))
    assert later == Later(NOW + timedelta(seconds=3))


def test_an_interrupted_call_is_kept_as_sent_and_uncertain() -> None:
    done = interrupted(ChannelKind.SMS)
    assert done.state is State.SENT
    assert done.attempt.outcome is AttemptOutcome.UNCERTAIN
    assert done.attempt.channel is ChannelKind.SMS
