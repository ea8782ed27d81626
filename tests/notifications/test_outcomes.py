"""What a round writes back for a delivery (pure): secrets leave with the final state, a move to
the next channel is due at once, our own pacing is no attempt."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

from services.notifications.channels.base import Permanent, Sent, Transient
from services.notifications.compose import Hold, Send, Suppress
from services.notifications.delivery import AttemptOutcome, State
from services.notifications.outcomes import broken, judged, requeued, unsent
from services.notifications.retry import BackoffPolicy
from tests.notifications.test_compose import DELIVERY, MORNING, PERSON, decide

POLICY = BackoffPolicy(base=1.0, cap=10.0, max_attempts=3)
SECRET = replace(
    DELIVERY, data={"number": "251125-007", "reset_token": "t0k3n"}, secret_fields=("reset_token",)
)


def a_send() -> Send:
    send = decide(contact=PERSON)
    assert isinstance(send, Send)
    return send


def judge(outcome: object, delivery=SECRET):  # type: ignore[no-untyped-def]
    return judged(delivery, a_send(), outcome, policy=POLICY, rng=random.Random(1), now=MORNING)  # type: ignore[arg-type]


def test_done_counts_the_attempt_and_drops_the_secrets() -> None:
    done = judge(Sent("17"))
    assert (done.state, done.attempt_count, done.channel_attempts) == (State.DELIVERED, 1, 1)
    assert done.provider_message_id == "17" and done.sent_at == MORNING
    assert done.data == {"number": "251125-007"}


def test_a_permanent_failure_moves_on_now_with_a_fresh_count() -> None:
    moved = judge(Permanent("telegram: 400 chat not found"))
    assert moved.state is State.QUEUED and moved.next_attempt_at == MORNING
    assert (moved.channel_index, moved.channel_attempts, moved.attempt_count) == (1, 0, 1)
    assert moved.attempt is not None and moved.attempt.outcome is AttemptOutcome.PERMANENT
    assert moved.data is None  # not final: the data stays as stored


def test_held_back_is_no_attempt() -> None:
    later = judge(Transient("paced", retry_after=2, held_back=True))
    assert later.attempt is None and later.attempt_count == 0
    assert later.next_attempt_at == MORNING + timedelta(seconds=2)


def test_decided_without_a_call() -> None:
    until = MORNING + timedelta(hours=3)
    assert unsent(SECRET, Hold(until), MORNING) == requeued(SECRET, until)
    suppressed = unsent(SECRET, Suppress("muted"), MORNING)
    assert suppressed.state is State.SUPPRESSED and suppressed.last_error == "muted"
    assert suppressed.data == {"number": "251125-007"}
    failed = broken(SECRET, TypeError("boom"), MORNING)
    assert failed.state is State.FAILED and "TypeError" in failed.last_error
    assert failed.channels == ()  # never got as far as choosing channels
