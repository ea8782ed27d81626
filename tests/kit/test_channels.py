"""Outbound calls through `mesh_channel`: deadlines, trace context, request ids and retries."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2, wrappers_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from opentelemetry.trace import SpanKind

from mesh.pki import issue_identity
from services.kit.channels import MeshChannels, mesh_channel
from services.kit.server import Server
from services.kit.settings import Settings
from tests.support.probe import (
    PROBE_SERVICE,
    PROBE_SPIFFE_ID,
    ProbeServicer,
    as_dict,
    client_channel,
    method,
    probe_pki,
    probe_settings,
    running_probe,
    who_call,
)
from tests.support.services import running_requests, service_settings
from tests.support.tracing import recorded_spans

RELAY_DEFAULT_TIMEOUT = 3.0  # what the front probe's mesh_channel uses without a caller deadline


@dataclass
class Mesh:
    """Two probes: `front` relays calls to `back` through `mesh_channel`."""

    settings: Settings
    pki: Path
    front: Server
    front_servicer: ProbeServicer
    back: Server
    operator: grpc.aio.Channel  # plain channel (no kit client pipeline) to the front

    @property
    def back_target(self) -> str:
        return f"localhost:{self.back.grpc_port}"

    @property
    def front_target(self) -> str:
        return f"localhost:{self.front.grpc_port}"


@pytest.fixture(scope="module")
async def mesh(pki_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Mesh]:
    pki = probe_pki(pki_dir, tmp_path_factory.mktemp("probe-pki"))
    settings = probe_settings(pki)
    async with (
        running_probe(settings, relay_default_timeout=RELAY_DEFAULT_TIMEOUT) as (front, servicer),
        running_probe(settings) as (back, _),
        client_channel(pki, front.grpc_port) as operator,
    ):
        yield Mesh(settings, pki, front, servicer, back, operator)


async def relay(mesh: Mesh, **kwargs: Any) -> dict[str, Any]:
    """Ask the front probe to call `Who` on the back probe; what both saw."""
    answer: struct_pb2.Struct = await method(mesh.operator, "Relay", struct_pb2.Struct)(
        wrappers_pb2.StringValue(value=mesh.back_target), **kwargs
    )
    return as_dict(answer)


async def test_an_outbound_call_inherits_what_is_left_of_the_callers_deadline(
    mesh: Mesh,
) -> None:
    seen = await relay(mesh, timeout=1.0)

    inbound, downstream = seen["inbound"], seen["downstream"]
    assert 0.5 < downstream["grpc_time_remaining"] <= 1.0
    # A margin is kept so the answer can still reach the caller in time.
    assert downstream["grpc_time_remaining"] <= inbound["kit_time_remaining"] - 0.04
    assert downstream["kit_time_remaining"] <= 1.0
    assert downstream["workload"] == PROBE_SPIFFE_ID


async def test_an_outbound_call_gets_the_default_deadline_when_nobody_set_one(
    mesh: Mesh,
) -> None:
    seen = await relay(mesh)
    assert seen["inbound"]["grpc_time_remaining"] is None
    assert 2.5 < seen["downstream"]["grpc_time_remaining"] <= RELAY_DEFAULT_TIMEOUT + 0.02

    # Outside any call (a background job, a script): the channel's default, 5 s.
    async with mesh_channel(mesh.settings, "operator", target=mesh.back_target) as channel:
        outside = as_dict(await who_call(channel)(empty_pb2.Empty()))
        shorter = as_dict(await who_call(channel)(empty_pb2.Empty(), timeout=0.5))
    assert 4.5 < outside["grpc_time_remaining"] <= 5.02
    assert shorter["grpc_time_remaining"] <= 0.52  # an explicit, shorter timeout wins


async def test_trace_context_and_request_id_follow_the_call(mesh: Mesh) -> None:
    with recorded_spans() as exporter:
        seen = await relay(mesh, timeout=5, metadata=(("x-request-id", "req-trace-1"),))
        spans = {(span.name, span.kind): span for span in exporter.get_finished_spans()}

    inbound, downstream = seen["inbound"], seen["downstream"]
    assert inbound["trace_id"] and downstream["trace_id"] == inbound["trace_id"]
    assert downstream["request_id"] == "req-trace-1"
    assert downstream["metadata_request_id"] == "req-trace-1"

    relay_server = spans[(f"{PROBE_SERVICE}/Relay", SpanKind.SERVER)]
    who_client = spans[(f"{PROBE_SERVICE}/Who", SpanKind.CLIENT)]
    who_server = spans[(f"{PROBE_SERVICE}/Who", SpanKind.SERVER)]
    trace_ids = {s.context.trace_id for s in (relay_server, who_client, who_server)}
    assert trace_ids == {int(inbound["trace_id"], 16)}
    assert who_client.parent is not None and who_server.parent is not None
    assert who_client.parent.span_id == relay_server.context.span_id
    assert who_server.parent.span_id == who_client.context.span_id
    assert who_server.attributes is not None
    assert who_server.attributes["rpc.grpc.status_code"] == "OK"


async def test_a_callers_traceparent_is_continued(mesh: Mesh) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    traceparent = f"00-{trace_id}-00f067aa0ba902b7-01"
    with recorded_spans():
        seen = await relay(mesh, timeout=5, metadata=(("traceparent", traceparent),))
    assert seen["inbound"]["trace_id"] == trace_id
    assert seen["downstream"]["trace_id"] == trace_id


async def test_only_listed_methods_are_retried_and_only_on_unavailable(mesh: Mesh) -> None:
    get_flaky = f"/{PROBE_SERVICE}/GetFlaky"
    attempts = mesh.front_servicer.attempts
    async with mesh_channel(
        mesh.settings, "operator", target=mesh.front_target, retry_methods=[get_flaky]
    ) as channel:
        read = method(channel, "GetFlaky", wrappers_pb2.Int32Value)
        write = method(channel, "CreateFlaky", wrappers_pb2.Int32Value)
        fail = method(channel, "Fail", empty_pb2.Empty)

        assert (await read(wrappers_pb2.StringValue(value="retried"))).value == 3
        assert attempts[("GetFlaky", "retried")] == 3

        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await write(wrappers_pb2.StringValue(value="once"))
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
        assert attempts[("CreateFlaky", "once")] == 1

        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await fail(wrappers_pb2.StringValue(value="not_found"))
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND

    # Without `retry_methods`, nothing is retried.
    async with mesh_channel(mesh.settings, "operator", target=mesh.front_target) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await method(channel, "GetFlaky", wrappers_pb2.Int32Value)(
                wrappers_pb2.StringValue(value="plain")
            )
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
        assert attempts[("GetFlaky", "plain")] == 1


async def test_mesh_channels_follow_a_rotated_client_certificate(
    database_url: str, nats_url: str, pki_dir: Path, tmp_path: Path
) -> None:
    pki = tmp_path / "pki"
    shutil.copytree(pki_dir, pki)  # the session PKI stays untouched
    settings = service_settings(database_url, nats_url, pki)
    async with running_requests(settings) as server:
        target = f"localhost:{server.grpc_port}"
        channels = MeshChannels(settings, "operator", grace=0.5)
        first = channels.get(target)
        assert channels.get(target) is first  # reused while the files stay the same
        health = health_pb2.HealthCheckRequest()
        assert (await health_pb2_grpc.HealthStub(first).Check(health)).status == 1
        issue_identity(pki, "operator", "spiffe://ukm.local/client/operator")
        second = channels.get(target)
        assert second is not first
        assert (await health_pb2_grpc.HealthStub(second).Check(health)).status == 1
        await channels.close()
