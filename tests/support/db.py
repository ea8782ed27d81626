"""Looking behind a service: one-off SQL against its database (tests only)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine


@asynccontextmanager
async def fresh_database(server_url: str) -> AsyncIterator[str]:
    """A new, empty database on the server at `server_url` (dropped afterwards); its URL."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.engine.make_url(server_url).set(database=name)
        yield url.render_as_string(hide_password=False)
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


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


async def execute(database_url: str, *statements: str, **params: object) -> None:
    """Run `statements` (with bind `params`) in one committed transaction."""
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            for statement in statements:
                await connection.execute(sa.text(statement), params)
    finally:
        await engine.dispose()


async def rows(database_url: str, sql: str) -> list[tuple[Any, ...]]:
    """Every row of a query."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            return [tuple(row) for row in await connection.execute(sa.text(sql))]
    finally:
        await engine.dispose()
