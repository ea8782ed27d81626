"""Refresh, Logout, ListSessions and RevokeSession.

Refresh rotates: the presented token is spent and a successor of the same family is returned.
The users service is asked for the person's roles and status inside the same transaction, so
if it cannot answer nothing is spent and the client can simply retry. Presenting a spent token
again revokes the family (see `refresh_tokens`); so does refreshing a blocked account.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.auth import audit, events
from services.auth.deps import AuthDeps
from services.auth.issuing import Origin, TokenPair
from services.auth.principals import BLOCKED
from services.auth.refresh_tokens import Outcome, judge
from services.auth.session_store import Presented
from services.kit.context import Caller
from services.kit.errors import NotFound, PermissionDenied, UkmError, Unauthenticated

ADMIN = "admin"

_REFUSALS = {
    Outcome.EXPIRED: ("REFRESH_TOKEN_EXPIRED", "the session has expired; sign in again"),
    Outcome.REVOKED: ("SESSION_ENDED", "the session was ended; sign in again"),
    Outcome.REUSED: (
        "REFRESH_TOKEN_REUSED",
        "this refresh token was already used; the session was ended for safety, sign in again",
    ),
}


def _refusal(outcome: Outcome) -> Unauthenticated:
    reason, message = _REFUSALS[outcome]
    return Unauthenticated(message, reason=reason)


def unknown_refresh_token() -> Unauthenticated:
    """A token we never issued (or one purged long after its session ended)."""
    return Unauthenticated("the refresh token is not valid; sign in again", "REFRESH_TOKEN_INVALID")


class SessionFlows:
    """Token refresh and session management."""

    def __init__(self, deps: AuthDeps) -> None:
        self.deps = deps

    async def refresh(self, token: str, origin: Origin) -> TokenPair:
        """The next token pair of the family `token` belongs to."""
        deps = self.deps
        failure: UkmError
        async with deps.sessions.begin() as session:
            presented = await deps.session_store.present(session, token)
            if presented is None:
                raise unknown_refresh_token()
            now = deps.clock()
            outcome = judge(presented.facts, now)
            if outcome is Outcome.ROTATE:
                principal = await deps.users.get_principal(presented.user_id)
                if principal.status != BLOCKED:
                    refresh = await deps.session_store.rotate(session, presented, now)
                    access = await deps.minter.access(
                        principal, amr=presented.amr, sid=presented.session_id, now=now
                    )
                    return TokenPair(access, refresh)
                await deps.session_store.revoke(
                    session, presented.session_id, reason="account blocked", now=now
                )
                failure = PermissionDenied(
                    "ACCOUNT_BLOCKED", "this account is blocked; please contact the management"
                )
            elif outcome is Outcome.REUSED:
                await self._reuse_detected(session, presented, origin)
                failure = _refusal(outcome)
            else:
                failure = _refusal(outcome)
        raise failure

    async def _reuse_detected(
        self, session: AsyncSession, presented: Presented, origin: Origin
    ) -> None:
        now = self.deps.clock()
        await self.deps.session_store.revoke(
            session, presented.session_id, reason="refresh token reuse", now=now
        )
        entry = audit.Entry(
            audit.Kind.REFRESH_REUSE_DETECTED,
            user_id=presented.user_id,
            client_ip=origin.client_ip,
            detail=f"session {presented.session_id} revoked",
        )
        await audit.record(session, entry, now)
        message = events.refresh_token_reuse_detected(
            user_id=presented.user_id, session_id=presented.session_id
        )
        await events.publish(session, message, aggregate_id=presented.user_id)

    async def logout(self, token: str, origin: Origin) -> None:
        """End the session of `token` (an unknown token is already as logged out as it gets)."""
        deps = self.deps
        async with deps.sessions.begin() as session:
            presented = await deps.session_store.present(session, token)
            if presented is None:
                return
            now = deps.clock()
            if await deps.session_store.revoke(
                session, presented.session_id, reason="logout", now=now
            ):
                entry = audit.Entry(
                    audit.Kind.LOGOUT,
                    user_id=presented.user_id,
                    client_ip=origin.client_ip,
                    detail=f"session {presented.session_id}",
                )
                await audit.record(session, entry, now)

    async def open_sessions(self, caller: Caller, user_id: str) -> list[sa.RowMapping]:
        """Open sessions of `user_id` (default: the caller); others' only for admins."""
        deps = self.deps
        target = _subject(caller, user_id)
        if target != caller.user_id and ADMIN not in caller.roles:
            raise PermissionDenied(
                "NOT_YOUR_SESSIONS", "only an admin may list another person's sessions"
            )
        async with deps.reader.connect() as connection:
            rows = await deps.session_store.active(connection, target, deps.clock())
        return rows

    async def revoke(self, caller: Caller, session_id: str, origin: Origin) -> None:
        """End one session: the caller's own, or anyone's for an admin."""
        deps = self.deps
        _subject(caller, "")
        async with deps.sessions.begin() as session:
            owner = await deps.session_store.owner(session, session_id)
            if owner is None:
                raise NotFound("session", session_id)
            if owner != caller.user_id and ADMIN not in caller.roles:
                raise PermissionDenied("NOT_YOUR_SESSION", "you may end only your own sessions")
            now = deps.clock()
            if await deps.session_store.revoke(session, session_id, reason="revoked", now=now):
                by = "its owner" if owner == caller.user_id else f"admin {caller.user_id}"
                entry = audit.Entry(
                    audit.Kind.SESSION_REVOKED,
                    user_id=owner,
                    client_ip=origin.client_ip,
                    detail=f"session {session_id} ended by {by}",
                )
                await audit.record(session, entry, now)


def _subject(caller: Caller, user_id: str) -> str:
    """`user_id`, or the caller when empty; a person must be signed in either way."""
    if caller.user_id is None:
        raise Unauthenticated("sign in first")
    return user_id or caller.user_id
