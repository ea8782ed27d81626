"""The Alembic migration creates exactly the tables the models describe."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from mesh.topology import load_topology
from services.kit.db import migrate_async
from services.shifts import models


def _in_shifts(name: str | None, kind: str, parent: Any) -> bool:
    if kind == "schema":
        return name == models.SCHEMA
    return not (kind == "table" and name == "alembic_version")


async def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    service = load_topology().service("shifts")
    await migrate_async(database_url, service.migrations_dir, models.SCHEMA)
    engine = create_async_engine(database_url)

    def differences(connection: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection,
            opts={"include_schemas": True, "include_name": _in_shifts, "compare_type": True},
        )
        return list(compare_metadata(context, models.metadata))

    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()
