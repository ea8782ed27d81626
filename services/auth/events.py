"""Events the auth service publishes (through its outbox, subjects `ukm.auth.*`).

- `PasswordResetRequested`: notifications e-mails the reset link (it carries the token, which
  is why the AUTH stream keeps events only briefly in production);
- `AccountLockedOut`: the owner may be under attack;
- `RefreshTokenReuseDetected`: a session was revoked because a refresh token was replayed.
"""

from __future__ import annotations

from datetime import datetime

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.ext.asyncio import AsyncSession
from ukm.auth.v1 import events_pb2

from services.auth import models
from services.kit.outbox import enqueue
from services.kit.telemetry import current_traceparent

DOMAIN = "auth"


async def publish(session: AsyncSession, message: Message, *, aggregate_id: str) -> None:
    """Enqueue `message` in the caller's transaction (published iff it commits)."""
    await enqueue(
        session,
        models.outbox,
        message,
        domain=DOMAIN,
        source=DOMAIN,
        aggregate_id=aggregate_id,
        traceparent=current_traceparent(),
    )


def timestamp(moment: datetime) -> Timestamp:
    """A protobuf Timestamp of an aware datetime."""
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def password_reset_requested(
    *, user_id: str, email: str, token: str, expires_at: datetime, language: str
) -> events_pb2.PasswordResetRequested:
    """The event that gets the reset link delivered."""
    return events_pb2.PasswordResetRequested(
        user_id=user_id,
        email=email,
        reset_token=token,
        expires_at=timestamp(expires_at),
        language=language,
    )


def account_locked_out(
    *, user_id: str, until: datetime, failed_attempts: int
) -> events_pb2.AccountLockedOut:
    """The owner's account is being held back after repeated failures."""
    return events_pb2.AccountLockedOut(
        user_id=user_id, until=timestamp(until), failed_attempts=failed_attempts
    )


def refresh_token_reuse_detected(
    *, user_id: str, session_id: str
) -> events_pb2.RefreshTokenReuseDetected:
    """A replayed refresh token ended a session."""
    return events_pb2.RefreshTokenReuseDetected(user_id=user_id, session_id=session_id)
