"""Fixtures shared by the event tests: an event database and a NATS client with the streams."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from services.kit.nats import connect_nats
from tests.support.events import EventDb, event_db, setup_streams


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[EventDb]:
    """Outbox and inbox tables in a fresh database."""
    async with event_db(database_url) as created:
        yield created


@pytest.fixture
async def nc(nats_url: str, request: pytest.FixtureRequest) -> AsyncIterator[NatsClient]:
    """A client of the session's NATS, with the test streams created."""
    client = await connect_nats(nats_url, f"test-{request.module.__name__.rsplit('.', 1)[-1]}")
    await setup_streams(client)
    yield client
    await client.close()


@pytest.fixture
def js(nc: NatsClient) -> JetStreamContext:
    """JetStream of `nc`."""
    return nc.jetstream()
