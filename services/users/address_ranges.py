"""Apartment ranges: the apartments one call creates, numbered and placed in their building.

Pure functions, no I/O; the store inserts what `expand_range` plans.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from services.kit.errors import AlreadyExists, InvalidArgument
from services.users.address_numbers import check_placement
from services.users.address_text import apartment_key

MAX_RANGE = 1000  # apartments created by one range call


@dataclass(frozen=True)
class RangeLayout:
    """How apartment numbers run through a building, to derive entrances and floors.

    Post-Soviet numbering: consecutive numbers fill a floor, then the next floor up, then the
    next entrance; the first apartment of the range is on floor 1 of entrance 1.
    `floors_per_entrance` needs `apartments_per_floor`.
    """

    apartments_per_floor: int | None = None
    floors_per_entrance: int | None = None


@dataclass(frozen=True)
class PlannedApartment:
    """One apartment a range call will create."""

    number: str
    entrance: int | None
    floor: int | None


@dataclass(frozen=True)
class BuildingShape:
    """The size of the building that receives a range."""

    entrances: int
    floors: int


def expand_range(
    first: int,
    last: int,
    *,
    building: BuildingShape,
    layout: RangeLayout | None = None,
    existing: Collection[str] = (),
) -> list[PlannedApartment]:
    """The apartments numbered `first`..`last` (inclusive), placed by `layout` if given.

    All or nothing: any number already in the building (`existing`, as stored) refuses the
    whole range, naming the clashes, so a repeated call never half-applies.
    """
    if first < 1:
        raise InvalidArgument.field("first", "must be 1 or more")
    if last < first:
        raise InvalidArgument.field("last", "must not be less than first")
    if last - first + 1 > MAX_RANGE:
        raise InvalidArgument.field("last", f"at most {MAX_RANGE} apartments per call")
    layout = layout or RangeLayout()
    _check_layout(layout)
    planned = [PlannedApartment(str(n), *_place(n - first, layout)) for n in range(first, last + 1)]
    # Entrance and floor only grow with the number: checking the last apartment suffices.
    check_placement(
        planned[-1].entrance,
        planned[-1].floor,
        entrances=building.entrances,
        floors=building.floors,
    )
    taken = {apartment_key(n) for n in existing}
    clashes = [a.number for a in planned if apartment_key(a.number) in taken]
    if clashes:
        shown = ", ".join(clashes[:10]) + (" …" if len(clashes) > 10 else "")
        raise AlreadyExists(
            f"{len(clashes)} of these apartment numbers already exist in the building: {shown}"
        )
    return planned


def _check_layout(layout: RangeLayout) -> None:
    if layout.apartments_per_floor is not None and layout.apartments_per_floor < 1:
        raise InvalidArgument.field("apartments_per_floor", "must be 1 or more")
    if layout.floors_per_entrance is not None:
        if layout.floors_per_entrance < 1:
            raise InvalidArgument.field("floors_per_entrance", "must be 1 or more")
        if layout.apartments_per_floor is None:
            raise InvalidArgument.field(
                "floors_per_entrance", "needs apartments_per_floor to place apartments on floors"
            )


def _place(index: int, layout: RangeLayout) -> tuple[int | None, int | None]:
    """(entrance, floor) of the `index`-th apartment of a range (0-based)."""
    if layout.apartments_per_floor is None:
        return None, None
    floor_index = index // layout.apartments_per_floor
    if layout.floors_per_entrance is None:
        return None, 1 + floor_index
    entrance_index, floor_in_entrance = divmod(floor_index, layout.floors_per_entrance)
    return 1 + entrance_index, 1 + floor_in_entrance
