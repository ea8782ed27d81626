"""The per-pod sidecar on Kubernetes: service-to-service calls over mTLS, from the same rendering.

A service that calls others (its `calls` in the topology) dials its sidecar on loopback; the
sidecar accepts only the pod's own identity and forwards each call to the callee's pods over
mTLS presenting that same identity, so the callee authenticates the real caller from its peer
certificate. A client that runs as its own workload (the bot, with `calls` on its topology
entry) gets the same sidecar. Routes, retries (GET methods only), health checks, circuit
breakers and outlier detection are the gateway's. Locally, `make up` runs no sidecars: the one
Envoy's mesh listener plays this role.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from mesh.envoy.common import LOOPBACK, Json, _socket_address
from mesh.envoy.config import _overload_manager, idempotent_methods
from mesh.envoy.http import _http_filters, _listener, _route_config, _SharedHttp
from mesh.envoy.secrets import SecretRefs
from mesh.envoy.tls import _cluster, _mesh_tls
from mesh.topology import Topology

SIDECAR_PORT = 15001
SIDECAR_ADMIN_PORT = 15000


def needs_sidecar(topology: Topology, identity: str) -> bool:
    """Whether `identity` (a service or a client) calls services (and so gets a sidecar)."""
    return bool(topology.calls_of(identity))


def render_sidecar_config(
    topology: Topology,
    identity: str,
    *,
    descriptor_path: Path,
    sds_dir: Path,
    upstreams: Mapping[str, tuple[str, int]] | None = None,
    listen_port: int = SIDECAR_PORT,
    admin_port: int = SIDECAR_ADMIN_PORT,
    bind_address: str = LOOPBACK,
    access_log: str = "/dev/stdout",
) -> Json:
    """The sidecar of `identity` (a service or a client with `calls`): one `outbound` listener,
    one cluster per callee.

    Its SDS files (`mesh.envoy.sds_files(pki_dir, identity)`) go in `sds_dir`. `upstreams`
    maps callees to `(host, port)` (default: 127.0.0.1 and their topology gRPC port).
    """
    calls = topology.calls_of(identity)
    if not calls:
        raise ValueError(f"{identity} calls no other service: it needs no sidecar")
    callees = [topology.service(name) for name in calls]
    addresses = {c.name: (LOOPBACK, c.grpc_port) for c in callees} | dict(upstreams or {})
    secrets = SecretRefs(sds_dir)
    grpc_services = [g for callee in callees for g in callee.grpc_services]
    routes = _route_config(
        callees, idempotent_methods(descriptor_path, grpc_services), infrastructure=False
    )
    shared = _SharedHttp(_http_filters(None, grpc_services), routes, access_log)
    own_identity = [topology.spiffe_id(identity)]
    return {
        "node": {"id": f"ukm-sidecar-{identity}", "cluster": identity},
        "admin": {"address": _socket_address(LOOPBACK, admin_port)},
        "static_resources": {
            "listeners": [
                _listener(
                    "outbound", bind_address, listen_port, shared, _mesh_tls(secrets, own_identity)
                ),
            ],
            "clusters": [
                _cluster(callee, addresses[callee.name], secrets, topology) for callee in callees
            ],
        },
        "overload_manager": _overload_manager(),
    }
