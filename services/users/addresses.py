"""Rules of the address directory, with no I/O (tested without infrastructure).

Yard → building → apartment, as DOMAIN.md "Address directory" describes: text keys that make
names and apartment numbers unique however they are typed, areas in whole square decimetres
(never floats), GPS points, apartment ranges, apartment bindings with their one primary
apartment, and reachability — which addresses a resident may file requests for.

The store loads facts and applies what these functions decide; the servicer maps protos to the
plain values used here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from services.kit.errors import AlreadyExists, FailedPrecondition, InvalidArgument

# --- limits -------------------------------------------------------------------------------

MAX_RANGE = 1000  # apartments created by one range call
MAX_ENTRANCES = 50
MAX_FLOORS = 200
MAX_UNDERGROUND_FLOORS = 5  # basements and parking levels: floors -1 … -5
MAX_ROOMS = 50
MAX_AREA_DM2 = 10_000 * 100  # 10 000 m²: larger is a typo, not a flat
MAX_PENDING_BINDINGS = 10  # per resident: enough for a family's flats, too few for spam
NUMBER_MAX_LENGTH = 16
DM2_PER_M2 = 100


# --- text ---------------------------------------------------------------------------------

# Everything people type for the Uzbek Latin oʻ/gʻ mark and the tutuq belgisi (ʼ).
_APOSTROPHES = dict.fromkeys(map(ord, "ʻʼ‘’`´ʹ′"), "'")
_SPACES = re.compile(r"\s+")
# Cyrillic letters that look like Latin ones: "12А" typed on a Russian keyboard is "12A".
_LOOKALIKES = str.maketrans("АВЕКМНОРСТХ", "ABEKMHOPCTX")
_NUMBER_CHARS = re.compile(r"[0-9A-Za-zА-Яа-яЁё/\-]+")
_LEADING_DIGITS = re.compile(r"[0-9]+")
_INT32_MAX = 2**31 - 1  # the column is an integer; a 16-digit "number" is still ordered last


def clean_text(text: str) -> str:
    """`text` as stored: Unicode NFC, trimmed, inner whitespace collapsed to one space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def text_key(text: str) -> str:
    """A key under which names are unique and searched: case-, spacing- and spelling-blind.

    Russian ё is е for search purposes, and Uzbek apostrophe variants are one character, so
    "Oʻzbekiston", "O'zbekiston" and "o`zbekiston" are the same key.
    """
    folded = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).casefold()
    return clean_text(folded.replace("ё", "е"))


def apartment_number(text: str, field: str = "number") -> str:
    """An apartment number as stored ("12", "12А", "3/1"): trimmed, upper case, no spaces."""
    number = _SPACES.sub("", text).upper()
    if not number:
        raise InvalidArgument.field(field, "is required")
    if len(number) > NUMBER_MAX_LENGTH:
        raise InvalidArgument.field(field, f"must have at most {NUMBER_MAX_LENGTH} characters")
    if not _NUMBER_CHARS.fullmatch(number):
        raise InvalidArgument.field(field, "may contain only letters, digits, '/' and '-'")
    return number


def apartment_key(number: str) -> str:
    """The key under which apartment numbers are unique within a building."""
    return _SPACES.sub("", number).upper().replace("Ё", "Е").translate(_LOOKALIKES)


def number_order(number: str) -> int:
    """The leading integer of an apartment number ("12А" → 12; none → 0), for natural order."""
    digits = _LEADING_DIGITS.match(number)
    return min(int(digits.group()), _INT32_MAX) if digits else 0


# --- quantities ---------------------------------------------------------------------------


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


# --- apartment ranges ---------------------------------------------------------------------


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


# --- bindings -----------------------------------------------------------------------------


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


# --- reachability -------------------------------------------------------------------------


class Level(StrEnum):
    """The level of an address a request is filed for."""

    YARD = "yard"
    BUILDING = "building"
    APARTMENT = "apartment"


class Via(StrEnum):
    """Why a person may file for an address."""

    BINDING = "binding"
    YARD_GRANT = "yard_grant"


@dataclass(frozen=True)
class YardFact:
    """A yard as reachability sees it."""

    id: str
    name: str
    active: bool


@dataclass(frozen=True)
class BuildingFact:
    """A building as reachability sees it."""

    id: str
    yard_id: str
    address: str
    active: bool


@dataclass(frozen=True)
class ApartmentFact:
    """An apartment as reachability sees it."""

    id: str
    building_id: str
    number: str
    active: bool


