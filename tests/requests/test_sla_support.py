"""Helpers (no tests here) for the SLA and query tests: a migrated database and request rows
written straight into it, with their clocks, at times the test chooses."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from mesh.topology import load_topology
from services.kit.db import create_engine, migrate_async
from services.requests import models
from services.requests.domain import CATEGORY_SPECIALISATION
from services.requests.sla import SlaPolicy
from services.requests.sla_clock import SlaSnapshot
from services.requests.sla_hooks import SlaBookkeeping
from services.requests.sla_store import on_status_change

T0 = datetime(2025, 11, 25, 9, 0, tzinfo=UTC)
POLICY = SlaPolicy()
_numbers = itertools.count(1)


def new_uuid() -> str:
    return str(uuid.uuid4())


@asynccontextmanager
async def migrated(database_url: str) -> AsyncIterator[AsyncEngine]:
    """The requests schema migrated to head in the test's database, and an engine on it."""
    service = load_topology().service("requests")
    await migrate_async(database_url, service.migrations_dir, service.schema or "requests")
    engine = create_engine(database_url, pool_size=4)
    try:
        yield engine
    finally:
        await engine.dispose()


def request_row(**changes: Any) -> dict[str, Any]:
    """Column values of a valid request filed at T0 (a unique number each call)."""
    created = changes.get("created_at", T0)
    category = changes.get("category", "plumbing")
    urgency = changes.get("urgency", "medium")
    respond, resolve = POLICY.deadlines(category, urgency, created)
    row: dict[str, Any] = {
        "number": f"{created:%y%m%d}-{next(_numbers):03d}",
        "status": "new",
        "applicant_id": new_uuid(),
        "category": category,
        "specialisation": CATEGORY_SPECIALISATION[category],
        "description": "Течёт труба под раковиной на кухне",
        "urgency": urgency,
        "address_level": "apartment",
        "yard_id": new_uuid(),
        "building_id": new_uuid(),
        "apartment_id": new_uuid(),
        "source": "bot",
        "acceptance_mode": "resident",
        "response_due_at": respond,
        "resolution_due_at": resolve,
        "created_at": created,
        "updated_at": created,
    }
    row.update(changes)
    return row


async def file(
    engine: AsyncEngine, *, policy: SlaPolicy = POLICY, clocks: bool = True, **changes: Any
) -> dict[str, Any]:
    """Insert a request (and start its clocks) in one transaction; its column values."""
    row = request_row(**changes)
    async with engine.begin() as connection:
        await connection.execute(sa.insert(models.requests).values(**row))
        if clocks:
            await SlaBookkeeping(policy).on_filed(connection, row)
    return row


async def move(
    engine: AsyncEngine, number: str, to_status: str, at: datetime, *, executor: str | None = None
) -> SlaSnapshot | None:
    """Change a request's status at `at` as the workflow would (executor set for IN_PROGRESS),
    with its clocks, in one transaction."""
    table = models.requests
    async with engine.begin() as connection:
        current = (
            await connection.execute(
                sa.select(table.c.status, table.c.executor_id)
                .where(table.c.number == number)
                .with_for_update()
            )
        ).one()
        executor_id = executor or current.executor_id or new_uuid()
        await connection.execute(
            sa.update(table)
            .where(table.c.number == number)
            .values(
                status=to_status,
                executor_id=executor_id if to_status != "new" else None,
                updated_at=at,
            )
        )
        return await on_status_change(connection, number, current.status, to_status, at)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
