"""The requests service behind a real Envoy, on free ports: what a client of the mesh meets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from mesh.envoy import write_envoy_config
from mesh.envoy.process import EnvoyProcess
from mesh.infra import free_port
from mesh.topology import Edge, load_topology
from services.kit.server import Server
from services.kit.settings import Settings
from tests.support.services import running_requests, service_settings

ROOT = Path(__file__).resolve().parents[2]
DESCRIPTOR = ROOT / "gen" / "ukm.binpb"


@dataclass
class Stack:
    """A service, the Envoy in front of it, and where everything listens."""

    server: Server
    envoy: EnvoyProcess
    edge: Edge
    settings: Settings
    pki: Path

    @property
    def rest(self) -> str:
        return f"http://127.0.0.1:{self.edge.http_port}"

    @property
    def mesh_address(self) -> str:
        return f"127.0.0.1:{self.edge.mesh_port}"


@asynccontextmanager
async def requests_behind_envoy(
    database_url: str, nats_url: str, pki_dir: Path, work: Path
) -> AsyncIterator[Stack]:
    """Start the requests service and an Envoy rendered from the topology in front of it."""
    edge = Edge(
        http_port=free_port(), https_port=free_port(), mesh_port=free_port(), admin_port=free_port()
    )
    settings = service_settings(
        database_url, nats_url, pki_dir, mesh_address=f"127.0.0.1:{edge.mesh_port}"
    )
    async with running_requests(settings) as server:
        config = write_envoy_config(
            load_topology(),
            work / "envoy.yaml",
            pki_dir=pki_dir,
            descriptor_path=DESCRIPTOR,
            upstreams={"requests": ("127.0.0.1", server.grpc_port)},
            edge=edge,
            access_log=str(work / "access.log"),
        )
        envoy = EnvoyProcess(config, admin_port=edge.admin_port, log_path=work / "envoy.log")
        await envoy.start_async(within=30)
        try:
            yield Stack(server, envoy, edge, settings, pki_dir)
        finally:
            envoy.stop()
