"""Keyset paging of the `DirectoryService` listings (part of `directory_api.DirectoryApi`).

Every listing of the directory pages the same way: the contract's `page_size`/`page_token`, a
token bound to the request's other fields, and the position of the last row shown inside it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from services.kit.errors import InvalidArgument
from services.kit.paging import decode_token, encode_token, filters_fingerprint, page_size
from services.users.directory_sql import After, Row


def parse_uuid(value: Any) -> str:
    """A keyset id from a token (a crafted one must not reach the database)."""
    return str(uuid.UUID(str(value)))


def created_keyset(row: Row) -> list[Any]:
    """The position of a row in a listing ordered by creation time, then id."""
    return [row["created_at"].isoformat(), row["id"]]


async def page(
    request: Any,
    fetch: Callable[[int, After], Awaitable[list[Row]]],
    keyset: Callable[[Row], list[Any]],
    parsers: Sequence[Callable[[Any], Any]] = (datetime.fromisoformat, parse_uuid),
) -> tuple[list[Row], str]:
    """One page of a keyset listing and the token of the next one ("" on the last page).

    `request` is any list request of the contract: its `page_size` and `page_token`, and its
    other fields as the filters the token is bound to.
    """
    fingerprint = filters_fingerprint(request)
    position = decode_token(request.page_token, fingerprint)
    after = _parse_position(position, parsers) if position is not None else None
    limit = page_size(request.page_size)
    rows = await fetch(limit + 1, after)
    if len(rows) <= limit:
        return rows, ""
    return rows[:limit], encode_token(keyset(rows[limit - 1]), fingerprint)


def _parse_position(position: list[Any], parsers: Sequence[Callable[[Any], Any]]) -> list[Any]:
    """The typed keyset inside a page token."""
    try:
        if len(position) != len(parsers):
            raise ValueError("wrong length")
        return [parse(value) for parse, value in zip(parsers, position, strict=True)]
    except (TypeError, ValueError) as exc:
        raise InvalidArgument.field("page_token", "is not a token this service issued") from exc
