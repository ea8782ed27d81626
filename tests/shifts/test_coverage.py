"""What a shift covers (services.shifts.coverage): unit and property tests, no infrastructure."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.kit.errors import FailedPrecondition
from services.shifts import coverage
from services.shifts.coverage import SPECIALISATIONS, UNIVERSAL

ANY_KEY = st.sampled_from((*SPECIALISATIONS, UNIVERSAL))
KEY_SETS = st.sets(ANY_KEY, max_size=5)


def test_canonical_order_is_the_domains_with_universal_last() -> None:
    assert coverage.canonical(["universal", "repair", "electrician", "repair"]) == (
        "electrician",
        "repair",
        "universal",
    )


@pytest.mark.parametrize(
    ("asked", "focus"),
    [
        ((), ()),
        (("universal",), ()),
        (("plumber", "universal"), ()),
        (("repair", "plumber"), ("plumber", "repair")),
    ],
)
def test_universal_in_the_focus_means_a_universal_shift(
    asked: tuple[str, ...], focus: tuple[str, ...]
) -> None:
    assert coverage.focus_of(asked) == focus


def test_a_focus_outside_the_executors_set_is_refused_naming_what_is_missing() -> None:
    with pytest.raises(FailedPrecondition) as refused:
        coverage.require_held(("plumber", "heating", "elevator"), ("plumber",))
    assert refused.value.reason == "SPECIALIZATION_NOT_HELD"
    assert refused.value.metadata == {"specializations": "heating,elevator"}


def test_an_executor_who_can_do_anything_may_focus_on_anything() -> None:
    coverage.require_held(SPECIALISATIONS, (UNIVERSAL,))


def test_a_universal_shift_covers_what_the_executor_can_do_and_no_more() -> None:
    covered = coverage.coverage_of((), ("plumber", "heating"))
    assert covered == ("plumber", "heating")
    assert coverage.covers(covered, "heating")
    assert not coverage.covers(covered, "electrician")


def test_a_universal_executor_on_a_universal_shift_covers_everything() -> None:
    covered = coverage.coverage_of((), ("plumber", UNIVERSAL))
    assert covered == (UNIVERSAL,)
    assert all(coverage.covers(covered, key) for key in SPECIALISATIONS)


def test_a_focused_shift_covers_its_focus_even_for_a_universal_executor() -> None:
    covered = coverage.coverage_of(("cleaning",), (UNIVERSAL,))
    assert covered == ("cleaning",)
    assert not coverage.covers(covered, "plumber")


def test_an_executor_without_specialisations_covers_nothing_on_a_universal_shift() -> None:
    assert coverage.coverage_of((), ()) == ()
    assert not coverage.covers((), "repair")


@given(asked=KEY_SETS, held=KEY_SETS, wanted=st.sampled_from(SPECIALISATIONS))
def test_coverage_is_the_focus_or_else_the_executors_skills(
    asked: set[str], held: set[str], wanted: str
) -> None:
    focus = coverage.focus_of(asked)
    covered = coverage.coverage_of(focus, held)
    can_do = wanted in held or UNIVERSAL in held
    if focus:
        assert coverage.covers(covered, wanted) == (wanted in focus)
    else:
        assert coverage.covers(covered, wanted) == can_do


@given(asked=KEY_SETS, held=KEY_SETS, wanted=st.sampled_from(SPECIALISATIONS))
def test_an_allowed_shift_never_covers_what_its_executor_cannot_do(
    asked: set[str], held: set[str], wanted: str
) -> None:
    focus = coverage.focus_of(asked)
    try:
        coverage.require_held(focus, held)
    except FailedPrecondition:
        return
    if coverage.covers(coverage.coverage_of(focus, held), wanted):
        assert wanted in held or UNIVERSAL in held


@given(keys=KEY_SETS)
def test_canonical_is_sorted_unique_and_idempotent(keys: set[str]) -> None:
    once = coverage.canonical(keys)
    assert set(once) == keys
    assert len(once) == len(keys)
    assert coverage.canonical(once) == once
