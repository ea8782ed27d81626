"""Keyset conditions for paged listings (the page tokens themselves: kit.paging)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa


def after(columns: Sequence[sa.Column[Any]], values: Sequence[object]) -> sa.ColumnElement[bool]:
    """`(columns) > (values)` for ascending listings, the values typed like their columns
    (PostgreSQL will not compare a uuid with an untyped text parameter)."""
    typed = (sa.literal(v, type_=c.type) for c, v in zip(columns, values, strict=True))
    return sa.tuple_(*columns) > sa.tuple_(*typed)


def before(columns: Sequence[sa.Column[Any]], values: Sequence[object]) -> sa.ColumnElement[bool]:
    """`(columns) < (values)` for descending listings, typed as in `after`."""
    typed = (sa.literal(v, type_=c.type) for c, v in zip(columns, values, strict=True))
    return sa.tuple_(*columns) < sa.tuple_(*typed)
