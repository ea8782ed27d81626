"""Sessions, their refresh-token families, and MFA challenges (SQL only).

Opaque tokens (refresh tokens, challenge tokens) are stored as their SHA-256; the plain token
exists only in the answer to the client. Methods run in the caller's session.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.auth import models
from services.auth.refresh_tokens import PresentedToken, RefreshPolicy, new_token, token_hash

MFA = "mfa"
ENROLL = "enroll"


@dataclass(frozen=True)
class IssuedRefresh:
    """A refresh token just created (the plain token is handed to the client, never stored)."""

    session_id: str
    token: str
    expires_at: datetime

    def __repr__(self) -> str:
        return f"IssuedRefresh(session_id={self.session_id!r})"


@dataclass(frozen=True)
class Presented:
    """A presented refresh token, found: its family and the facts `refresh_tokens.judge` needs."""

    token_hash: str
    session_id: str
    user_id: str
    amr: tuple[str, ...]
    facts: PresentedToken


@dataclass(frozen=True)
class Challenge:
    """A pending second step of a sign-in."""

    token_hash: str
    user_id: str
    purpose: str
    # The first factor that opened it ("pwd" or "oidc"): the method of the session it opens.
    method: str
    failures: int
    expires_at: datetime
    consumed_at: datetime | None


class SessionStore:
    """SQL of `sessions`, `refresh_tokens` and `mfa_challenges`."""

    def __init__(self, policy: RefreshPolicy) -> None:
        self.policy = policy

    # Sessions and refresh tokens ---------------------------------------------------------------

    async def start(
        self,
        session: AsyncSession,
        *,
        user_id: str,
        method: str,
        amr: tuple[str, ...],
        client_ip: str,
        user_agent: str,
        now: datetime,
    ) -> IssuedRefresh:
        """A new session and the first refresh token of its family."""
        session_id = str(uuid.uuid4())
        expires_at = self.policy.session_expiry(now)
        await session.execute(
            sa.insert(models.sessions).values(
                id=session_id,
                user_id=user_id,
                method=method,
                amr=list(amr),
                client_ip=client_ip,
                user_agent=user_agent,
                created_at=now,
                last_used_at=now,
                expires_at=expires_at,
            )
        )
        return await self._issue(session, session_id, expires_at, now)

    async def _issue(
        self, session: AsyncSession, session_id: str, session_expires_at: datetime, now: datetime
    ) -> IssuedRefresh:
        token = new_token()
        expires_at = self.policy.token_expiry(now, session_expires_at)
        await session.execute(
            sa.insert(models.refresh_tokens).values(
                token_hash=token_hash(token),
                session_id=session_id,
                issued_at=now,
                expires_at=expires_at,
            )
        )
        return IssuedRefresh(session_id, token, expires_at)

    async def present(self, session: AsyncSession, token: str) -> Presented | None:
        """The stored token and its family, locked until the transaction ends; None if unknown."""
        tokens, sessions = models.refresh_tokens, models.sessions
        row = (
            (
                await session.execute(
                    sa.select(
                        tokens.c.token_hash,
                        tokens.c.expires_at,
                        tokens.c.rotated_at,
                        sessions.c.id,
                        sessions.c.user_id,
                        sessions.c.amr,
                        sessions.c.revoked_at,
                        sessions.c.expires_at.label("session_expires_at"),
                    )
                    .join(sessions, sessions.c.id == tokens.c.session_id)
                    .where(tokens.c.token_hash == token_hash(token))
                    .with_for_update()
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        return Presented(
            token_hash=row["token_hash"],
            session_id=row["id"],
            user_id=row["user_id"],
            amr=tuple(row["amr"]),
            facts=PresentedToken(
                expires_at=row["expires_at"],
                rotated_at=row["rotated_at"],
                session_revoked_at=row["revoked_at"],
                session_expires_at=row["session_expires_at"],
            ),
        )

    async def rotate(
        self, session: AsyncSession, presented: Presented, now: datetime
    ) -> IssuedRefresh:
        """Spend the presented token and issue its successor in the same family."""
        tokens = models.refresh_tokens
        await session.execute(
            sa.update(tokens)
            .where(tokens.c.token_hash == presented.token_hash)
            .values(rotated_at=now)
        )
        await session.execute(
            sa.update(models.sessions)
            .where(models.sessions.c.id == presented.session_id)
            .values(last_used_at=now)
        )
        return await self._issue(
            session, presented.session_id, presented.facts.session_expires_at, now
        )

    async def revoke(
        self, session: AsyncSession, session_id: str, *, reason: str, now: datetime
    ) -> bool:
        """End one session (every refresh token of its family dies); False if already ended."""
        table = models.sessions
        result = await session.execute(
            sa.update(table)
            .where(table.c.id == session_id, table.c.revoked_at.is_(None))
            .values(revoked_at=now, revoke_reason=reason)
            .returning(table.c.id)
        )
        return result.first() is not None

    async def revoke_all(
        self,
        session: AsyncSession,
        user_id: str,
        *,
        reason: str,
        now: datetime,
        keep: str | None = None,
    ) -> int:
        """End every open session of `user_id` except `keep`; how many ended."""
        table = models.sessions
        conditions = [table.c.user_id == user_id, table.c.revoked_at.is_(None)]
        if keep:
            conditions.append(table.c.id != keep)
        result = await session.execute(
            sa.update(table)
            .where(*conditions)
            .values(revoked_at=now, revoke_reason=reason)
            .returning(table.c.id)
        )
        return len(result.all())

    async def is_open(
        self, session: AsyncSession, session_id: str, user_id: str, now: datetime
    ) -> bool:
        """Whether `session_id` is an open (not ended, not expired) session of `user_id`."""
        table = models.sessions
        found = await session.scalar(
            sa.select(sa.literal(True)).where(
                table.c.id == session_id,
                table.c.user_id == user_id,
                table.c.revoked_at.is_(None),
                table.c.expires_at > now,
            )
        )
        return bool(found)

    async def owner(self, session: AsyncSession, session_id: str) -> str | None:
        """The user a session belongs to, or None if there is no such session."""
        table = models.sessions
        return await session.scalar(sa.select(table.c.user_id).where(table.c.id == session_id))

    async def active(
        self, connection: AsyncConnection, user_id: str, now: datetime
    ) -> list[sa.RowMapping]:
        """The open sessions of `user_id`, most recently used first."""
        table = models.sessions
        result = await connection.execute(
            sa.select(table)
            .where(
                table.c.user_id == user_id, table.c.revoked_at.is_(None), table.c.expires_at > now
            )
            .order_by(table.c.last_used_at.desc(), table.c.id)
        )
        return list(result.mappings().all())

    # MFA challenges ----------------------------------------------------------------------------

    async def open_challenge(
        self,
        session: AsyncSession,
        *,
        user_id: str,
        purpose: str,
        method: str,
        client_ip: str,
        now: datetime,
        expires_at: datetime,
    ) -> str:
        """A new challenge; returns its plain token."""
        token = new_token()
        await session.execute(
            sa.insert(models.mfa_challenges).values(
                token_hash=token_hash(token),
                user_id=user_id,
                purpose=purpose,
                method=method,
                client_ip=client_ip,
                created_at=now,
                expires_at=expires_at,
            )
        )
        return token

    async def challenge(self, session: AsyncSession, token: str) -> Challenge | None:
        """The challenge of `token`, locked until the transaction ends; None if unknown."""
        table = models.mfa_challenges
        row = (
            (
                await session.execute(
                    sa.select(table)
                    .where(table.c.token_hash == token_hash(token))
                    .with_for_update()
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        return Challenge(
            token_hash=row["token_hash"],
            user_id=row["user_id"],
            purpose=row["purpose"],
            method=row["method"],
            failures=row["failures"],
            expires_at=row["expires_at"],
            consumed_at=row["consumed_at"],
        )

    async def challenge_failed(self, session: AsyncSession, challenge: Challenge) -> None:
        """Count a wrong code against the challenge."""
        table = models.mfa_challenges
        await session.execute(
            sa.update(table)
            .where(table.c.token_hash == challenge.token_hash)
            .values(failures=table.c.failures + 1)
        )

    async def consume_challenge(
        self, session: AsyncSession, challenge: Challenge, now: datetime
    ) -> None:
        """Spend the challenge (it completed its login)."""
        table = models.mfa_challenges
        await session.execute(
            sa.update(table)
            .where(table.c.token_hash == challenge.token_hash)
            .values(consumed_at=now)
        )
