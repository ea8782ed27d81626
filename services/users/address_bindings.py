"""Apartment bindings: a resident's requests to be bound to apartments, and their one primary.

What a resident may ask for, how a manager decides, and which approved binding is primary
(DOMAIN.md "Address directory"). Pure functions, no I/O; the store loads the bindings and
applies the decisions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.kit.errors import AlreadyExists, FailedPrecondition, InvalidArgument

MAX_PENDING_BINDINGS = 10  # per resident: enough for a family's flats, too few for spam


class BindingStatus(StrEnum):
    """Where a resident's request to be bound to an apartment stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


# A binding in one of these blocks another request for the same apartment by the same person.
OPEN_STATUSES = frozenset({BindingStatus.PENDING, BindingStatus.APPROVED})


@dataclass(frozen=True)
class BindingView:
    """The facts of one binding that the rules look at."""

    id: str
    apartment_id: str
    status: BindingStatus
    primary: bool
    created_at: datetime


def check_binding_request(
    mine: Iterable[BindingView], apartment_id: str, *, apartment_in_use: bool
) -> None:
    """A resident may ask for `apartment_id`: it is in use, not already asked for or granted,
    and they have not piled up pending requests."""
    if not apartment_in_use:
        raise FailedPrecondition(
            "APARTMENT_INACTIVE",
            "this apartment (or its building or yard) is no longer in use",
            {"apartment_id": apartment_id},
        )
    pending = 0
    for binding in mine:
        if binding.apartment_id == apartment_id and binding.status in OPEN_STATUSES:
            raise AlreadyExists(
                f"you already have a {binding.status.value} binding to this apartment"
            )
        pending += binding.status is BindingStatus.PENDING
    if pending >= MAX_PENDING_BINDINGS:
        raise FailedPrecondition(
            "TOO_MANY_PENDING_BINDINGS",
            f"at most {MAX_PENDING_BINDINGS} binding requests may wait for a manager at once",
        )


def decide_binding(status: BindingStatus, *, approve: bool, reason: str) -> BindingStatus:
    """The status after a manager's decision; only pending bindings are decided, and a
    rejection says why (the resident is told)."""
    if status is not BindingStatus.PENDING:
        raise FailedPrecondition(
            "BINDING_ALREADY_DECIDED",
            f"this binding is already {status.value}",
            {"status": status.value},
        )
    if not approve and not reason.strip():
        raise InvalidArgument.field("reason", "is required to reject a binding")
    return BindingStatus.APPROVED if approve else BindingStatus.REJECTED


def choose_primary(bindings: Sequence[BindingView], wanted: str | None = None) -> str | None:
    """The id of the one binding that should be primary among a resident's `bindings`.

    Only approved bindings qualify. `wanted` (e.g. the binding just approved with "make it
    primary", or an explicit choice) wins when it qualifies; otherwise the current primary
    stays; otherwise the oldest approved binding takes over, so a resident with any approved
    apartment always has a primary one.
    """
    approved = [b for b in bindings if b.status is BindingStatus.APPROVED]
    if wanted is not None and any(b.id == wanted for b in approved):
        return wanted
    current = [b for b in approved if b.primary]
    if current:
        return min(current, key=lambda b: (b.created_at, b.id)).id
    if not approved:
        return None
    return min(approved, key=lambda b: (b.created_at, b.id)).id
