"""Request numbers: `YYMMDD-NNN`, the day in Asia/Tashkent, NNN a per-day counter (pure logic).

The counter itself lives in the database (`store.py` increments it in the same transaction as the
insert); this module only knows which day it is and how numbers look.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from services.kit.timezone import BUSINESS_TZ

_NUMBER = re.compile(r"^(\d{2})(\d{2})(\d{2})-(\d{3,})$")


def business_day(moment: datetime) -> date:
    """The calendar day in Tashkent at `moment` (which must be timezone-aware)."""
    if moment.tzinfo is None:
        raise ValueError("business_day needs an aware datetime")
    return moment.astimezone(BUSINESS_TZ).date()


def format_number(day: date, sequence: int) -> str:
    """`251125-007` for the 7th request of 2025-11-25; past 999 the suffix simply grows."""
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    return f"{day:%y%m%d}-{sequence:03d}"


def parse_number(number: str) -> tuple[date, int]:
    """The day and sequence of a well-formed number; ValueError otherwise."""
    match = _NUMBER.match(number)
    if match is None:
        raise ValueError(f"not a request number: {number!r}")
    yy, mm, dd, seq = match.groups()
    return date(2000 + int(yy), int(mm), int(dd)), int(seq)


def display(number: str) -> str:
    """How people see a number: `№251125-007`."""
    return f"№{number}"
