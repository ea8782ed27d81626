"""End to end: the requests service through Envoy, as REST clients, mesh clients and operators
meet it (REST/JSON on the edge, gRPC with client certificates on the mesh listener), acting as
a manager who signed in for real."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import grpc
import nats
import pytest
from ukm.events.v1 import envelope_pb2
from ukm.requests.v1 import events_pb2
from ukm.requests.v1 import requests_service_pb2 as pb
from ukm.requests.v1 import requests_service_pb2_grpc as rpc

from mesh.infra import binary
from mesh.pki import identity_files, issue_foreign_identity
from mesh.topology import load_topology
from services.kit.streams import ensure_streams
from tests.requests.factories import APARTMENT, APPLICANT, BUILDING, YARD, create_request
from tests.support.db import count
from tests.support.people import SignedIn, sign_in
from tests.support.services import channel_to
from tests.support.stack import Stack, mesh_behind_envoy
from tests.support.tls import handshake_then_read

NEW_REQUEST = {
    "category": "CATEGORY_ELEVATOR",
    "description": "Лифт во втором подъезде не работает",
    "urgency": "URGENCY_CRITICAL",
    "address": {
        "level": "ADDRESS_LEVEL_APARTMENT",
        "yardId": YARD,
        "buildingId": BUILDING,
        "apartmentId": APARTMENT,
    },
    "applicantId": APPLICANT,
}


@pytest.fixture
async def stack(
    database_url: str, nats_url: str, pki_dir: Path, tmp_path: Path
) -> AsyncIterator[Stack]:
    client = await nats.connect(nats_url)
    await ensure_streams(client.jetstream(), load_topology())
    await client.close()
    async with mesh_behind_envoy(database_url, nats_url, pki_dir, tmp_path) as running:
        yield running


@pytest.fixture
async def manager(stack: Stack) -> SignedIn:
    return await sign_in(stack, "manager")


async def test_rest_create_get_and_list(stack: Stack, manager: SignedIn) -> None:
    async with aiohttp.ClientSession(stack.rest, headers=manager.headers) as http:
        async with http.post("/v1/requests", json=NEW_REQUEST) as response:
            assert response.status == 200, await response.text()
            created = (await response.json())["request"]
        number = created["requestNumber"]
        assert created["status"] == "REQUEST_STATUS_NEW"
        assert created["urgency"] == "URGENCY_CRITICAL"
        assert created["address"]["apartmentId"] == APARTMENT
        async with http.get(f"/v1/requests/{number}") as response:
            assert response.status == 200
            assert (await response.json())["request"] == created
        async with http.get(
            "/v1/requests",
            params=[
                ("statuses", "REQUEST_STATUS_NEW"),
                ("categories", "CATEGORY_ELEVATOR"),
                ("page_size", "5"),
            ],
        ) as response:
            assert response.status == 200
            listed = await response.json()
        assert [r["requestNumber"] for r in listed["requests"]] == [number]


async def test_rest_bad_input_gets_400_with_field_violations_and_changes_nothing(
    stack: Stack, manager: SignedIn
) -> None:
    invalid = dict(NEW_REQUEST, description="short", category="CATEGORY_UNSPECIFIED")
    async with aiohttp.ClientSession(stack.rest, headers=manager.headers) as http:
        async with http.post("/v1/requests", json=invalid) as response:
            assert response.status == 400
            body = await response.json()
        assert body["code"] == 3
        [details] = body["details"]
        assert details["@type"] == "type.googleapis.com/google.rpc.BadRequest"
        fields = {v["field"] for v in details["fieldViolations"]}
        assert fields == {"category", "description"}

        async with http.get("/v1/requests/251125-404") as response:
            assert response.status == 404
            assert (await response.json())["code"] == 5

        async with http.post(
            "/v1/requests", data=b"{not json", headers={"content-type": "application/json"}
        ) as response:
            assert response.status == 400

        async with http.get("/v1/requests", params={"no_such_filter": "1"}) as response:
            assert response.status == 400

        oversized = dict(NEW_REQUEST, description="x" * (2 * 1024 * 1024))
        async with http.post("/v1/requests", json=oversized) as response:
            assert response.status == 413
    assert await count(stack.settings.database_url.get_secret_value(), "requests.requests") == 0


async def test_grpc_through_the_mesh_listener_with_a_client_certificate(
    stack: Stack, manager: SignedIn
) -> None:
    token = manager.access_token
    async with channel_to(stack.settings, stack.mesh_address, token=token) as channel:
        stub = rpc.RequestServiceStub(channel)
        created = (await stub.CreateRequest(create_request())).request
        fetched = await stub.GetRequest(pb.GetRequestRequest(request_number=created.request_number))
        assert fetched.request == created
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.CreateRequest(create_request(description="short"))
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_grpc_on_the_tls_edge_needs_no_client_certificate(
    stack: Stack, manager: SignedIn
) -> None:
    ca = (stack.pki / "ca.crt").read_bytes()
    credentials = grpc.ssl_channel_credentials(root_certificates=ca)
    async with grpc.aio.secure_channel(
        f"localhost:{stack.edge.https_port}", credentials
    ) as channel:
        listed = await rpc.RequestServiceStub(channel).ListRequests(
            pb.ListRequestsRequest(), metadata=manager.metadata
        )
    assert list(listed.requests) == []


async def test_without_a_trusted_client_certificate_the_handshake_is_refused(
    stack: Stack, tmp_path: Path
) -> None:
    foreign = issue_foreign_identity(
        tmp_path / "foreign", "operator", "spiffe://ukm.local/client/operator"
    )
    operator = identity_files(stack.pki, "operator")
    ca = stack.pki / "ca.crt"
    for port in (stack.edge.mesh_port, stack.server.grpc_port):
        assert await asyncio.to_thread(handshake_then_read, port, ca, operator) != b""
        for client in (None, foreign):
            try:
                answer = await asyncio.to_thread(handshake_then_read, port, ca, client)
            except (ssl.SSLError, ConnectionError):
                answer = b""
            assert answer == b"", f"port {port} accepted {client}"


async def test_grpcurl_lists_services_through_reflection(stack: Stack, manager: SignedIn) -> None:
    operator = identity_files(stack.pki, "operator")
    result = await asyncio.to_thread(
        subprocess.run,
        [
            binary("grpcurl"),
            "-cacert",
            str(stack.pki / "ca.crt"),
            "-cert",
            str(operator.cert),
            "-key",
            str(operator.key),
            "-H",
            f"authorization: Bearer {manager.access_token}",
            stack.mesh_address,
            "list",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    listed = result.stdout.split()
    for service in ("ukm.requests.v1.RequestService", "ukm.auth.v1.AuthService"):
        assert service in listed


async def test_each_created_request_lands_in_jetstream_once(
    stack: Stack, manager: SignedIn, nats_url: str
) -> None:
    async with aiohttp.ClientSession(stack.rest, headers=manager.headers) as http:
        numbers = []
        for _ in range(3):
            async with http.post("/v1/requests", json=NEW_REQUEST) as response:
                numbers.append((await response.json())["request"]["requestNumber"])
    client = await nats.connect(nats_url)
    try:
        js = client.jetstream()
        for _ in range(100):
            if (await js.stream_info("REQUESTS")).state.messages >= 6:
                break
            await asyncio.sleep(0.05)
        # Each filing publishes RequestCreated (and RequestAssigned: the pool); count the first.
        subscription = await js.pull_subscribe("ukm.requests.request_created", stream="REQUESTS")
        messages = await subscription.fetch(10, timeout=2)
    finally:
        await client.close()
    events = []
    for message in messages:
        assert message.subject == "ukm.requests.request_created"
        envelope = envelope_pb2.Envelope.FromString(message.data)
        event = events_pb2.RequestCreated()
        envelope.data.Unpack(event)
        events.append(event.request.request_number)
    assert sorted(events) == sorted(numbers)
