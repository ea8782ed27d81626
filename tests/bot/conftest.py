"""One mesh for the whole bot test package (every service behind a real Envoy, on its own
database and a clean JetStream), a signed-in manager, and per test a local Bot API server and
the real bot polling it."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import nats
import pytest
from nats.js.errors import NotFoundError

from mesh.topology import load_topology
from services.kit.streams import ensure_streams
from tests.bot.harness import BotUnderTest, bot_settings
from tests.bot.office import Office, Place
from tests.bot.tcp_proxy import TcpProxy, tcp_proxy
from tests.support.db import fresh_database
from tests.support.people import sign_in
from tests.support.stack import Stack, mesh_behind_envoy
from tests.support.telegram_api import LocalBotApi, running_bot_api


@pytest.fixture(scope="package")
async def stack(
    postgres_server_url: str,
    nats_server_url: str,
    pki_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Stack]:
    """Every service and Envoy, shared by the package's tests (each uses its own people)."""
    client = await nats.connect(nats_server_url)
    js = client.jetstream()
    for stream in await js.streams_info():
        with contextlib.suppress(NotFoundError):
            await js.delete_stream(stream.config.name)
    await ensure_streams(js, load_topology())
    await client.close()
    async with (
        fresh_database(postgres_server_url) as database_url,
        mesh_behind_envoy(
            database_url, nats_server_url, pki_dir, tmp_path_factory.mktemp("bot-mesh")
        ) as running,
    ):
        yield running


@pytest.fixture(scope="package")
async def office(stack: Stack) -> AsyncIterator[Office]:
    """A manager (made by the operator bootstrap, signed in through the edge)."""
    manager = await sign_in(stack, "manager")
    async with grpc.aio.insecure_channel(stack.edge_address) as channel:
        yield Office(channel, manager)


@pytest.fixture(scope="package")
async def place(office: Office) -> Place:
    """Where the residents of these tests live: apartments 1–12 of one building, in a yard
    listed among others (so the yard picker pages)."""
    for n in range(9):
        await office.place(f"Olmazor {n + 1}", f"Qatortol {n + 1}", flats=1)
    return await office.place("Chilonzor Park", "Bunyodkor 7", flats=12)


@pytest.fixture
async def api() -> AsyncIterator[LocalBotApi]:
    """A fresh local Bot API server."""
    async with running_bot_api() as server:
        yield server


@pytest.fixture
async def mesh_road(stack: Stack) -> AsyncIterator[TcpProxy]:
    """The bot's road to Envoy's mesh listener, which tests may cut."""
    async with tcp_proxy(stack.mesh_address) as proxy:
        yield proxy


@pytest.fixture
async def bot(
    api: LocalBotApi, stack: Stack, redis_url: str, pki_dir: Path, mesh_road: TcpProxy
) -> AsyncIterator[BotUnderTest]:
    """The real bot polling `api`, with Redis keys of its own."""
    settings = bot_settings(
        api,
        redis_url=redis_url,
        mesh_address=mesh_road.address,
        pki_dir=pki_dir,
        prefix=f"ukm:bot:test:{uuid.uuid4().hex[:8]}",
    )
    running = BotUnderTest(settings, api)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
