"""The `ukm` command line: migrate (schemas and streams) and clear errors."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import nats
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

ROOT = Path(__file__).resolve().parents[1]


def ukm(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ukmctl", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )


async def test_migrate_creates_schemas_and_streams_and_can_run_twice(
    database_url: str, nats_url: str
) -> None:
    env = {"UKM_DATABASE_URL": database_url, "UKM_NATS_URL": nats_url}
    for _ in range(2):
        result = await asyncio.to_thread(ukm, "migrate", env=env)
        assert result.returncode == 0, result.stderr
    engine = create_async_engine(database_url)
    async with engine.connect() as connection:
        tables = set(
            (
                await connection.execute(
                    sa.text(
                        "SELECT table_name FROM information_schema.tables"
                        " WHERE table_schema = 'requests'"
                    )
                )
            ).scalars()
        )
    await engine.dispose()
    assert {
        "requests",
        "request_number_counters",
        "idempotency_keys",
        "outbox",
        "inbox",
        "alembic_version",
    } <= tables
    client = await nats.connect(nats_url)
    names = {s.config.name for s in await client.jetstream().streams_info()}
    await client.close()
    assert {"REQUESTS", "UKM_DLQ"} <= names


def test_serving_an_unknown_service_says_which_exist() -> None:
    result = ukm("serve", "nope")
    assert result.returncode == 2
    assert "unknown service 'nope'" in result.stderr
    assert "requests" in result.stderr
    assert "Traceback" not in result.stderr
