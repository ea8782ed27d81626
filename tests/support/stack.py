"""The whole mesh behind a real Envoy, on free ports: what a client of UKM meets.

Every service of the topology runs in-process (the same `app.build` and `Server` that
`ukm serve` runs), each dialling the others through Envoy's mesh listener, and trusting access
tokens from the real auth service's JWKS — nothing is stubbed. People sign in for real
(tests/support/people.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mesh.envoy import write_envoy_config
from mesh.envoy.process import EnvoyProcess
from mesh.infra import free_port
from mesh.topology import Edge, load_topology
from services.kit.server import Server
from services.kit.settings import Settings
from tests.support.services import running_service, service_settings

ROOT = Path(__file__).resolve().parents[2]
DESCRIPTOR = ROOT / "gen" / "ukm.binpb"


@dataclass
class Stack:
    """The services, the Envoy in front of them, and where everything listens."""

    servers: dict[str, Server]
    envoy: EnvoyProcess
    edge: Edge
    settings: Settings
    pki: Path

    @property
    def server(self) -> Server:
        """The requests service (the one most tests talk to)."""
        return self.servers["requests"]

    @property
    def rest(self) -> str:
        """Base URL of the plaintext REST edge."""
        return f"http://127.0.0.1:{self.edge.http_port}"

    @property
    def mesh_address(self) -> str:
        """Envoy's mTLS mesh listener."""
        return f"127.0.0.1:{self.edge.mesh_port}"

    @property
    def edge_address(self) -> str:
        """Envoy's plaintext edge listener (gRPC and REST)."""
        return f"127.0.0.1:{self.edge.http_port}"


@asynccontextmanager
async def mesh_behind_envoy(
    database_url: str,
    nats_url: str,
    pki_dir: Path,
    work: Path,
    *,
    redis_url: str | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    elsewhere: Mapping[str, int] | None = None,
) -> AsyncIterator[Stack]:
    """Start every service and an Envoy rendered from the topology in front of them.

    `options` go to a service's `build` (e.g. the notifications service's providers);
    `elsewhere` names services a test runs itself (a subprocess it kills) by their gRPC port
    on 127.0.0.1: Envoy routes to them, and they are not started here.
    """
    topology = load_topology()
    edge = Edge(
        http_port=free_port(), https_port=free_port(), mesh_port=free_port(), admin_port=free_port()
    )
    extra: dict[str, object] = {"redis_url": redis_url} if redis_url else {}
    settings = service_settings(
        database_url,
        nats_url,
        pki_dir,
        mesh_address=f"127.0.0.1:{edge.mesh_port}",
        # Only the auth service vouches for people here, as in production.
        jwks_file=None,
        **extra,
    )
    outside = dict(elsewhere or {})
    async with AsyncExitStack() as running:
        servers = {
            name: await running.enter_async_context(
                running_service(name, settings, **(options or {}).get(name, {}))
            )
            for name in topology.services
            if name not in outside
        }
        upstreams = {name: ("127.0.0.1", server.grpc_port) for name, server in servers.items()}
        upstreams.update({name: ("127.0.0.1", port) for name, port in outside.items()})
        config = write_envoy_config(
            topology,
            work / "envoy.yaml",
            pki_dir=pki_dir,
            descriptor_path=DESCRIPTOR,
            upstreams=upstreams,
            edge=edge,
            access_log=str(work / "access.log"),
        )
        envoy = EnvoyProcess(config, admin_port=edge.admin_port, log_path=work / "envoy.log")
        await envoy.start_async(within=30, wait_for_keys=True)
        running.callback(envoy.stop)
        yield Stack(servers, envoy, edge, settings, pki_dir)
