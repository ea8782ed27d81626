"""A real Envoy in front of a real mTLS gRPC upstream: identities, refusals, XFCC, retries,
limits and REST transcoding, as clients of the mesh experience them."""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from mesh.envoy import write_envoy_config
from mesh.envoy.process import EnvoyProcess
from mesh.pki import (
    IdentityFiles,
    ensure_pki,
    identity_files,
    issue_foreign_identity,
    issue_identity,
)
from mesh.topology import Edge, Topology
from tests.support.echo import (
    ECHO_SERVICE,
    EchoUpstream,
    build_echo_descriptor,
    echo_access,
    echo_topology,
    message_classes,
    ports,
    unary_call,
    wait_for,
)
from tests.support.tls import handshake_then_read

OPERATOR_ID = "spiffe://ukm.local/client/operator"


@dataclass
class Mesh:
    """Everything one Envoy-in-front-of-echo set-up consists of."""

    topology: Topology
    edge: Edge
    pki: Path
    descriptor: Path
    upstream: EchoUpstream
    envoy: EnvoyProcess
    access_log: Path
    work: Path

    @property
    def ca(self) -> bytes:
        return (self.pki / "ca.crt").read_bytes()

    def messages(self) -> dict[str, Any]:
        return message_classes(self.descriptor)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("envoy-mtls")


@pytest.fixture(scope="module")
async def mesh(work: Path) -> AsyncIterator[Mesh]:
    http, https, mesh_port, admin, upstream_port = ports(5)
    edge = Edge(http_port=http, https_port=https, mesh_port=mesh_port, admin_port=admin)
    topology = echo_topology(grpc_port=upstream_port, edge=edge)
    pki = ensure_pki(topology, work / "pki")
    descriptor = build_echo_descriptor(work / "proto")
    access_log = work / "access.log"
    config = write_envoy_config(
        topology,
        work / "envoy.yaml",
        pki_dir=pki,
        descriptor_path=descriptor,
        access_log=str(access_log),
        access=echo_access(descriptor),
    )
    upstream = EchoUpstream(pki, descriptor, upstream_port)
    await upstream.start()
    envoy = EnvoyProcess(config, admin_port=admin, log_path=work / "envoy.log")
    try:
        await envoy.start_async(within=20)
        yield Mesh(topology, edge, pki, descriptor, upstream, envoy, access_log, work)
    finally:
        envoy.stop()
        await upstream.stop()


def credentials(files: IdentityFiles, ca: bytes | None = None) -> grpc.ChannelCredentials:
    cert, key, own_ca = files.read()
    return grpc.ssl_channel_credentials(ca or own_ca, key, cert)


@pytest.fixture
async def operator_channel(mesh: Mesh) -> AsyncIterator[grpc.aio.Channel]:
    creds = credentials(identity_files(mesh.pki, "operator"))
    async with grpc.aio.secure_channel(f"127.0.0.1:{mesh.edge.mesh_port}", creds) as channel:
        yield channel


def stat(mesh: Mesh, name: str) -> int:
    return mesh.envoy.stats(name).get(name, 0)


async def refused_on_mesh(mesh: Mesh, client: IdentityFiles | None, reason: str) -> None:
    """The mesh listener refuses `client` at the TLS layer, counting `reason`."""
    counter = f"listener.mesh.ssl.{reason}"
    before = stat(mesh, counter)
    try:
        data = await asyncio.to_thread(
            handshake_then_read, mesh.edge.mesh_port, mesh.pki / "ca.crt", client
        )
    except (ssl.SSLError, ConnectionError):
        data = b""
    assert data == b"", "the mesh listener answered a refused client"
    await wait_for(lambda: stat(mesh, counter) > before)


async def logged(mesh: Mesh, request_id: str) -> list[dict[str, Any]]:
    """The access log entries of one request, once Envoy has flushed them."""

    def entries() -> list[dict[str, Any]]:
        lines = mesh.access_log.read_text().splitlines() if mesh.access_log.exists() else []
        return [entry for entry in map(json.loads, lines) if entry["request_id"] == request_id]

    await wait_for(lambda: bool(entries()))
    return entries()


# --- identity through the mesh -----------------------------------------------------------------


async def test_upstream_health_is_checked_over_mtls(mesh: Mesh) -> None:
    await wait_for(lambda: stat(mesh, "cluster.svc_echo.health_check.success") >= 1)
    assert stat(mesh, "cluster.svc_echo.ssl.versions.TLSv1.3") >= 1
    assert stat(mesh, "cluster.svc_echo.health_check.failure") == 0


