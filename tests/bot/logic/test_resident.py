"""What a resident's card offers (DOMAIN.md's workflow table and visibility), the filters of
"my requests", the history the card shows, and quiet hours."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ukm.requests.v1 import request_pb2

from bot.logic.resident import (
    ACTIVE_STATUSES,
    CLOSED_STATUSES,
    LISTS,
    CardAction,
    Facts,
    Step,
    card_actions,
    facts_of,
    is_neighbours,
    quiet_hours_on,
    recent_steps,
)
from bot.mesh.requests import STATUS

ME, OTHER, EXECUTOR = "u-me", "u-other", "u-executor"
A = CardAction


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("new", (A.CANCEL,)),
        ("in_progress", ()),
        ("purchase", ()),
        ("clarification", (A.ANSWER,)),
        ("completed", ()),
        ("confirmed", (A.ACCEPT, A.RETURN)),
        ("returned", ()),
        ("accepted", ()),
        ("cancelled", ()),
    ],
)
def test_the_applicant_gets_what_the_workflow_table_allows(
    status: str, expected: tuple[CardAction, ...]
) -> None:
    facts = Facts(status, applicant_id=ME, executor_id=EXECUTOR, apartment=True)
    assert card_actions(facts, ME) == expected


def test_a_neighbour_may_only_accept_and_only_an_apartments_request() -> None:
    flat = Facts("confirmed", applicant_id=OTHER, executor_id=EXECUTOR, apartment=True)
    assert is_neighbours(flat, ME)
    assert card_actions(flat, ME) == (A.ACCEPT,)
    # A building request is nobody's flat; the executor is no neighbour either.
    assert card_actions(Facts("confirmed", OTHER, EXECUTOR, apartment=False), ME) == ()
    assert card_actions(flat, EXECUTOR) == ()
    assert not is_neighbours(flat, OTHER)
    # Neighbours never cancel, return or answer.
    for status in ("new", "clarification"):
        assert card_actions(Facts(status, OTHER, "", apartment=True), ME) == ()


@given(
    st.sampled_from(sorted(STATUS.by_key)),
    st.sampled_from([ME, OTHER]),
    st.sampled_from(["", EXECUTOR, ME]),
    st.booleans(),
)
def test_nobody_but_the_applicant_gets_more_than_accept(
    status: str, applicant: str, executor: str, apartment: bool
) -> None:
    actions = card_actions(Facts(status, applicant, executor, apartment), ME)
    if applicant != ME:
        assert set(actions) <= {A.ACCEPT}
    if status in ("accepted", "cancelled"):
        assert actions == ()  # terminal requests are frozen
    assert card_actions(Facts(status, applicant, executor, apartment), "") == ()


def test_the_filters_split_every_status_once() -> None:
    statuses = [s for listing in LISTS.values() for s in listing.statuses]
    assert sorted(statuses) == sorted(STATUS.by_key)
    assert LISTS["waiting"].view == "all"  # the neighbours' requests too
    assert LISTS["active"].statuses == ACTIVE_STATUSES
    assert LISTS["closed"].statuses == CLOSED_STATUSES


def test_facts_of_a_request() -> None:
    request = request_pb2.Request(
        status=request_pb2.REQUEST_STATUS_CONFIRMED,
        applicant_id=OTHER,
        executor_id=EXECUTOR,
        address=request_pb2.Address(level=request_pb2.ADDRESS_LEVEL_APARTMENT),
    )
    assert facts_of(request) == Facts("confirmed", OTHER, EXECUTOR, apartment=True)
    assert facts_of(request_pb2.Request(status=42)).status == ""


def test_the_card_shows_the_newest_status_steps() -> None:
    steps = [
        Step("created", "new", 1),
        Step("transition", "in_progress", 2),
        Step("updated", "in_progress", 3),
        Step("sla", "", 4),
        Step("transition", "clarification", 5, "Какой этаж?"),
        Step("transition", "in_progress", 6),
    ]
    assert [s.seconds for s in recent_steps(steps)] == [2, 5, 6]
    assert [s.seconds for s in recent_steps(steps, limit=10)] == [1, 2, 5, 6]
    assert recent_steps(steps, limit=0) == []


def test_quiet_hours() -> None:
    assert quiet_hours_on("22:00", "08:00")
    assert not quiet_hours_on("", "")
    assert not quiet_hours_on("22:00", "22:00")
