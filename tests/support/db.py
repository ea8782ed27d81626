"""Looking behind a service: one-off SQL against its database (tests only)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine


async def scalar(database_url: str, sql: str) -> Any:
    """The first column of the first row of `sql`."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.scalar(sa.text(sql))
    finally:
        await engine.dispose()


async def count(database_url: str, table: str) -> int:
    """How many rows `table` (schema-qualified) holds."""
    return int(await scalar(database_url, f"SELECT count(*) FROM {table}") or 0)
