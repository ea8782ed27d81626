"""Request numbers: format, parsing and the Tashkent business day (pure logic)."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.requests.numbering import business_day, display, format_number, parse_number


def test_format_pads_to_three_digits_and_grows_past_999() -> None:
    day = date(2025, 11, 25)
    assert format_number(day, 7) == "251125-007"
    assert format_number(day, 999) == "251125-999"
    assert format_number(day, 1000) == "251125-1000"
    assert display("251125-007") == "№251125-007"


def test_day_rolls_over_at_tashkent_midnight_not_utc() -> None:
    # Tashkent is UTC+5 all year: its midnight is 19:00 UTC of the previous day.
    assert business_day(datetime(2025, 11, 25, 18, 59, 59, tzinfo=UTC)) == date(2025, 11, 25)
    assert business_day(datetime(2025, 11, 25, 19, 0, 0, tzinfo=UTC)) == date(2025, 11, 26)
    # Early UTC morning is already the same day in Tashkent.
    assert business_day(datetime(2025, 11, 26, 0, 30, tzinfo=UTC)) == date(2025, 11, 26)
    # Other offsets are converted, not taken at face value.
    new_york = timezone(timedelta(hours=-5))
    assert business_day(datetime(2025, 11, 25, 14, 0, tzinfo=new_york)) == date(2025, 11, 26)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        business_day(datetime(2025, 11, 25, 12, 0))


@pytest.mark.parametrize("bad", ["", "251125-07", "25112-007", "251125007", "abcdef-001"])
def test_parse_refuses_malformed_numbers(bad: str) -> None:
    with pytest.raises(ValueError, match="not a request number"):
        parse_number(bad)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    st.integers(min_value=1, max_value=99_999),
)
def test_format_and_parse_round_trip(day: date, sequence: int) -> None:
    assert parse_number(format_number(day, sequence)) == (day, sequence)
