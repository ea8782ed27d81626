"""Who may file which request and who may see one (DOMAIN.md), with no I/O.

The permission matrix (kit.rbac) already decided that the caller may call the method at all;
these are the row-level rules on top. Addresses a resident may use come from the users service
(`ResolveAddresses`), looked up by the api module and passed in here.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from services.kit.context import Caller
from services.kit.errors import PermissionDenied
from services.requests.domain import Address, NewRequest
from services.requests.lifecycle_actor import Duty, covers_pool
from services.requests.lifecycle_codec import assignment_of
from services.requests.workflow import AssignmentMode


@dataclass(frozen=True)
class FilingCheck:
    """How a filing must be checked: who the applicant is and whether the address must be one
    the applicant may use (residents) or may be any directory address (staff, inspectors)."""

    applicant_id: str
    resolve_address: bool


def check_filing(caller: Caller, request: NewRequest) -> FilingCheck:
    """The applicant and the address rule for `caller` filing `request`, or a refusal."""
    if caller.user_id is None:
        raise PermissionDenied("SIGN_IN_REQUIRED", "requests are filed by a signed-in person")
    on_behalf = request.applicant_id not in (None, caller.user_id)
    if caller.is_staff:
        # Managers dispatch for everyone (a call-centre report names any directory address).
        return FilingCheck(request.applicant_id or caller.user_id, resolve_address=False)
    if on_behalf:
        raise PermissionDenied(
            "ON_BEHALF_NOT_ALLOWED", "only managers file requests on someone else's behalf"
        )
    if "inspector" in caller.roles and request.address.level == "building":
        # Inspectors walk the buildings: any building, no residency needed.
        return FilingCheck(caller.user_id, resolve_address=False)
    return FilingCheck(caller.user_id, resolve_address=True)


def address_key(address: Address) -> tuple[str, str, str]:
    """An address as the (yard, building, apartment) ids that identify it."""
    return (address.yard_id, address.building_id or "", address.apartment_id or "")


def require_reachable(address: Address, reachable: Collection[tuple[str, str, str]]) -> None:
    """Refuse an address that is not one the applicant may file for."""
    if address_key(address) not in reachable:
        raise PermissionDenied(
            "ADDRESS_NOT_ALLOWED",
            "this address is not one of yours: choose an apartment you are bound to or a yard "
            "you were granted (a manager approves bindings)",
        )


def may_see(
    caller: Caller,
    row: Mapping[Any, Any],
    same_apartment: bool = False,
    duty: Duty | None = None,
) -> bool:
    """Whether `caller` may see the request in `row`.

    Managers and admins see everything; the applicant and the assigned executor see theirs;
    an approved resident of the same apartment sees it while it waits for acceptance; an
    executor on an active shift whose skills match the pool sees a pool request (`duty` is
    theirs, looked up by the caller of this function).
    """
    if caller.is_staff:
        return True
    if caller.user_id is None:
        return False
    if caller.user_id in (str(row["applicant_id"]), str(row["executor_id"] or "")):
        return True
    if same_apartment and row["status"] == "confirmed" and caller.status == "approved":
        return True
    pool = pool_of(row)
    return (
        duty is not None
        and pool is not None
        and "executor" in caller.roles
        and covers_pool(duty, pool)
    )


def pool_of(row: Mapping[Any, Any]) -> str | None:
    """The specialisation pool the request is offered to, if it is group-addressed."""
    if row["assignment"] is None:
        return None
    assignment = assignment_of(row["assignment"])
    return assignment.specialisation if assignment.mode is AssignmentMode.GROUP else None


def hides_unseen(caller: Caller) -> bool:
    """Whether a request `caller` may not see must look missing to them even when they try to
    act on it (numbers are guessable). The company's own people get the workflow's precise
    refusal instead (an executor off duty is told to take a shift, not that nothing exists)."""
    return not (caller.is_staff or "executor" in caller.roles)


def visible_to(caller: Caller) -> str | None:
    """The person whose requests (as applicant or executor) a listing is limited to; None when
    the caller may list everything."""
    return None if caller.is_staff else caller.user_id
