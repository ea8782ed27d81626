"""Faults lose nothing: a broker outage while requests are filed, and a service killed mid-batch."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import grpc
import nats
from ukm.events.v1 import envelope_pb2
from ukm.requests.v1 import requests_service_pb2 as pb
from ukm.requests.v1 import requests_service_pb2_grpc as rpc

from mesh.infra import EmbeddedNats, EmbeddedPostgres, free_port
from mesh.process import ManagedProcess
from mesh.running import http_ok
from mesh.topology import load_topology
from services.kit.channels import mesh_channel
from services.kit.db import migrate_async
from services.kit.streams import ensure_streams
from tests.requests.conftest import MANAGER
from tests.requests.factories import create_request
from tests.support.db import count, scalar
from tests.support.identity import test_issuer
from tests.support.services import direct_channel, running_requests, service_settings


async def stream_event_ids(url: str, expected: int, within: float = 20.0) -> list[str]:
    """The envelope ids in the REQUESTS stream once it holds `expected` messages (or timeout)."""
    client = await nats.connect(url)
    try:
        js = client.jetstream()
        deadline = asyncio.get_running_loop().time() + within
        while (await js.stream_info("REQUESTS")).state.messages < expected:
            if asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.3)  # anything beyond `expected` (a duplicate) would show up too
        total = (await js.stream_info("REQUESTS")).state.messages
        ids = []
        for seq in range(1, total + 1):
            message = await js.get_msg("REQUESTS", seq)
            ids.append(envelope_pb2.Envelope.FromString(message.data).id)
        return ids
    finally:
        await client.close()


async def prepare_streams(url: str) -> None:
    client = await nats.connect(url)
    await ensure_streams(client.jetstream(), load_topology())
    await client.close()


async def test_requests_filed_while_nats_is_down_are_published_exactly_once_when_it_returns(
    database_url: str, own_nats: EmbeddedNats, pki_dir: Path
) -> None:
    await prepare_streams(own_nats.url)
    settings = service_settings(database_url, own_nats.url, pki_dir)
    async with running_requests(settings) as server:
        own_nats.stop()
        async with direct_channel(settings, server, token=test_issuer().token(MANAGER)) as channel:
            stub = rpc.RequestServiceStub(channel)
            responses = await asyncio.gather(
                *(stub.CreateRequest(create_request()) for _ in range(50))
            )
        assert len({r.request.request_number for r in responses}) == 50
        # Two events per filing: created, and offered to its pool.
        assert await count(database_url, "requests.outbox WHERE published_at IS NULL") == 100
        own_nats.start()
        ids = await stream_event_ids(own_nats.url, expected=100)
    assert len(ids) == 100
    assert len(set(ids)) == 100


async def test_a_service_killed_mid_batch_loses_nothing(
    database_url: str, nats_url: str, pki_dir: Path, tmp_path: Path
) -> None:
    await prepare_streams(nats_url)
    await migrate_async(
        database_url, load_topology().service("requests").migrations_dir, "requests"
    )
    grpc_port, ops_port = free_port(), free_port()
    env = {
        **os.environ,
        "UKM_DATABASE_URL": database_url,
        "UKM_NATS_URL": nats_url,
        "UKM_PKI_DIR": str(pki_dir),
        "UKM_GRPC_PORT": str(grpc_port),
        "UKM_OPS_PORT": str(ops_port),
        "UKM_LOG_LEVEL": "WARNING",
        "UKM_JWKS_FILE": str(test_issuer().jwks_path),
    }
    service = ManagedProcess(
        "requests",
        [sys.executable, "-m", "ukmctl", "serve", "requests"],
        log_path=tmp_path / "requests.log",
        env=env,
    )

    def start() -> None:
        service.start()
        service.wait_ready(lambda: http_ok(f"http://127.0.0.1:{ops_port}/readyz"), timeout=60)

    await asyncio.to_thread(start)
    settings = service_settings(database_url, nats_url, pki_dir)
    acknowledged: list[str] = []
    enough = asyncio.Event()
    async with mesh_channel(settings, "operator", target=f"localhost:{grpc_port}") as channel:
        stub = rpc.RequestServiceStub(channel)
        manager = test_issuer().metadata(MANAGER)

        async def create() -> None:
            try:
                response = await stub.CreateRequest(create_request(), timeout=10, metadata=manager)
                acknowledged.append(response.request.request_number)
                if len(acknowledged) >= 60:
                    enough.set()
            except grpc.aio.AioRpcError:
                pass  # in flight when the process died: the client does not know the outcome

        calls = [asyncio.create_task(create()) for _ in range(300)]
        await enough.wait()
        service.kill()  # SIGKILL mid-batch: no shutdown hooks run
        await asyncio.gather(*calls)
    killed_after = len(acknowledged)
    assert 60 <= killed_after < 300, "the kill did not land mid-batch"
    await asyncio.to_thread(start)
    try:
        stored = await count(database_url, "requests.requests")
        # Two events per filing: created, and offered to its pool.
        ids = await stream_event_ids(nats_url, expected=2 * stored)
        # Every acknowledged request is stored; every stored request is published exactly once.
        numbers = await scalar(
            database_url,
            "SELECT count(*) FROM requests.requests WHERE number = ANY(ARRAY["
            + ",".join(f"'{n}'" for n in acknowledged)
            + "])",
        )
        assert numbers == killed_after
        assert len(ids) == 2 * stored
        assert len(set(ids)) == 2 * stored
        assert await count(database_url, "requests.outbox WHERE published_at IS NULL") == 0
    finally:
        await asyncio.to_thread(service.stop)


async def test_a_database_restart_costs_at_most_a_retryable_error_and_no_data(
    tmp_path: Path, nats_url: str, pki_dir: Path
) -> None:
    postgres = EmbeddedPostgres(tmp_path / "pg")
    await asyncio.to_thread(postgres.start)
    try:
        settings = service_settings(postgres.url, nats_url, pki_dir)
        async with (
            running_requests(settings) as server,
            direct_channel(settings, server, token=test_issuer().token(MANAGER)) as ch,
        ):
            stub = rpc.RequestServiceStub(ch)
            before = (await stub.CreateRequest(create_request())).request
            await asyncio.to_thread(postgres.stop)
            await asyncio.to_thread(postgres.start)
            outcomes = []
            for _ in range(3):
                try:
                    fetched = await stub.GetRequest(
                        pb.GetRequestRequest(request_number=before.request_number)
                    )
                    outcomes.append("OK")
                    break
                except grpc.aio.AioRpcError as error:
                    outcomes.append(error.code().name)
            # Stale pooled connections are discarded together: one retryable error at most.
            assert outcomes in (["OK"], ["UNAVAILABLE", "OK"])
            assert fetched.request == before
            after = (await stub.CreateRequest(create_request())).request
            assert after.request_number != before.request_number
    finally:
        await asyncio.to_thread(postgres.stop)
