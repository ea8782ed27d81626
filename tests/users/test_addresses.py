"""Rules of the address directory (pure logic, no infrastructure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from services.kit.errors import AlreadyExists, FailedPrecondition, InvalidArgument
from services.users.address_bindings import (
    MAX_PENDING_BINDINGS,
    BindingStatus,
    BindingView,
    check_binding_request,
    choose_primary,
    decide_binding,
)
from services.users.address_levels import Level, check_parent_active, check_purge
from services.users.address_numbers import (
    MAX_ENTRANCES,
    GeoPoint,
    check_placement,
    check_point,
    format_area,
    parse_area,
)
from services.users.address_ranges import MAX_RANGE, BuildingShape, RangeLayout, expand_range
from services.users.address_reach import (
    ApartmentFact,
    BuildingFact,
    DirectoryFacts,
    Reach,
    Via,
    YardFact,
    reachable,
)
from services.users.address_text import apartment_key, apartment_number, text_key

T0 = datetime(2025, 11, 25, 9, 0, tzinfo=UTC)
TALL = BuildingShape(entrances=10, floors=20)


# --- text keys ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ЖК  Светлый", "жк светлый"),
        ("Ёлочка", "елочка"),
        ("Oʻzbekiston 12", "o'zbekiston 12"),
        ("Gʼalaba", "g`alaba"),
        ("  Mirzo   Ulugʻbek ", "MIRZO ULUG’BEK"),
    ],
)
def test_text_key_ignores_case_spacing_yo_and_apostrophe_variants(a: str, b: str) -> None:
    assert text_key(a) == text_key(b)


def test_text_key_keeps_different_names_apart() -> None:
    assert text_key("Yunusobod 4") != text_key("Yunusobod 14")


@given(st.text(max_size=40))
def test_text_key_is_idempotent(text: str) -> None:
    assert text_key(text_key(text)) == text_key(text)


def test_apartment_number_is_upper_case_without_spaces() -> None:
    assert apartment_number(" 12 а ") == "12А"
    assert apartment_number("3/1") == "3/1"


@pytest.mark.parametrize("bad", ["", "   ", "12;DROP", "1" * 17, "12#"])
def test_apartment_number_refuses_junk(bad: str) -> None:
    with pytest.raises(InvalidArgument):
        apartment_number(bad)


def test_cyrillic_and_latin_lookalikes_are_the_same_apartment() -> None:
    assert apartment_key("12А") == apartment_key("12a")  # Cyrillic А, Latin a
    assert apartment_key("12Б") != apartment_key("12В")


# --- area and points ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "dm2"), [("54.3", 5430), ("54,35", 5435), (" 60 ", 6000), ("0.01", 1)]
)
def test_area_text_becomes_square_decimetres(text: str, dm2: int) -> None:
    assert parse_area(text) == dm2


@pytest.mark.parametrize(
    "bad", ["", "abc", "nan", "inf", "0", "-5", "54.355", "10000.01", "1e999999", "9" * 40]
)
def test_area_refuses_what_is_not_an_exact_plausible_area(bad: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_area(bad)
    assert caught.value.violations[0].field == "area"


@given(st.integers(min_value=1, max_value=1_000_000))
def test_area_round_trips_through_text(dm2: int) -> None:
    assert parse_area(format_area(dm2)) == dm2


def test_point_must_be_on_the_map_and_set() -> None:
    tashkent = GeoPoint(41_311_081, 69_279_737)
    assert check_point(tashkent) == tashkent
    for bad in (GeoPoint(0, 0), GeoPoint(90_000_001, 69), GeoPoint(41, -180_000_001)):
        with pytest.raises(InvalidArgument):
            check_point(bad)


def test_placement_must_fit_the_building() -> None:
    check_placement(2, 9, entrances=2, floors=9)
    check_placement(None, -1, entrances=2, floors=9)  # a basement storeroom
    with pytest.raises(InvalidArgument, match="entrance"):
        check_placement(3, 1, entrances=2, floors=9)
    with pytest.raises(InvalidArgument, match="floor"):
        check_placement(1, 10, entrances=2, floors=9)


# --- ranges -------------------------------------------------------------------------------


def test_range_without_layout_has_numbers_only() -> None:
    planned = expand_range(1, 120, building=TALL)
    assert [a.number for a in planned] == [str(n) for n in range(1, 121)]
    assert {(a.entrance, a.floor) for a in planned} == {(None, None)}


def test_range_derives_entrances_and_floors_the_post_soviet_way() -> None:
    # 4 per floor, 9 floors per entrance: 36 per entrance.
    layout = RangeLayout(apartments_per_floor=4, floors_per_entrance=9)
    planned = {
        a.number: (a.entrance, a.floor) for a in expand_range(1, 72, building=TALL, layout=layout)
    }
    assert planned["1"] == (1, 1)
    assert planned["4"] == (1, 1)
    assert planned["5"] == (1, 2)
    assert planned["36"] == (1, 9)
    assert planned["37"] == (2, 1)
    assert planned["72"] == (2, 9)


def test_range_with_floors_only() -> None:
    layout = RangeLayout(apartments_per_floor=6)
    planned = expand_range(101, 112, building=TALL, layout=layout)
    assert [a.floor for a in planned] == [1] * 6 + [2] * 6
    assert {a.entrance for a in planned} == {None}


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [(0, 10, "first"), (10, 9, "last"), (1, MAX_RANGE + 1, "last")],
)
def test_range_bounds(first: int, last: int, field: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        expand_range(first, last, building=TALL)
    assert caught.value.violations[0].field == field


def test_range_of_the_maximum_size_is_allowed() -> None:
    assert len(expand_range(1, MAX_RANGE, building=TALL)) == MAX_RANGE


def test_range_that_overflows_the_building_is_refused() -> None:
    layout = RangeLayout(apartments_per_floor=4, floors_per_entrance=9)
    with pytest.raises(InvalidArgument, match="entrance"):
        expand_range(1, 73, building=BuildingShape(entrances=2, floors=9), layout=layout)
    floors_only = RangeLayout(apartments_per_floor=2)
    assert expand_range(1, 40, building=TALL, layout=floors_only)[-1].floor == 20
    with pytest.raises(InvalidArgument, match="floor"):
        expand_range(1, 41, building=TALL, layout=floors_only)


def test_floors_per_entrance_needs_apartments_per_floor() -> None:
    with pytest.raises(InvalidArgument) as caught:
        expand_range(1, 5, building=TALL, layout=RangeLayout(floors_per_entrance=9))
    assert caught.value.violations[0].field == "floors_per_entrance"


def test_range_clashing_with_existing_numbers_is_refused_whole() -> None:
    with pytest.raises(AlreadyExists, match="2 of these") as caught:
        expand_range(1, 120, building=TALL, existing=["5", "120", "121", "7А"])
    assert "5, 120" in caught.value.message


@given(
    first=st.integers(min_value=1, max_value=5000),
    count=st.integers(min_value=1, max_value=300),
    per_floor=st.integers(min_value=1, max_value=12),
    floors=st.integers(min_value=1, max_value=25),
)
def test_range_invariants(first: int, count: int, per_floor: int, floors: int) -> None:
    assume(count <= MAX_ENTRANCES * per_floor * floors)  # the building holds the range
    layout = RangeLayout(apartments_per_floor=per_floor, floors_per_entrance=floors)
    planned = expand_range(
        first, first + count - 1, building=BuildingShape(MAX_ENTRANCES, floors), layout=layout
    )
    assert len(planned) == count
    assert len({apartment_key(a.number) for a in planned}) == count
    for a in planned:
        assert a.entrance is not None and a.floor is not None
        assert 1 <= a.floor <= floors
    # Each (entrance, floor) holds at most `per_floor` apartments.
    places = [(a.entrance, a.floor) for a in planned]
    assert max(places.count(p) for p in set(places)) <= per_floor
    # Numbers and places both only go up.
    assert places == sorted(places)


# --- bindings -----------------------------------------------------------------------------


def binding(
    id: str,
    apartment: str,
    status: BindingStatus = BindingStatus.APPROVED,
    *,
    primary: bool = False,
    age: int = 0,
) -> BindingView:
    return BindingView(id, apartment, status, primary, T0 + timedelta(days=age))


def test_binding_request_for_an_inactive_apartment_is_refused() -> None:
    with pytest.raises(FailedPrecondition) as caught:
        check_binding_request([], "a1", apartment_in_use=False)
    assert caught.value.reason == "APARTMENT_INACTIVE"


@pytest.mark.parametrize("status", [BindingStatus.PENDING, BindingStatus.APPROVED])
def test_binding_request_twice_for_the_same_apartment_is_refused(status: BindingStatus) -> None:
    with pytest.raises(AlreadyExists):
        check_binding_request([binding("b1", "a1", status)], "a1", apartment_in_use=True)


def test_binding_request_again_after_a_rejection_is_allowed() -> None:
    check_binding_request(
        [binding("b1", "a1", BindingStatus.REJECTED)], "a1", apartment_in_use=True
    )


def test_pending_binding_requests_are_limited() -> None:
    pending = [
        binding(f"b{i}", f"a{i}", BindingStatus.PENDING) for i in range(MAX_PENDING_BINDINGS)
    ]
    with pytest.raises(FailedPrecondition) as caught:
        check_binding_request(pending, "new", apartment_in_use=True)
    assert caught.value.reason == "TOO_MANY_PENDING_BINDINGS"


def test_only_pending_bindings_are_decided_and_rejection_needs_a_reason() -> None:
    assert decide_binding(BindingStatus.PENDING, approve=True, reason="") is BindingStatus.APPROVED
    assert (
        decide_binding(BindingStatus.PENDING, approve=False, reason="not the owner")
        is BindingStatus.REJECTED
    )
    with pytest.raises(InvalidArgument):
        decide_binding(BindingStatus.PENDING, approve=False, reason="  ")
    for done in (BindingStatus.APPROVED, BindingStatus.REJECTED):
        with pytest.raises(FailedPrecondition) as caught:
            decide_binding(done, approve=True, reason="")
        assert caught.value.reason == "BINDING_ALREADY_DECIDED"


def test_first_approved_binding_becomes_primary() -> None:
    assert choose_primary([binding("b1", "a1")]) == "b1"


def test_primary_stays_unless_another_is_wanted() -> None:
    mine = [binding("b1", "a1", primary=True), binding("b2", "a2", age=1)]
    assert choose_primary(mine) == "b1"
    assert choose_primary(mine, wanted="b2") == "b2"


def test_pending_or_rejected_binding_cannot_be_primary() -> None:
    mine = [
        binding("b1", "a1", age=2),
        binding("b2", "a2", BindingStatus.PENDING),
        binding("b3", "a3", BindingStatus.REJECTED),
    ]
    assert choose_primary(mine, wanted="b2") == "b1"
    assert choose_primary(mine[1:]) is None


def test_oldest_approved_takes_over_when_the_primary_is_gone() -> None:
    mine = [binding("b2", "a2", age=3), binding("b3", "a3", age=1)]
    assert choose_primary(mine) == "b3"


@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(BindingStatus)),
            st.booleans(),
            st.integers(min_value=0, max_value=5),
        ),
        max_size=8,
    ),
    st.integers(min_value=0, max_value=9),
)
def test_choose_primary_picks_one_approved_binding_iff_any(
    rows: list[tuple[BindingStatus, bool, int]], wanted_index: int
) -> None:
    mine = [
        binding(f"b{i}", f"a{i}", status, primary=primary, age=age)
        for i, (status, primary, age) in enumerate(rows)
    ]
    chosen = choose_primary(mine, wanted=f"b{wanted_index}")
    approved = {b.id for b in mine if b.status is BindingStatus.APPROVED}
    assert (chosen is None) == (not approved)
    assert chosen is None or chosen in approved


# --- reachability -------------------------------------------------------------------------


def facts(
    *,
    yard: bool = True,
    building: bool = True,
    apartment: bool = True,
    other_building: bool = True,
) -> DirectoryFacts:
    return DirectoryFacts(
        yards={"y1": YardFact("y1", "ЖК Olmazor", yard), "y2": YardFact("y2", "Yunusobod", True)},
        buildings={
            "b1": BuildingFact("b1", "y1", "ул. Чиланзар, 12", building),
            "b2": BuildingFact("b2", "y1", "ул. Чиланзар, 10", other_building),
            "b3": BuildingFact("b3", "y2", "Amir Temur 4", True),
        },
        apartments={
            "a1": ApartmentFact("a1", "b1", "45", apartment),
            "a2": ApartmentFact("a2", "b3", "7", True),
        },
    )


def ids(reach: Reach) -> list[tuple[str, str | None, str | None]]:
    return [a.ids for a in reach.addresses]


def test_approved_binding_reaches_the_apartment_its_building_and_yard() -> None:
    reach = reachable([binding("x", "a1")], [], facts())
    assert [(a.level, a.ids, a.label, a.via) for a in reach.addresses] == [
        (
            Level.APARTMENT,
            ("y1", "b1", "a1"),
            "ЖК Olmazor · ул. Чиланзар, 12 · кв. 45",
            Via.BINDING,
        ),
        (Level.BUILDING, ("y1", "b1", None), "ЖК Olmazor · ул. Чиланзар, 12", Via.BINDING),
        (Level.YARD, ("y1", None, None), "ЖК Olmazor", Via.BINDING),
    ]
    assert reach.permits(Level.APARTMENT, "y1", "b1", "a1")
    assert reach.permits(Level.BUILDING, "y1", "b1", None)
    assert reach.permits(Level.YARD, "y1", None, None)
    assert not reach.permits(Level.BUILDING, "y1", "b2", None)


@pytest.mark.parametrize("status", [BindingStatus.PENDING, BindingStatus.REJECTED])
def test_undecided_or_rejected_binding_reaches_nothing(status: BindingStatus) -> None:
    assert reachable([binding("x", "a1", status)], [], facts()).addresses == ()


@pytest.mark.parametrize("inactive", ["yard", "building", "apartment"])
def test_an_inactive_link_in_the_chain_cuts_the_binding(inactive: str) -> None:
    assert reachable([binding("x", "a1")], [], facts(**{inactive: False})).addresses == ()


def test_binding_to_a_purged_apartment_reaches_nothing() -> None:
    assert reachable([binding("x", "gone")], [], facts()).addresses == ()


def test_yard_grant_reaches_the_yard_and_its_active_buildings_not_apartments() -> None:
    reach = reachable([], ["y1"], facts(other_building=False))
    assert ids(reach) == [("y1", "b1", None), ("y1", None, None)]
    assert {a.via for a in reach.addresses} == {Via.YARD_GRANT}
    assert not reach.permits(Level.APARTMENT, "y1", "b1", "a1")


def test_yard_grant_lists_buildings_by_address() -> None:
    reach = reachable([], ["y1"], facts())
    assert ids(reach)[:2] == [("y1", "b2", None), ("y1", "b1", None)]  # "…10" before "…12"


def test_grant_of_an_inactive_yard_reaches_nothing() -> None:
    assert reachable([], ["y1"], facts(yard=False)).addresses == ()


def test_permits_checks_the_parents_named_with_an_address() -> None:
    reach = reachable([binding("x", "a1")], ["y2"], facts())
    assert not reach.permits(Level.APARTMENT, "y1", "b3", "a1")  # wrong building
    assert not reach.permits(Level.APARTMENT, "y2", "b1", "a1")  # wrong yard
    assert not reach.permits(Level.BUILDING, "y1", "b3", None)  # b3 is in y2
    assert not reach.permits(Level.YARD, "y1", "b1", None)  # a yard names no building
    assert reach.permits(Level.BUILDING, "y2", "b3", None)


def test_an_address_reached_both_ways_is_listed_once_as_bound() -> None:
    reach = reachable([binding("x", "a1")], ["y1"], facts())
    assert len(ids(reach)) == len(set(ids(reach))) == 4  # a1, b1, b2, y1
    vias = {a.ids: a.via for a in reach.addresses}
    assert vias[("y1", "b1", None)] is Via.BINDING
    assert vias[("y1", "b2", None)] is Via.YARD_GRANT
    assert vias[("y1", None, None)] is Via.BINDING


def test_apartments_come_first_the_primary_one_leading() -> None:
    mine = [binding("x", "a1", age=0), binding("z", "a2", primary=True, age=1)]
    reach = reachable(mine, [], facts())
    assert [a.level for a in reach.addresses] == [Level.APARTMENT] * 2 + [Level.BUILDING] * 2 + [
        Level.YARD
    ] * 2
    assert reach.addresses[0].apartment_id == "a2"


# --- lifecycle ----------------------------------------------------------------------------


def test_nothing_is_added_under_a_deactivated_parent() -> None:
    check_parent_active("yard", "y1", True)
    with pytest.raises(FailedPrecondition) as caught:
        check_parent_active("yard", "y1", False)
    assert caught.value.reason == "PARENT_INACTIVE"


def test_purge_is_refused_while_referenced_and_says_by_what() -> None:
    check_purge("apartment", "a1", {"bindings": 0, "requests": 0})
    with pytest.raises(FailedPrecondition) as caught:
        check_purge("apartment", "a1", {"bindings": 2, "requests": 1, "grants": 0})
    assert caught.value.reason == "STILL_REFERENCED"
    assert caught.value.metadata == {"apartment_id": "a1", "bindings": "2", "requests": "1"}
    assert "2 bindings" in caught.value.message and "1 requests" in caught.value.message
