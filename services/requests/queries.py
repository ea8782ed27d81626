"""Request listings and board counts: every filter of `ListRequestsRequest`, the views (MINE,
POOL), the visibility rules, keyset paging and SLA states.

Pages are ordered newest first by (created_at, number) and continue strictly after the previous
page's last key, so requests filed between two page calls never shift or repeat rows: they are
newer than every key handed out already.

Listed rows hold the request columns, with `response_due_at` / `resolution_due_at` as the clocks
moved them; `Page.clocks` has each request's clocks, whose states depend on the time of reading.
Usage (api.py)::

    queries = RequestQueries(engine, clock=clock)
    page = await queries.list(filters_from_proto(message), visibility, limit=20, after=key)
    protos = [request_with_sla(row, page.clocks.get(row["number"]), now) for row in page.rows]
    counts = await queries.count(filters_from_proto(message.filter), visibility)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.kit.errors import NotFound
from services.requests.mapping import STATUS
from services.requests.queries_filters import RequestFilters, Visibility
from services.requests.queries_sql import (
    CLOCK_FIELDS,
    ONE_WITH_CLOCKS,
    RESOLUTION,
    RESPONSE,
    Key,
    count_query,
    list_query,
)
from services.requests.sla_clock import Clock, ClockKind, SlaSnapshot
from services.requests.sla_store import load_clocks

Row = sa.RowMapping

# Every status of the contract, in its order: a board shows empty columns too.
ALL_STATUSES: tuple[str, ...] = tuple(STATUS.by_number[n] for n in sorted(STATUS.by_number))


@dataclass(frozen=True)
class Page:
    """One page of a listing: the rows, their clocks by request number (requests without clocks
    are absent), and the key to continue after (None on the last page)."""

    rows: list[Row]
    clocks: Mapping[str, SlaSnapshot]
    next_after: Key | None


@dataclass(frozen=True)
class StatusCounts:
    """Requests per status (every status present, zeros included) and their sum."""

    by_status: Mapping[str, int]
    total: int


def _utc_now() -> datetime:
    return datetime.now(UTC)


class RequestQueries:
    """Read-only queries over requests, for listings and boards."""

    def __init__(self, engine: AsyncEngine, *, clock: Callable[[], datetime] = _utc_now) -> None:
        # Single-statement reads need no transaction: one round trip instead of three.
        self.reader = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.clock = clock

    async def list(
        self, filters: RequestFilters, visibility: Visibility, *, limit: int, after: Key | None
    ) -> Page:
        """Up to `limit` visible requests matching `filters`, newest first, after the key
        `after` (None: from the top)."""
        query = list_query(filters, visibility, limit=limit + 1, after=after, now=self.clock())
        async with self.reader.connect() as connection:
            rows = list((await connection.execute(query)).mappings().all())
        next_after = None
        if len(rows) > limit:
            rows = rows[:limit]
            next_after = (rows[-1]["created_at"], rows[-1]["number"])
        clocks = {row["number"]: snapshot for row in rows if (snapshot := _clocks_of(row))}
        return Page(rows, clocks, next_after)

    async def one(self, number: str) -> tuple[Row, SlaSnapshot | None]:
        """One request by number and its clocks (None without), read together; NotFound if
        there is no such request. The row carries the clock columns too (extra keys)."""
        async with self.reader.connect() as connection:
            found = await connection.execute(ONE_WITH_CLOCKS, {"number": number})
            row = found.mappings().first()
        if row is None:
            raise NotFound("request", number)
        return row, _clocks_of(row)

    async def clocks(self, numbers: Iterable[str]) -> Mapping[str, SlaSnapshot]:
        """The SLA clocks of these requests (for answers about single requests)."""
        async with self.reader.connect() as connection:
            return await load_clocks(connection, numbers)

    async def count(self, filters: RequestFilters, visibility: Visibility) -> StatusCounts:
        """How many visible requests match `filters`, per status."""
        query = count_query(filters, visibility, self.clock())
        async with self.reader.connect() as connection:
            found = {status: int(n) for status, n in await connection.execute(query)}
        by_status = {status: found.get(status, 0) for status in ALL_STATUSES}
        return StatusCounts(by_status, sum(found.values()))


def _clocks_of(row: Row) -> SlaSnapshot | None:
    """The clocks joined into a listing row (None when the request has none)."""
    found: list[Clock] = []
    for alias, kind in ((RESPONSE, ClockKind.RESPONSE), (RESOLUTION, ClockKind.RESOLUTION)):
        values = {field: row[f"{alias.name}_{field}"] for field in CLOCK_FIELDS}
        if values["started_at"] is None:
            return None
        found.append(Clock(kind=kind, **values))
    return SlaSnapshot(*found)
