"""Calls made for one person: their token on every call, renewed once when it is refused."""

from __future__ import annotations

from typing import TypeVar

from google.protobuf.message import Message

from bot.mesh.calls import Rpc
from bot.mesh.errors import SignedOut
from bot.mesh.sessions import Sessions, TelegramUser, Token

__all__ = ["Acting"]

M = TypeVar("M", bound=Message)


class Acting:
    """`unary` as the person `who` (authorization: Bearer <their token>).

    One lives for one update: the token is looked up once and reused by its calls.
    """

    def __init__(self, rpc: Rpc, sessions: Sessions, who: TelegramUser) -> None:
        self.rpc = rpc
        self.sessions = sessions
        self.who = who
        self._token: Token | None = None

    async def token(self, *, fresh: bool = False) -> Token:
        """The person's current token (see `Sessions.token`)."""
        if fresh or self._token is None:
            self._token = await self.sessions.token(self.who, fresh=fresh)
        return self._token

    async def unary(self, path: str, request: Message, response_type: type[M]) -> M:
        """Call `path` as the person; a token the services refuse is replaced once."""
        token = await self.token()
        try:
            return await self.rpc.unary(path, request, response_type, metadata=token.metadata)
        except SignedOut:
            # Expired early, signing key rotated, or revoked: one fresh token, one more try.
            token = await self.token(fresh=True)
            return await self.rpc.unary(path, request, response_type, metadata=token.metadata)
