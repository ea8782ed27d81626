"""Payload checks: foreign fields, required fields, lengths, ranges and normalisation."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from services.kit.errors import FailedPrecondition, InvalidArgument
from services.requests.workflow import (
    Action,
    Actor,
    MaterialItem,
    Payload,
    RequestState,
    Status,
    apply,
)
from services.requests.workflow_payload import ACCEPTS
from tests.requests.test_workflow_world import (
    ACTORS,
    GOOD_PAYLOADS,
    NOW,
    OTHER_EXECUTOR,
    request_in,
)

A, S = Action, Status
MANAGER = ACTORS["manager"]
OWNER = ACTORS["owner"]
ON_SHIFT = ACTORS["executor_on_shift"]
SYSTEM = ACTORS["system"]

# A status and an actor from which each action is allowed (the table test covers the rest).
WHERE: dict[Action, tuple[Status, Actor]] = {
    A.DISPATCH_ASSIGN: (S.NEW, SYSTEM),
    A.ASSIGN_GROUP: (S.NEW, MANAGER),
    A.MANAGER_ASSIGN: (S.NEW, MANAGER),
    A.EXECUTOR_CLAIM: (S.NEW, ON_SHIFT),
    A.EXECUTOR_PURCHASE: (S.IN_PROGRESS, ON_SHIFT),
    A.MANAGER_PURCHASE: (S.IN_PROGRESS, MANAGER),
    A.PURCHASE_DONE: (S.PURCHASE, MANAGER),
    A.CLARIFY: (S.IN_PROGRESS, MANAGER),
    A.CLARIFY_ANSWER: (S.CLARIFICATION, OWNER),
    A.CLARIFY_RESOLVED: (S.CLARIFICATION, MANAGER),
    A.EXECUTOR_RESUME: (S.PURCHASE, ON_SHIFT),
    A.EXECUTOR_COMPLETE: (S.IN_PROGRESS, ON_SHIFT),
    A.MANAGER_COMPLETE: (S.IN_PROGRESS, MANAGER),
    A.MANAGER_CONFIRM: (S.COMPLETED, MANAGER),
    A.RETURN_TO_WORK: (S.COMPLETED, MANAGER),
    A.APPLICANT_ACCEPT: (S.CONFIRMED, OWNER),
    A.APPLICANT_RETURN: (S.CONFIRMED, OWNER),
    A.MANAGER_FORCE_ACCEPT: (S.CONFIRMED, MANAGER),
    A.CANCEL: (S.NEW, OWNER),
    A.RELEASE_TO_POOL: (S.IN_PROGRESS, SYSTEM),
}

# One non-empty value per payload field, to offer to actions that do not take it.
SAMPLE: dict[str, object] = {
    "executor_id": OTHER_EXECUTOR,
    "executor_specialisations": frozenset({"plumber"}),
    "specialisation": "repair",
    "materials": (MaterialItem("Tap", "1"),),
    "question": "Why?",
    "answer": "Because",
    "reason": "Because",
    "comment": "A comment of some length",
    "notes": "Notes",
    "report": "Done",
    "media": ({"mediaId": "m-1"},),
    "rating": 3,
    "review": "Fine",
}


def with_field(payload: Payload, name: str, value: Any) -> Payload:
    """`payload` with the field called `name` set to `value`."""
    changes: dict[str, Any] = {name: value}
    return replace(payload, **changes)


def run(action: Action, payload: Payload, state: RequestState | None = None) -> RequestState:
    status, actor = WHERE[action]
    return apply(state or request_in(status), action, actor, payload, now=NOW).state


def invalid(action: Action, payload: Payload) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as raised:
        run(action, payload)
    return raised.value


def precondition(action: Action, payload: Payload) -> str:
    with pytest.raises(FailedPrecondition) as raised:
        run(action, payload)
    return raised.value.reason


@pytest.mark.parametrize("action", list(Action))
def test_the_good_payload_is_accepted(action: Action) -> None:
    assert run(action, GOOD_PAYLOADS[action]).version > 0


@pytest.mark.parametrize(
    ("action", "name"),
    [(a, f) for a in Action for f in SAMPLE if f not in ACCEPTS[a]],
)
def test_fields_an_action_does_not_take_are_refused(action: Action, name: str) -> None:
    payload = with_field(GOOD_PAYLOADS[action], name, SAMPLE[name])
    error = invalid(action, payload)
    assert [v.field for v in error.violations] == [name]
    assert action.name in error.violations[0].description


def test_empty_values_count_as_not_given() -> None:
    payload = replace(GOOD_PAYLOADS[A.CANCEL], comment="", notes="   ", media=(), rating=0)
    assert run(A.CANCEL, payload).status is S.CANCELLED


@pytest.mark.parametrize(
    "action", [A.CANCEL, A.RETURN_TO_WORK, A.APPLICANT_RETURN, A.RELEASE_TO_POOL]
)
@pytest.mark.parametrize("reason", [None, "", "   \n "])
def test_a_reason_is_required(action: Action, reason: str | None) -> None:
    payload = replace(GOOD_PAYLOADS[action], reason=reason)
    assert precondition(action, payload) == "REASON_REQUIRED"


@pytest.mark.parametrize("rating", [None, 0])
def test_acceptance_needs_a_rating(rating: int | None) -> None:
    assert precondition(A.APPLICANT_ACCEPT, Payload(rating=rating)) == "RATING_REQUIRED"


@pytest.mark.parametrize("rating", [-1, 6, 10])
def test_a_rating_is_one_to_five(rating: int) -> None:
    error = invalid(A.APPLICANT_ACCEPT, Payload(rating=rating))
    assert error.violations[0].field == "rating"


@pytest.mark.parametrize("stars", [1, 2, 3, 4, 5])
def test_every_star_count_is_kept(stars: int) -> None:
    rating = run(A.APPLICANT_ACCEPT, Payload(rating=stars, review=" ok ")).rating
    assert rating is not None and (rating.stars, rating.review) == (stars, "ok")


@pytest.mark.parametrize(
    ("comment", "ok"),
    [
        (None, False),
        ("too short", False),  # 9 characters
        ("   padded   ", False),  # 6 once stripped
        ("exactly 10", True),
        ("  exactly 10  ", True),
    ],
)
def test_force_accept_needs_ten_characters(comment: str | None, ok: bool) -> None:
    payload = Payload(comment=comment)
    if ok:
        assert run(A.MANAGER_FORCE_ACCEPT, payload).status is S.ACCEPTED
    else:
        assert invalid(A.MANAGER_FORCE_ACCEPT, payload).violations[0].field == "comment"


@pytest.mark.parametrize(
    ("action", "name"),
    [
        (A.DISPATCH_ASSIGN, "executor_id"),
        (A.MANAGER_ASSIGN, "executor_id"),
        (A.ASSIGN_GROUP, "specialisation"),
        (A.EXECUTOR_PURCHASE, "materials"),
        (A.CLARIFY, "question"),
        (A.CLARIFY_ANSWER, "answer"),
        (A.EXECUTOR_COMPLETE, "report"),
        (A.MANAGER_COMPLETE, "report"),
    ],
)
def test_required_fields(action: Action, name: str) -> None:
    empty = "" if isinstance(getattr(Payload(), name), str | None) else ()
    payload = with_field(GOOD_PAYLOADS[action], name, empty)
    error = invalid(action, payload)
    assert [v.field for v in error.violations] == [name]
    assert "is required" in error.violations[0].description


@pytest.mark.parametrize(
    "name", ["question", "answer", "reason", "comment", "notes", "report", "review"]
)
def test_text_is_at_most_2000_characters(name: str) -> None:
    action = next(a for a in Action if name in ACCEPTS[a] and a is not A.MANAGER_ASSIGN)
    ok = with_field(GOOD_PAYLOADS[action], name, "x" * 2000)
    run(action, ok)
    error = invalid(action, with_field(ok, name, "x" * 2001))
    assert error.violations[0].field == name


def test_text_is_stripped() -> None:
    state = run(A.EXECUTOR_COMPLETE, Payload(report="\n  Replaced the valve \t"))
    assert state.completion is not None and state.completion.report == "Replaced the valve"


@pytest.mark.parametrize("action", [A.EXECUTOR_COMPLETE, A.APPLICANT_RETURN, A.CLARIFY_ANSWER])
def test_at_most_ten_media(action: Action) -> None:
    photos = tuple({"mediaId": f"m-{i}"} for i in range(11))
    run(action, replace(GOOD_PAYLOADS[action], media=photos[:10]))
    error = invalid(action, replace(GOOD_PAYLOADS[action], media=photos))
    assert error.violations[0].field == "media"


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (MaterialItem("", "1"), "materials[0].name"),
        (MaterialItem("   ", "1"), "materials[0].name"),
        (MaterialItem("x" * 201, "1"), "materials[0].name"),
        (MaterialItem("Tap", ""), "materials[0].quantity"),
        (MaterialItem("Tap", "0"), "materials[0].quantity"),
        (MaterialItem("Tap", "-1"), "materials[0].quantity"),
        (MaterialItem("Tap", "two"), "materials[0].quantity"),
        (MaterialItem("Tap", "NaN"), "materials[0].quantity"),
        (MaterialItem("Tap", "Infinity"), "materials[0].quantity"),
        (MaterialItem("Tap", "1" * 21), "materials[0].quantity"),
        (MaterialItem("Tap", "1", "u" * 21), "materials[0].unit"),
    ],
)
def test_bad_material_lines(item: MaterialItem, field: str) -> None:
    error = invalid(A.EXECUTOR_PURCHASE, Payload(materials=(item,)))
    assert [v.field for v in error.violations] == [field]


def test_material_lines_are_normalised_and_limited() -> None:
    items = (MaterialItem(" Pipe ", " 2.5 ", " m "), MaterialItem("Tap", "1", ""))
    state = run(A.EXECUTOR_PURCHASE, Payload(materials=items, comment="From the shop"))
    assert state.materials is not None
    assert state.materials.items == (MaterialItem("Pipe", "2.5", "m"), MaterialItem("Tap", "1"))
    assert state.materials.comment == "From the shop"
    too_many = tuple(MaterialItem("Tap", "1") for _ in range(51))
    assert invalid(A.EXECUTOR_PURCHASE, Payload(materials=too_many)).violations[0].field == (
        "materials"
    )


def test_a_manager_may_send_to_purchase_without_a_list() -> None:
    state = run(A.MANAGER_PURCHASE, Payload())
    assert state.materials is not None and state.materials.items == ()


@pytest.mark.parametrize("action", [A.ASSIGN_GROUP, A.RELEASE_TO_POOL])
@pytest.mark.parametrize("pool", ["universal", "astronaut"])
def test_a_pool_is_one_canonical_specialisation(action: Action, pool: str) -> None:
    error = invalid(action, replace(GOOD_PAYLOADS[action], specialisation=pool))
    assert error.violations[0].field == "specialisation"


def test_a_release_may_name_its_pool_and_records_the_one_it_used() -> None:
    named = replace(GOOD_PAYLOADS[A.RELEASE_TO_POOL], specialisation=" repair ")
    assignment = run(A.RELEASE_TO_POOL, named).assignment
    assert assignment is not None and assignment.specialisation == "repair"
    status, actor = WHERE[A.RELEASE_TO_POOL]
    outcome = apply(
        request_in(status), A.RELEASE_TO_POOL, actor, GOOD_PAYLOADS[A.RELEASE_TO_POOL], now=NOW
    )
    assert outcome.entry.payload == Payload(reason="Shift ended", specialisation="plumber")


def test_skills_must_be_known() -> None:
    payload = replace(
        GOOD_PAYLOADS[A.MANAGER_ASSIGN], executor_specialisations=frozenset({"wizard"})
    )
    assert invalid(A.MANAGER_ASSIGN, payload).violations[0].field == "executor_specialisations"


def test_a_blank_executor_is_not_an_executor() -> None:
    error = invalid(A.MANAGER_ASSIGN, Payload(executor_id="   "))
    assert error.violations[0].field == "executor_id"


def test_payload_checks_come_after_the_permission_checks() -> None:
    # A resident sending garbage learns they may not act, not how to fix the garbage.
    with pytest.raises(FailedPrecondition) as raised:
        apply(
            request_in(S.NEW),
            A.MANAGER_ASSIGN,
            ACTORS["other_resident"],
            Payload(rating=99),
            now=NOW,
        )
    assert raised.value.reason == "ROLE_NOT_ALLOWED"
