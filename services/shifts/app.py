"""Wiring of the shifts service: settings → engine, store, the users client, the servicer and
the outbox relay."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

import sqlalchemy as sa
from ukm.shifts.v1 import shifts_service_pb2, shifts_service_pb2_grpc

from services.kit.channels import MeshChannels
from services.kit.db import create_engine
from services.kit.metrics import ServerMetrics
from services.kit.nats import connect_nats
from services.kit.relay import OutboxRelay, RelayMetrics
from services.kit.server import ServiceApp
from services.kit.settings import Settings
from services.shifts import models
from services.shifts.api import ShiftApi
from services.shifts.people import RETRYABLE, MeshPeople, People
from services.shifts.store import ShiftStore

SERVICE = "shifts"
SERVICE_NAME = shifts_service_pb2.DESCRIPTOR.services_by_name["ShiftService"].full_name


def utc_now() -> datetime:
    """The wall clock, timezone-aware."""
    return datetime.now(UTC)


async def build(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    people: People | None = None,
) -> ServiceApp:
    """Everything the shifts service runs, ready for `kit.server.Server`.

    `people` answers "who is this executor now" (default: the users service through the mesh).
    """
    engine = create_engine(
        settings.database_url.get_secret_value(),
        pool_size=settings.db_pool_size,
        application_name=f"ukm-{SERVICE}",
    )
    channels = MeshChannels(settings, SERVICE, default_timeout=3.0, retry_methods=RETRYABLE)
    api = ShiftApi(ShiftStore(engine), people or MeshPeople(channels), clock=clock)
    metrics = ServerMetrics()
    relay_metrics = RelayMetrics(metrics.registry)

    async def relay_events() -> None:
        # Connected here, not in build: the service must serve (and fill its outbox) even
        # while the broker is down; the relay catches up when it is back.
        nc = await connect_nats(settings.nats_url, f"ukm-{SERVICE}-outbox")
        try:
            relay = OutboxRelay.from_settings(settings, models.outbox, nc, metrics=relay_metrics)
            try:
                await relay.run()
            finally:
                await relay.close()
        finally:
            await nc.close()

    async def database_answers() -> None:
        async with engine.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))

    return ServiceApp(
        name=SERVICE,
        service_names=[SERVICE_NAME],
        register=[partial(shifts_service_pb2_grpc.add_ShiftServiceServicer_to_server, api)],
        background=[relay_events],
        readiness=[("database", database_answers)],
        close=[channels.close, engine.dispose],
        metrics=metrics,
    )
