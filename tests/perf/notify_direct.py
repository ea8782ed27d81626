"""Deliveries queued at once: direct sends (`SendNotification`, through Envoy's edge as the
signed-in manager) of an announcement to many people, and where those deliveries stand
(read from the notifications service's table, the bench's bookkeeping).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence

import grpc
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from ukm.notifications.v1 import notifications_service_pb2 as pb
from ukm.notifications.v1 import notifications_service_pb2_grpc as rpc

from services.notifications import models
from services.notifications.delivery import FINAL_STATES
from tests.perf.load import BenchError, Metadata

# At most this many people per call (the contract's limit).
MAX_PER_CALL = 500


def announcement(number: str) -> str:
    """What a housing company tells its residents all at once (with the bench's number)."""
    return (
        f"Объявление №{number}: плановое отключение холодной воды в доме завтра "
        "с 10:00 до 14:00 (замена стояка). Просим заранее набрать воду."
    )


async def broadcast(
    edge_address: str,
    metadata: Callable[[], Awaitable[Metadata]],
    user_ids: Sequence[str],
    numbers: Sequence[str],
    *,
    subject: str,
) -> float:
    """One announcement per number to every person, one number after the other (so everyone's
    are queued in the same order), each to up to 500 people per call, the calls of a number at
    once; returns the seconds until the last call had answered."""
    chunks = [user_ids[i : i + MAX_PER_CALL] for i in range(0, len(user_ids), MAX_PER_CALL)]
    signed = await metadata()
    recorded = 0
    async with grpc.aio.insecure_channel(edge_address) as channel:
        stub = rpc.NotificationServiceStub(channel)
        started = time.monotonic()
        for number in numbers:
            answers = await asyncio.gather(
                *(
                    stub.SendNotification(
                        pb.SendNotificationRequest(
                            user_ids=list(chunk),
                            text=announcement(number),
                            subject=subject,
                            idempotency_key=f"bench-{number}-{n}",
                        ),
                        timeout=60,
                        metadata=signed,
                    )
                    for n, chunk in enumerate(chunks)
                )
            )
            recorded += sum(len(answer.deliveries) for answer in answers)
        queued = time.monotonic() - started
    if recorded != len(user_ids) * len(numbers):
        raise BenchError(f"{recorded} deliveries recorded of {len(user_ids) * len(numbers)}")
    return queued


async def states(engine: AsyncEngine, subject: str) -> dict[str, int]:
    """How many deliveries about `subject` are in each state."""
    table = models.deliveries
    query = (
        sa.select(table.c.state, sa.func.count())
        .where(table.c.subject == subject)
        .group_by(table.c.state)
    )
    async with engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    return {str(state): int(count) for state, count in rows}


async def settled_states(
    engine: AsyncEngine, subject: str, expected: int, *, within: float = 30.0
) -> dict[str, int]:
    """The states once all `expected` deliveries about `subject` are final (the worker writes a
    result just after its call), or as they are after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        found = await states(engine, subject)
        final = sum(n for state, n in found.items() if state in FINAL_STATES)
        if final >= expected or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.1)
