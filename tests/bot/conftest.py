"""One mesh for the whole bot test package (every service behind a real Envoy, on its own
database and a clean JetStream), a signed-in manager, and per test the real bot polling a
local Bot API server.

The Bot API server lives as long as the mesh: the notifications service sends its Telegram
messages there too (our real `TelegramChannel`, the bot's token, fast delivery settings; no
e-mail or SMS), so a person's chat holds both what the bot says and what notifications send,
as in Telegram. Each test gets it with everything earlier tests left forgotten (`api`);
tests/bot/harness.py tells the two senders apart."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import nats
import pytest
from nats.js.errors import NotFoundError
from pydantic import SecretStr

from mesh.topology import load_topology
from services.kit.streams import ensure_streams
from services.notifications.channels import ChannelKind, TelegramChannel
from services.notifications.channels.telegram import telegram_pacer
from services.notifications.settings import DeliverySettings
from tests.bot.harness import BotUnderTest, bot_settings
from tests.bot.office import Office, Place
from tests.bot.tcp_proxy import TcpProxy, tcp_proxy
from tests.support.db import fresh_database
from tests.support.people import sign_in
from tests.support.stack import Stack, mesh_behind_envoy
from tests.support.telegram_api import LocalBotApi, running_bot_api

# Picked up within a fifth of a second, retried in tens of milliseconds, contacts read fresh
# (a person's language or chat may have changed a moment ago); the per-person limit is loose:
# a manager here hears about every request the package's tests complete.
DELIVERY = DeliverySettings(
    backoff_base_seconds=0.05,
    backoff_cap_seconds=0.2,
    poll_seconds=0.2,
    lease_seconds=3.0,
    contacts_ttl_seconds=0.0,
    role_holders_ttl_seconds=0.0,
    max_attempts=4,
    recipient_limit=200,
    recipient_window_seconds=3.0,
)


@pytest.fixture(scope="package")
async def telegram() -> AsyncIterator[LocalBotApi]:
    """The package's local Bot API: the bot's and the notifications service's Telegram."""
    async with running_bot_api() as server:
        yield server


@pytest.fixture(scope="package")
async def stack(
    postgres_server_url: str,
    nats_server_url: str,
    redis_url: str,
    pki_dir: Path,
    telegram: LocalBotApi,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Stack]:
    """Every service and Envoy, shared by the package's tests (each uses its own people); the
    notifications service sends to `telegram` with the bot's token."""
    client = await nats.connect(nats_server_url)
    js = client.jetstream()
    for stream in await js.streams_info():
        with contextlib.suppress(NotFoundError):
            await js.delete_stream(str(stream.config.name))
    await ensure_streams(js, load_topology())
    await client.close()
    channel = TelegramChannel(
        SecretStr(telegram.token),
        api_base=telegram.base_url,
        pacer=telegram_pacer(1000.0, 1000.0),
        timeout=2.0,
    )
    options = {
        "notifications": {
            "channels": {ChannelKind.TELEGRAM: channel},
            "delivery_settings": DELIVERY,
        }
    }
    async with (
        fresh_database(postgres_server_url) as database_url,
        mesh_behind_envoy(
            database_url,
            nats_server_url,
            pki_dir,
            tmp_path_factory.mktemp("bot-mesh"),
            redis_url=redis_url,
            options=options,
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
def api(telegram: LocalBotApi) -> LocalBotApi:
    """The local Bot API, with nothing of earlier tests left (calls, messages, updates,
    planned failures). A notification of an earlier test may still land: in its own chat."""
    telegram.reset()
    return telegram


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
