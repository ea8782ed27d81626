"""Who a token speaks for, as the users service describes them, and the rules that turn that
into token claims (pure; `users_client` fetches principals).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from services.auth.signing import AccessClaims
from services.kit.errors import PermissionDenied

BLOCKED = "blocked"


@dataclass(frozen=True)
class Principal:
    """A person's identity, roles and account status (the users service is the source)."""

    user_id: str
    roles: tuple[str, ...]
    active_role: str
    status: str
    language: str = "ru"

    def requires_mfa(self, mfa_roles: Collection[str]) -> bool:
        """Whether signing in with a password needs a second factor (staff accounts)."""
        return any(role in mfa_roles for role in self.roles)


def refuse_blocked(principal: Principal) -> None:
    """Blocked people get a polite refusal and no tokens (DOMAIN.md)."""
    if principal.status == BLOCKED:
        raise PermissionDenied(
            "ACCOUNT_BLOCKED",
            "this account is blocked; please contact the management company",
        )


def claims_for(principal: Principal, *, amr: tuple[str, ...], sid: str | None) -> AccessClaims:
    """The access-token claims for `principal`, refusing blocked accounts."""
    refuse_blocked(principal)
    if not principal.roles:
        # The users service never leaves a person without a role; refuse rather than guess.
        raise PermissionDenied("NO_ROLE", "this account has no role yet")
    active = principal.active_role if principal.active_role in principal.roles else ""
    return AccessClaims(
        sub=principal.user_id,
        roles=principal.roles,
        role=active or principal.roles[0],
        status=principal.status,
        amr=amr,
        sid=sid,
    )
