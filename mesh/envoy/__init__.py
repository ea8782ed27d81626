"""Envoy's configuration, rendered from the topology (never hand-edited), and an Envoy runner.

One Envoy plays both roles locally (on Kubernetes the same rendering gives the edge gateway and
the sidecars):

- `edge_http` (plaintext, loopback only) and `edge_https` (TLS, client certificates optional):
  outside clients, REST/JSON through `grpc_json_transcoder` or native gRPC. Any incoming
  `x-forwarded-client-cert` is stripped: outsiders cannot claim an identity.
- `mesh`: service-to-service and operator traffic, mTLS with TLS 1.3 only, client certificate
  required and its SPIFFE id on the topology's allow-list; the caller's id is passed upstream in
  `x-forwarded-client-cert` (set by Envoy, never taken from the caller).

Upstream clusters speak HTTP/2 over mTLS (Envoy's own `envoy` identity, the upstream's exact
SPIFFE id checked), with gRPC health checks, circuit breakers and outlier detection. Only methods
whose HTTP rule is a GET (reads, hence idempotent) are retried.
"""

from mesh.envoy.common import GATEWAY_IDENTITY, MAX_REQUEST_BYTES, cluster_name
from mesh.envoy.config import (
    EnvoyConfigError,
    idempotent_methods,
    read_descriptor,
    render_envoy_config,
    validate_envoy_config,
    write_envoy_config,
)
from mesh.envoy.http import ACCESS_LOG_FORMAT
from mesh.envoy.secrets import sds_files
from mesh.envoy.sidecar import (
    SIDECAR_ADMIN_PORT,
    SIDECAR_PORT,
    needs_sidecar,
    render_sidecar_config,
)

__all__ = [
    "ACCESS_LOG_FORMAT",
    "GATEWAY_IDENTITY",
    "MAX_REQUEST_BYTES",
    "SIDECAR_ADMIN_PORT",
    "SIDECAR_PORT",
    "EnvoyConfigError",
    "cluster_name",
    "idempotent_methods",
    "needs_sidecar",
    "read_descriptor",
    "render_envoy_config",
    "render_sidecar_config",
    "sds_files",
    "validate_envoy_config",
    "write_envoy_config",
]
