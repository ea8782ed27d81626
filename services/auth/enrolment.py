"""Enrolling TOTP: a new secret, confirmed by a first code, which also yields the backup codes.

Two ways in (the contract's `EnrollTotp`/`ConfirmTotp` are public methods for that reason):
- a signed-in person (access token) enrols an authenticator; replacing an active one needs a
  session that itself passed the second factor (its token's `amr` has "otp") and is still open,
  so a stolen password-only session, or one its owner already ended, cannot swap the owner's
  authenticator (and backup codes) for the thief's;
- a manager or admin without TOTP yet, whose password (Login) or sign-in provider
  (FinishOidcLogin) was accepted, holds an `enroll` challenge; confirming then also completes
  that sign-in and returns tokens, so staff never hold tokens without a second factor.

A wrong confirmation code counts as a failed attempt for the throttle, like any wrong code.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.auth import audit, backup_codes, totp
from services.auth.account_store import Account
from services.auth.challenges import OTP, amr_with_otp, live_challenge, wrong_code
from services.auth.deps import AuthDeps
from services.auth.issuing import Origin, TokenPair
from services.auth.session_store import ENROLL
from services.kit.context import Caller
from services.kit.errors import (
    FailedPrecondition,
    InvalidArgument,
    PermissionDenied,
    UkmError,
    Unauthenticated,
)


@dataclass(frozen=True)
class Enrolment:
    """The secret to put into an authenticator app (shown once)."""

    secret: str
    provisioning_uri: str

    def __repr__(self) -> str:
        return "Enrolment(...)"


@dataclass(frozen=True)
class Confirmation:
    """Backup codes (shown once) and, when a login challenge was completed, its tokens."""

    backup_codes: list[str]
    tokens: TokenPair | None

    def __repr__(self) -> str:
        return f"Confirmation(tokens={self.tokens is not None})"


def no_password_account() -> FailedPrecondition:
    """TOTP protects password sign-ins; Telegram/OIDC-only people have nothing to protect."""
    return FailedPrecondition(
        "NO_PASSWORD_ACCOUNT",
        "two-factor sign-in protects e-mail and password sign-in; this account has no password",
    )


class EnrolmentFlow:
    """EnrollTotp and ConfirmTotp."""

    def __init__(self, deps: AuthDeps) -> None:
        self.deps = deps

    async def enroll(self, caller: Caller, challenge_token: str) -> Enrolment:
        """A new pending secret for the caller (signed in) or the challenge's account."""
        deps = self.deps
        async with deps.sessions.begin() as session:
            if challenge_token:
                user_id = (await live_challenge(deps, session, challenge_token, ENROLL)).user_id
            elif caller.user_id is not None:
                user_id = caller.user_id
            else:
                raise _who()
            account = await deps.accounts.get(session, user_id, lock=True)
            if account is None:
                raise no_password_account()
            if not challenge_token:
                await self._may_replace(session, caller, account)
            secret = totp.generate_secret()
            await deps.accounts.start_totp(session, user_id, secret)
            return Enrolment(secret, totp.provisioning_uri(secret, account.email))

    async def confirm(
        self, caller: Caller, challenge_token: str, code: str, origin: Origin
    ) -> Confirmation:
        """Activate the pending secret with its first code; new backup codes; maybe tokens."""
        deps = self.deps
        async with deps.sessions.begin() as session:
            challenge = None
            if challenge_token:
                challenge = await live_challenge(deps, session, challenge_token, ENROLL)
                user_id = challenge.user_id
            elif caller.user_id is not None:
                user_id = caller.user_id
            else:
                raise _who()
            account = await deps.accounts.get(session, user_id, lock=True)
            if account is None:
                raise no_password_account()
            if challenge is None:
                await self._may_replace(session, caller, account)
            if account.totp_pending is None:
                raise FailedPrecondition(
                    "TOTP_NOT_ENROLLING", "start with EnrollTotp, then confirm its first code"
                )
            now = deps.clock()
            verdict = await deps.lockout.judge(
                session, user_id=user_id, client_ip=origin.client_ip, now=now
            )
            failure: UkmError
            if not verdict.allowed:
                failure = await deps.lockout.refuse(
                    session, verdict, user_id=user_id, client_ip=origin.client_ip, now=now
                )
            elif (step := totp.verify(account.totp_pending, code, now)) is not None:
                codes = await self._activate(session, account, step, origin)
                tokens = None
                if challenge is not None:
                    principal = await deps.users.get_principal(user_id)
                    await deps.session_store.consume_challenge(session, challenge, now)
                    tokens = await deps.minter.open_session(
                        session,
                        principal,
                        method=challenge.method,
                        amr=amr_with_otp(challenge.method),
                        origin=origin,
                        now=now,
                    )
                    entry = audit.Entry(
                        audit.Kind.LOGIN_SUCCEEDED,
                        audit.Outcome.SUCCESS,
                        user_id,
                        origin.client_ip,
                        f"{_FIRST_FACTOR[challenge.method]} and a newly enrolled authenticator",
                    )
                    await audit.record(session, entry, now)
                return Confirmation(codes, tokens)
            elif challenge is not None:
                failure = await wrong_code(deps, session, challenge, origin, now)
            else:
                await deps.lockout.failed(
                    session,
                    kind=audit.Kind.MFA_FAILED,
                    user_id=user_id,
                    client_ip=origin.client_ip,
                    now=now,
                    detail="wrong code while confirming TOTP enrolment",
                )
                failure = InvalidArgument.field(
                    "totp_code", "is not the current code of the new authenticator entry"
                )
        raise failure

    async def _may_replace(self, session: AsyncSession, caller: Caller, account: Account) -> None:
        """Refuse to touch an active authenticator from a session that did not pass it."""
        if not account.mfa_enabled:
            return
        # The token's `amr` is the session's (we signed it); the row is still read because an
        # ended session's access tokens stay valid until they expire.
        if OTP not in caller.amr or not await self.deps.session_store.is_open(
            session, caller.session_id, account.user_id, self.deps.clock()
        ):
            raise PermissionDenied(
                "MFA_SESSION_REQUIRED",
                "replacing the authenticator needs a session signed in with its code; "
                "sign in again with your current code or a backup code",
            )

    async def _activate(
        self, session: AsyncSession, account: Account, step: int, origin: Origin
    ) -> list[str]:
        """Make the pending secret active with fresh backup codes; the codes in clear."""
        assert account.totp_pending is not None
        deps = self.deps
        now = deps.clock()
        codes = backup_codes.generate_codes()
        await deps.accounts.activate_totp(
            session,
            account.user_id,
            secret=account.totp_pending,
            step=step,
            backup_code_hashes=[backup_codes.hash_code(c) for c in codes],
            now=now,
        )
        replaced = "replaced the previous authenticator" if account.mfa_enabled else "first"
        entry = audit.Entry(
            audit.Kind.MFA_ENROLLED,
            user_id=account.user_id,
            client_ip=origin.client_ip,
            detail=f"TOTP confirmed ({replaced}); 10 new backup codes",
        )
        await audit.record(session, entry, now)
        return codes


# How the audit log names a challenge's first factor.
_FIRST_FACTOR = {"pwd": "password", "oidc": "sign-in provider"}


def _who() -> Unauthenticated:
    return Unauthenticated(
        "sign in first, or pass the challenge_token from Login", reason="UNAUTHENTICATED"
    )
