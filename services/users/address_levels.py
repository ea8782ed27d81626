"""The levels of the address directory (yard → building → apartment) and their lifecycle rules.

Objects are deactivated rather than deleted while anything points at them; these checks say
when adding under an object or purging it is allowed. Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from services.kit.errors import FailedPrecondition


class Level(StrEnum):
    """The level of an address a request is filed for."""

    YARD = "yard"
    BUILDING = "building"
    APARTMENT = "apartment"


def check_parent_active(kind: str, parent_id: str, active: bool) -> None:
    """New children go only under an object in use (a deactivated yard gets no buildings)."""
    if not active:
        raise FailedPrecondition(
            "PARENT_INACTIVE",
            f"the {kind} is deactivated; reactivate it before adding to it",
            {f"{kind}_id": parent_id},
        )


def check_purge(kind: str, object_id: str, references: Mapping[str, int]) -> None:
    """Purging is refused while anything still points at the object (`references` counts
    what points at it, by kind: buildings, apartments, bindings, grants, requests)."""
    held = {name: count for name, count in references.items() if count > 0}
    if held:
        listed = ", ".join(f"{count} {name}" for name, count in sorted(held.items()))
        raise FailedPrecondition(
            "STILL_REFERENCED",
            f"the {kind} cannot be purged while referenced by {listed}; deactivate it instead",
            {f"{kind}_id": object_id, **{name: str(count) for name, count in held.items()}},
        )
