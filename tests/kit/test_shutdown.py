"""Graceful shutdown of a real service process (`ukm serve requests`) on SIGTERM.

The process is what a container runs. The test holds a lock that makes CreateRequest calls wait
inside the service, sends SIGTERM, checks that the listener closes while those calls are still in
flight, then lets them finish: they must succeed, and the process must exit 0 within its drain
and grace periods, having logged JSON lines only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import grpc
import pytest
import sqlalchemy as sa
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from ukm.requests.v1 import requests_service_pb2 as pb
from ukm.requests.v1 import requests_service_pb2_grpc as rpc

from mesh.infra import free_port
from mesh.topology import load_topology
from services.kit.channels import mesh_channel
from services.kit.db import migrate_async
from services.kit.settings import Settings
from tests.requests.conftest import MANAGER
from tests.requests.factories import create_request
from tests.support.identity import test_issuer
from tests.support.services import channel_to

ROOT = Path(__file__).resolve().parents[2]
DRAIN_SECONDS = 1.0
GRACE_SECONDS = 4.0
BLOCKED_CALLS = 3


@dataclass
class ServiceProcess:
    """`ukm serve requests` running as a child process."""

    process: asyncio.subprocess.Process
    grpc_port: int
    ops_port: int
    stderr: list[str] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None

    @property
    def target(self) -> str:
        return f"localhost:{self.grpc_port}"

    async def ready(self, http: aiohttp.ClientSession, within: float = 20.0) -> None:
        """Wait for /readyz to answer 200."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process.returncode is not None:
                raise AssertionError("the service exited early:\n" + "\n".join(self.stderr))
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"http://127.0.0.1:{self.ops_port}/readyz") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.1)
        raise AssertionError("the service never became ready:\n" + "\n".join(self.stderr))


async def _collect(stream: asyncio.StreamReader, into: list[str]) -> None:
    async for line in stream:
        into.append(line.decode(errors="replace").rstrip("\n"))


def _ports() -> tuple[int, int]:
    grpc_port = free_port()
    ops_port = free_port()
    while ops_port == grpc_port:
        ops_port = free_port()
    return grpc_port, ops_port


