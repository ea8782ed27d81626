"""Uzbek phone numbers typed every which way → E.164."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.kit.errors import InvalidArgument
from services.users.phones import format_phone, mask_phone, normalize_phone


@pytest.mark.parametrize(
    "typed",
    [
        "+998901234567",
        "+998 90 123 45 67",
        "+998 (90) 123-45-67",
        "998901234567",
        "998 90 123 45 67",
        "901234567",
        "90 123 45 67",
        "(90) 123-45-67",
        "90-123-45-67",
        "90.123.45.67",
        "00998 90 123 45 67",
        "  +998\u00a090 123 45 67 ",
    ],
)
def test_accepted_forms(typed: str) -> None:
    assert normalize_phone(typed) == "+998901234567"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "is required"),
        ("   ", "is required"),
        ("+7 916 123 45 67", "Uzbek"),
        ("+1 202 555 0100", "Uzbek"),
        ("90 123 45 6", "9 digits after \\+998 \\(has 8\\)"),
        ("+998 90 123 45 678", "has 10"),
        ("9012345678", "Uzbek"),
        ("call me 901234567", "only digits"),
        ("90 123 45 67 ext 1", "only digits"),
        ("+998+901234567", "only digits"),
        ("٩٠١٢٣٤٥٦٧", "only digits"),
        ("+998 01 234 56 78", "operator"),
        ("1" * 40, "too long"),
    ],
)
def test_refused_with_a_clear_message(typed: str, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message) as raised:
        normalize_phone(typed, field="contact.phone")
    assert raised.value.violations[0].field == "contact.phone"
    digits = "".join(ch for ch in typed if ch.isdigit())
    if len(digits) >= 7:
        assert digits not in raised.value.message  # personal data is never echoed


@given(st.from_regex(r"[1-9][0-9]{8}", fullmatch=True), st.sampled_from(["", "+998", "998"]))
def test_normalising_is_idempotent(national: str, prefix: str) -> None:
    e164 = normalize_phone(prefix + national)
    assert e164 == "+998" + national
    assert normalize_phone(e164) == e164
    assert normalize_phone(format_phone(e164)) == e164


def test_format_and_mask() -> None:
    assert format_phone("+998901234567") == "+998 90 123 45 67"
    assert mask_phone("+998901234567") == "+998 90 *** ** 67"
