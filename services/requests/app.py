"""Wiring of the requests service: settings → engine, store, servicer, outbox relay."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

import sqlalchemy as sa
from ukm.requests.v1 import requests_service_pb2, requests_service_pb2_grpc
from ukm.shifts.v1 import events_pb2 as shift_events

from services.kit.channels import MeshChannels
from services.kit.consumer import Consumer
from services.kit.db import create_engine, session_factory
from services.kit.envelope import event_subject
from services.kit.metrics import ServerMetrics
from services.kit.nats import connect_nats
from services.kit.relay import OutboxRelay, RelayMetrics
from services.kit.server import ServiceApp
from services.kit.settings import Settings
from services.requests import models
from services.requests.api import RequestApi
from services.requests.comments_store import CommentStore
from services.requests.directory import AddressBook
from services.requests.handover import Handover
from services.requests.lifecycle_duty import Roster, ShiftRoster
from services.requests.lifecycle_executors import MeshExecutors
from services.requests.lifecycle_store import LifecycleStore
from services.requests.queries import RequestQueries
from services.requests.sla_hooks import SlaBookkeeping
from services.requests.sla_scheduler import SlaScheduler
from services.requests.sla_settings import SlaSettings
from services.requests.store import RequestStore

SERVICE = "requests"
SHIFTS_STREAM = "SHIFTS"
SERVICE_NAME = requests_service_pb2.DESCRIPTOR.services_by_name["RequestService"].full_name
RETRYABLE = (
    "/ukm.shifts.v1.ShiftService/GetOnDuty",
    "/ukm.users.v1.UserService/GetPrincipal",
)


def utc_now() -> datetime:
    """The wall clock, timezone-aware."""
    return datetime.now(UTC)


async def build(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    roster: Roster | None = None,
) -> ServiceApp:
    """Everything the requests service runs, ready for `kit.server.Server`.

    `roster` answers "is this executor on duty" (default: the shifts service through the
    mesh); tests pass one that reaches a shifts service running beside this one.
    """
    engine = create_engine(
        settings.database_url.get_secret_value(),
        pool_size=settings.db_pool_size,
        application_name=f"ukm-{SERVICE}",
    )
    # Reads of other services are idempotent: retried once or twice when one is restarting.
    channels = MeshChannels(settings, SERVICE, retry_methods=RETRYABLE)
    duty = roster or ShiftRoster(channels)
    sla_settings = SlaSettings()
    policy = sla_settings.policy()
    scheduler = SlaScheduler.from_settings(settings, sla_settings, clock=clock)
    # SLA clocks move in the same transactions as their requests.
    sla = SlaBookkeeping(policy)
    lifecycle = LifecycleStore(
        engine, hooks=[sla.on_step], on_filed=[sla.on_filed], on_edit=[sla.on_edit]
    )
    api = RequestApi(
        RequestStore(engine),
        lifecycle,
        CommentStore(engine),
        AddressBook(channels),
        duty,
        MeshExecutors(duty, channels),
        RequestQueries(engine, clock=clock),
        clock=clock,
        policy=policy,
    )
    metrics = ServerMetrics()
    relay_metrics = RelayMetrics(metrics.registry)

    async def relay_events() -> None:
        # Connected here, not in build: the service must serve (and fill its outbox) even
        # while the broker is down; the relay catches up when it is back.
        nc = await connect_nats(settings.nats_url, f"ukm-{SERVICE}-outbox")
        try:
            # Its own small pool: a saturated request pool must not delay events.
            relay = OutboxRelay.from_settings(settings, models.outbox, nc, metrics=relay_metrics)
            try:
                await relay.run()
            finally:
                await relay.close()
        finally:
            await nc.close()

    handover = Handover(engine, lifecycle, clock=clock)

    async def hand_over_ended_shifts() -> None:
        nc = await connect_nats(settings.nats_url, f"ukm-{SERVICE}-handover")
        try:
            consumer = Consumer(
                nc,
                session_factory(engine),
                models.inbox,
                stream=SHIFTS_STREAM,
                durable=f"{SERVICE}-handover",
                filter_subject=event_subject("shifts", shift_events.ShiftEnded),
                handler=handover.on_shift_ended,
            )
            await consumer.ensure_when_ready()
            await consumer.run()
        finally:
            await nc.close()

    async def database_answers() -> None:
        async with engine.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))

    return ServiceApp(
        name=SERVICE,
        service_names=[SERVICE_NAME],
        register=[partial(requests_service_pb2_grpc.add_RequestServiceServicer_to_server, api)],
        background=[relay_events, hand_over_ended_shifts, scheduler.run],
        readiness=[("database", database_answers)],
        close=[channels.close, scheduler.close, engine.dispose],
        metrics=metrics,
    )
