"""Managers' edits of urgency, category and description (pure).

An edit is not a workflow action (the status stays), but it is a change: the version grows, the
history records "old → new" per field and a `RequestUpdated` event tells the others. Fields
given with their current value are not changes; an edit that changes nothing changes nothing
(a retried call returns the request as it is).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.kit.errors import FailedPrecondition, InvalidArgument
from services.requests.domain import CATEGORY_SPECIALISATION, DESCRIPTION_MAX, DESCRIPTION_MIN
from services.requests.workflow import TERMINAL, Status


@dataclass(frozen=True)
class EditRequest:
    """What a manager asks to change (None: leave as is)."""

    urgency: str | None = None
    category: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Edit:
    """The columns to write and the changes to show (field → (old, new))."""

    columns: Mapping[Any, Any]
    changes: Mapping[str, tuple[str, str]]

    def payload(self) -> dict[str, str]:
        """The new values, kept in the history so it replays (the specialisation included)."""
        return {name: str(value) for name, value in self.columns.items()}


def plan_edit(row: Mapping[Any, Any], asked: EditRequest, *, expected_version: int | None) -> Edit:
    """The edit of `row` that `asked` means, or the refusal."""
    if expected_version is not None and expected_version != row["version"]:
        raise FailedPrecondition(
            "STALE_VERSION",
            f"request {row['number']} changed since you loaded it (it is at version "
            f"{row['version']}, you had {expected_version}): reload it and try again",
            {"current_version": str(row["version"])},
        )
    if Status(row["status"]) in TERMINAL:
        raise FailedPrecondition(
            "REQUEST_FROZEN",
            f"request {row['number']} is {row['status']} and can no longer change",
        )
    wanted: dict[str, Any] = {}
    if asked.urgency is not None:
        wanted["urgency"] = asked.urgency
    if asked.category is not None:
        if asked.category not in CATEGORY_SPECIALISATION:
            raise FailedPrecondition(
                "UNKNOWN_CATEGORY", f"category {asked.category!r} is not served"
            )
        wanted["category"] = asked.category
        wanted["specialisation"] = CATEGORY_SPECIALISATION[asked.category]
    if asked.description is not None:
        wanted["description"] = _description(asked.description)
    columns = {name: value for name, value in wanted.items() if row[name] != value}
    shown = {
        name: (str(row[name]), str(value))
        for name, value in columns.items()
        if name != "specialisation"  # follows the category; not an edit of its own
    }
    return Edit(columns, shown)


def _description(text: str) -> str:
    description = text.strip()
    if not DESCRIPTION_MIN <= len(description) <= DESCRIPTION_MAX:
        raise InvalidArgument.field(
            "description",
            f"must have {DESCRIPTION_MIN} to {DESCRIPTION_MAX} characters besides spaces "
            f"(has {len(description)})",
        )
    return description
