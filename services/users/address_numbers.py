"""Numbers of the address directory: areas, GPS points, building sizes and placements.

Areas are whole square decimetres and points are micro-degrees — exact integers, never floats —
and every limit here tells a typo from a real building (DOMAIN.md "Address directory").
Pure functions, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from services.kit.errors import InvalidArgument

MAX_ENTRANCES = 50
MAX_FLOORS = 200
MAX_UNDERGROUND_FLOORS = 5  # basements and parking levels: floors -1 … -5
MAX_ROOMS = 50
MAX_AREA_DM2 = 10_000 * 100  # 10 000 m²: larger is a typo, not a flat
DM2_PER_M2 = 100


def parse_area(text: str, field: str = "area") -> int:
    """Square decimetres from square metres written as text: "54.3" or "54,3" → 5430.

    1 dm² = 0.01 m², so two decimals are exact and a third is refused rather than rounded.
    """
    try:
        metres = Decimal(text.strip().replace(",", ".")) if len(text) <= 32 else Decimal("NaN")
    except InvalidOperation:
        metres = Decimal("NaN")
    if not metres.is_finite():
        raise InvalidArgument.field(field, "must be square metres, e.g. 54.3")
    # Compared before any arithmetic: Decimal arithmetic rounds to 28 digits, comparisons
    # are exact, so "54.3000000000000000000000000001" is refused instead of rounded.
    if not 0 < metres <= MAX_AREA_DM2 // DM2_PER_M2:
        raise _area_out_of_range(field)
    hundredths = metres.quantize(Decimal("0.01"))
    if hundredths != metres:
        raise InvalidArgument.field(field, "may have at most two decimals (0.01 m²)")
    return check_area(int(hundredths * DM2_PER_M2), field)


def check_area(dm2: int, field: str = "area") -> int:
    """`dm2` if it is a plausible apartment area."""
    if not 0 < dm2 <= MAX_AREA_DM2:
        raise _area_out_of_range(field)
    return dm2


def _area_out_of_range(field: str) -> InvalidArgument:
    return InvalidArgument.field(
        field, f"must be more than 0 and at most {MAX_AREA_DM2 // DM2_PER_M2} m²"
    )


def format_area(dm2: int) -> str:
    """Square metres as text: 5430 → "54.30" (always two decimals, a dot, never a float)."""
    whole, part = divmod(dm2, DM2_PER_M2)
    return f"{whole}.{part:02d}"


@dataclass(frozen=True)
class GeoPoint:
    """A WGS 84 point in micro-degrees (41.311081° → 41311081): exact integers, no floats."""

    latitude_e6: int
    longitude_e6: int


def check_point(point: GeoPoint, field: str = "location") -> GeoPoint:
    """`point` if it lies on Earth's map; (0, 0) is an unset field, not a place we serve."""
    if point.latitude_e6 == 0 and point.longitude_e6 == 0:
        raise InvalidArgument.field(field, "is required")
    if not (
        -90_000_000 <= point.latitude_e6 <= 90_000_000
        and -180_000_000 <= point.longitude_e6 <= 180_000_000
    ):
        raise InvalidArgument.field(
            field, "latitude must be within ±90 and longitude within ±180 degrees"
        )
    return point


def check_building_size(entrances: int, floors: int) -> None:
    """Entrances and floors of a building are within sane limits."""
    if not 1 <= entrances <= MAX_ENTRANCES:
        raise InvalidArgument.field("entrances", f"must be 1 to {MAX_ENTRANCES}")
    if not 1 <= floors <= MAX_FLOORS:
        raise InvalidArgument.field("floors", f"must be 1 to {MAX_FLOORS}")


def check_placement(
    entrance: int | None, floor: int | None, *, entrances: int, floors: int
) -> None:
    """An apartment's entrance and floor fit its building (None: not recorded)."""
    if entrance is not None and not 1 <= entrance <= entrances:
        raise InvalidArgument.field("entrance", f"the building has entrances 1 to {entrances}")
    if floor is not None and not -MAX_UNDERGROUND_FLOORS <= floor <= floors:
        raise InvalidArgument.field(
            "floor", f"the building has floors {-MAX_UNDERGROUND_FLOORS} to {floors}"
        )


def check_rooms(rooms: int) -> int:
    """`rooms` if plausible."""
    if not 0 <= rooms <= MAX_ROOMS:
        raise InvalidArgument.field("rooms", f"must be 0 to {MAX_ROOMS}")
    return rooms
