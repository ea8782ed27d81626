"""The authentication audit log: every sign-in, failure, lockout, MFA step, reset and revocation.

Rows are written inside the transaction of what they record, so the log and the state never
disagree. The throttle reads its failure counts from here (`outcome` says what counts).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.auth import models


class Kind(StrEnum):
    """What happened (the keys of the `AuthEventKind` enum)."""

    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_FAILED = "login_failed"
    LOCKED_OUT = "locked_out"
    MFA_ENROLLED = "mfa_enrolled"
    MFA_SUCCEEDED = "mfa_succeeded"
    MFA_FAILED = "mfa_failed"
    BACKUP_CODE_USED = "backup_code_used"
    REFRESH_REUSE_DETECTED = "refresh_reuse_detected"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET_REQUESTED = "password_reset_requested"
    PASSWORD_RESET = "password_reset"
    LOGOUT = "logout"
    SESSION_REVOKED = "session_revoked"
    REGISTERED = "registered"
    TELEGRAM_SESSION = "telegram_session"
    OIDC_LOGIN = "oidc_login"
    KEY_ROTATED = "key_rotated"


class Outcome(StrEnum):
    """How an event counts for the throttle."""

    SUCCESS = "success"  # a completed sign-in: clears the account's failure count
    FAILURE = "failure"  # a wrong password or code: counts against the account and the IP
    REFUSED = "refused"  # an attempt turned away unchecked: counts for nothing
    INFO = "info"


@dataclass(frozen=True)
class Entry:
    """One event to record."""

    kind: Kind
    outcome: Outcome = Outcome.INFO
    user_id: str | None = None
    client_ip: str = ""
    detail: str = ""


async def record(session: AsyncSession, entry: Entry, at: datetime) -> None:
    """Append `entry` in the caller's transaction."""
    await session.execute(
        sa.insert(models.auth_events).values(
            id=str(uuid.uuid4()),
            kind=entry.kind.value,
            outcome=entry.outcome.value,
            user_id=entry.user_id,
            client_ip=entry.client_ip,
            occurred_at=at,
            detail=entry.detail[:500],
        )
    )


@dataclass(frozen=True)
class FailureHistory:
    """What the throttle needs to judge the next attempt."""

    account_failures: list[datetime]
    ip_failures: list[datetime]
    last_success: datetime | None


async def failure_history(
    session: AsyncSession, *, user_id: str | None, client_ip: str, since: datetime
) -> FailureHistory:
    """Failures of the account and of the IP since `since`, and the account's latest success."""
    events = models.auth_events
    account: list[datetime] = []
    last_success: datetime | None = None
    if user_id is not None:
        rows = await session.execute(
            sa.select(events.c.occurred_at, events.c.outcome).where(
                events.c.user_id == user_id,
                events.c.occurred_at > since,
                events.c.outcome.in_([Outcome.FAILURE.value, Outcome.SUCCESS.value]),
            )
        )
        for occurred_at, outcome in rows:
            if outcome == Outcome.FAILURE.value:
                account.append(occurred_at)
            elif last_success is None or occurred_at > last_success:
                last_success = occurred_at
    ip: list[datetime] = []
    if client_ip:
        ip = list(
            (
                await session.scalars(
                    sa.select(events.c.occurred_at).where(
                        events.c.client_ip == client_ip,
                        events.c.outcome == Outcome.FAILURE.value,
                        events.c.occurred_at > since,
                    )
                )
            ).all()
        )
    return FailureHistory(account, ip, last_success)


async def page(
    connection: AsyncConnection,
    *,
    user_id: str | None,
    kinds: Sequence[str],
    limit: int,
    after: tuple[datetime, int] | None,
) -> list[sa.RowMapping]:
    """Events newest first; `after` is the (occurred_at, seq) of the previous page's last one."""
    events = models.auth_events
    conditions: list[sa.ColumnElement[bool]] = []
    if user_id:
        conditions.append(events.c.user_id == user_id)
    if kinds:
        conditions.append(events.c.kind.in_(kinds))
    if after is not None:
        occurred_at, seq = after
        position = sa.tuple_(sa.literal(occurred_at, events.c.occurred_at.type), sa.literal(seq))
        conditions.append(sa.tuple_(events.c.occurred_at, events.c.seq) < position)
    query = (
        sa.select(events)
        .where(*conditions)
        .order_by(events.c.occurred_at.desc(), events.c.seq.desc())
        .limit(limit)
    )
    return list((await connection.execute(query)).mappings().all())
