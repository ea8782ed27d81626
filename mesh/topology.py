"""The mesh topology (`mesh/topology.yaml`) as typed objects: the one source of truth for services,
ports, identities, calls and streams. Everything else (PKI, Envoy, `make up`, Kubernetes) is
rendered from it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

TOPOLOGY_FILE = Path(__file__).with_name("topology.yaml")


@dataclass(frozen=True)
class Service:
    """One service process: its gRPC services, ports, schema, stream and whom it calls."""

    name: str
    grpc_port: int
    ops_port: int
    grpc_services: tuple[str, ...]
    schema: str | None
    stream: str | None
    calls: tuple[str, ...]

    @property
    def subjects(self) -> str:
        """The NATS subjects of the service's stream: `ukm.<name>.>`."""
        return f"ukm.{self.name}.>"

    @property
    def migrations_dir(self) -> Path:
        """Where the service's Alembic migrations live."""
        return Path(__file__).resolve().parent.parent / "services" / self.name / "migrations"


@dataclass(frozen=True)
class Client:
    """An identity that calls the mesh without serving gRPC (an operator, the gateway, the bot).

    `calls` names the services a client that runs as its own workload calls (the bot): on
    Kubernetes it gets a sidecar and NetworkPolicies for exactly those. Clients without it (an
    operator with grpcurl, the gateway) reach the mesh some other way."""

    name: str
    kind: str
    calls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Edge:
    """Envoy's listeners and admin port."""

    http_port: int
    https_port: int
    mesh_port: int
    admin_port: int


@dataclass(frozen=True)
class Topology:
    """The whole mesh."""

    trust_domain: str
    edge: Edge
    nats_port: int
    services: dict[str, Service] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)
    # `make up` without a bot token: the local Telegram Bot API (mesh.sandbox); 0 for none.
    telegram_port: int = 0

    def spiffe_id(self, name: str) -> str:
        """The SPIFFE id of a service or client: `spiffe://<trust domain>/<kind>/<name>`."""
        kind = self.clients[name].kind if name in self.clients else "svc"
        return f"spiffe://{self.trust_domain}/{kind}/{name}"

    @property
    def identities(self) -> list[str]:
        """Every name that gets a certificate: services, then clients."""
        return [*self.services, *self.clients]

    def service(self, name: str) -> Service:
        """The named service, with a clear error when the name is wrong."""
        try:
            return self.services[name]
        except KeyError:
            known = ", ".join(sorted(self.services))
            raise KeyError(f"unknown service {name!r}; the topology has: {known}") from None

    def calls_of(self, name: str) -> tuple[str, ...]:
        """Whom a service or client calls (its `calls` in the topology)."""
        if name in self.services:
            return self.services[name].calls
        if name in self.clients:
            return self.clients[name].calls
        known = ", ".join(sorted(self.identities))
        raise KeyError(f"unknown identity {name!r}; the topology has: {known}")

    def callers_of(self, callee: str) -> list[str]:
        """Services, then clients, that call `callee`."""
        return [name for name in self.identities if callee in self.calls_of(name)]

    def owner_of(self, grpc_service: str) -> Service:
        """The service process that hosts a fully qualified gRPC service."""
        for service in self.services.values():
            if grpc_service in service.grpc_services:
                return service
        raise KeyError(f"no service hosts {grpc_service}")


def load_topology(path: Path | None = None) -> Topology:
    """Read and check the topology file (`UKM_TOPOLOGY` may name another one, e.g. in tests)."""
    path = path or Path(os.environ.get("UKM_TOPOLOGY") or TOPOLOGY_FILE)
    raw = yaml.safe_load(path.read_text())
    services = {
        name: Service(
            name=name,
            grpc_port=int(spec["grpc_port"]),
            ops_port=int(spec["ops_port"]),
            grpc_services=tuple(spec["grpc_services"]),
            schema=spec.get("schema"),
            stream=spec.get("stream"),
            calls=tuple(spec.get("calls") or ()),
        )
        for name, spec in raw["services"].items()
    }
    clients = {
        name: Client(name, spec["kind"], tuple(spec.get("calls") or ()))
        for name, spec in (raw.get("clients") or {}).items()
    }
    edge = Edge(**{key: int(value) for key, value in raw["edge"].items()})
    infrastructure = raw["infrastructure"]
    topology = Topology(
        raw["trust_domain"],
        edge,
        int(infrastructure["nats_port"]),
        services,
        clients,
        telegram_port=int(infrastructure.get("telegram_port") or 0),
    )
    _check(topology)
    return topology


def _check(topology: Topology) -> None:
    ports: dict[int, str] = {}
    edge = topology.edge
    for label, port in [
        ("edge.http_port", edge.http_port),
        ("edge.https_port", edge.https_port),
        ("edge.mesh_port", edge.mesh_port),
        ("edge.admin_port", edge.admin_port),
        ("infrastructure.nats_port", topology.nats_port),
        *(
            [("infrastructure.telegram_port", topology.telegram_port)]
            if topology.telegram_port
            else []
        ),
        *((f"{s.name}.grpc_port", s.grpc_port) for s in topology.services.values()),
        *((f"{s.name}.ops_port", s.ops_port) for s in topology.services.values()),
    ]:
        if port in ports:
            raise ValueError(f"topology: {label} reuses port {port} of {ports[port]}")
        ports[port] = label
    for name in topology.identities:
        for callee in topology.calls_of(name):
            if callee not in topology.services:
                raise ValueError(f"topology: {name} calls unknown service {callee}")
    overlap = set(topology.services) & set(topology.clients)
    if overlap:
        raise ValueError(f"topology: names used twice: {sorted(overlap)}")
