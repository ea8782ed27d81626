"""Reachability: which addresses a person may file requests for, and how they read in a list.

Approved bindings and yard grants decide it (DOMAIN.md); the store loads the facts they touch
into `DirectoryFacts` and `reachable` decides. Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from services.users.address_bindings import BindingStatus, BindingView
from services.users.address_levels import Level
from services.users.address_text import text_key


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
