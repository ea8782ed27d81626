"""Limits of what people type (DOMAIN.md), and idempotency keys of filings."""

from __future__ import annotations

from bot.logic.inputs import (
    check_answer,
    check_description,
    check_full_name,
    check_rating,
    check_reason,
    check_review,
)
from bot.logic.moments import display_number, idempotency_key, local_time


def test_description_is_10_to_2000_characters_without_surrounding_space() -> None:
    assert check_description("   короткое   ").problem == "input.description.too_short"
    assert check_description("  " + "a" * 10 + "  ").value == "a" * 10
    assert check_description("a" * 2000).ok
    too_long = check_description("a" * 2001)
    assert (too_long.problem, too_long.length) == ("input.description.too_long", 2001)
    assert check_description(None).problem == "input.description.too_short"


def test_rating_is_one_to_five() -> None:
    assert [check_rating(n) for n in (0, 1, 5, 6)] == [None, 1, 5, None]
    assert check_rating("4") == 4
    assert check_rating("four") is None


def test_names_reasons_reviews_answers() -> None:
    assert check_full_name("  Bobur   Aliyev ").value == "Bobur Aliyev"
    assert check_full_name("12").problem == "input.name.too_short"
    assert check_reason("no").problem == "input.reason.too_short"
    assert check_reason("still leaking").ok
    assert check_review("").ok and check_review("a" * 2001).problem == "input.review.too_long"
    assert check_answer(" ").problem == "input.answer.empty"


def test_one_key_per_draft_of_a_flow() -> None:
    draft = {"category": "plumbing", "description": "Течёт труба", "media": []}
    key = idempotency_key("f1", draft)
    assert key == idempotency_key("f1", dict(reversed(list(draft.items()))))
    assert key != idempotency_key("f1", {**draft, "description": "Течёт кран"})
    assert key != idempotency_key("f2", draft)
    assert len(key) <= 128 and key.replace(":", "").isalnum()


def test_times_and_numbers_for_people() -> None:
    # 2026-11-25 09:30 UTC is 14:30 in Tashkent (UTC+5).
    assert local_time(1795599000) == "25.11.2026 14:30"
    assert local_time(0) == ""
    assert display_number("251125-007") == "№251125-007"
