"""Wiring of the notifications service: settings → engine, stores, the mesh clients, channels,
the event consumers, the delivery worker and the servicer."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from functools import partial

import sqlalchemy as sa
from ukm.notifications.v1 import notifications_service_pb2, notifications_service_pb2_grpc

from mesh.topology import load_topology
from services.kit.channels import MeshChannels
from services.kit.consumer import Consumer
from services.kit.db import asyncpg_dsn, create_engine, session_factory
from services.kit.metrics import ServerMetrics
from services.kit.nats import connect_nats
from services.kit.ratelimit import RateLimiter
from services.kit.redis import redis_answers, redis_client
from services.kit.server import ServiceApp
from services.kit.settings import Settings
from services.kit.wakeup import PgWakeup
from services.notifications import models
from services.notifications.api import NotificationApi
from services.notifications.channels import Channel, ChannelKind, ChannelSettings
from services.notifications.channels.registry import configured_channels
from services.notifications.delivery_queue import DeliveryQueue
from services.notifications.delivery_store import DeliveryStore
from services.notifications.events import Intake, consumed_streams, durable_name
from services.notifications.people import RETRYABLE, MeshPeople, People
from services.notifications.preference_store import PreferenceStore
from services.notifications.settings import DeliverySettings
from services.notifications.template_store import TemplateStore
from services.notifications.worker import DeliveryWorker, WorkerMetrics

SERVICE = "notifications"
SERVICE_NAME = notifications_service_pb2.DESCRIPTOR.services_by_name[
    "NotificationService"
].full_name


def utc_now() -> datetime:
    """The wall clock, timezone-aware."""
    return datetime.now(UTC)


async def build(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    people: People | None = None,
    channel_settings: ChannelSettings | None = None,
    delivery_settings: DeliverySettings | None = None,
    channels: Mapping[ChannelKind, Channel] | None = None,
    rng: random.Random | None = None,
) -> ServiceApp:
    """Everything the notifications service runs, ready for `kit.server.Server`.

    Providers come from `channel_settings` (default: `UKM_TELEGRAM_*`, `UKM_SMTP_*`,
    `UKM_SMS_*`), or `channels` directly; the worker's knobs from `delivery_settings`
    (`UKM_NOTIFY_*`).
    """
    delivery = delivery_settings or DeliverySettings()
    url = settings.database_url.get_secret_value()
    engine = create_engine(url, pool_size=settings.db_pool_size, application_name=f"ukm-{SERVICE}")
    sessions = session_factory(engine)
    mesh = MeshChannels(settings, SERVICE, default_timeout=3.0, retry_methods=RETRYABLE)
    directory = people or MeshPeople(
        mesh,
        contacts_ttl=delivery.contacts_ttl_seconds,
        holders_ttl=delivery.role_holders_ttl_seconds,
    )
    deliveries = DeliveryStore(engine)
    templates = TemplateStore(engine)
    preferences = PreferenceStore(engine)
    providers = (
        dict(channels)
        if channels is not None
        else configured_channels(
            channel_settings or ChannelSettings(), dev_outbox=delivery.dev_outbox
        )
    )
    redis = redis_client(settings, name=f"ukm-{SERVICE}")
    metrics = ServerMetrics()
    worker = DeliveryWorker(
        queue=DeliveryQueue(engine),
        preferences=preferences,
        templates=templates,
        people=directory,
        channels=providers,
        settings=delivery,
        wakeup=PgWakeup(asyncpg_dsn(url), models.DUE_CHANNEL, poll_seconds=delivery.poll_seconds),
        limiter=RateLimiter(redis, prefix="ukm:ratelimit:"),
        clock=clock,
        rng=rng,
        metrics=WorkerMetrics(metrics.registry),
    )
    intake = Intake(deliveries, directory, clock=clock, reset_url=delivery.reset_url)
    api = NotificationApi(
        deliveries=deliveries,
        sessions=sessions,
        templates=templates,
        preferences=preferences,
        people=directory,
        clock=clock,
    )

    def consume(stream: str, subjects: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            # Connected here, not in build: the service serves while the broker is away.
            nc = await connect_nats(settings.nats_url, f"ukm-{durable_name(stream)}")
            try:
                consumer = Consumer(
                    nc,
                    sessions,
                    models.inbox,
                    stream=stream,
                    durable=durable_name(stream),
                    filter_subject=subjects,
                    handler=intake.handle,
                    # Busy streams: one commit per fetch, not per event.
                    group_commit=True,
                )
                await consumer.ensure_when_ready()
                await consumer.run()
            finally:
                await nc.close()

        return run

    async def database_answers() -> None:
        async with engine.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))

    async def close_providers() -> None:
        for provider in providers.values():
            await provider.aclose()

    return ServiceApp(
        name=SERVICE,
        service_names=[SERVICE_NAME],
        register=[
            partial(notifications_service_pb2_grpc.add_NotificationServiceServicer_to_server, api)
        ],
        background=[
            *(consume(stream, subjects) for stream, subjects in consumed_streams(load_topology())),
            worker.run,
        ],
        readiness=[("database", database_answers), ("redis", redis_answers(redis))],
        close=[close_providers, mesh.close, redis.aclose, engine.dispose],
        metrics=metrics,
    )
