"""The server runtime: health, the ops port (readiness, liveness, metrics) and reflection."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import grpc
import pytest
from google.protobuf import descriptor_pb2, empty_pb2, wrappers_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2
from prometheus_client.parser import text_string_to_metric_families

from services.kit.reflection import mesh_services
from services.kit.server import Server
from tests.support.probe import (
    PROBE_SERVICE,
    client_channel,
    method,
    probe_pki,
    probe_settings,
    running_probe,
    who_call,
)
from tests.support.services import running_requests, service_settings

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
REQUEST_SERVICE = "ukm.requests.v1.RequestService"
HEALTH_SERVICE = "grpc.health.v1.Health"
REFLECTION_V1 = "grpc.reflection.v1.ServerReflection"
REFLECTION_V1ALPHA = "grpc.reflection.v1alpha.ServerReflection"


@pytest.fixture(scope="module")
def pki(pki_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return probe_pki(pki_dir, tmp_path_factory.mktemp("probe-pki"))


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        yield session


async def get(http: aiohttp.ClientSession, server: Server, path: str) -> tuple[int, str]:
    async with http.get(f"http://127.0.0.1:{server.ops_port}{path}") as response:
        return response.status, await response.text()


async def check(channel: grpc.aio.Channel, service: str) -> Any:
    stub = health_pb2_grpc.HealthStub(channel)
    answer = await stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=2)
    return answer.status


async def test_every_service_is_serving_after_start(pki: Path, http: aiohttp.ClientSession) -> None:
    async with running_probe(probe_settings(pki)) as (server, _):
        async with client_channel(pki, server.grpc_port) as channel:
            assert await check(channel, "") == SERVING
            assert await check(channel, PROBE_SERVICE) == SERVING
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await check(channel, "test.probe.v1.NoSuchService")
            assert caught.value.code() == grpc.StatusCode.NOT_FOUND
        assert await get(http, server, "/readyz") == (200, '{"status": "ready"}')
        assert (await get(http, server, "/healthz"))[0] == 200


async def test_stop_turns_health_to_not_serving_while_the_listener_is_still_open(
    pki: Path, http: aiohttp.ClientSession
) -> None:
    settings = probe_settings(pki, drain_seconds=0.5, shutdown_grace_seconds=0.5)
    async with running_probe(settings) as (server, _):
        port = server.grpc_port
        channel = client_channel(pki, port)
        watch = health_pb2_grpc.HealthStub(channel).Watch(
            health_pb2.HealthCheckRequest(service=PROBE_SERVICE)
        )
        assert (await watch.read()).status == SERVING
        loop = asyncio.get_running_loop()
        began = loop.time()

        stopping = asyncio.create_task(server.stop())
        assert (await asyncio.wait_for(watch.read(), 1.0)).status == NOT_SERVING
        # Still draining: a brand-new connection is accepted and told NOT_SERVING, and the
        # ops port says "not ready" (load balancers stop sending) but "alive".
        async with client_channel(pki, port) as fresh:
            assert await check(fresh, "") == NOT_SERVING
            assert await check(fresh, PROBE_SERVICE) == NOT_SERVING
        status, body = await get(http, server, "/readyz")
        assert status == 503 and "not serving" in body
        assert (await get(http, server, "/healthz"))[0] == 200
        assert not stopping.done()

        watch.cancel()
        await asyncio.wait_for(stopping, 3.0)
        assert loop.time() - began >= settings.drain_seconds
        await channel.close()

        async with client_channel(pki, port) as late:
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await check(late, "")
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_readiness_reports_failing_checks_and_liveness_does_not(
    pki: Path, http: aiohttp.ClientSession
) -> None:
    outage: list[str] = []

    async def database() -> None:
        if outage:
            raise ConnectionRefusedError(outage[0])

    async with running_probe(probe_settings(pki), readiness=[("database", database)]) as (
        server,
        _,
    ):
        assert (await get(http, server, "/readyz"))[0] == 200

        outage.append("connection refused by 127.0.0.1:5432")
        async with http.get(f"http://127.0.0.1:{server.ops_port}/readyz") as response:
            assert response.status == 503
            body = await response.json()
        assert body == {
            "status": "not ready",
            "failures": {
                "database": "ConnectionRefusedError: connection refused by 127.0.0.1:5432"
            },
        }
        assert (await get(http, server, "/healthz"))[0] == 200

        outage.clear()
        assert (await get(http, server, "/readyz"))[0] == 200


async def test_metrics_count_calls_by_method_and_code(
    pki: Path, http: aiohttp.ClientSession
) -> None:
    async with running_probe(probe_settings(pki)) as (server, _):
        async with client_channel(pki, server.grpc_port) as channel:
            for _ in range(3):
                await who_call(channel)(empty_pb2.Empty(), timeout=5)
            with pytest.raises(grpc.aio.AioRpcError):
                await method(channel, "Fail", empty_pb2.Empty)(
                    wrappers_pb2.StringValue(value="not_found"), timeout=5
                )
            await check(channel, "")  # infrastructure: not counted

        status, text = await get(http, server, "/metrics")

    assert status == 200
    samples = {
        (s.labels["grpc_method"], s.labels["grpc_code"]): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "grpc_server_handled_total" and s.labels.get("grpc_service") == PROBE_SERVICE
    }
    assert samples == {("Who", "OK"): 3.0, ("Fail", "NOT_FOUND"): 1.0}
    assert "grpc_server_handled_total" in text and HEALTH_SERVICE not in text
    latency = (
        f'grpc_server_handling_seconds_count{{grpc_method="Who",grpc_service="{PROBE_SERVICE}"}}'
    )
    assert f"{latency} 3.0" in text


# --- reflection and health of a real service -------------------------------------------------


@pytest.fixture
async def requests_server(database_url: str, nats_url: str, pki_dir: Path) -> AsyncIterator[Server]:
    async with running_requests(service_settings(database_url, nats_url, pki_dir)) as server:
        yield server


async def grpcurl(pki_dir: Path, server: Server, *args: str) -> str:
    """Run grpcurl as an operator would (it speaks v1alpha reflection only)."""
    binary = Path(sys.executable).with_name("grpcurl")
    executable = str(binary) if binary.exists() else shutil.which("grpcurl")
    assert executable, "grpcurl is not installed"
    process = await asyncio.create_subprocess_exec(
        executable,
        "-cacert",
        str(pki_dir / "ca.crt"),
        "-cert",
        str(pki_dir / "operator.crt"),
        "-key",
        str(pki_dir / "operator.key"),
        f"localhost:{server.grpc_port}",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 10)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_a_real_service_serves_health_and_both_reflection_dialects(
    requests_server: Server, pki_dir: Path
) -> None:
    async with client_channel(pki_dir, requests_server.grpc_port) as channel:
        assert await check(channel, "") == SERVING
        assert await check(channel, REQUEST_SERVICE) == SERVING

        listed = (await grpcurl(pki_dir, requests_server, "list")).split()
        # The whole mesh's contract is advertised (Envoy sends all reflection to one service).
        assert set(listed) == {
            *mesh_services(),
            HEALTH_SERVICE,
            REFLECTION_V1,
            REFLECTION_V1ALPHA,
        }
        assert {REQUEST_SERVICE, "ukm.auth.v1.AuthService"} <= set(listed)

        described = await grpcurl(pki_dir, requests_server, "describe", REQUEST_SERVICE)
        assert "service RequestService {" in described
        assert "rpc CreateRequest ( .ukm.requests.v1.CreateRequestRequest )" in described
        message = await grpcurl(
            pki_dir, requests_server, "describe", "ukm.requests.v1.GetRequestRequest"
        )
        assert "string request_number = 1" in message
        assert "ServerReflectionInfo" in await grpcurl(
            pki_dir, requests_server, "describe", REFLECTION_V1
        )

        # v1 speaks the same messages as v1alpha under another path.
        stream = channel.stream_stream(
            f"/{REFLECTION_V1}/ServerReflectionInfo",
            request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
            response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
        )(timeout=5)
        await stream.write(reflection_pb2.ServerReflectionRequest(list_services=""))
        services = (await stream.read()).list_services_response.service
        await stream.write(
            reflection_pb2.ServerReflectionRequest(file_containing_symbol=REQUEST_SERVICE)
        )
        files = (await stream.read()).file_descriptor_response.file_descriptor_proto
        await stream.done_writing()
        assert await stream.code() == grpc.StatusCode.OK

    assert {s.name for s in services} == set(listed)
    parsed = [descriptor_pb2.FileDescriptorProto.FromString(raw) for raw in files]
    owner = next(f for f in parsed if f.package == "ukm.requests.v1" and f.service)
    assert [s.name for s in owner.service] == ["RequestService"]
    assert {m.name for m in owner.service[0].method} >= {"CreateRequest", "GetRequest"}
