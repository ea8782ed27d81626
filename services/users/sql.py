"""Small SQL helpers shared by the stores of the users service."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa


def after(columns: Sequence[sa.Column[Any]], values: Sequence[object]) -> sa.ColumnElement[bool]:
    """`(columns) > (values)` for keyset paging, the values typed like their columns
    (PostgreSQL will not compare a uuid with an untyped text parameter)."""
    typed = (sa.literal(v, type_=c.type) for c, v in zip(columns, values, strict=True))
    return sa.tuple_(*columns) > sa.tuple_(*typed)


def before(columns: Sequence[sa.Column[Any]], values: Sequence[object]) -> sa.ColumnElement[bool]:
    """`(columns) < (values)`, typed as in `after` (descending listings)."""
    typed = (sa.literal(v, type_=c.type) for c, v in zip(columns, values, strict=True))
    return sa.tuple_(*columns) < sa.tuple_(*typed)


def escape_like(text: str) -> str:
    """`text` with LIKE's wildcards taken literally (use with `escape="\\\\"`)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
