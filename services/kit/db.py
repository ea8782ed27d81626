"""PostgreSQL access: one async engine per process, sessions, and per-service migrations.

Every service owns one schema (named in the topology) and never touches another's tables.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

# Serialises concurrent migrations of the same database (several replicas starting at once).
_MIGRATION_LOCK_KEY = 0x554B4D  # "UKM"


def create_engine(
    url: str, *, pool_size: int = 10, application_name: str = "ukm", pre_ping: bool = False
) -> AsyncEngine:
    """An asyncpg-backed engine.

    Request paths leave `pre_ping` off: with asyncpg it costs three round trips per checkout,
    more than a typical query. After a database restart the first call on a dead connection
    fails instead; SQLAlchemy then discards the whole pool, and the call is answered
    UNAVAILABLE (retryable, see `services.kit.faults`). Background loops that poll anyway
    (the outbox relay) turn it on.
    """
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=pre_ping,
        pool_recycle=1800,
        connect_args={"server_settings": {"application_name": application_name}},
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose objects stay readable after commit (we map them to protos afterwards)."""
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commits on success, rolls back on any exception."""
    async with sessions() as session, session.begin():
        yield session


def asyncpg_dsn(url: str) -> str:
    """The plain `postgresql://` form of a SQLAlchemy URL, for raw asyncpg connections."""
    return (
        sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    )


def migrate(url: str, migrations_dir: Path, schema: str) -> None:
    """Bring `schema` up to the newest Alembic revision in `migrations_dir` (blocking).

    Runs in a worker thread's own event loop so it can be called from sync code (the CLI) and,
    through `migrate_async`, from async code alike.
    """
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.attributes["database_url"] = url
    config.attributes["schema"] = schema
    command.upgrade(config, "heads")


async def migrate_async(url: str, migrations_dir: Path, schema: str) -> None:
    """`migrate` without blocking the running event loop."""
    await asyncio.to_thread(migrate, url, migrations_dir, schema)


def run_alembic_env(target_metadata: sa.MetaData) -> None:
    """The body of every service's `migrations/env.py` (online mode only).

    Creates the schema, keeps Alembic's version table inside it, and holds an advisory lock so
    replicas that start together migrate one after another.
    """
    from alembic import context

    config = context.config
    url = config.attributes["database_url"]
    schema = config.attributes["schema"]

    def run(connection: sa.Connection) -> None:
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_KEY})
        connection.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table_schema=schema,
            include_schemas=True,
            transaction_per_migration=False,
        )
        context.run_migrations()

    async def main() -> None:
        engine = create_async_engine(url, poolclass=sa.pool.NullPool)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(run)
        finally:
            await engine.dispose()

    asyncio.run(main())
