"""Uzbek phone numbers as typed or shared, and agreement with the users service's rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.logic.phones import PhoneProblem, from_contact, parse_phone
from services.kit.errors import InvalidArgument
from services.users.phones import normalize_phone


@pytest.mark.parametrize(
    "typed",
    [
        "+998 90 123-45-67",
        "+998901234567",
        "998901234567",
        "(90) 123 45 67",
        "90 1234567",
        "901234567",
        "00998 90 123 45 67",
        "  +998 (90) 123.45.67 ",
    ],
)
def test_common_notations(typed: str) -> None:
    assert parse_phone(typed).e164 == "+998901234567"


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", PhoneProblem.EMPTY),
        ("   ", PhoneProblem.EMPTY),
        ("9" * 40, PhoneProblem.TOO_LONG),
        ("+998 90 abc 45 67", PhoneProblem.CHARACTERS),
        ("+7 916 123 45 67", PhoneProblem.NOT_UZBEK),
        ("12345", PhoneProblem.DIGITS),
        ("+998 90 123 45 6", PhoneProblem.DIGITS),
        ("+998 01 234 56 78", PhoneProblem.OPERATOR),
    ],
)
def test_problems_are_named(typed: str, problem: PhoneProblem) -> None:
    result = parse_phone(typed)
    assert (result.ok, result.problem) == (False, problem)


def test_contact_button_numbers_are_international() -> None:
    assert from_contact("998901234567").e164 == "+998901234567"
    assert from_contact("+998901234567").e164 == "+998901234567"
    # A foreign number shared with the button is not taken for a national one.
    assert from_contact("79161234567").problem is PhoneProblem.NOT_UZBEK


_PHONEISH = st.text(alphabet="0123456789+ -().", max_size=34)


@given(_PHONEISH | st.text(max_size=34))
def test_the_bot_agrees_with_the_users_service(typed: str) -> None:
    """What the bot accepts the users service stores unchanged; what it refuses, users refuses."""
    ours = parse_phone(typed)
    try:
        theirs = normalize_phone(typed)
    except InvalidArgument:
        assert not ours.ok
    else:
        assert ours.e164 == theirs
