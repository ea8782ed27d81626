"""Exactly once: the same event never notifies the same person twice — not when JetStream
delivers it again, not when a producer publishes it again, not when the service is killed
in the middle of a provider call and started again.

The notifications service runs here as its own process (`ukm serve notifications`, what a
container runs), so it can be SIGKILLed; everything else runs behind Envoy in-process.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import urllib.request
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import nats
import pytest
from ukm.common.v1 import specialization_pb2
from ukm.requests.v1 import events_pb2 as request_events
from ukm.requests.v1 import request_pb2

from mesh.infra import free_port
from mesh.process import ManagedProcess
from mesh.topology import load_topology
from services.kit.db import migrate_async
from services.kit.envelope import event_subject, wrap
from tests.notifications.conftest import Providers
from tests.support.events import wait_until
from tests.support.people import SignedIn, sign_in
from tests.support.recipients import Recipient, recipient
from tests.support.rest import Rest
from tests.support.stack import ROOT, Stack, mesh_behind_envoy
from tests.support.telegram_api import Failure

pytestmark = pytest.mark.slow


class NotificationsProcess:
    """`ukm serve notifications` pointed at the test stack and the local Bot API."""

    def __init__(self, stack: Stack, providers: Providers, grpc_port: int, work: Path) -> None:
        self.ops_port = free_port()
        settings = stack.settings
        env = {k: v for k, v in os.environ.items() if not k.startswith("UKM_")}
        env.update(
            UKM_GRPC_PORT=str(grpc_port),
            UKM_OPS_PORT=str(self.ops_port),
            UKM_DATABASE_URL=settings.database_url.get_secret_value(),
            UKM_REDIS_URL=settings.redis_url.get_secret_value(),
            UKM_NATS_URL=settings.nats_url,
            UKM_PKI_DIR=str(settings.pki_dir),
            UKM_MESH_ADDRESS=settings.mesh_address,
            UKM_DRAIN_SECONDS="0",
            UKM_TELEGRAM_BOT_TOKEN=providers.bot.token,
            UKM_TELEGRAM_API_BASE=providers.bot.base_url,
            UKM_TELEGRAM_MESSAGES_PER_SECOND="1000",
            UKM_TELEGRAM_CHAT_MESSAGES_PER_SECOND="1000",
            # Longer than the stall below: the call is still open when the process dies.
            UKM_TELEGRAM_TIMEOUT_SECONDS="60",
            UKM_NOTIFY_LEASE_SECONDS="2",
            UKM_NOTIFY_POLL_SECONDS="0.2",
            UKM_NOTIFY_BACKOFF_BASE_SECONDS="0.05",
            UKM_NOTIFY_BACKOFF_CAP_SECONDS="0.2",
            UKM_NOTIFY_CONTACTS_TTL_SECONDS="0",
        )
        self.process = ManagedProcess(
            "notifications",
            [sys.executable, "-m", "ukmctl", "serve", "notifications"],
            log_path=work / "notifications.log",
            env=env,
            cwd=ROOT,
        )

    def _ready(self) -> bool:
        url = f"http://127.0.0.1:{self.ops_port}/readyz"
        with urllib.request.urlopen(url, timeout=1) as answer:
            return bool(answer.status == 200)

    async def start(self) -> None:
        self.process.start()
        await asyncio.to_thread(self.process.wait_ready, self._ready, 60)

    def kill(self) -> None:
        self.process.kill()

    def stop(self) -> None:
        self.process.stop()


@pytest.fixture(scope="module")
def grpc_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
async def stack(
    module_database: str,
    module_nats: str,
    redis_url: str,
    pki_dir: Path,
    grpc_port: int,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Stack]:
    async with mesh_behind_envoy(
        module_database,
        module_nats,
        pki_dir,
        tmp_path_factory.mktemp("exactly-once"),
        redis_url=redis_url,
        elsewhere={"notifications": grpc_port},
    ) as running:
        yield running


@pytest.fixture(scope="module")
async def service(
    stack: Stack, providers: Providers, grpc_port: int, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[NotificationsProcess]:
    # What `ukm migrate` (or the Kubernetes init container) does before the service starts.
    await migrate_async(
        stack.settings.database_url.get_secret_value(),
        load_topology().service("notifications").migrations_dir,
        "notifications",
    )
    process = NotificationsProcess(stack, providers, grpc_port, tmp_path_factory.mktemp("svc"))
    yield process
    process.stop()


async def on_shift(stack: Stack, count: int) -> list[Recipient]:
    """`count` plumbers, each on an active shift (so the plumbers' pool reaches them)."""
    plumbers = [
        await recipient(stack, "executor", specializations=("plumber",)) for _ in range(count)
    ]
    async with aiohttp.ClientSession(stack.rest) as http:
        for plumber in plumbers:
            await Rest(http, plumber.person).ok("POST", "/v1/shifts:start", {})
    return plumbers


_NUMBERS = itertools.count(101)


async def publish_pool_offer(stack: Stack, *, event_id: str, msg_id: str | None = None) -> None:
    """A request addressed to the plumbers' pool, as the requests service announces it."""
    request = request_pb2.Request(
        request_number=f"261204-{next(_NUMBERS)}",
        category=request_pb2.CATEGORY_PLUMBING,
        urgency=request_pb2.URGENCY_HIGH,
        description="Течёт труба под раковиной",
        applicant_id=str(uuid.uuid4()),
    )
    event = request_events.RequestAssigned(
        request=request, specialization=specialization_pb2.SPECIALIZATION_PLUMBER
    )
    envelope = wrap(event, source="requests", subject=request.request_number, event_id=event_id)
    client = await nats.connect(stack.settings.nats_url)
    try:
        await client.jetstream().publish(
            event_subject("requests", event),
            envelope.SerializeToString(),
            headers={"Nats-Msg-Id": msg_id or event_id},
        )
    finally:
        await client.close()


def sends(providers: Providers, people: list[Recipient]) -> list[int]:
    """How many messages each person's chat has received."""
    return [len(providers.bot.sent_to(p.chat_id)) for p in people if p.chat_id is not None]


async def deliveries_of(
    stack: Stack, manager: SignedIn, person: Recipient
) -> list[dict[str, object]]:
    async with aiohttp.ClientSession(stack.rest) as http:
        answer = await Rest(http, manager).ok(
            "GET", f"/v1/notifications/deliveries?recipient_id={person.user_id}"
        )
    return list(answer["deliveries"])


async def test_a_service_killed_mid_send_never_sends_twice(
    stack: Stack, service: NotificationsProcess, outside: Providers
) -> None:
    await service.start()
    manager = await sign_in(stack, "manager")
    plumbers = await on_shift(stack, 3)
    stalled = plumbers[1]
    # Telegram takes the message but answers only after 8 s: the call is open when the
    # process dies, and nobody knows whether it went through.
    outside.bot.fail_chat(stalled.chat_id, Failure.stall(8))  # type: ignore[arg-type]
    await publish_pool_offer(stack, event_id=str(uuid.uuid4()))

    async def all_reached() -> bool:
        return sends(outside, plumbers) == [1, 1, 1]

    await wait_until(all_reached, within=20)

    async def others_recorded() -> bool:
        for other in (plumbers[0], plumbers[2]):
            found = await deliveries_of(stack, manager, other)
            if not found or found[0]["state"] != "DELIVERY_STATE_DELIVERED":
                return False
        return True

    # The two quick calls are answered and written down; the stalled one is still open.
    await wait_until(others_recorded, within=20)
    service.kill()
    outside.bot.heal_chat(stalled.chat_id)  # type: ignore[arg-type]
    await service.start()

    async def settled() -> bool:
        found = await deliveries_of(stack, manager, stalled)
        return bool(found) and found[0]["state"] == "DELIVERY_STATE_SENT"

    await wait_until(settled, within=20)
    await asyncio.sleep(1.0)  # a second worker round would have resent by now
    assert sends(outside, plumbers) == [1, 1, 1]
    [delivery] = await deliveries_of(stack, manager, stalled)
    assert "stopped during the provider call" in str(delivery["lastError"])
    for other in (plumbers[0], plumbers[2]):
        [done] = await deliveries_of(stack, manager, other)
        assert done["state"] == "DELIVERY_STATE_DELIVERED"  # untouched by the recovery


async def test_redelivered_and_republished_events_notify_once(
    stack: Stack, service: NotificationsProcess, outside: Providers
) -> None:
    if not service.process.running():
        await service.start()
    plumbers = await on_shift(stack, 2)
    event_id = str(uuid.uuid4())
    await publish_pool_offer(stack, event_id=event_id)

    async def reached() -> bool:
        return sends(outside, plumbers) == [1, 1]

    await wait_until(reached, within=20)

    # A producer publishing the same event again after the broker's duplicate window.
    await publish_pool_offer(stack, event_id=event_id, msg_id=str(uuid.uuid4()))
    # JetStream delivering the whole stream again: the durable consumer is deleted under the
    # running service, which creates it anew from the first message.
    client = await nats.connect(stack.settings.nats_url)
    try:
        js = client.jetstream()
        await js.delete_consumer("REQUESTS", "notifications-requests")
        last = (await js.stream_info("REQUESTS")).state.last_seq

        async def replayed() -> bool:
            try:
                info = await js.consumer_info("REQUESTS", "notifications-requests")
            except nats.js.errors.NotFoundError:
                return False
            return bool(info.ack_floor.stream_seq >= last)

        await wait_until(replayed, within=30)
    finally:
        await client.close()
    await asyncio.sleep(1.0)  # time for any second send to show
    assert sends(outside, plumbers) == [1, 1]
