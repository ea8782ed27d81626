"""Refresh tokens: opaque, stored hashed, rotated on every use (pure rules, no I/O).

Each sign-in starts a *family* (the session, whose id is the `sid` claim). Refreshing hands out a
new token of the same family and marks the presented one as rotated. A rotated token showing up
again means two parties hold the family (the legitimate client and a thief, and we cannot tell
which is which), so the whole family is revoked and both must sign in again.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

TOKEN_BYTES = 32  # 256 bits of randomness


def new_token() -> str:
    """A fresh refresh token (URL-safe base64, 43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What is stored and looked up instead of the token (hex SHA-256).

    A fast hash is enough: the token is 256 random bits, so there is nothing to brute-force.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RefreshPolicy:
    """How long sessions and single tokens live."""

    # A token unused for this long dies (the session with it, unless refreshed meanwhile).
    idle_ttl: timedelta = timedelta(days=14)
    # A session ends this long after sign-in however often it is refreshed.
    absolute_ttl: timedelta = timedelta(days=30)

    def session_expiry(self, started: datetime) -> datetime:
        """When a session started at `started` ends at the latest."""
        return started + self.absolute_ttl

    def token_expiry(self, issued: datetime, session_expires_at: datetime) -> datetime:
        """When a token issued at `issued` stops working."""
        return min(issued + self.idle_ttl, session_expires_at)


class Outcome(StrEnum):
    """What presenting a stored refresh token leads to."""

    ROTATE = "rotate"  # valid: issue the next token of the family
    REUSED = "reused"  # already rotated: revoke the whole family
    EXPIRED = "expired"
    REVOKED = "revoked"  # the family was ended (logout, revocation, earlier reuse)


@dataclass(frozen=True)
class PresentedToken:
    """The stored facts about a presented token and its family."""

    expires_at: datetime
    rotated_at: datetime | None
    session_revoked_at: datetime | None
    session_expires_at: datetime


def judge(token: PresentedToken, now: datetime) -> Outcome:
    """The outcome of presenting `token` at `now`.

    Reuse is checked before expiry: an old rotated token is evidence of theft whenever it shows
    up, and revoking an already dead family costs nothing.
    """
    if token.session_revoked_at is not None:
        return Outcome.REVOKED
    if token.rotated_at is not None:
        return Outcome.REUSED
    if now >= token.expires_at or now >= token.session_expires_at:
        return Outcome.EXPIRED
    return Outcome.ROTATE
