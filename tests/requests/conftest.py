"""A running requests service (real PostgreSQL and NATS) with a clock the test controls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ukm.requests.v1 import requests_service_pb2_grpc as rpc

from services.kit.server import Server
from services.kit.settings import Settings
from tests.requests.world import World, running_world
from tests.support.identity import person, test_issuer
from tests.support.services import direct_channel, running_requests, service_settings

MANAGER = person("manager")


class Clock:
    """A wall clock that tests can set and advance."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class RequestsService:
    """Everything a test needs to talk to the service and look behind it."""

    stub: rpc.RequestServiceStub
    server: Server
    settings: Settings
    clock: Clock


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 11, 25, 9, 0, tzinfo=UTC))


@pytest.fixture
async def service(
    database_url: str, nats_url: str, pki_dir: Path, clock: Clock
) -> AsyncIterator[RequestsService]:
    settings = service_settings(database_url, nats_url, pki_dir)
    async with running_requests(settings, clock=clock) as server:
        # A manager: files for any address (residents' address rules: test_access.py).
        channel = direct_channel(settings, server, token=test_issuer().token(MANAGER))
        try:
            yield RequestsService(rpc.RequestServiceStub(channel), server, settings, clock)
        finally:
            await channel.close()


@pytest.fixture
async def world(
    database_url: str, nats_url: str, pki_dir: Path, clock: Clock
) -> AsyncIterator[World]:
    """Requests beside real users and shifts services (see tests/requests/world.py)."""
    async with running_world(database_url, nats_url, pki_dir, clock) as running:
        yield running
