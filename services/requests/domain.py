"""Filing a request: the business rules, with no I/O (tested without infrastructure).

Input arrives as plain values (the api module maps protos to these); the result says exactly what
to store. Numbering and persistence are the store's job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.kit.errors import FailedPrecondition, InvalidArgument
from services.kit.vocabulary import CATEGORY_SPECIALISATION as CATEGORY_SPECIALISATION
from services.requests.sla import SlaPolicy

DESCRIPTION_MIN = 10
DESCRIPTION_MAX = 2000
MEDIA_MAX = 10


@dataclass(frozen=True)
class Address:
    """A directory address; lower levels name their parents."""

    level: str  # yard | building | apartment
    yard_id: str
    building_id: str | None = None
    apartment_id: str | None = None


@dataclass(frozen=True)
class NewRequest:
    """What a caller asks to file (already checked against the contract's rules)."""

    category: str
    description: str
    urgency: str | None
    address: Address
    source: str | None
    acceptance_mode: str | None
    applicant_id: str | None
    media: Sequence[Mapping[str, Any]] = field(default_factory=tuple)


@dataclass(frozen=True)
class Filing:
    """Everything to store for a new request, except its number."""

    applicant_id: str
    category: str
    specialisation: str
    description: str
    urgency: str
    address: Address
    source: str
    acceptance_mode: str
    media: tuple[Mapping[str, Any], ...]
    created_at: datetime
    response_due_at: datetime
    resolution_due_at: datetime
    status: str = "new"


def plan_filing(
    request: NewRequest,
    *,
    caller_user_id: str | None,
    now: datetime,
    policy: SlaPolicy,
) -> Filing:
    """Apply the filing rules: who the applicant is, defaults, text limits and SLA deadlines."""
    applicant = request.applicant_id or caller_user_id
    if applicant is None:
        raise InvalidArgument.field(
            "applicant_id", "is required when the caller is not a signed-in person"
        )
    description = request.description.strip()
    if not DESCRIPTION_MIN <= len(description) <= DESCRIPTION_MAX:
        raise InvalidArgument.field(
            "description",
            f"must have {DESCRIPTION_MIN} to {DESCRIPTION_MAX} characters besides spaces "
            f"(has {len(description)})",
        )
    if len(request.media) > MEDIA_MAX:
        raise InvalidArgument.field("media", f"at most {MEDIA_MAX} photos or videos")
    if request.category not in CATEGORY_SPECIALISATION:
        raise FailedPrecondition("UNKNOWN_CATEGORY", f"category {request.category!r} is not served")
    urgency = request.urgency or "medium"
    response_due, resolution_due = policy.deadlines(request.category, urgency, now)
    return Filing(
        applicant_id=applicant,
        category=request.category,
        specialisation=CATEGORY_SPECIALISATION[request.category],
        description=description,
        urgency=urgency,
        address=request.address,
        source=request.source or "api",
        acceptance_mode=request.acceptance_mode or "resident",
        media=tuple(request.media),
        created_at=now,
        response_due_at=response_due,
        resolution_due_at=resolution_due,
    )
