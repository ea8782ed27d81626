"""Where one delivery goes after a provider call (pure: no I/O).

A delivery walks its channels in order. On each it is tried until it is sent, or the failure is
final for that channel; then the next channel is tried; when none is left it is a dead letter
(FAILED) that an admin may retry. The channel's `Outcome` decides:

- `Sent` — done: DELIVERED on Telegram (its answer is the message, placed in the chat), SENT on
  e-mail and SMS (the relay or gateway accepted it; the inbox is beyond what they tell);
- `Transient` — again on the same channel after a full-jitter backoff (`retry.next_step`),
  never sooner than the provider's `retry_after`; when the attempts run out, the next channel;
  when the provider *may* have received it (a timeout after the request went out), it is not
  repeated at all: nobody hears the same thing twice (UNCERTAIN, kept as SENT);
- `Permanent` — the next channel at once;
- `Unreachable` — the next channel at once, and the person is marked unreachable on this one.

Held-back sends (our own pacing) never reached the provider: they come back later and do not
count as attempts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from services.notifications.channels.base import (
    ChannelKind,
    Outcome,
    Permanent,
    Sent,
    Transient,
    Unreachable,
)
from services.notifications.retry import (
    BackoffPolicy,
    Failure,
    FailureKind,
    GiveUp,
    RetryIn,
    next_step,
)


class State(StrEnum):
    """Where a delivery stands (the contract's DeliveryState, by key)."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    SUPPRESSED = "suppressed"


FINAL_STATES = frozenset({State.SENT, State.DELIVERED, State.FAILED, State.SUPPRESSED})


class AttemptOutcome(StrEnum):
    """What one provider call came to (the contract's AttemptOutcome, by key)."""

    SENT = "sent"
    TRANSIENT = "transient"
    PERMANENT = "permanent"
    UNREACHABLE = "unreachable"
    UNCERTAIN = "uncertain"


@dataclass(frozen=True)
class Attempt:
    """One provider call as it is recorded."""

    channel: ChannelKind
    outcome: AttemptOutcome
    error: str = ""
    retry_after: float = 0.0


@dataclass(frozen=True)
class Progress:
    """How far a delivery has come: its channels, the one in use, the tries made on it."""

    channels: tuple[ChannelKind, ...]
    channel_index: int = 0
    channel_attempts: int = 0

    @property
    def channel(self) -> ChannelKind:
        """The channel in use."""
        return self.channels[self.channel_index]


@dataclass(frozen=True)
class Done:
    """It went out: `state` is SENT or DELIVERED."""

    state: State
    attempt: Attempt
    provider_message_id: str = ""


@dataclass(frozen=True)
class Retry:
    """Again on the same channel at `at`."""

    at: datetime
    attempt: Attempt


@dataclass(frozen=True)
class NextChannel:
    """On to channel `index` now; `unreachable` marks the person on the channel just left."""

    index: int
    attempt: Attempt
    unreachable: bool = False


@dataclass(frozen=True)
class Dead:
    """Every channel failed for good: a dead letter."""

    error: str
    attempt: Attempt
    unreachable: bool = False


@dataclass(frozen=True)
class Later:
    """Not attempted (our own pacing): try again at `at`, no attempt counted."""

    at: datetime


Step = Done | Retry | NextChannel | Dead | Later


def after_send(
    progress: Progress,
    outcome: Outcome,
    *,
    policy: BackoffPolicy,
    rng: random.Random,
    now: datetime,
) -> Step:
    """What happens to a delivery whose send on `progress.channel` came to `outcome`."""
    channel = progress.channel
    if isinstance(outcome, Sent):
        state = State.DELIVERED if channel is ChannelKind.TELEGRAM else State.SENT
        return Done(state, Attempt(channel, AttemptOutcome.SENT), outcome.provider_message_id)
    if isinstance(outcome, Transient):
        if outcome.held_back:
            return Later(now + timedelta(seconds=outcome.retry_after or 1.0))
        if outcome.maybe_delivered:
            attempt = Attempt(channel, AttemptOutcome.UNCERTAIN, outcome.error)
            return Done(State.SENT, attempt)
        failure = Failure(FailureKind.TRANSIENT, outcome.error, outcome.retry_after)
        attempt = Attempt(
            channel, AttemptOutcome.TRANSIENT, outcome.error, outcome.retry_after or 0.0
        )
    elif isinstance(outcome, Permanent):
        failure = Failure(FailureKind.PERMANENT, outcome.error)
        attempt = Attempt(channel, AttemptOutcome.PERMANENT, outcome.error)
    elif isinstance(outcome, Unreachable):
        failure = Failure(FailureKind.UNREACHABLE, outcome.error)
        attempt = Attempt(channel, AttemptOutcome.UNREACHABLE, outcome.error)
    else:  # pragma: no cover - the union is closed
        raise TypeError(f"unknown outcome {outcome!r}")
    step = next_step(policy, progress.channel_attempts + 1, failure, rng)
    if isinstance(step, RetryIn):
        return Retry(now + timedelta(seconds=step.delay), attempt)
    return give_up(progress, step, attempt)


def give_up(progress: Progress, step: GiveUp, attempt: Attempt) -> NextChannel | Dead:
    """Leave the current channel: the next one, or a dead letter when none is left."""
    if progress.channel_index + 1 < len(progress.channels):
        return NextChannel(progress.channel_index + 1, attempt, step.unreachable)
    return Dead(step.reason, attempt, step.unreachable)


def interrupted(channel: ChannelKind) -> Done:
    """A delivery whose worker died after the provider call began: it may have gone out, so
    it is not repeated (kept as SENT with an UNCERTAIN attempt)."""
    attempt = Attempt(
        channel,
        AttemptOutcome.UNCERTAIN,
        "the service stopped during the provider call; not repeated so nobody hears it twice",
    )
    return Done(State.SENT, attempt)
