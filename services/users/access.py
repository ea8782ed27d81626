"""Row-level rules of the users service: whose data a caller may see or change. Pure.

The kit's RBAC interceptor already checked the method against `permissions.yaml`; these rules
add what the matrix cannot know (a person may read themselves; staff may read anyone). Staff
rights count only for approved accounts: an invited manager still waiting for approval acts as
an ordinary person.
"""

from __future__ import annotations

from collections.abc import Iterable

from services.kit.context import Caller
from services.kit.errors import PermissionDenied, Unauthenticated
from services.users.roles import ADMIN, APPROVED, MANAGER, STAFF_MANAGEMENT, effective_roles


def actor_of(caller: Caller) -> str:
    """Who to record in the audit trail: the person, else the calling service."""
    return caller.user_id or caller.workload or "anonymous"


def person_id(caller: Caller) -> str:
    """The signed-in person behind a call (methods about "me")."""
    if caller.user_id is None:
        raise Unauthenticated("sign in first: this call is about you, and you are not signed in")
    return caller.user_id


def has_right(caller: Caller, role: str) -> bool:
    """Whether an approved caller holds `role` (or a role that implies it)."""
    return caller.status == APPROVED and role in effective_roles(caller.roles)


def require_self_or_staff(caller: Caller, user_id: str) -> None:
    """A person may see themselves; approved managers and admins may see anyone."""
    if caller.user_id == user_id or has_right(caller, MANAGER):
        return
    raise PermissionDenied("NOT_YOUR_PROFILE", "you may only see your own profile")


def require_self_or_admin(caller: Caller, user_id: str) -> None:
    """Exports and erasure: the person themselves, or an approved admin."""
    if caller.user_id == user_id or has_right(caller, ADMIN):
        return
    raise PermissionDenied(
        "NOT_YOUR_DATA", "only the person themselves or an admin may export or erase their data"
    )


def require_may_manage(caller: Caller, target_id: str, target_roles: Iterable[str]) -> None:
    """Account decisions (approve, block, roles): never about oneself, and accounts holding a
    staff-management role are managed by admins only."""
    if caller.user_id == target_id:
        raise PermissionDenied("SELF_MANAGEMENT", "you cannot decide about your own account")
    if set(target_roles) & STAFF_MANAGEMENT and not has_right(caller, ADMIN):
        raise PermissionDenied(
            "ADMIN_REQUIRED", "only an admin may decide about a manager's or admin's account"
        )
