"""Generated requests into the bench's database, numbered as the service numbers them.

`insert_requests` writes the rows of `requests.requests` and `requests.sla_clocks` with COPY in
one transaction (100 000 requests in seconds, where the API would take the better part of an
hour). Numbers follow the service's rule (`YYMMDD-NNN`, the day in Tashkent, a per-day counter):
the day counters are locked and read, the rows numbered in order of filing after them, and the
counters moved on in the same transaction, so the requests the service files later never
collide with them. Then `ANALYZE`, as autovacuum would have long done in a database that grew
to this size.

Only what listings and the SLA scheduler read is written: no history, assignment log or
comments (the generated lives have them, the benchmarks never read them).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.requests import models
from services.requests.numbering import business_day, format_number
from services.requests.sla_models import sla_clocks
from services.requests.sla_store import clock_values
from tests.perf.dataset import GeneratedRequest

_REQUEST_COLUMNS = [column.name for column in models.requests.c]
# asyncpg takes JSONB values as JSON text.
_JSON_COLUMNS = frozenset(c.name for c in models.requests.c if isinstance(c.type, JSONB))
_CLOCK_COLUMNS = [column.name for column in sla_clocks.c]


async def insert_requests(
    engine: AsyncEngine, requests: Sequence[GeneratedRequest], *, analyze: bool = True
) -> list[str]:
    """Store `requests` with their clocks (then ANALYZE the tables, if asked); returns their
    numbers, in the order given."""
    async with engine.begin() as connection:
        numbers = await _number(connection, requests)
        raw = await connection.get_raw_connection()
        copier: Any = raw.driver_connection  # asyncpg's connection, inside our transaction
        await copier.copy_records_to_table(
            models.requests.name,
            schema_name=models.SCHEMA,
            columns=_REQUEST_COLUMNS,
            records=_request_records(requests, numbers),
        )
        await copier.copy_records_to_table(
            sla_clocks.name,
            schema_name=models.SCHEMA,
            columns=_CLOCK_COLUMNS,
            records=_clock_records(requests, numbers),
        )
    if not analyze:
        return numbers
    async with engine.connect() as connection:
        # Outside the transaction: ANALYZE must see the committed rows.
        await connection.execute(sa.text(f"ANALYZE {models.SCHEMA}.requests"))
        await connection.execute(sa.text(f"ANALYZE {models.SCHEMA}.sla_clocks"))
        await connection.commit()
    return numbers


async def _number(connection: AsyncConnection, requests: Sequence[GeneratedRequest]) -> list[str]:
    """Numbers for `requests` (in filing order within each day, after the day's counter), with
    the counters moved on; the counters stay locked until the transaction ends."""
    counters = models.number_counters
    by_day: dict[date, list[int]] = defaultdict(list)
    for index, request in enumerate(requests):
        by_day[business_day(request.values["created_at"])].append(index)
    rows = await connection.execute(
        sa.select(counters.c.day, counters.c.last_value)
        .where(counters.c.day.in_(list(by_day)))
        .with_for_update()
    )
    last = dict(rows.tuples().all())
    numbers = [""] * len(requests)
    for day, indexes in by_day.items():
        indexes.sort(key=lambda i: requests[i].values["created_at"])
        start = last.get(day, 0)
        for offset, index in enumerate(indexes, start=1):
            numbers[index] = format_number(day, start + offset)
        last[day] = start + len(indexes)
    upsert = insert(counters)
    await connection.execute(
        upsert.on_conflict_do_update(
            index_elements=[counters.c.day], set_={"last_value": upsert.excluded.last_value}
        ),
        [{"day": day, "last_value": value} for day, value in last.items()],
    )
    return numbers


def _request_records(
    requests: Sequence[GeneratedRequest], numbers: Sequence[str]
) -> Iterator[tuple[Any, ...]]:
    for request, number in zip(requests, numbers, strict=True):
        values = {**request.values, "number": number}
        yield tuple(
            json.dumps(values[name])
            if name in _JSON_COLUMNS and values[name] is not None
            # Every column has a value, even the ones the database would default.
            else values[name]
            for name in _REQUEST_COLUMNS
        )


def _clock_records(
    requests: Sequence[GeneratedRequest], numbers: Sequence[str]
) -> Iterator[tuple[Any, ...]]:
    for request, number in zip(requests, numbers, strict=True):
        for clock in request.clocks.clocks:
            values = {"request_number": number, "clock": clock.kind.value, **clock_values(clock)}
            yield tuple(values[name] for name in _CLOCK_COLUMNS)
