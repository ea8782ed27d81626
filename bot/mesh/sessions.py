"""Access tokens for the people behind Telegram accounts, from `AuthService/TelegramSession`.

Only the bot's certificate may ask for them. A token is kept in Redis (shared by every bot
replica) until shortly before it expires, then fetched again; `fresh=True` replaces it at once
(after an UNAUTHENTICATED answer, or when the person's roles or status changed since it was
issued — the token carries them, so the services would go on seeing the old ones).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from ukm.auth.v1 import auth_service_pb2 as auth_pb

from bot.mesh.calls import Rpc

__all__ = ["Sessions", "TelegramUser", "Token"]

_TELEGRAM_SESSION = "/ukm.auth.v1.AuthService/TelegramSession"


@dataclass(frozen=True)
class TelegramUser:
    """Who wrote to the bot, as Telegram says (names only for a new account's profile)."""

    id: int
    first_name: str = ""
    last_name: str = ""
    language_code: str = ""


@dataclass(frozen=True)
class Token:
    """An access token for one person, and what it says about them."""

    user_id: str
    access_token: str
    expires_at: float
    roles: tuple[str, ...]
    role: str
    status: str

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        """Call metadata acting for the person."""
        return (("authorization", f"Bearer {self.access_token}"),)


def read_claims(access_token: str) -> dict[str, Any]:
    """The payload of a token the auth service just handed us over mTLS.

    Not verified here (every service verifies it on every call); the bot only reads which roles
    and status it carries, to notice when they no longer match the person.
    """
    try:
        payload = access_token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


class Sessions:
    """Tokens per Telegram user: cached in Redis, refreshed before they expire."""

    def __init__(
        self,
        rpc: Rpc,
        redis: Redis,
        *,
        prefix: str,
        margin: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.rpc = rpc
        self.redis = redis
        self.prefix = f"{prefix}:session:"
        self.margin = margin
        self.clock = clock

    async def token(self, who: TelegramUser, *, fresh: bool = False) -> Token:
        """A valid token for `who` (a new pending applicant is created on first contact).

        Raises `Blocked` for blocked accounts and `ServiceBusy` when auth cannot answer.
        """
        key = self.prefix + str(who.id)
        if not fresh and (cached := await self.redis.get(key)) is not None:
            token = _decode(cached)
            if token is not None and token.expires_at - self.margin > self.clock():
                return token
        answer = await self.rpc.unary(
            _TELEGRAM_SESSION,
            auth_pb.TelegramSessionRequest(
                telegram_user_id=who.id,
                first_name=who.first_name[:128],
                last_name=who.last_name[:128],
                language_code=who.language_code[:16],
            ),
            auth_pb.TelegramSessionResponse,
        )
        claims = read_claims(answer.access_token)
        token = Token(
            user_id=answer.user_id,
            access_token=answer.access_token,
            expires_at=float(answer.access_expires_at.seconds),
            roles=tuple(str(r) for r in claims.get("roles", ())),
            role=str(claims.get("role", "")),
            status=str(claims.get("status", "")),
        )
        keep_ms = int((token.expires_at - self.margin - self.clock()) * 1000)
        if keep_ms > 0:
            await self.redis.set(key, _encode(token), px=keep_ms)
        return token

    async def forget(self, telegram_user_id: int) -> None:
        """Drop the cached token (a blocked account, a token the services refused)."""
        await self.redis.delete(self.prefix + str(telegram_user_id))


def _encode(token: Token) -> str:
    return json.dumps(
        {
            "user_id": token.user_id,
            "access_token": token.access_token,
            "expires_at": token.expires_at,
            "roles": list(token.roles),
            "role": token.role,
            "status": token.status,
        }
    )


def _decode(raw: bytes | str) -> Token | None:
    try:
        data = json.loads(raw)
        return Token(
            user_id=str(data["user_id"]),
            access_token=str(data["access_token"]),
            expires_at=float(data["expires_at"]),
            roles=tuple(str(r) for r in data["roles"]),
            role=str(data["role"]),
            status=str(data["status"]),
        )
    except (ValueError, KeyError, TypeError):
        return None
