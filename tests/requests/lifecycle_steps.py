"""Short ways to take a request through its life in the service tests (no tests here)."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from ukm.events.v1 import envelope_pb2
from ukm.requests.v1 import events_pb2, request_pb2
from ukm.requests.v1 import requests_service_pb2 as pb

from services.requests import models
from tests.requests.world import MANAGER, World
from tests.support.db import rows
from tests.support.identity import Person, as_
from tests.support.rpc import reason_of

_EVENT_TYPES = {
    f"ukm.requests.v1.{name}": getattr(events_pb2, name)
    for name in (
        "RequestCreated",
        "RequestStatusChanged",
        "RequestAssigned",
        "RequestUnassigned",
        "RequestCommented",
        "RequestRated",
        "RequestUpdated",
    )
}


async def refused(call: Any, code: grpc.StatusCode, reason: str | None = None) -> str:
    """Await `call`, which must fail with `code` (and ErrorInfo `reason`); its message."""
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await call
    assert failure.value.code() == code, failure.value.details()
    if reason is not None:
        assert reason_of(failure.value) == reason, failure.value.details()
    return str(failure.value.details())


async def claimed_by(world: World, executor: Person, **changes: Any) -> request_pb2.Request:
    """A new request claimed from its pool by `executor` (on shift already)."""
    filed = await world.file(**changes)
    claim = pb.ClaimRequestRequest(request_number=filed.request_number)
    claimed: request_pb2.Request = (
        await world.requests.ClaimRequest(claim, metadata=as_(executor))
    ).request
    return claimed


async def completed_by(world: World, executor: Person, **changes: Any) -> request_pb2.Request:
    """A new request claimed and completed by `executor`."""
    claimed = await claimed_by(world, executor, **changes)
    complete = pb.CompleteRequestRequest(
        request_number=claimed.request_number, report="Заменил прокладку"
    )
    done: request_pb2.Request = (
        await world.requests.CompleteRequest(complete, metadata=as_(executor))
    ).request
    return done


async def confirmed(world: World, executor: Person, **changes: Any) -> request_pb2.Request:
    """A new request completed by `executor` and confirmed by a manager."""
    done = await completed_by(world, executor, **changes)
    confirm = pb.ConfirmRequestRequest(request_number=done.request_number)
    checked: request_pb2.Request = (
        await world.requests.ConfirmRequest(confirm, metadata=as_(MANAGER))
    ).request
    return checked


async def events_of(database_url: str, number: str) -> list[Any]:
    """The events in the outbox about request `number`, in order, unpacked."""
    stored = await rows(database_url, "SELECT payload FROM requests.outbox ORDER BY seq")
    found = []
    for (payload,) in stored:
        envelope = envelope_pb2.Envelope.FromString(payload)
        if envelope.subject != number:
            continue
        event = _EVENT_TYPES[envelope.type]()
        assert envelope.data.Unpack(event)
        found.append(event)
    return found


async def history_rows(world: World, number: str) -> list[sa.RowMapping]:
    """The stored history of `number` as rows (for replays)."""
    engine = create_async_engine(world.database_url)
    try:
        async with engine.connect() as connection:
            table = models.history
            query = (
                sa.select(table).where(table.c.request_number == number).order_by(table.c.version)
            )
            return list((await connection.execute(query)).mappings().all())
    finally:
        await engine.dispose()


async def request_row(world: World, number: str) -> sa.RowMapping:
    """The stored request row."""
    engine = create_async_engine(world.database_url)
    try:
        async with engine.connect() as connection:
            table = models.requests
            query = sa.select(table).where(table.c.number == number)
            return (await connection.execute(query)).mappings().one()
    finally:
        await engine.dispose()
