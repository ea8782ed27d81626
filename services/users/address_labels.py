"""Labels of places named by id (behind LabelAddresses): which place each reference means, and
how it reads. Pure functions, no I/O; the store loads the `PlaceFact`s.

A reference names a yard, a building or an apartment by its most specific id; the others may be
left empty, and when given they must be the place's own parents (a building id that is not the
apartment's building is a mistake worth telling the caller about, not something to guess
around). Places that do not exist are left out; inactive ones are labelled all the same, since
old requests still name them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.kit.errors import FieldViolation, InvalidArgument
from services.users.address_levels import Level
from services.users.address_reach import address_label

FIELD = "places"


@dataclass(frozen=True)
class PlaceAsk:
    """One reference as asked: canonical ids, None where the caller left one empty."""

    yard_id: str | None
    building_id: str | None
    apartment_id: str | None

    @property
    def key(self) -> tuple[Level, str]:
        """The place meant: its level and id (the most specific id given)."""
        if self.apartment_id is not None:
            return Level.APARTMENT, self.apartment_id
        if self.building_id is not None:
            return Level.BUILDING, self.building_id
        assert self.yard_id is not None  # `asked_places` lets no empty reference through
        return Level.YARD, self.yard_id


@dataclass(frozen=True)
class PlaceFact:
    """A stored place with its parents and what its label is made of."""

    yard_id: str
    building_id: str | None
    apartment_id: str | None
    yard_name: str
    building_address: str = ""
    apartment_number: str = ""

    @property
    def key(self) -> tuple[Level, str]:
        """Its level and id, as `PlaceAsk.key` names it."""
        if self.apartment_id is not None:
            return Level.APARTMENT, self.apartment_id
        if self.building_id is not None:
            return Level.BUILDING, self.building_id
        return Level.YARD, self.yard_id


@dataclass(frozen=True)
class LabelledPlace:
    """A place with every id filled in down to its own level, and its label."""

    yard_id: str
    building_id: str | None
    apartment_id: str | None
    label: str


def asked_places(refs: Sequence[tuple[str, str, str]]) -> list[PlaceAsk]:
    """The references (yard, building, apartment ids; "" for none) in canonical form.

    InvalidArgument naming every `places[i]` that names no place (checked before anything is
    looked up, so bad input never reaches the database).
    """
    asked: list[PlaceAsk] = []
    violations: list[FieldViolation] = []
    for index, ids in enumerate(refs):
        where = f"{FIELD}[{index}]"
        try:
            yard_id, building_id, apartment_id = (_canonical(i) for i in ids)
        except ValueError:
            violations.append(FieldViolation(where, "ids must be UUIDs"))
            continue
        if yard_id is None and building_id is None and apartment_id is None:
            violations.append(
                FieldViolation(where, "names no place: give a yard, building or apartment id")
            )
            continue
        asked.append(PlaceAsk(yard_id, building_id, apartment_id))
    _raise_if_any(violations)
    return asked


def label_places(
    asked: Sequence[PlaceAsk], facts: Mapping[tuple[Level, str], PlaceFact]
) -> list[LabelledPlace]:
    """The places asked for, in the order asked, without those missing from `facts`.

    InvalidArgument naming every `places[i]` whose ids contradict the stored place (a parent id
    that is not the place's own parent).
    """
    labelled: list[LabelledPlace] = []
    violations: list[FieldViolation] = []
    for index, ask in enumerate(asked):
        fact = facts.get(ask.key)
        if fact is None:
            continue
        if mismatch := _contradiction(ask, fact):
            violations.append(FieldViolation(f"{FIELD}[{index}]", mismatch))
            continue
        label = address_label(fact.yard_name, fact.building_address, fact.apartment_number)
        labelled.append(LabelledPlace(fact.yard_id, fact.building_id, fact.apartment_id, label))
    _raise_if_any(violations)
    return labelled


def _contradiction(ask: PlaceAsk, fact: PlaceFact) -> str:
    """What is wrong with the parent ids of `ask` for the place it names ("" if nothing)."""
    level, _ = ask.key
    # A yard reference has no parents; a building reference's building_id is the place itself.
    if level is Level.APARTMENT and ask.building_id not in (None, fact.building_id):
        return "building_id is not the apartment's building"
    if level is not Level.YARD and ask.yard_id not in (None, fact.yard_id):
        return f"yard_id is not the {level.value}'s yard"
    return ""


def _canonical(value: str) -> str | None:
    # The contract only checks the UUID shape: "ABC…" and "abc…" must name the same place.
    return str(uuid.UUID(value)) if value else None


def _raise_if_any(violations: Sequence[FieldViolation]) -> None:
    if violations:
        raise InvalidArgument.of(violations)
