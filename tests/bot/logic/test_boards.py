"""The manager's rules as data: which verbs each status offers (DOMAIN.md's workflow table),
what each board lists, who can do the work, and what a manager may type."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import LANGUAGES, catalogue
from bot.logic.boards import (
    BOARDS,
    POOLS,
    TERMINAL,
    Board,
    Pool,
    Verb,
    covers_place,
    has_room,
    needed_specialisation,
    verbs_for,
)
from bot.logic.review import check_comment, check_notes, check_question, check_reason
from bot.mesh.requests import CATEGORY, STATUS
from bot.ui.desk import ACTION, BOARD_NAMES

V = Verb


@pytest.mark.parametrize(
    ("status", "verbs"),
    [
        ("new", (V.ASSIGN, V.CLARIFY, V.CANCEL)),
        ("in_progress", (V.ASSIGN, V.CLARIFY, V.CANCEL)),
        ("purchase", (V.CLARIFY, V.CANCEL)),
        ("clarification", (V.CANCEL,)),
        ("completed", (V.CONFIRM, V.REWORK, V.CANCEL)),
        ("confirmed", (V.REWORK, V.ACCEPT, V.CANCEL)),
        ("returned", (V.REWORK, V.ACCEPT, V.CANCEL)),
        ("accepted", ()),
        ("cancelled", ()),
    ],
)
def test_each_status_offers_what_the_workflow_allows_a_manager(
    status: str, verbs: tuple[Verb, ...]
) -> None:
    assert verbs_for(status) == verbs


def test_no_return_to_work_without_an_executor() -> None:
    for status in ("completed", "confirmed", "returned"):
        assert Verb.REWORK not in verbs_for(status, has_executor=False)
    assert verbs_for("completed", has_executor=False) == (Verb.CONFIRM, Verb.CANCEL)


def test_the_boards_cover_every_open_status_once() -> None:
    listed = [status for statuses in BOARDS.values() for status in statuses]
    assert sorted(listed) == sorted(set(STATUS.by_key) - TERMINAL)
    assert BOARDS[Board.ACTIVE] == ("in_progress", "purchase", "clarification")


def test_pools_are_the_specialisations_without_the_wildcard() -> None:
    assert "universal" not in POOLS
    assert tuple(p.value for p in Pool) == POOLS
    assert len(POOLS) == 9


@pytest.mark.parametrize(
    ("category", "specialisation"),
    [
        ("electricity", "electrician"),
        ("plumbing", "plumber"),
        ("internet", "electrician"),
        ("other", "repair"),
        ("elevator", "elevator"),
    ],
)
def test_the_category_says_who_can_do_it(category: str, specialisation: str) -> None:
    assert needed_specialisation(category) == specialisation


def test_a_pool_chosen_by_a_manager_wins_over_the_category() -> None:
    assert needed_specialisation("plumbing", "repair") == "repair"
    assert needed_specialisation("plumbing", "universal") == "plumber"
    assert {needed_specialisation(c) for c in CATEGORY.by_key} <= set(POOLS)


def test_what_a_manager_types() -> None:
    assert check_question("  Какой этаж?  ").value == "Какой этаж?"
    assert check_question("").problem == "review.input.question.empty"
    assert check_question("Ну").problem == "review.input.question.too_short"
    assert check_question("x" * 1001).problem == "review.input.question.too_long"
    assert check_reason("no").problem == "review.input.reason.too_short"
    assert check_reason("Сделано плохо").ok
    assert check_reason("x" * 2001).problem == "review.input.reason.too_long"
    assert check_notes("").ok and check_notes(None).value == ""
    assert check_notes("x" * 2001).problem == "review.input.notes.too_long"


@given(st.text(max_size=40))
def test_a_comment_for_the_resident_needs_ten_characters(text: str) -> None:
    checked = check_comment(text)
    assert checked.ok == (len(text.strip()) >= 10)
    if not checked.ok:
        assert checked.length == len(text.strip())


def test_every_key_built_from_values_exists() -> None:
    from bot.flows.review import KINDS

    keys = {f"boards.title.{name}" for name in BOARD_NAMES.values()}
    keys |= {f"boards.verb.{verb.name.lower()}" for verb in Verb} | {"boards.verb.reassign"}
    keys |= {f"boards.action.{action}" for action in ACTION.by_key}
    keys |= {f"boards.spec.{pool}" for pool in POOLS} | {"boards.spec.universal"}
    keys |= {f"boards.sla.{s}" for s in ("on_track", "warning", "breached", "met", "paused")}
    keys |= {f"boards.mark.{s}" for s in ("warning", "breached")}
    keys |= {f"boards.history.{c}" for c in ("created", "updated", "sla")}
    for kind in KINDS.values():
        keys |= {f"review.{kind.name}.{step}" for step in ("ask", "summary", "done")}
    keys |= {
        check(raw).problem
        for check in (check_question, check_reason, check_comment)
        for raw in ("", "ab", "x" * 2001)
    }
    keys |= {check_notes("x" * 2001).problem, "dispatch.reason.ALREADY_ASSIGNED"}
    for language in LANGUAGES:
        assert keys - set(catalogue().messages[language]) == set(), language


def test_a_shifts_area_and_capacity() -> None:
    yard, building, other = "y1", "b1", "x"
    assert covers_place([], [], yard_id=yard, building_id=building)
    assert covers_place([yard], [], yard_id=yard, building_id=building)
    assert covers_place([], [building], yard_id=yard, building_id=building)
    assert not covers_place([other], [other], yard_id=yard, building_id=building)
    # A yard-level request: only a shift covering the yard (or everywhere) takes it in.
    assert not covers_place([], [building], yard_id=yard, building_id="")
    assert has_room(0, 99) and has_room(3, 2) and not has_room(3, 3)