async def test_health_answers_through_the_mesh(operator_channel: grpc.aio.Channel) -> None:
    reply = await health_pb2_grpc.HealthStub(operator_channel).Check(
        health_pb2.HealthCheckRequest(service=ECHO_SERVICE), timeout=3
    )
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


async def test_mesh_call_carries_the_callers_spiffe_id(
    mesh: Mesh, operator_channel: grpc.aio.Channel
) -> None:
    get = unary_call(operator_channel, "GetEcho", mesh.descriptor)
    # A caller cannot speak for someone else: Envoy replaces whatever XFCC it sends.
    forged = [("x-forwarded-client-cert", "URI=spiffe://ukm.local/svc/requests")]
    reply = await get(
        mesh.messages()["GetEchoRequest"](name="identity"), metadata=forged, timeout=3
    )
    assert f"URI={OPERATOR_ID}" in reply.client_cert
    assert "spiffe://ukm.local/svc/requests" not in reply.client_cert
    assert "By=spiffe://ukm.local/svc/envoy" in reply.client_cert
    assert reply.request_id  # generated by Envoy


async def test_mesh_answers_an_allowed_client_at_the_tls_layer(mesh: Mesh) -> None:
    # The control for the refusals below: the same probe with a good certificate gets h2 SETTINGS.
    operator = identity_files(mesh.pki, "operator")
    data = await asyncio.to_thread(
        handshake_then_read, mesh.edge.mesh_port, mesh.pki / "ca.crt", operator
    )
    assert data[3:4] == b"\x04"  # an HTTP/2 SETTINGS frame


async def test_mesh_refuses_a_client_without_certificate(mesh: Mesh) -> None:
    await refused_on_mesh(mesh, None, "fail_verify_no_cert")
    creds = grpc.ssl_channel_credentials(mesh.ca)
    async with grpc.aio.secure_channel(f"127.0.0.1:{mesh.edge.mesh_port}", creds) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=3
            )
    assert failure.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_mesh_refuses_a_certificate_from_a_foreign_ca(mesh: Mesh) -> None:
    foreign = issue_foreign_identity(mesh.work / "foreign", "operator", OPERATOR_ID)
    await refused_on_mesh(mesh, foreign, "fail_verify_error")
    async with grpc.aio.secure_channel(
        f"127.0.0.1:{mesh.edge.mesh_port}", credentials(foreign, ca=mesh.ca)
    ) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=3
            )
    assert failure.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_mesh_refuses_an_identity_not_in_the_topology(mesh: Mesh) -> None:
    intruder = issue_identity(mesh.work / "pki", "intruder", "spiffe://ukm.local/client/intruder")
    await refused_on_mesh(mesh, intruder, "fail_verify_san")


async def test_upstream_refuses_a_direct_call_without_certificate(mesh: Mesh) -> None:
    creds = grpc.ssl_channel_credentials(mesh.ca)
    async with grpc.aio.secure_channel(f"127.0.0.1:{mesh.upstream.port}", creds) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=3
            )
    assert failure.value.code() == grpc.StatusCode.UNAVAILABLE


# --- the edge --------------------------------------------------------------------------------


async def test_edge_strips_a_forged_client_certificate_header(mesh: Mesh) -> None:
    forged = [("x-forwarded-client-cert", f"URI={OPERATOR_ID}")]
    request = mesh.messages()["GetEchoRequest"](name="forged")
    async with grpc.aio.insecure_channel(f"127.0.0.1:{mesh.edge.http_port}") as plain:
        reply = await unary_call(plain, "GetEcho", mesh.descriptor)(
            request, metadata=forged, timeout=3
        )
    assert reply.client_cert == ""
    # Over TLS with a valid client certificate too: the edge never forwards identities.
    async with grpc.aio.secure_channel(
        f"127.0.0.1:{mesh.edge.https_port}", credentials(identity_files(mesh.pki, "operator"))
    ) as tls:
        reply = await unary_call(tls, "GetEcho", mesh.descriptor)(
            request, metadata=forged, timeout=3
        )
    assert reply.client_cert == ""
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            f"http://127.0.0.1:{mesh.edge.http_port}/v1/echoes/forged",
            headers={"x-forwarded-client-cert": f"URI={OPERATOR_ID}"},
        ) as response,
    ):
        assert response.status == 200
        assert (await response.json())["clientCert"] == ""


