"""Button data: short, typed, and refusing what it does not know."""

from __future__ import annotations

import uuid

import pytest

from bot import callbacks as cb
from bot.logic.boards import Pool
from bot.mesh.requests import CATEGORY, URGENCY
from bot.mesh.users import INVITE_VALIDITY
from bot.person import ROLE
from services.kit.callbacks import PREFIX as ACTION_PREFIX
from services.kit.vocabulary import CATEGORY_SPECIALISATION, SPECIALISATIONS


def test_every_button_fits_telegrams_64_bytes() -> None:
    big = uuid.UUID(int=2**128 - 1)
    samples = [
        cb.Nav(to=cb.NavTo.RETRY),
        cb.PickYard(id=big),
        cb.PickBuilding(id=big),
        cb.PickFlat(id=big),
        cb.PageTo(list=cb.ListKind.FLATS, page=999),
        cb.PickAddress(index=99),
        cb.Stars(stars=5),
        *(cb.MenuItem(item=m) for m in cb.MenuKey),
        *(cb.PickCategory(category=c) for c in cb.CategoryKey),
    ]
    for sample in samples:
        assert len(sample.pack().encode()) <= 64


def test_prefixes_are_distinct_and_leave_the_inline_actions_alone() -> None:
    factories = [
        value
        for value in vars(cb).values()
        if isinstance(value, type)
        and issubclass(value, cb.CallbackData)
        and value is not cb.CallbackData
    ]
    prefixes = [f.__prefix__ for f in factories]
    assert len(prefixes) == len(set(prefixes))
    assert ACTION_PREFIX not in prefixes


@pytest.mark.parametrize(
    ("factory", "data"),
    [
        (cb.Stars, "st:6"),
        (cb.Stars, "st:0"),
        (cb.PickAddress, "a:100"),
        (cb.PickAddress, "a:-1"),
        (cb.PickYard, "y:not-a-uuid"),
        (cb.PickCategory, "k:teleport"),
        (cb.RolePick, "r:superuser"),
        (cb.PageTo, "pg:y:1000"),
        (cb.Nav, "n:back:extra"),
    ],
)
def test_forged_data_does_not_parse(factory: type[cb.CallbackData], data: str) -> None:
    with pytest.raises((ValueError, TypeError)):
        factory.unpack(data)


def test_uuids_round_trip_in_their_short_form() -> None:
    yard = uuid.uuid4()
    packed = cb.PickYard(id=yard).pack()
    assert packed == f"y:{yard.hex}"
    assert cb.PickYard.unpack(packed).id == yard


def test_the_key_enums_spell_the_contracts_and_the_vocabulary() -> None:
    # Buttons carry the services' own keys: one the contract does not know would be refused
    # by the service, one missing could never be chosen.
    assert [c.value for c in cb.CategoryKey] == list(CATEGORY.by_key)
    assert set(cb.CategoryKey) == set(CATEGORY_SPECIALISATION)
    assert [u.value for u in cb.UrgencyKey] == list(URGENCY.by_key)
    assert {r.value for r in cb.RoleKey} == set(ROLE.by_key)
    assert [v.value for v in cb.ValidityKey] == list(INVITE_VALIDITY.by_key)
    assert tuple(p.value for p in Pool) == SPECIALISATIONS
