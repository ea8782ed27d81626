"""Signing in with e-mail and password, and the second step (TOTP or backup code).

Login:
1. the attempt is judged by the throttle before the password is even looked at (a refused
   attempt is recorded and answered RESOURCE_EXHAUSTED with a retry delay);
2. the password is checked (an unknown e-mail costs the same time and gets the same answer);
3. with a correct password, the users service says who the person is now; blocked accounts are
   refused;
4. the account gets tokens, or the challenge `challenges.second_step` asks for (an `mfa` one
   for accounts with TOTP, an `enroll` one for staff without it).

VerifyMfa answers an `mfa` challenge, whichever first factor opened it (a password here, or a
sign-in provider in `oidc_login`).

A correct password that leads to a challenge does not clear the failure count: only a completed
sign-in does, so knowing the password does not buy unlimited guesses at the code.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.auth import audit, backup_codes, totp
from services.auth.account_store import Account, normalise_email
from services.auth.challenges import (
    MfaChallenge,
    amr_with_otp,
    issue,
    live_challenge,
    second_step,
    wrong_code,
)
from services.auth.deps import AuthDeps
from services.auth.issuing import Origin, TokenPair
from services.auth.principals import BLOCKED, refuse_blocked
from services.auth.session_store import ENROLL, MFA
from services.kit.errors import ResourceExhausted, UkmError, Unauthenticated

METHOD = "pwd"
PASSWORD = (METHOD,)


def bad_credentials() -> Unauthenticated:
    """The one answer for an unknown e-mail and a wrong password alike."""
    return Unauthenticated("wrong e-mail or password", reason="BAD_CREDENTIALS")


class LoginFlow:
    """Login and VerifyMfa."""

    def __init__(self, deps: AuthDeps) -> None:
        self.deps = deps

    async def login(self, email: str, password: str, origin: Origin) -> TokenPair | MfaChallenge:
        """Tokens, or the challenge that stands between a correct password and tokens."""
        deps = self.deps
        account = await self._check_password(email, password, origin)
        principal = await deps.users.get_principal(account.user_id)
        if principal.status == BLOCKED:
            async with deps.sessions.begin() as session:
                entry = audit.Entry(
                    audit.Kind.LOGIN_FAILED,
                    user_id=account.user_id,
                    client_ip=origin.client_ip,
                    detail="correct password, but the account is blocked",
                )
                await audit.record(session, entry, deps.clock())
            refuse_blocked(principal)
        purpose = second_step(
            mfa_enabled=account.mfa_enabled,
            requires_mfa=principal.requires_mfa(deps.settings.mfa_required_roles),
        )
        async with deps.sessions.begin() as session:
            now = deps.clock()
            if purpose is not None:
                challenge = await issue(
                    deps,
                    session,
                    user_id=account.user_id,
                    purpose=purpose,
                    method=METHOD,
                    origin=origin,
                    now=now,
                )
                step = "TOTP enrolment" if purpose == ENROLL else "second factor"
                entry = audit.Entry(
                    audit.Kind.LOGIN_SUCCEEDED,
                    user_id=account.user_id,
                    client_ip=origin.client_ip,
                    detail=f"password accepted; {step} required",
                )
                await audit.record(session, entry, now)
                return challenge
            pair = await deps.minter.open_session(
                session, principal, method=METHOD, amr=PASSWORD, origin=origin, now=now
            )
            entry = audit.Entry(
                audit.Kind.LOGIN_SUCCEEDED,
                audit.Outcome.SUCCESS,
                account.user_id,
                origin.client_ip,
                "password",
            )
            await audit.record(session, entry, now)
            return pair

    async def _check_password(self, email: str, password: str, origin: Origin) -> Account:
        """The account if `password` is its password; raises the throttle's or BAD_CREDENTIALS."""
        deps = self.deps
        async with deps.gate.hold(normalise_email(email)):
            refusal: ResourceExhausted | None = None
            async with deps.sessions.begin() as session:
                now = deps.clock()
                account = await deps.accounts.find_by_email(session, email)
                user_id = account.user_id if account else None
                verdict = await deps.lockout.judge(
                    session, user_id=user_id, client_ip=origin.client_ip, now=now
                )
                if not verdict.allowed:
                    refusal = await deps.lockout.refuse(
                        session, verdict, user_id=user_id, client_ip=origin.client_ip, now=now
                    )
            if refusal is not None:
                raise refusal
            stored = account.password_hash if account else None
            if not await deps.verify_password(stored, password):
                async with deps.sessions.begin() as session:
                    await deps.lockout.failed(
                        session,
                        kind=audit.Kind.LOGIN_FAILED,
                        user_id=user_id,
                        client_ip=origin.client_ip,
                        now=deps.clock(),
                        detail="wrong password" if account else "unknown e-mail",
                    )
                raise bad_credentials()
        assert account is not None
        await self._maintain(account, password)
        return account

    async def _maintain(self, account: Account, password: str) -> None:
        """Upgrade a hash made with weaker parameters (only possible while we hold the
        password, i.e. right after it was verified)."""
        deps = self.deps
        if deps.hasher.needs_rehash(account.password_hash):
            new_hash = await deps.hash_password(password)
            async with deps.sessions.begin() as session:
                await deps.accounts.rehash(session, account.user_id, new_hash)

    async def verify_mfa(
        self, challenge_token: str, *, totp_code: str, backup_code: str, origin: Origin
    ) -> TokenPair:
        """Tokens for a sign-in whose challenge is answered with a TOTP or backup code."""
        deps = self.deps
        async with deps.sessions.begin() as session:
            challenge = await live_challenge(deps, session, challenge_token, MFA)
            # The account row lock serialises attempts on one account (across replicas too),
            # so the throttle judges each attempt after the previous one was recorded.
            account = await deps.accounts.get(session, challenge.user_id, lock=True)
            now = deps.clock()
            verdict = await deps.lockout.judge(
                session, user_id=challenge.user_id, client_ip=origin.client_ip, now=now
            )
            if not verdict.allowed:
                failure: UkmError = await deps.lockout.refuse(
                    session, verdict, user_id=challenge.user_id, client_ip=origin.client_ip, now=now
                )
            elif account is not None and await self._spend_code(
                session, account, totp_code, backup_code, origin, now
            ):
                principal = await deps.users.get_principal(challenge.user_id)
                await deps.session_store.consume_challenge(session, challenge, now)
                pair = await deps.minter.open_session(
                    session,
                    principal,
                    method=challenge.method,
                    amr=amr_with_otp(challenge.method),
                    origin=origin,
                    now=now,
                )
                detail = "backup code" if backup_code else "authenticator code"
                entry = audit.Entry(
                    audit.Kind.MFA_SUCCEEDED,
                    audit.Outcome.SUCCESS,
                    challenge.user_id,
                    origin.client_ip,
                    detail,
                )
                await audit.record(session, entry, now)
                return pair
            else:
                failure = await wrong_code(deps, session, challenge, origin, now)
        # Outside the transaction: the failure's records are committed, then it is answered.
        raise failure

    async def _spend_code(
        self,
        session: AsyncSession,
        account: Account,
        totp_code: str,
        backup_code: str,
        origin: Origin,
        now: datetime,
    ) -> bool:
        """Whether the code is right; if so it is spent (TOTP step or backup code)."""
        accounts = self.deps.accounts
        if totp_code and account.totp_secret is not None:
            step = totp.verify(
                account.totp_secret, totp_code, now, last_used_step=account.totp_last_step
            )
            if step is None:
                return False
            await accounts.spend_totp_step(session, account.user_id, step)
            return True
        if backup_code:
            index = backup_codes.match(backup_code, account.backup_code_hashes)
            if index is None:
                return False
            await accounts.spend_backup_code(
                session, account.user_id, account.backup_code_hashes[index]
            )
            left = len(account.backup_code_hashes) - 1
            entry = audit.Entry(
                audit.Kind.BACKUP_CODE_USED,
                user_id=account.user_id,
                client_ip=origin.client_ip,
                detail=f"{left} left",
            )
            await audit.record(session, entry, now)
            return True
        return False
