"""Wiring of the users service: settings → keyring, engine, stores, the three servicers
(people, verification, directory) and the outbox relay."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

import sqlalchemy as sa
from ukm.users.v1 import (
    directory_service_pb2,
    directory_service_pb2_grpc,
    users_service_pb2,
    users_service_pb2_grpc,
    verification_service_pb2,
    verification_service_pb2_grpc,
)

from services.kit.channels import MeshChannels
from services.kit.crypto import Keyring
from services.kit.db import create_engine
from services.kit.metrics import ServerMetrics
from services.kit.nats import connect_nats
from services.kit.relay import OutboxRelay, RelayMetrics
from services.kit.server import ServiceApp
from services.kit.settings import Settings
from services.users import models
from services.users.api import UserApi
from services.users.directory_api import DirectoryApi
from services.users.directory_references import MeshRequestReferences, RequestReferences
from services.users.directory_store import DirectoryStore
from services.users.invite_store import InviteStore
from services.users.people_store import PeopleStore
from services.users.privacy import Sealer
from services.users.rights_store import RightsStore
from services.users.verification_api import VerificationApi
from services.users.verification_store import VerificationStore

SERVICE = "users"
SERVICE_NAMES = [
    users_service_pb2.DESCRIPTOR.services_by_name["UserService"].full_name,
    verification_service_pb2.DESCRIPTOR.services_by_name["VerificationService"].full_name,
    directory_service_pb2.DESCRIPTOR.services_by_name["DirectoryService"].full_name,
]


def utc_now() -> datetime:
    """The wall clock, timezone-aware."""
    return datetime.now(UTC)


async def build(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    references: RequestReferences | None = None,
) -> ServiceApp:
    """Everything the users service runs, ready for `kit.server.Server`.

    `references` answers "do requests still use this address?" (default: the requests service
    through the mesh; tests of the directory may pass their own).
    """
    # First: without data keys nothing personal can be stored, so refuse to start at all.
    keyring = Keyring.from_settings(settings)
    sealer = Sealer(keyring)
    engine = create_engine(
        settings.database_url.get_secret_value(),
        pool_size=settings.db_pool_size,
        application_name=f"ukm-{SERVICE}",
    )
    channels = MeshChannels(settings, SERVICE)
    users = UserApi(
        PeopleStore(engine, sealer),
        InviteStore(engine, sealer),
        RightsStore(engine, sealer),
        keyring,
        clock=clock,
    )
    verification = VerificationApi(VerificationStore(engine, sealer), clock=clock)
    directory = DirectoryApi(
        DirectoryStore(engine, references or MeshRequestReferences(channels)), clock=clock
    )
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
        service_names=SERVICE_NAMES,
        register=[
            partial(users_service_pb2_grpc.add_UserServiceServicer_to_server, users),
            partial(
                verification_service_pb2_grpc.add_VerificationServiceServicer_to_server,
                verification,
            ),
            partial(directory_service_pb2_grpc.add_DirectoryServiceServicer_to_server, directory),
        ],
        background=[relay_events],
        readiness=[("database", database_answers)],
        close=[channels.close, engine.dispose],
        metrics=metrics,
    )
