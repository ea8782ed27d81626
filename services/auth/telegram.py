"""TelegramSession: the bot vouches for a Telegram user and receives a token to act for them.

Only the bot's workload identity may call it (the permission matrix says so; the mTLS
certificate proves it). The token is sessionless (no refresh token: the bot simply asks again
when it expires) and carries `amr: ["telegram"]`. Staff are not asked for TOTP here: the
Telegram account on the person's phone is the possession factor, and the bot holds no password.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.auth import audit
from services.auth.deps import AuthDeps
from services.auth.issuing import AccessToken, Origin

TELEGRAM = ("telegram",)


@dataclass(frozen=True)
class TelegramSession:
    """The person behind a Telegram account and a token to act for them."""

    user_id: str
    access: AccessToken
    created: bool


class TelegramFlow:
    """TelegramSession."""

    def __init__(self, deps: AuthDeps) -> None:
        self.deps = deps

    async def session(
        self,
        *,
        telegram_user_id: int,
        first_name: str,
        last_name: str,
        language_code: str,
        origin: Origin,
    ) -> TelegramSession:
        """The user (created on first contact as a pending applicant) and an access token."""
        deps = self.deps
        full_name = " ".join(part.strip() for part in (first_name, last_name) if part.strip())
        principal, created = await deps.users.ensure_telegram_user(
            telegram_user_id=telegram_user_id, full_name=full_name, language_code=language_code
        )
        now = deps.clock()
        # Before anything is recorded: blocked people get the refusal and no token.
        access = await deps.minter.access(principal, amr=TELEGRAM, sid=None, now=now)
        async with deps.sessions.begin() as session:
            # INFO, not SUCCESS: bot sessions must not clear a password guesser's failure count.
            entry = audit.Entry(
                audit.Kind.TELEGRAM_SESSION,
                user_id=principal.user_id,
                client_ip=origin.client_ip,
                detail="first contact: user created" if created else "token issued",
            )
            await audit.record(session, entry, now)
        return TelegramSession(principal.user_id, access, created)
