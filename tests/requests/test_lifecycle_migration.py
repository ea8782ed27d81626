"""The lifecycle migration: it creates exactly the modelled tables, and requests filed before it
get their creation step so their history starts at version 1 and replays."""

from __future__ import annotations

import asyncio
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

from mesh.topology import load_topology
from services.kit.db import create_engine, migrate_async
from services.requests import history, models
from services.requests.lifecycle_codec import state_of
from tests.support.db import execute, rows

LIFECYCLE_TABLES = frozenset(
    {
        "request_history",
        "request_assignments",
        "request_comments",
        "request_ratings",
        "request_purchases",
    }
)
MIGRATIONS = load_topology().service("requests").migrations_dir


def _about_lifecycle(diff: Any) -> bool:
    """Whether an autogenerate difference (a tuple, or a list of them) is about our tables."""
    if isinstance(diff, list | tuple):
        return any(_about_lifecycle(part) for part in diff)
    if isinstance(diff, str):
        return diff in LIFECYCLE_TABLES
    table = diff if isinstance(diff, sa.Table) else getattr(diff, "table", None)
    return getattr(table, "name", None) in LIFECYCLE_TABLES


async def test_the_migration_creates_exactly_the_modelled_tables(database_url: str) -> None:
    await migrate_async(database_url, MIGRATIONS, "requests")

    def differences(connection: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"include_schemas": True, "target_metadata": models.metadata}
        )
        return [d for d in compare_metadata(context, models.metadata) if _about_lifecycle(d)]

    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()


def _upgrade(url: str, target: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = url
    config.attributes["schema"] = "requests"
    command.upgrade(config, target)


async def test_requests_filed_before_get_their_creation_step(database_url: str) -> None:
    await asyncio.to_thread(_upgrade, database_url, "0001")
    await execute(
        database_url,
        """
        INSERT INTO requests.requests (
            number, status, applicant_id, category, specialisation, description, urgency,
            address_level, yard_id, apartment_id, building_id, source, acceptance_mode,
            response_due_at, resolution_due_at, created_at, updated_at)
        VALUES (
            '251120-001', 'new', '9c4f5da1-6ec0-4f88-b154-3d4e5f607182', 'plumbing', 'plumber',
            'Течёт кран на кухне', 'medium', 'apartment', '6f1c2a7e-3b9d-4c55-8e21-0a1b2c3d4e5f',
            '8b3e4c90-5dbf-4e77-a043-2c3d4e5f6071', '7a2d3b8f-4cae-4d66-9f32-1b2c3d4e5f60',
            'bot', 'resident', now(), now(), now(), now())
        """,
    )
    await asyncio.to_thread(_upgrade, database_url, "heads")
    assert await rows(
        database_url,
        "SELECT version, change, to_status, actor_id, details->>'category'"
        " FROM requests.request_history",
    ) == [(1, "created", "new", None, "plumbing")]
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            steps = (await connection.execute(sa.select(models.history))).mappings().all()
            row = (await connection.execute(sa.select(models.requests))).mappings().one()
    finally:
        await engine.dispose()
    assert history.replay(steps) == state_of(row)
