"""Roles, specialisations and the account status of a person: the rules, with no I/O.

- A person holds one or more roles and acts in one of them (the *active* role); the last role
  cannot be removed, and the active role must be one the person holds.
- `admin` includes `manager`: an admin may act as a manager without holding it explicitly.
- Only admins hand out the staff-management roles (manager, admin); managers may grant the rest.
- Account status: `pending` → `approved` ↔ `blocked`. Blocking needs a reason (the person is
  told it); approving and unblocking may carry one. A pending sign-up can be blocked outright.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.kit.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from services.kit.vocabulary import SPECIALISATIONS as SPECIALISATIONS
from services.kit.vocabulary import UNIVERSAL as UNIVERSAL

APPLICANT = "applicant"
EXECUTOR = "executor"
MANAGER = "manager"
INSPECTOR = "inspector"
ADMIN = "admin"
# The most capable first: after losing the active role a person lands in the best one left.
ROLES = (ADMIN, MANAGER, INSPECTOR, EXECUTOR, APPLICANT)
STAFF_MANAGEMENT = frozenset({MANAGER, ADMIN})
# Roles that bring others with them (the held role ⊇ the implied ones).
IMPLIED: dict[str, frozenset[str]] = {ADMIN: frozenset({MANAGER})}


PENDING = "pending"
APPROVED = "approved"
BLOCKED = "blocked"
STATUSES = (PENDING, APPROVED, BLOCKED)
REASON_MAX = 500


def check_role(role: str, *, field: str = "role") -> str:
    """`role` if it is one of ours, else InvalidArgument."""
    if role not in ROLES:
        raise InvalidArgument.field(field, f"must be one of {', '.join(ROLES)}")
    return role


def effective_roles(roles: Iterable[str]) -> frozenset[str]:
    """The roles held plus those they imply (what permission checks should see)."""
    held = frozenset(roles)
    implied = (IMPLIED.get(role, frozenset()) for role in held)
    return held.union(*implied)


def holders_of(roles: Iterable[str]) -> frozenset[str]:
    """The roles whose holders count as holding one of `roles`: the roles themselves and those
    implying them (asking for managers finds admins too)."""
    wanted = frozenset(roles)
    return wanted.union(held for held, implied in IMPLIED.items() if implied & wanted)


def may_grant(actor_roles: Iterable[str], role: str) -> bool:
    """Whether someone with `actor_roles` may give or take `role` (also by invite)."""
    actor = effective_roles(actor_roles)
    if role in STAFF_MANAGEMENT:
        return ADMIN in actor
    return MANAGER in actor


def require_may_grant(actor_roles: Iterable[str], role: str) -> None:
    """PermissionDenied unless `may_grant`."""
    if not may_grant(actor_roles, role):
        raise PermissionDenied(
            "ROLE_GRANT_NOT_ALLOWED", f"only an admin may give or take the {role} role"
        )


@dataclass(frozen=True)
class RoleSet:
    """The roles a person holds (canonical order) and the one they act in."""

    roles: tuple[str, ...]
    active: str

    @classmethod
    def of(cls, roles: Iterable[str], active: str | None = None) -> RoleSet:
        """A valid role set; `active` defaults to the most capable role held."""
        held = _canonical(roles)
        if not held:
            raise InvalidArgument.field("roles", "a person needs at least one role")
        chosen = active or held[0]
        if chosen not in effective_roles(held):
            raise FailedPrecondition(
                "ROLE_NOT_HELD", f"cannot act as {chosen}: the role is not held"
            )
        return cls(held, chosen)

    def add(self, role: str) -> RoleSet:
        """With `role` added (no change if already held)."""
        check_role(role)
        return RoleSet(_canonical((*self.roles, role)), self.active)

    def remove(self, role: str) -> RoleSet:
        """Without `role`. The last role stays; losing the active role moves to the best left."""
        check_role(role)
        if role not in self.roles:
            return self
        left = tuple(r for r in self.roles if r != role)
        if not left:
            raise FailedPrecondition(
                "LAST_ROLE", f"{role} is the person's only role; add another one first"
            )
        active = self.active if self.active in effective_roles(left) else left[0]
        return RoleSet(left, active)

    def activate(self, role: str) -> RoleSet:
        """Acting as `role`, which must be held (or implied by one held)."""
        check_role(role)
        if role not in effective_roles(self.roles):
            raise FailedPrecondition("ROLE_NOT_HELD", f"cannot act as {role}: the role is not held")
        return RoleSet(self.roles, role)


def _canonical(roles: Iterable[str]) -> tuple[str, ...]:
    wanted = {check_role(role, field="roles") for role in roles}
    return tuple(role for role in ROLES if role in wanted)


# Specialisations ----------------------------------------------------------------------------


def normalize_specialisations(
    values: Iterable[str], *, field: str = "specialisations"
) -> tuple[str, ...]:
    """Known specialisations in canonical order, without repeats; `universal` absorbs the rest."""
    wanted = set(values)
    unknown = wanted - set(SPECIALISATIONS) - {UNIVERSAL}
    if unknown:
        raise InvalidArgument.field(
            field,
            f"unknown {', '.join(sorted(unknown))}; "
            f"use {', '.join(SPECIALISATIONS)} or {UNIVERSAL}",
        )
    if UNIVERSAL in wanted:
        return (UNIVERSAL,)
    return tuple(s for s in SPECIALISATIONS if s in wanted)


def qualifies(held: Iterable[str], needed: str) -> bool:
    """Whether an executor holding `held` may do work of specialisation `needed`."""
    skills = set(held)
    return UNIVERSAL in skills or needed in skills


# Account status -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusChange:
    """A decided change of account status, ready to store and audit."""

    action: str  # approve | block | unblock
    before: str
    after: str
    reason: str


_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({PENDING}), APPROVED),
    "block": (frozenset({PENDING, APPROVED}), BLOCKED),
    "unblock": (frozenset({BLOCKED}), APPROVED),
}


def change_status(current: str, action: str, reason: str = "") -> StatusChange:
    """Apply `action` to an account in status `current`, or FailedPrecondition saying why not."""
    allowed_from, target = _TRANSITIONS[action]
    cleaned = clean_reason(reason, required=action == "block")
    if current not in allowed_from:
        raise FailedPrecondition(
            "STATUS_TRANSITION_NOT_ALLOWED",
            f"cannot {action} an account that is {current}",
            {"status": current, "action": action},
        )
    return StatusChange(action=action, before=current, after=target, reason=cleaned)


def clean_reason(reason: str, *, required: bool, field: str = "reason") -> str:
    """A decision's reason, trimmed; InvalidArgument if required and empty, or too long."""
    cleaned = reason.strip()
    if required and not cleaned:
        raise InvalidArgument.field(field, "is required: say why, the person will be told")
    if len(cleaned) > REASON_MAX:
        raise InvalidArgument.field(field, f"must have at most {REASON_MAX} characters")
    return cleaned


def may_act(status: str) -> bool:
    """Only approved people act; pending ones wait, blocked ones get a polite refusal."""
    return status == APPROVED
