"""The Kubernetes sidecar: a service reaches the services it calls through its own Envoy, which
accepts only that service and presents its identity to the callee."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from ukm.requests.v1 import requests_service_pb2_grpc as rpc

from mesh.envoy import needs_sidecar, render_sidecar_config, sds_files, validate_envoy_config
from mesh.envoy.process import EnvoyProcess
from mesh.infra import free_port
from mesh.pki import ensure_pki, identity_files
from mesh.topology import TOPOLOGY_FILE, Topology, load_topology
from services.kit.server import Server
from services.kit.settings import Settings
from tests.requests.factories import create_request
from tests.support.identity import person, test_issuer
from tests.support.services import channel_to, direct_channel, running_requests, service_settings
from tests.support.tls import handshake_then_read

ROOT = Path(__file__).resolve().parents[2]
DESCRIPTOR = ROOT / "gen" / "ukm.binpb"


def topology_with_a_caller(work: Path) -> Topology:
    """The real topology plus `caller`, a service that calls `requests`, and `leaf`, which
    calls nobody."""
    raw = yaml.safe_load(TOPOLOGY_FILE.read_text())
    raw["services"]["caller"] = {
        "grpc_port": free_port(),
        "ops_port": free_port(),
        "grpc_services": ["test.caller.v1.CallerService"],
        "calls": ["requests"],
    }
    raw["services"]["leaf"] = {
        "grpc_port": free_port(),
        "ops_port": free_port(),
        "grpc_services": ["test.leaf.v1.LeafService"],
    }
    path = work / "topology.yaml"
    path.write_text(yaml.safe_dump(raw))
    return load_topology(path)


def write_sidecar(topology: Topology, pki: Path, folder: Path, requests_port: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in sds_files(pki, "caller").items():
        (folder / name).write_text(yaml.safe_dump(content))
    config = render_sidecar_config(
        topology,
        "caller",
        descriptor_path=DESCRIPTOR,
        sds_dir=folder,
        upstreams={"requests": ("127.0.0.1", requests_port)},
        listen_port=free_port(),
        admin_port=free_port(),
        access_log=str(folder / "access.log"),
    )
    path = folder / "envoy.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@dataclass
class Sidecar:
    topology: Topology
    pki: Path
    port: int
    settings: Settings
    server: Server


@pytest.fixture
async def sidecar(database_url: str, nats_url: str, tmp_path: Path) -> AsyncIterator[Sidecar]:
    topology = topology_with_a_caller(tmp_path)
    pki = ensure_pki(topology, tmp_path / "pki")
    settings = service_settings(database_url, nats_url, pki)
    async with running_requests(settings) as server:
        path = write_sidecar(topology, pki, tmp_path / "sidecar", server.grpc_port)
        validate_envoy_config(path)
        config = yaml.safe_load(path.read_text())
        port = config["static_resources"]["listeners"][0]["address"]["socket_address"]["port_value"]
        admin = config["admin"]["address"]["socket_address"]["port_value"]
        envoy = EnvoyProcess(path, admin_port=admin, log_path=tmp_path / "sidecar.log")
        await envoy.start_async(within=30)
        try:
            yield Sidecar(topology, pki, port, settings, server)
        finally:
            envoy.stop()


def test_only_services_that_call_others_get_a_sidecar(tmp_path: Path) -> None:
    topology = topology_with_a_caller(tmp_path)
    assert needs_sidecar(topology, "caller")
    assert not needs_sidecar(topology, "leaf")
    with pytest.raises(ValueError, match="needs no sidecar"):
        render_sidecar_config(topology, "leaf", descriptor_path=DESCRIPTOR, sds_dir=tmp_path)


async def test_calls_through_the_sidecar_carry_the_callers_identity(sidecar: Sidecar) -> None:
    message = create_request(idempotency_key="same-key")
    target = f"localhost:{sidecar.port}"
    token = test_issuer().token(person("manager"))
    async with channel_to(sidecar.settings, target, "caller", token=token) as channel:
        first = (await rpc.RequestServiceStub(channel).CreateRequest(message)).request
        again = (await rpc.RequestServiceStub(channel).CreateRequest(message)).request
    async with direct_channel(sidecar.settings, sidecar.server, "caller", token=token) as channel:
        direct = (await rpc.RequestServiceStub(channel).CreateRequest(message)).request
    async with direct_channel(sidecar.settings, sidecar.server, "operator", token=token) as channel:
        operators = (await rpc.RequestServiceStub(channel).CreateRequest(message)).request
    # The requests service scopes idempotency keys by the client and person it authenticated.
    # Through the sidecar it saw `caller`, exactly as when `caller` dials it directly (the same
    # key finds the same request); another client using the key gets a request of its own.
    assert again.request_number == first.request_number
    assert direct.request_number == first.request_number
    assert operators.request_number != first.request_number


async def test_the_sidecar_refuses_every_identity_but_its_own(sidecar: Sidecar) -> None:
    ca = sidecar.pki / "ca.crt"
    own = identity_files(sidecar.pki, "caller")
    assert await asyncio.to_thread(handshake_then_read, sidecar.port, ca, own) != b""
    strangers = (identity_files(sidecar.pki, "operator"), identity_files(sidecar.pki, "requests"))
    for stranger in (*strangers, None):
        try:
            answer = await asyncio.to_thread(handshake_then_read, sidecar.port, ca, stranger)
        except (ssl.SSLError, ConnectionError):
            answer = b""
        assert answer == b""
