"""SLA clocks in the database: started with the request, moved by status changes inside the
request's transaction, deadlines copied onto the request, states filterable in SQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from mesh.topology import load_topology
from services.kit.db import create_engine
from services.requests import models
from services.requests.sla import SlaPolicy, SlaTarget
from services.requests.sla_clock import ClockKind, SlaState
from services.requests.sla_hooks import SlaBookkeeping
from services.requests.sla_models import sla_clocks
from services.requests.sla_store import load_clocks, on_status_change, state_condition
from services.requests.workflow import Action, Actor, Payload, RequestState, apply
from tests.requests.test_sla_support import (
    T0,
    file,
    migrated,
    minutes,
    move,
    new_uuid,
    request_row,
)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    async with migrated(database_url) as engine:
        yield engine


async def clock_rows(engine: AsyncEngine, number: str) -> dict[str, sa.RowMapping]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            sa.select(sla_clocks).where(sla_clocks.c.request_number == number)
        )
        return {row["clock"]: row for row in rows.mappings()}


async def deadlines(engine: AsyncEngine, number: str) -> tuple[object, object]:
    table = models.requests
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                sa.select(table.c.response_due_at, table.c.resolution_due_at).where(
                    table.c.number == number
                )
            )
        ).one()
    return row.response_due_at, row.resolution_due_at


async def test_filing_starts_both_clocks_at_the_request_deadlines(engine: AsyncEngine) -> None:
    row = await file(engine, urgency="critical")
    clocks = await clock_rows(engine, row["number"])
    assert set(clocks) == {"response", "resolution"}
    response, resolution = clocks["response"], clocks["resolution"]
    assert response["due_at"] == row["response_due_at"] == T0 + minutes(30)
    assert resolution["due_at"] == row["resolution_due_at"] == T0 + timedelta(hours=4)
    assert response["warn_at"] == T0 + minutes(24)
    # The scheduler's next look: the 80 % mark.
    assert response["next_alert_at"] == T0 + minutes(24)
    assert response["stopped_at"] is None and response["paused_at"] is None


async def test_a_category_override_sets_the_clocks(engine: AsyncEngine) -> None:
    policy = SlaPolicy(
        by_category={("elevator", "critical"): SlaTarget(minutes(15), timedelta(hours=2))}
    )
    row = await file(engine, policy=policy, category="elevator", urgency="critical")
    clocks = await clock_rows(engine, row["number"])
    assert clocks["response"]["due_at"] == T0 + minutes(15)
    assert clocks["resolution"]["due_at"] == T0 + timedelta(hours=2)
    # The row was filed with the default targets; the clocks' deadlines replaced them.
    assert await deadlines(engine, row["number"]) == (T0 + minutes(15), T0 + timedelta(hours=2))


async def test_pauses_are_stored_and_move_the_deadlines(engine: AsyncEngine) -> None:
    number = (await file(engine, urgency="high"))["number"]
    await move(engine, number, "in_progress", T0 + minutes(10))
    paused = await move(engine, number, "purchase", T0 + minutes(60))
    assert paused is not None and paused.paused
    stored = await clock_rows(engine, number)
    assert stored["response"]["stopped_at"] == T0 + minutes(10)
    assert stored["resolution"]["paused_at"] == T0 + minutes(60)
    assert stored["resolution"]["next_alert_at"] is None  # paused: nothing to expect
    resumed = await move(engine, number, "in_progress", T0 + minutes(180))
    assert resumed is not None
    assert resumed.resolution_due_at == T0 + timedelta(hours=24) + minutes(120)
    stored = await clock_rows(engine, number)
    assert stored["resolution"]["paused_total"] == minutes(120)
    assert stored["resolution"]["due_at"] == T0 + timedelta(hours=26)
    assert stored["resolution"]["next_alert_at"] == stored["resolution"]["warn_at"]
    async with engine.connect() as connection:
        assert (await load_clocks(connection, [number]))[number] == resumed


async def test_a_status_change_without_clocks_is_left_alone(engine: AsyncEngine) -> None:
    number = (await file(engine, clocks=False))["number"]
    assert await move(engine, number, "in_progress", T0 + minutes(5)) is None
    assert await clock_rows(engine, number) == {}


async def test_the_same_status_again_changes_nothing(engine: AsyncEngine) -> None:
    number = (await file(engine))["number"]
    before = await clock_rows(engine, number)
    async with engine.begin() as connection:
        await on_status_change(connection, number, "new", "new", T0 + minutes(5))
    assert await clock_rows(engine, number) == before


async def test_workflow_steps_through_the_change_hook(engine: AsyncEngine) -> None:
    """The real engine's outcomes, as `lifecycle_writes` hands them to its hooks."""
    row = await file(engine, urgency="medium")
    number, hook = row["number"], SlaBookkeeping(SlaPolicy())
    manager = Actor(user_id=new_uuid(), roles=frozenset({"manager"}))
    state = RequestState(
        number=number,
        status=row["status"],
        version=1,
        applicant_id=row["applicant_id"],
        specialisation=row["specialisation"],
    )
    steps = [
        (Action.MANAGER_ASSIGN, Payload(executor_id=new_uuid()), minutes(30)),
        (Action.CLARIFY, Payload(question="Какой этаж и подъезд?"), minutes(60)),
        (Action.CLARIFY_RESOLVED, Payload(), minutes(150)),
    ]
    for action, payload, offset in steps:
        outcome = apply(state, action, manager, payload, now=T0 + offset)
        async with engine.begin() as connection:
            await connection.execute(
                sa.update(models.requests)
                .where(models.requests.c.number == number)
                .values(status=outcome.state.status, executor_id=outcome.state.executor_id)
            )
            await hook.on_step(connection, state, outcome)
        state = outcome.state
    clocks = await clock_rows(engine, number)
    assert clocks["response"]["stopped_at"] == T0 + minutes(30)
    assert clocks["resolution"]["paused_total"] == minutes(90)
    assert await deadlines(engine, number) == (
        T0 + timedelta(hours=8),  # stopped: a later pause does not move it
        T0 + timedelta(days=3) + minutes(90),
    )


