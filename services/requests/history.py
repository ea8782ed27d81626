"""What each step of a request's history shows, and what a resident may read of it (pure).

A history row says who did what, from which status to which, and why; `details` adds what else
changed as text pairs (the executor, the pool, the fields edited…). The notes of staff-only
actions (a reassignment's reason, a confirmation's notes, purchase details) are the staff's
business: residents see that the step happened, not the note.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from services.requests.lifecycle_codec import entry_of
from services.requests.workflow import AcceptanceMode, HistoryEntry, RequestState, Status
from services.requests.workflow_effects import evolve
from services.requests.workflow_events import COMMENTS

CREATED = "created"
TRANSITION = "transition"
UPDATED = "updated"

# Actions whose note is staff-only (the same rule as their comments).
STAFF_ONLY_NOTES = frozenset(action.value for action, (_, internal) in COMMENTS.items() if internal)


def created_details(row: Mapping[Any, Any]) -> dict[str, str]:
    """What a new request was filed as."""
    return {
        "source": row["source"],
        "category": row["category"],
        "urgency": row["urgency"],
        "applicant_id": str(row["applicant_id"]),
    }


def created_payload(row: Mapping[Any, Any]) -> dict[str, str | None]:
    """What the workflow knows of a request from its filing (the start of a replay)."""
    return {
        "applicant_id": str(row["applicant_id"]),
        "specialisation": row["specialisation"],
        "acceptance_mode": row["acceptance_mode"],
        "apartment_id": None if row["apartment_id"] is None else str(row["apartment_id"]),
    }


def replay(rows: Sequence[Mapping[Any, Any]]) -> RequestState:
    """The workflow state a request's history (oldest first, creation included) leads to.

    Workflow steps replay through the engine's own `evolve`; an edit moves the version on and
    may change the specialisation (with the category). ValueError if the rows do not follow on.
    """
    created, *steps = rows
    if created["change"] != CREATED:
        raise ValueError("a history starts with the request's creation")
    filed = created["payload"] or {}
    state = RequestState(
        number=created["request_number"],
        status=Status(created["to_status"]),
        version=created["version"],
        applicant_id=filed["applicant_id"],
        specialisation=filed["specialisation"],
        acceptance_mode=AcceptanceMode(filed["acceptance_mode"]),
        apartment_id=filed.get("apartment_id"),
        updated_at=created["occurred_at"],
    )
    for row in steps:
        if row["change"] == TRANSITION:
            state = evolve(state, entry_of(row))
        elif row["change"] == UPDATED:
            if row["version"] != state.version + 1:
                raise ValueError(f"edit v{row['version']} does not follow v{state.version}")
            edited = row["payload"] or {}
            state = replace(
                state,
                version=row["version"],
                updated_at=row["occurred_at"],
                specialisation=edited.get("specialisation", state.specialisation),
            )
    return state


def transition_details(
    before: RequestState, entry: HistoryEntry, after: RequestState
) -> dict[str, str]:
    """What a workflow step changed besides the status."""
    details = {"acting_as": entry.acting_as.value}
    if after.assignment != before.assignment and after.assignment is not None:
        assignment = after.assignment
        details["assignment"] = assignment.mode.value
        if assignment.executor_id is not None:
            details["executor_id"] = assignment.executor_id
        if assignment.specialisation is not None:
            details["specialization"] = assignment.specialisation
        if before.executor_id is not None and before.executor_id != after.executor_id:
            details["previous_executor_id"] = before.executor_id
    payload = entry.payload
    if payload.materials:
        details["materials"] = "; ".join(
            f"{item.name} {item.quantity} {item.unit}" for item in payload.materials
        )
    if payload.media:
        details["media"] = str(len(payload.media))
    if payload.rating is not None:
        details["rating"] = str(payload.rating)
    return details


def update_details(changes: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    """Edited fields as "old → new"."""
    return {name: f"{old} → {new}" for name, (old, new) in changes.items()}


def reason_for(viewer_is_staff: bool, action: str | None, reason: str | None) -> str | None:
    """The reason a viewer may read: staff read every note; others not staff-only ones."""
    if reason is None or viewer_is_staff or action not in STAFF_ONLY_NOTES:
        return reason
    return None


def details_for(viewer_is_staff: bool, details: Mapping[str, str]) -> dict[str, str]:
    """The details a viewer may read: what was bought is staff-only, like its comments."""
    if viewer_is_staff:
        return dict(details)
    return {name: value for name, value in details.items() if name not in _STAFF_ONLY_DETAILS}


_STAFF_ONLY_DETAILS = frozenset({"materials"})
