"""The whole bootstrap: render from the topology, write, validate with Envoy."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml
from google.protobuf import descriptor_pb2

from mesh.envoy.common import _CONNECTION_LIMIT, LOOPBACK, Json, _socket_address
from mesh.envoy.http import _http_filters, _listener, _route_config, _SharedHttp
from mesh.envoy.jwt import jwks_cluster, jwt_authn_filter
from mesh.envoy.secrets import SecretRefs, sds_files
from mesh.envoy.tls import _cluster, _edge_tls, _mesh_tls
from mesh.files import write_atomically
from mesh.infra import binary
from mesh.topology import Edge, Topology
from services.kit import contracts
from services.kit.rbac import AccessPolicy


class EnvoyConfigError(RuntimeError):
    """`envoy --mode validate` rejected a configuration; the message quotes Envoy's output."""


def read_descriptor(descriptor_path: Path) -> descriptor_pb2.FileDescriptorSet:
    """The `--include_imports` descriptor set that feeds the transcoder."""
    return descriptor_pb2.FileDescriptorSet.FromString(descriptor_path.read_bytes())


def idempotent_methods(descriptor_path: Path, grpc_services: Iterable[str]) -> list[str]:
    """The gRPC paths (`/pkg.Service/Method`) of the GET methods of `grpc_services`."""
    return contracts.idempotent_methods(read_descriptor(descriptor_path).file, grpc_services)


def render_envoy_config(
    topology: Topology,
    *,
    pki_dir: Path,
    descriptor_path: Path,
    upstreams: Mapping[str, tuple[str, int]] | None = None,
    edge: Edge | None = None,
    access_log: str = "/dev/stdout",
    bind_address: str = LOOPBACK,
    sds_dir: Path | None = None,
    access: AccessPolicy | None = None,
) -> Json:
    """Envoy's bootstrap configuration (v3 API) as a plain dict.

    Certificates come through file-based SDS (see `mesh.envoy.secrets`): the SDS files are
    expected in `sds_dir` (default: `pki_dir`), where `write_envoy_config` puts them.

    `upstreams` maps service names to `(host, port)` (default: 127.0.0.1 and the topology's
    grpc_port), `edge` overrides the topology's listener and admin ports (tests), and
    `bind_address` is where `edge_https` and `mesh` listen (`edge_http` and admin always stay on
    loopback). `access` is the permission matrix whose public methods the edge lets through
    without a token (default: the services' own, services/kit/permissions.yaml).
    """
    if not topology.services:
        raise ValueError("the topology has no services to route to")
    ports = edge or topology.edge
    secrets = SecretRefs((sds_dir or pki_dir).resolve())
    addresses = _upstream_addresses(topology, upstreams or {})
    grpc_services = [g for s in topology.services.values() for g in s.grpc_services]
    http_filters = _http_filters(descriptor_path.resolve(), grpc_services)
    routes = _route_config(
        list(topology.services.values()), idempotent_methods(descriptor_path, grpc_services)
    )
    token_check = jwt_authn_filter(
        list(read_descriptor(descriptor_path).file),
        grpc_services,
        edge_http_port=ports.http_port,
        policy=access,
    )
    shared = _SharedHttp(http_filters, routes, access_log, [token_check, *http_filters])
    return {
        "node": {"id": "ukm-envoy", "cluster": "ukm"},
        "admin": {"address": _socket_address(LOOPBACK, ports.admin_port)},
        "static_resources": {
            "listeners": [
                _listener("edge_http", LOOPBACK, ports.http_port, shared),
                _listener("edge_https", bind_address, ports.https_port, shared, _edge_tls(secrets)),
                _listener(
                    "mesh",
                    bind_address,
                    ports.mesh_port,
                    shared,
                    _mesh_tls(secrets, [topology.spiffe_id(name) for name in topology.identities]),
                    mesh=True,
                ),
            ],
            "clusters": [
                *(
                    _cluster(service, addresses[name], secrets, topology)
                    for name, service in topology.services.items()
                ),
                jwks_cluster(ports.http_port),
            ],
        },
        "overload_manager": _overload_manager(),
    }


def _upstream_addresses(
    topology: Topology, overrides: Mapping[str, tuple[str, int]]
) -> dict[str, tuple[str, int]]:
    unknown = set(overrides) - set(topology.services)
    if unknown:
        raise KeyError(f"upstreams for unknown services: {', '.join(sorted(unknown))}")
    addresses = {name: (LOOPBACK, s.grpc_port) for name, s in topology.services.items()}
    addresses.update(overrides)
    return addresses


def _overload_manager() -> Json:
    """A global cap on downstream connections (Envoy warns at start-up without one)."""
    return {
        "resource_monitors": [
            {
                "name": "envoy.resource_monitors.global_downstream_max_connections",
                "typed_config": {
                    "@type": _CONNECTION_LIMIT,
                    "max_active_downstream_connections": 10000,
                },
            }
        ]
    }


def write_envoy_config(
    topology: Topology,
    path: Path,
    *,
    pki_dir: Path,
    descriptor_path: Path,
    upstreams: Mapping[str, tuple[str, int]] | None = None,
    edge: Edge | None = None,
    access_log: str = "/dev/stdout",
    bind_address: str = LOOPBACK,
    access: AccessPolicy | None = None,
) -> Path:
    """Render the configuration into `path` (YAML for .yaml/.yml, JSON otherwise), atomically,
    with its SDS files beside it."""
    for name, content in sds_files(pki_dir.resolve()).items():
        write_atomically(path.parent / name, yaml.safe_dump(content, sort_keys=False))
    config = render_envoy_config(
        topology,
        pki_dir=pki_dir,
        descriptor_path=descriptor_path,
        upstreams=upstreams,
        edge=edge,
        access_log=access_log,
        bind_address=bind_address,
        sds_dir=path.parent,
        access=access,
    )
    if path.suffix in (".yaml", ".yml"):
        text = yaml.safe_dump(config, sort_keys=False)
    else:
        text = json.dumps(config, indent=2)
    write_atomically(path, text)
    return path


def validate_envoy_config(path: Path) -> None:
    """Run `envoy --mode validate`; raise EnvoyConfigError with Envoy's output if it fails."""
    result = subprocess.run(
        [binary("envoy"), "--mode", "validate", "-c", str(path), "--log-level", "warn"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if result.returncode != 0:
        raise EnvoyConfigError(
            f"envoy rejected {path} (exit {result.returncode}):\n{result.stdout}{result.stderr}"
        )