async def test_an_urgency_edit_retargets_the_running_clocks(engine: AsyncEngine) -> None:
    row = await file(engine, urgency="low")
    number = row["number"]
    await move(engine, number, "in_progress", T0 + minutes(30))
    after = {**row, "urgency": "critical"}
    async with engine.begin() as connection:
        await SlaBookkeeping(SlaPolicy()).on_edit(connection, row, after)
    clocks = await clock_rows(engine, number)
    assert clocks["response"]["due_at"] == T0 + timedelta(hours=24)  # stopped: kept
    assert clocks["resolution"]["due_at"] == T0 + timedelta(hours=4)
    assert await deadlines(engine, number) == (T0 + timedelta(hours=24), T0 + timedelta(hours=4))


@pytest.mark.parametrize("minute", [0, 50, 80, 95, 100, 130, 400])
async def test_sql_states_agree_with_the_clock_arithmetic(engine: AsyncEngine, minute: int) -> None:
    """`state_condition` (SQL) and `Clock.state` (Python) give the same verdict, for clocks in
    every mode, at several moments."""
    target = SlaPolicy(by_urgency={"medium": SlaTarget(minutes(50), minutes(100))})
    stories: list[list[tuple[str, int]]] = [
        [],
        [("in_progress", 10)],
        [("in_progress", 10), ("purchase", 40)],
        [("in_progress", 10), ("purchase", 85)],
        [("in_progress", 10), ("purchase", 20), ("in_progress", 60)],
        [("in_progress", 10), ("completed", 70)],
        [("in_progress", 10), ("completed", 120)],
        [("in_progress", 10), ("completed", 70), ("in_progress", 90)],
        [("clarification", 5)],
        [("cancelled", 99)],
    ]
    numbers = []
    for story in stories:
        number = (await file(engine, policy=target))["number"]
        for status, at in story:
            await move(engine, number, status, T0 + minutes(at))
        numbers.append(number)
    now = T0 + minutes(minute)
    async with engine.connect() as connection:
        snapshots = await load_clocks(connection, numbers)
        for kind in ClockKind:
            seen: list[str] = []
            for state in SlaState:
                query = sa.select(sla_clocks.c.request_number).where(
                    sla_clocks.c.clock == kind.value,
                    sla_clocks.c.request_number.in_(numbers),
                    state_condition(sla_clocks, [state.value], now),
                )
                in_sql = set((await connection.execute(query)).scalars())
                in_python = {
                    n
                    for n, s in snapshots.items()
                    if (s.response if kind is ClockKind.RESPONSE else s.resolution).state(now)
                    is state
                }
                assert in_sql == in_python, (state, kind)
                seen += in_sql
            # Every clock is in exactly one state.
            assert sorted(seen) == sorted(numbers)


async def test_the_migration_gives_existing_requests_their_clocks(database_url: str) -> None:
    """Requests filed before 0002_sla get clocks from their stored deadlines; only running
    clocks expect alerts (paused and stopped ones are history)."""
    await asyncio.to_thread(_upgrade, database_url, "0001")
    engine = create_engine(database_url)
    try:
        rows = {
            "new": request_row(status="new"),
            "in_progress": request_row(
                status="in_progress", executor_id=new_uuid(), responded_at=T0 + minutes(20)
            ),
            "purchase": request_row(status="purchase", updated_at=T0 + minutes(90)),
            "completed": request_row(
                status="completed",
                executor_id=new_uuid(),
                responded_at=T0 + minutes(5),
                resolved_at=T0 + minutes(200),
            ),
            "cancelled": request_row(status="cancelled", updated_at=T0 + minutes(15)),
        }
        async with engine.begin() as connection:
            for row in rows.values():  # one by one: the rows set different columns
                await connection.execute(sa.insert(models.requests).values(**row))
    finally:
        await engine.dispose()
    async with migrated(database_url) as engine:
        clocks = {status: await clock_rows(engine, row["number"]) for status, row in rows.items()}
    new = clocks["new"]
    assert new["response"]["due_at"] == rows["new"]["response_due_at"]
    assert new["response"]["next_alert_at"] == new["response"]["warn_at"]
    assert new["resolution"]["stopped_at"] is None
    assert clocks["in_progress"]["response"]["stopped_at"] == T0 + minutes(20)
    assert clocks["in_progress"]["response"]["next_alert_at"] is None
    assert clocks["in_progress"]["resolution"]["next_alert_at"] is not None
    assert clocks["purchase"]["resolution"]["paused_at"] == T0 + minutes(90)
    assert clocks["purchase"]["resolution"]["next_alert_at"] is None
    assert clocks["completed"]["resolution"]["stopped_at"] == T0 + minutes(200)
    assert clocks["cancelled"]["response"]["stopped_at"] == T0 + minutes(15)
    assert clocks["cancelled"]["resolution"]["stopped_at"] == T0 + minutes(15)


def _upgrade(database_url: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option(
        "script_location", str(load_topology().service("requests").migrations_dir)
    )
    config.attributes["database_url"] = database_url
    config.attributes["schema"] = "requests"
    command.upgrade(config, revision)
