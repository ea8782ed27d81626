"""Handing out tokens: access tokens for a principal, and new sessions with their first pair."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.auth.key_store import KeyStore
from services.auth.principals import Principal, claims_for, refuse_blocked
from services.auth.session_store import IssuedRefresh, SessionStore
from services.auth.signing import TokenIssuer


@dataclass(frozen=True)
class Origin:
    """Where a call came from, as recorded with sessions and audit events."""

    client_ip: str = ""
    user_agent: str = ""


@dataclass(frozen=True)
class AccessToken:
    """A signed access token and when it expires."""

    token: str
    expires_at: datetime

    def __repr__(self) -> str:
        return f"AccessToken(expires_at={self.expires_at.isoformat()})"


@dataclass(frozen=True)
class TokenPair:
    """What a completed sign-in (or a refresh) returns."""

    access: AccessToken
    refresh: IssuedRefresh


class Minter:
    """Signs access tokens with the current key and opens sessions."""

    def __init__(self, keys: KeyStore, issuer: TokenIssuer, sessions: SessionStore) -> None:
        self.keys = keys
        self.issuer = issuer
        self.sessions = sessions

    async def access(
        self, principal: Principal, *, amr: tuple[str, ...], sid: str | None, now: datetime
    ) -> AccessToken:
        """An access token for `principal` (PermissionDenied for blocked accounts)."""
        claims = claims_for(principal, amr=amr, sid=sid)
        token = self.issuer.issue(await self.keys.signing_key(), claims, now)
        # The `exp` claim: whole seconds after the (truncated) issue time.
        expires = int(now.timestamp()) + int(self.issuer.ttl.total_seconds())
        return AccessToken(token, datetime.fromtimestamp(expires, UTC))

    async def open_session(
        self,
        session: AsyncSession,
        principal: Principal,
        *,
        method: str,
        amr: tuple[str, ...],
        origin: Origin,
        now: datetime,
    ) -> TokenPair:
        """A new session for `principal` and its first token pair (in the caller's transaction)."""
        refuse_blocked(principal)
        refresh = await self.sessions.start(
            session,
            user_id=principal.user_id,
            method=method,
            amr=amr,
            client_ip=origin.client_ip,
            user_agent=origin.user_agent,
            now=now,
        )
        access = await self.access(principal, amr=amr, sid=refresh.session_id, now=now)
        return TokenPair(access, refresh)
