"""Register, ChangePassword, RequestPasswordReset and ResetPassword.

Password rules are checked before any hashing (cheap refusals first); hashing runs off the event
loop and outside transactions (no connection is held for its tens of milliseconds).

Reset tokens are 256-bit random, stored hashed, single use and valid for 30 minutes; using one
spends every outstanding token of the account and ends all its sessions. Asking for a reset
answers the same whether the e-mail has an account or not, and at most a few links per hour are
sent to one account (no mail bombing through us).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.auth import audit, events
from services.auth.account_store import normalise_email
from services.auth.deps import AuthDeps
from services.auth.issuing import Origin
from services.auth.refresh_tokens import new_token, token_hash
from services.kit.context import Caller
from services.kit.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    ResourceExhausted,
    Unauthenticated,
)

LANGUAGES = ("ru", "uz", "en")


def email_taken() -> AlreadyExists:
    """Registering an address that already has an account."""
    return AlreadyExists("an account with this e-mail exists; sign in or reset its password")


class PasswordFlows:
    """Registration and everything that changes a password."""

    def __init__(self, deps: AuthDeps) -> None:
        self.deps = deps

    async def register(
        self, *, email: str, password: str, full_name: str, language: str, origin: Origin
    ) -> str:
        """A new pending applicant with a password account; their user id."""
        deps = self.deps
        email = normalise_email(email)
        deps.policy.check(password, email=email)
        async with deps.sessions.begin() as session:
            if await deps.accounts.find_by_email(session, email) is not None:
                raise email_taken()
        password_hash = await deps.hash_password(password)
        language = language if language in LANGUAGES else "ru"
        principal = await deps.users.create_user(
            full_name=full_name.strip(), email=email, language=language
        )
        try:
            async with deps.sessions.begin() as session:
                now = deps.clock()
                await deps.accounts.create(
                    session,
                    user_id=principal.user_id,
                    email=email,
                    password_hash=password_hash,
                    language=language,
                    now=now,
                )
                entry = audit.Entry(
                    audit.Kind.REGISTERED,
                    user_id=principal.user_id,
                    client_ip=origin.client_ip,
                    detail="e-mail and password",
                )
                await audit.record(session, entry, now)
        except IntegrityError:
            # A concurrent registration of the same address won the race.
            raise email_taken() from None
        return principal.user_id

    async def change(self, caller: Caller, *, current: str, new: str, origin: Origin) -> None:
        """Replace the caller's password; their other sessions end."""
        deps = self.deps
        if caller.user_id is None:
            raise Unauthenticated("sign in first")
        user_id = caller.user_id
        async with deps.gate.hold(user_id):
            refusal: ResourceExhausted | None = None
            async with deps.sessions.begin() as session:
                account = await deps.accounts.get(session, user_id)
                if account is None:
                    raise FailedPrecondition(
                        "NO_PASSWORD_ACCOUNT", "this account signs in without a password"
                    )
                now = deps.clock()
                verdict = await deps.lockout.judge(
                    session, user_id=user_id, client_ip=origin.client_ip, now=now
                )
                if not verdict.allowed:
                    refusal = await deps.lockout.refuse(
                        session, verdict, user_id=user_id, client_ip=origin.client_ip, now=now
                    )
            if refusal is not None:
                raise refusal
            deps.policy.check(new, email=account.email, field="new_password")
            if new == current:
                raise InvalidArgument.field("new_password", "must differ from the current one")
            if not await deps.verify_password(account.password_hash, current):
                async with deps.sessions.begin() as session:
                    await deps.lockout.failed(
                        session,
                        kind=audit.Kind.LOGIN_FAILED,
                        user_id=user_id,
                        client_ip=origin.client_ip,
                        now=deps.clock(),
                        detail="wrong current password when changing it",
                    )
                raise InvalidArgument.field("current_password", "is not your current password")
        new_hash = await deps.hash_password(new)
        async with deps.sessions.begin() as session:
            now = deps.clock()
            await deps.accounts.set_password(session, user_id, new_hash, now)
            await deps.accounts.use_resets(session, user_id, now)
            ended = await deps.session_store.revoke_all(
                session, user_id, reason="password changed", now=now, keep=caller.session_id
            )
            entry = audit.Entry(
                audit.Kind.PASSWORD_CHANGED,
                audit.Outcome.SUCCESS,
                user_id,
                origin.client_ip,
                f"{ended} other session(s) ended",
            )
            await audit.record(session, entry, now)

    async def request_reset(self, email: str, origin: Origin) -> None:
        """Send a reset link if `email` has an account (the caller learns nothing either way)."""
        deps = self.deps
        settings = deps.settings
        async with deps.sessions.begin() as session:
            now = deps.clock()
            account = await deps.accounts.find_by_email(session, email)
            if account is None:
                entry = audit.Entry(
                    audit.Kind.PASSWORD_RESET_REQUESTED,
                    client_ip=origin.client_ip,
                    detail="no account has this e-mail; nothing sent",
                )
                await audit.record(session, entry, now)
                return
            recent = await deps.accounts.resets_since(
                session, account.user_id, now - timedelta(hours=1)
            )
            if recent >= settings.reset_requests_per_hour:
                entry = audit.Entry(
                    audit.Kind.PASSWORD_RESET_REQUESTED,
                    user_id=account.user_id,
                    client_ip=origin.client_ip,
                    detail=f"{recent} requests in the last hour; nothing sent",
                )
                await audit.record(session, entry, now)
                return
            token = new_token()
            expires_at = now + timedelta(seconds=settings.reset_token_seconds)
            await deps.accounts.add_reset(
                session,
                user_id=account.user_id,
                token_hash=token_hash(token),
                now=now,
                expires_at=expires_at,
            )
            message = events.password_reset_requested(
                user_id=account.user_id,
                email=account.email,
                token=token,
                expires_at=expires_at,
                language=account.language,
            )
            await events.publish(session, message, aggregate_id=account.user_id)
            entry = audit.Entry(
                audit.Kind.PASSWORD_RESET_REQUESTED,
                user_id=account.user_id,
                client_ip=origin.client_ip,
                detail="reset link sent",
            )
            await audit.record(session, entry, now)

    async def reset(self, token: str, new: str, origin: Origin) -> None:
        """Set a new password with a reset token; every session of the account ends."""
        deps = self.deps
        digest = token_hash(token)
        async with deps.sessions.begin() as session:
            user_id = await self._live_reset(session, digest)
            account = await deps.accounts.get(session, user_id)
        if account is None:
            raise _invalid_reset()
        deps.policy.check(new, email=account.email, field="new_password")
        new_hash = await deps.hash_password(new)
        async with deps.sessions.begin() as session:
            # Again, locked: a concurrent use of the same token must find it spent.
            await self._live_reset(session, digest, lock=True)
            now = deps.clock()
            await deps.accounts.set_password(session, user_id, new_hash, now)
            await deps.accounts.use_resets(session, user_id, now)
            ended = await deps.session_store.revoke_all(
                session, user_id, reason="password reset", now=now
            )
            # A reset proves control of the mailbox: it also clears the failure count.
            entry = audit.Entry(
                audit.Kind.PASSWORD_RESET,
                audit.Outcome.SUCCESS,
                user_id,
                origin.client_ip,
                f"{ended} session(s) ended",
            )
            await audit.record(session, entry, now)

    async def _live_reset(self, session: AsyncSession, digest: str, *, lock: bool = False) -> str:
        """The user of an unused, unexpired reset token, or the refusal."""
        row = await self.deps.accounts.find_reset(session, digest, lock=lock)
        if row is None or row["used_at"] is not None:
            raise _invalid_reset()
        if row["expires_at"] <= self.deps.clock():
            raise FailedPrecondition(
                "RESET_TOKEN_EXPIRED", "this reset link has expired; request a new one"
            )
        return str(row["user_id"])


def _invalid_reset() -> FailedPrecondition:
    return FailedPrecondition(
        "RESET_TOKEN_INVALID", "this reset link is not valid or was already used; request a new one"
    )
