"""The step between a first factor and tokens: MFA challenges, shared by every way of signing in.

A first factor (a password, or the word of the sign-in provider) leads to tokens at once, or to
a challenge when a second factor is needed (`second_step`):
- `mfa` for accounts with TOTP: `VerifyMfa` answers it with a TOTP or backup code;
- `enroll` for staff (manager, admin) without TOTP yet: it allows only EnrollTotp/ConfirmTotp
  and yields tokens once TOTP is confirmed, so staff never hold tokens without a second factor.

A challenge remembers its first factor (`method`: "pwd" or "oidc"), so the session it finally
opens is recorded as what it was, and its `amr` names both factors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.auth import audit
from services.auth.deps import AuthDeps
from services.auth.issuing import Origin
from services.auth.session_store import ENROLL, MFA, Challenge
from services.kit.errors import UkmError, Unauthenticated

OTP = "otp"


@dataclass(frozen=True)
class MfaChallenge:
    """What the client passes to the second step."""

    token: str
    expires_at: datetime
    enrollment_required: bool

    def __repr__(self) -> str:
        return f"MfaChallenge(enrollment_required={self.enrollment_required})"


def second_step(*, mfa_enabled: bool, requires_mfa: bool) -> str | None:
    """The challenge purpose a sign-in needs after its first factor, or None for tokens now.

    `mfa_enabled`: the account has an active authenticator; `requires_mfa`: the person's roles
    demand one (staff).
    """
    if mfa_enabled:
        return MFA
    if requires_mfa:
        return ENROLL
    return None


def amr_with_otp(method: str) -> tuple[str, ...]:
    """The `amr` of a session whose first factor was `method` and whose second was a code
    (the method names are the first factor's `amr` values)."""
    return (method, OTP)


def invalid_challenge() -> Unauthenticated:
    """The answer for an unknown, used, expired or exhausted challenge."""
    return Unauthenticated(
        "this sign-in step has expired or was already used; sign in again",
        reason="CHALLENGE_INVALID",
    )


async def issue(
    deps: AuthDeps,
    session: AsyncSession,
    *,
    user_id: str,
    purpose: str,
    method: str,
    origin: Origin,
    now: datetime,
) -> MfaChallenge:
    """A new challenge of `purpose` for a first factor given with `method`."""
    expires_at = now + timedelta(seconds=deps.settings.mfa_challenge_seconds)
    token = await deps.session_store.open_challenge(
        session,
        user_id=user_id,
        purpose=purpose,
        method=method,
        client_ip=origin.client_ip,
        now=now,
        expires_at=expires_at,
    )
    return MfaChallenge(token, expires_at, enrollment_required=purpose == ENROLL)


async def live_challenge(
    deps: AuthDeps, session: AsyncSession, token: str, purpose: str
) -> Challenge:
    """The live challenge of `token` for `purpose` (locked), or CHALLENGE_INVALID."""
    challenge = await deps.session_store.challenge(session, token)
    if (
        challenge is None
        or challenge.purpose != purpose
        or challenge.consumed_at is not None
        or challenge.expires_at <= deps.clock()
        or challenge.failures >= deps.settings.mfa_challenge_attempts
    ):
        raise invalid_challenge()
    return challenge


async def wrong_code(
    deps: AuthDeps, session: AsyncSession, challenge: Challenge, origin: Origin, now: datetime
) -> UkmError:
    """Record a wrong code (it counts against the account) and return the error to answer."""
    await deps.session_store.challenge_failed(session, challenge)
    await deps.lockout.failed(
        session,
        kind=audit.Kind.MFA_FAILED,
        user_id=challenge.user_id,
        client_ip=origin.client_ip,
        now=now,
        detail="wrong or already used code",
    )
    left = deps.settings.mfa_challenge_attempts - challenge.failures - 1
    if left <= 0:
        return invalid_challenge()
    return Unauthenticated(
        f"wrong or already used code; {left} attempt(s) left", reason="MFA_CODE_INVALID"
    )
