"""What a worker round writes back for each claimed delivery (pure: no I/O).

Every way a round can end for a delivery becomes one `Recorded` row update: put back as it
was (`requeued`: the directory was away, the person's limit was reached), not sent on purpose
or given up before any call (`unsent`, `broken`), or judged after a provider call (`judged`,
through `delivery.after_send`). Secrets leave the data once a delivery is final.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime

from services.notifications.channels.base import Outcome
from services.notifications.compose import (
    Exhausted,
    Hold,
    Send,
    Suppress,
    without_secrets,
)
from services.notifications.delivery import (
    Dead,
    Done,
    Later,
    NextChannel,
    Progress,
    Retry,
    State,
    after_send,
)
from services.notifications.delivery_rows import Claimed, Recorded
from services.notifications.retry import BackoffPolicy


def requeued(delivery: Claimed, at: datetime) -> Recorded:
    """The delivery back in the queue as it was, due at `at` (no attempt counted)."""
    return Recorded(
        id=delivery.id,
        state=State.QUEUED,
        next_attempt_at=at,
        channels=delivery.channels,
        channel_index=delivery.channel_index,
        channel_attempts=delivery.channel_attempts,
        attempt_count=delivery.attempt_count,
        recipient_id=delivery.recipient_id,
    )


def unsent(delivery: Claimed, prepared: Suppress | Hold | Exhausted, now: datetime) -> Recorded:
    """A delivery decided without a provider call: held until quiet hours end, suppressed, or
    a dead letter because no chosen channel reaches the person any more."""
    if isinstance(prepared, Hold):
        return requeued(delivery, prepared.until)
    return replace(
        requeued(delivery, now),
        state=State.SUPPRESSED if isinstance(prepared, Suppress) else State.FAILED,
        last_error=prepared.reason,
        data=without_secrets(delivery.data, delivery.secret_fields),
    )


def broken(delivery: Claimed, error: Exception, now: datetime) -> Recorded:
    """A delivery the service could not write (a bug): a dead letter an admin can retry once
    the cause is fixed."""
    return replace(
        requeued(delivery, now),
        state=State.FAILED,
        last_error=f"internal error while writing the message ({type(error).__name__})",
    )


def judged(
    delivery: Claimed,
    send: Send,
    outcome: Outcome,
    *,
    policy: BackoffPolicy,
    rng: random.Random,
    now: datetime,
) -> Recorded:
    """What a provider's answer makes of the delivery (`delivery.after_send`)."""
    same_channel = bool(delivery.channels) and send.index == delivery.channel_index
    progress = Progress(send.channels, send.index, delivery.channel_attempts if same_channel else 0)
    step = after_send(progress, outcome, policy=policy, rng=rng, now=now)
    base = replace(
        requeued(delivery, now),
        channels=tuple(c.value for c in send.channels),
        channel_index=progress.channel_index,
        language=send.language,
    )
    if isinstance(step, Later):  # never reached the provider: not an attempt
        return replace(base, next_attempt_at=step.at)
    counted = replace(
        base,
        attempt=step.attempt,
        attempt_count=delivery.attempt_count + 1,
        channel_attempts=progress.channel_attempts + 1,
        last_error=step.attempt.error,
    )
    secretless = without_secrets(delivery.data, delivery.secret_fields)
    if isinstance(step, Done):
        return replace(
            counted,
            state=step.state,
            provider_message_id=step.provider_message_id,
            sent_at=now,
            data=secretless,
        )
    if isinstance(step, Retry):
        return replace(counted, next_attempt_at=step.at)
    if isinstance(step, NextChannel):
        return replace(
            counted, channel_index=step.index, channel_attempts=0, unreachable=step.unreachable
        )
    assert isinstance(step, Dead)
    return replace(
        counted,
        state=State.FAILED,
        last_error=step.error,
        unreachable=step.unreachable,
        data=secretless,
    )