async def test_edge_tls_needs_no_client_certificate(mesh: Mesh) -> None:
    creds = grpc.ssl_channel_credentials(mesh.ca)
    async with grpc.aio.secure_channel(f"127.0.0.1:{mesh.edge.https_port}", creds) as channel:
        reply = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=ECHO_SERVICE), timeout=3
        )
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


# --- retries, limits, REST -------------------------------------------------------------------


async def test_reads_are_retried_and_writes_are_not(
    mesh: Mesh, operator_channel: grpc.aio.Channel
) -> None:
    classes = mesh.messages()
    mesh.upstream.fail_first.update({"flaky-read": 2, "flaky-write": 1})
    reply = await unary_call(operator_channel, "GetEcho", mesh.descriptor)(
        classes["GetEchoRequest"](name="flaky-read"), timeout=5
    )
    assert reply.attempt == 3
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await unary_call(operator_channel, "CreateEcho", mesh.descriptor)(
            classes["CreateEchoRequest"](name="flaky-write"), timeout=5
        )
    assert failure.value.code() == grpc.StatusCode.UNAVAILABLE
    assert mesh.upstream.calls("CreateEcho", "flaky-write") == 1


async def test_oversized_bodies_never_reach_the_service(
    mesh: Mesh, operator_channel: grpc.aio.Channel
) -> None:
    big = mesh.messages()["CreateEchoRequest"](name="too-big", payload=b"x" * (1024 * 1024 + 1))
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await unary_call(operator_channel, "CreateEcho", mesh.descriptor)(big, timeout=5)
    assert failure.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    body = json.dumps({"name": "too-big-rest", "payload": "A" * (1024 * 1024 + 8)})
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"http://127.0.0.1:{mesh.edge.http_port}/v1/echoes",
            data=body,
            headers={"content-type": "application/json"},
        ) as response,
    ):
        assert response.status == 413
        assert (await response.json())["code"] == 8  # RESOURCE_EXHAUSTED
    assert mesh.upstream.calls("CreateEcho", "too-big") == 0
    assert mesh.upstream.calls("CreateEcho", "too-big-rest") == 0


async def test_rest_is_transcoded_and_errors_are_json(mesh: Mesh) -> None:
    base = f"http://127.0.0.1:{mesh.edge.http_port}"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/v1/echoes", json={"name": "rest"}) as response:
            assert response.status == 200
            reply = await response.json()
            assert reply["name"] == "rest"
            assert reply["payloadBytes"] == "0"  # primitives are always printed
        async with http.get(f"{base}/v1/echoes/x", params={"bogus": "1"}) as response:
            assert response.status == 400
            error = await response.json()
            assert error["code"] == 3
            assert "bogus" in error["message"]
        # Outside the public routes a token comes first: nobody learns which routes exist.
        async with http.get(f"{base}/v1/nowhere") as response:
            assert response.status == 401
            assert (await response.json())["code"] == 16
        mesh.upstream.fail_first["rest-unavailable"] = 1
        async with http.post(f"{base}/v1/echoes", json={"name": "rest-unavailable"}) as response:
            assert response.status == 503
            assert (await response.json())["code"] == 14  # the service's status, as JSON


async def test_requests_are_logged_as_json(mesh: Mesh, operator_channel: grpc.aio.Channel) -> None:
    request = mesh.messages()["GetEchoRequest"](name="logged")
    reply = await unary_call(operator_channel, "GetEcho", mesh.descriptor)(request, timeout=3)

    (entry,) = await logged(mesh, reply.request_id)
    assert entry["method"] == "POST"
    assert entry["path"] == f"/{ECHO_SERVICE}/GetEcho"
    assert entry["status"] == 200
    assert entry["grpc_status"] == 0
    assert entry["upstream_cluster"] == "svc_echo"
    assert entry["listener"] == "mesh"
    assert entry["peer"] == OPERATOR_ID
    assert isinstance(entry["duration_ms"], int)


async def test_rest_calls_are_logged_as_the_client_sent_them(mesh: Mesh) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{mesh.edge.http_port}/v1/echoes/rest-logged") as response,
    ):
        request_id = (await response.json())["requestId"]

    (entry,) = await logged(mesh, request_id)
    assert (entry["method"], entry["path"]) == ("GET", "/v1/echoes/rest-logged")
    assert (entry["status"], entry["grpc_status"], entry["listener"]) == (200, 0, "edge_http")