@pytest.fixture
async def service_process(
    database_url: str, nats_url: str, pki_dir: Path
) -> AsyncIterator[ServiceProcess]:
    service = load_topology().service("requests")
    await migrate_async(database_url, service.migrations_dir, "requests")
    grpc_port, ops_port = _ports()
    env = {
        **os.environ,
        "UKM_DATABASE_URL": database_url,
        "UKM_NATS_URL": nats_url,
        "UKM_PKI_DIR": str(pki_dir),
        "UKM_GRPC_PORT": str(grpc_port),
        "UKM_OPS_PORT": str(ops_port),
        "UKM_DRAIN_SECONDS": str(DRAIN_SECONDS),
        "UKM_SHUTDOWN_GRACE_SECONDS": str(GRACE_SECONDS),
        "UKM_LOG_LEVEL": "INFO",
        "UKM_JWKS_FILE": str(test_issuer().jwks_path),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ukmctl",
        "serve",
        "requests",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    running = ServiceProcess(process, grpc_port, ops_port)
    assert process.stderr is not None
    running.reader = asyncio.create_task(_collect(process.stderr, running.stderr))
    try:
        yield running
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await running.reader


@contextlib.asynccontextmanager
async def numbering_locked(database_url: str) -> AsyncIterator[AsyncConnection]:
    """Hold a lock that makes every CreateRequest wait for its number (until the block ends)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            transaction = await connection.begin()
            await connection.execute(
                sa.text("LOCK TABLE requests.request_number_counters IN EXCLUSIVE MODE")
            )
            try:
                yield connection
            finally:
                await transaction.rollback()
    finally:
        await engine.dispose()


async def waiting_on_locks(connection: AsyncConnection) -> int:
    """Backends of this database waiting for a lock (the statistics views are snapshots taken
    once per transaction, so the snapshot is dropped first)."""
    await connection.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
    return int(
        (
            await connection.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        ).scalar_one()
    )


async def eventually(check: Any, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        await asyncio.sleep(0.05)


async def refuses_new_connections(settings: Settings, target: str) -> bool:
    async with mesh_channel(settings, "operator", target=target) as channel:
        try:
            await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=0.5
            )
        except grpc.aio.AioRpcError as error:
            return bool(error.code() == grpc.StatusCode.UNAVAILABLE)
    return False


async def shut_down_while_busy(
    service: ServiceProcess,
    settings: Settings,
    http: aiohttp.ClientSession,
    database_url: str,
    create: Callable[[], Coroutine[Any, Any, pb.CreateRequestResponse]],
) -> tuple[float, float, list[pb.CreateRequestResponse]]:
    """SIGTERM while CreateRequest calls wait inside the service; release them once the
    listener is closed. Returns when SIGTERM was sent, when the listener was seen closed, and
    the answers of the waiting calls."""
    async with numbering_locked(database_url) as lock:
        creates = [asyncio.create_task(create()) for _ in range(BLOCKED_CALLS)]

        async def all_waiting() -> bool:
            return await waiting_on_locks(lock) == BLOCKED_CALLS

        await eventually(all_waiting, 5, "every CreateRequest waits inside the service")

        signalled = time.monotonic()
        service.process.send_signal(signal.SIGTERM)

        async def not_ready() -> bool:
            async with http.get(f"http://127.0.0.1:{service.ops_port}/readyz") as response:
                return response.status == 503

        await eventually(not_ready, 2, "/readyz answers 503")

        async def closed() -> bool:
            return await refuses_new_connections(settings, service.target)

        await eventually(closed, DRAIN_SECONDS + 2, "the listener is closed")
        listener_closed = time.monotonic()
        assert listener_closed - signalled >= DRAIN_SECONDS
        assert not any(task.done() for task in creates)  # still in flight
    # The lock is gone: the waiting calls finish inside the grace period.
    return signalled, listener_closed, await asyncio.gather(*creates)


async def test_sigterm_lets_in_flight_calls_finish_and_exits_cleanly(
    service_process: ServiceProcess, database_url: str, pki_dir: Path
) -> None:
    settings = Settings(pki_dir=pki_dir)
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http,
        channel_to(settings, service_process.target, token=test_issuer().token(MANAGER)) as channel,
    ):
        await service_process.ready(http)
        stub = rpc.RequestServiceStub(channel)
        first = (await stub.CreateRequest(create_request(), timeout=5)).request.request_number

        # A steady trickle of reads that goes on through the whole shutdown.
        outcomes: list[tuple[float, grpc.StatusCode]] = []
        stop_trickle = asyncio.Event()

        async def trickle() -> None:
            while not stop_trickle.is_set():
                began = time.monotonic()
                try:
                    await stub.GetRequest(pb.GetRequestRequest(request_number=first), timeout=2)
                    outcomes.append((began, grpc.StatusCode.OK))
                except grpc.aio.AioRpcError as error:
                    outcomes.append((began, error.code()))
                await asyncio.sleep(0.03)

        async def create() -> pb.CreateRequestResponse:
            response: pb.CreateRequestResponse = await stub.CreateRequest(
                create_request(), timeout=15
            )
            return response

        reads = asyncio.create_task(trickle())
        try:
            signalled, listener_closed, created = await shut_down_while_busy(
                service_process, settings, http, database_url, create
            )
            released = time.monotonic()
            code = await asyncio.wait_for(service_process.process.wait(), GRACE_SECONDS + 2)
            exited = time.monotonic()
        finally:
            stop_trickle.set()
            await reads

    assert code == 0
    assert exited - signalled <= DRAIN_SECONDS + GRACE_SECONDS + 1.0
    # Once the last call is answered there is nothing left to wait for.
    assert exited - released <= 1.5, f"exited {exited - released:.2f} s after the last call"
    numbers = sorted(r.request.request_number for r in created)
    assert len(set(numbers)) == BLOCKED_CALLS and first not in numbers

    before = [c for began, c in outcomes if began < signalled]
    assert before and all(c == grpc.StatusCode.OK for c in before)
    during_drain = [c for began, c in outcomes if signalled + 0.05 < began < listener_closed - 0.3]
    assert during_drain and all(c == grpc.StatusCode.OK for c in during_drain)
    assert {c for _, c in outcomes} <= {grpc.StatusCode.OK, grpc.StatusCode.UNAVAILABLE}

    await service_process.reader  # type: ignore[misc]
    lines = [line for line in service_process.stderr if line.strip()]
    entries = []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"a log line is not JSON: {line!r}\nall lines:\n" + "\n".join(lines))
    assert all(e["service"] == "requests" and e["level"] and e["ts"] for e in entries)
    messages = [e["msg"] for e in entries]
    for expected in ("serving", "shutting down", "stopped"):
        assert expected in messages, messages
    assert messages.index("serving") < messages.index("shutting down") < messages.index("stopped")