@dataclass(frozen=True)
class DirectoryFacts:
    """The part of the directory one person's bindings and grants touch: the bound
    apartments with their buildings and yards, and the granted yards with their buildings."""

    yards: Mapping[str, YardFact]
    buildings: Mapping[str, BuildingFact]
    apartments: Mapping[str, ApartmentFact]


@dataclass(frozen=True)
class ReachableAddress:
    """One address a person may file for; upper levels are named, lower ones are None."""

    level: Level
    yard_id: str
    building_id: str | None
    apartment_id: str | None
    label: str
    via: Via

    @property
    def ids(self) -> tuple[str, str | None, str | None]:
        """(yard, building, apartment): what identifies the address."""
        return self.yard_id, self.building_id, self.apartment_id


@dataclass(frozen=True)
class Reach:
    """Everything a person may file for, apartments first (the primary one leading), then
    buildings, then yards."""

    addresses: tuple[ReachableAddress, ...] = ()

    def permits(
        self, level: Level, yard_id: str, building_id: str | None, apartment_id: str | None
    ) -> bool:
        """Whether the address is within reach, its parents' ids included: a reachable
        apartment named under another building is refused, not trusted."""
        wanted = (yard_id, building_id, apartment_id)
        return any(a.level is level and a.ids == wanted for a in self.addresses)


_LEVEL_ORDER = {Level.APARTMENT: 0, Level.BUILDING: 1, Level.YARD: 2}


def reachable(
    bindings: Iterable[BindingView], granted_yards: Iterable[str], facts: DirectoryFacts
) -> Reach:
    """The addresses reachable through approved bindings and yard grants (DOMAIN.md).

    - An approved binding reaches its apartment and, for the stairwell or the courtyard, that
      apartment's building and yard — only while apartment, building and yard are all active.
    - A yard grant reaches the yard and its active buildings (common parts), not the
      apartments in it: a flat's problems are filed by people bound to that flat.
    An address reachable both ways is listed once, as reached through the binding. Anything
    missing from `facts` counts as inactive (it was purged or never existed).
    """
    found: dict[tuple[str, str | None, str | None], ReachableAddress] = {}

    def add(address: ReachableAddress) -> None:
        found.setdefault(address.ids, address)

    approved = [b for b in bindings if b.status is BindingStatus.APPROVED]
    for binding in sorted(approved, key=lambda b: (not b.primary, b.created_at, b.id)):
        chain = _apartment_chain(binding.apartment_id, facts)
        if chain is None:
            continue
        yard, building, apartment = chain
        add(
            ReachableAddress(
                Level.APARTMENT,
                yard.id,
                building.id,
                apartment.id,
                address_label(yard.name, building.address, apartment.number),
                Via.BINDING,
            )
        )
        add(_building_address(yard, building, Via.BINDING))
        add(_yard_address(yard, Via.BINDING))
    for yard_id in granted_yards:
        granted = facts.yards.get(yard_id)
        if granted is None or not granted.active:
            continue
        add(_yard_address(granted, Via.YARD_GRANT))
        inside = [b for b in facts.buildings.values() if b.yard_id == yard_id and b.active]
        for building in sorted(inside, key=lambda b: (text_key(b.address), b.id)):
            add(_building_address(granted, building, Via.YARD_GRANT))
    ordered = sorted(found.values(), key=lambda a: _LEVEL_ORDER[a.level])  # stable
    return Reach(tuple(ordered))


def address_label(yard_name: str, building_address: str = "", apartment_number: str = "") -> str:
    """How an address reads in a list: "ЖК Olmazor · ул. Чиланзар, 12 · кв. 45"."""
    parts = [yard_name, building_address, f"кв. {apartment_number}" if apartment_number else ""]
    return " · ".join(p for p in parts if p)


def _yard_address(yard: YardFact, via: Via) -> ReachableAddress:
    return ReachableAddress(Level.YARD, yard.id, None, None, address_label(yard.name), via)


def _building_address(yard: YardFact, building: BuildingFact, via: Via) -> ReachableAddress:
    return ReachableAddress(
        Level.BUILDING,
        yard.id,
        building.id,
        None,
        address_label(yard.name, building.address),
        via,
    )


def _apartment_chain(
    apartment_id: str, facts: DirectoryFacts
) -> tuple[YardFact, BuildingFact, ApartmentFact] | None:
    """The apartment with its building and yard when the whole chain is active, else None."""
    apartment = facts.apartments.get(apartment_id)
    if apartment is None or not apartment.active:
        return None
    building = facts.buildings.get(apartment.building_id)
    if building is None or not building.active:
        return None
    yard = facts.yards.get(building.yard_id)
    if yard is None or not yard.active:
        return None
    return yard, building, apartment


# --- lifecycle ----------------------------------------------------------------------------


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
