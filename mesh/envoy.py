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

from __future__ import annotations

import ipaddress
import json
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# Without types-protobuf these are untyped; the ignore stays harmless once stubs are installed.
from google.protobuf import descriptor_pb2

from mesh.infra import binary
from mesh.pki import identity_files
from mesh.topology import Edge, Service, Topology
from services.kit import contracts

Json = dict[str, Any]

GATEWAY_IDENTITY = "envoy"
HEALTH_SERVICE = "grpc.health.v1.Health"
REFLECTION_SERVICES = (
    "grpc.reflection.v1alpha.ServerReflection",
    "grpc.reflection.v1.ServerReflection",
)
MAX_REQUEST_BYTES = 1024 * 1024
ROUTE_TIMEOUT = "15s"
_UNKNOWN = 2
_RESOURCE_EXHAUSTED = 8
# HTTP status of an Envoy-made reply → the google.rpc.Code reported to REST callers.
_REST_ERROR_CODES = {
    400: 3,  # INVALID_ARGUMENT (malformed JSON, unknown query parameter)
    401: 16,  # UNAUTHENTICATED
    403: 7,  # PERMISSION_DENIED
    404: 5,  # NOT_FOUND (no such route or method)
    413: 8,  # RESOURCE_EXHAUSTED (body over the limit)
    429: 8,  # RESOURCE_EXHAUSTED (rate limited)
    502: 14,  # UNAVAILABLE
    503: 14,  # UNAVAILABLE (no healthy upstream, circuit open)
    504: 4,  # DEADLINE_EXCEEDED (route timeout)
}
LOOPBACK = "127.0.0.1"

_TYPE = "type.googleapis.com/envoy."
_HCM = _TYPE + "extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"
_DOWNSTREAM_TLS = _TYPE + "extensions.transport_sockets.tls.v3.DownstreamTlsContext"
_UPSTREAM_TLS = _TYPE + "extensions.transport_sockets.tls.v3.UpstreamTlsContext"
_HTTP_OPTIONS = _TYPE + "extensions.upstreams.http.v3.HttpProtocolOptions"
_BODY_LIMIT = _TYPE + "extensions.filters.http.body_size_limit.v3.BodySizeLimit"
_TRANSCODER = _TYPE + "extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder"
_ROUTER = _TYPE + "extensions.filters.http.router.v3.Router"
_FILE_LOG = _TYPE + "extensions.access_loggers.file.v3.FileAccessLog"
_CONNECTION_LIMIT = _TYPE + "extensions.resource_monitors.downstream_connections.v3."
_CONNECTION_LIMIT += "DownstreamConnectionsConfig"

# One JSON object per request (the access log's fields, in Envoy's command operators).
ACCESS_LOG_FORMAT = {
    "time": "%START_TIME%",
    # Transcoded REST calls become POSTs to the gRPC path; log what the client sent.
    "method": "%REQ(X-ENVOY-ORIGINAL-METHOD?:METHOD)%",
    "path": "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
    "status": "%RESPONSE_CODE%",
    "grpc_status": "%GRPC_STATUS_NUMBER%",
    "duration_ms": "%DURATION%",
    "upstream_cluster": "%UPSTREAM_CLUSTER%",
    "response_flags": "%RESPONSE_FLAGS%",
    "request_id": "%REQ(X-REQUEST-ID)%",
    "peer": "%DOWNSTREAM_PEER_URI_SAN%",
    "bytes_in": "%BYTES_RECEIVED%",
    "bytes_out": "%BYTES_SENT%",
}


class EnvoyConfigError(RuntimeError):
    """`envoy --mode validate` rejected a configuration; the message quotes Envoy's output."""


# --- the descriptor set ------------------------------------------------------------------


def read_descriptor(descriptor_path: Path) -> descriptor_pb2.FileDescriptorSet:
    """The `--include_imports` descriptor set that feeds the transcoder."""
    return descriptor_pb2.FileDescriptorSet.FromString(descriptor_path.read_bytes())


def idempotent_methods(descriptor_path: Path, grpc_services: Iterable[str]) -> list[str]:
    """The gRPC paths (`/pkg.Service/Method`) of the GET methods of `grpc_services`."""
    return contracts.idempotent_methods(read_descriptor(descriptor_path).file, grpc_services)


# --- rendering -----------------------------------------------------------------------------


def render_envoy_config(
    topology: Topology,
    *,
    pki_dir: Path,
    descriptor_path: Path,
    upstreams: Mapping[str, tuple[str, int]] | None = None,
    edge: Edge | None = None,
    access_log: str = "/dev/stdout",
    bind_address: str = LOOPBACK,
) -> Json:
    """Envoy's bootstrap configuration (v3 API) as a plain dict.

    `upstreams` maps service names to `(host, port)` (default: 127.0.0.1 and the topology's
    grpc_port), `edge` overrides the topology's listener and admin ports (tests), and
    `bind_address` is where `edge_https` and `mesh` listen (`edge_http` and admin always stay on
    loopback).
    """
    if not topology.services:
        raise ValueError("the topology has no services to route to")
    ports = edge or topology.edge
    pki = pki_dir.resolve()
    addresses = _upstream_addresses(topology, upstreams or {})
    grpc_services = [g for s in topology.services.values() for g in s.grpc_services]
    http_filters = _http_filters(descriptor_path.resolve(), grpc_services)
    routes = _route_config(topology, idempotent_methods(descriptor_path, grpc_services))
    shared = _SharedHttp(http_filters, routes, access_log)
    return {
        "node": {"id": "ukm-envoy", "cluster": "ukm"},
        "admin": {"address": _socket_address(LOOPBACK, ports.admin_port)},
        "static_resources": {
            "listeners": [
                _listener("edge_http", LOOPBACK, ports.http_port, shared),
                _listener("edge_https", bind_address, ports.https_port, shared, _edge_tls(pki)),
                _listener(
                    "mesh",
                    bind_address,
                    ports.mesh_port,
                    shared,
                    _mesh_tls(pki, topology),
                    mesh=True,
                ),
            ],
            "clusters": [
                _cluster(service, addresses[name], pki, topology)
                for name, service in topology.services.items()
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


@dataclass(frozen=True)
class _SharedHttp:
    """What the three HTTP connection managers share: filters, routes, access log."""

    http_filters: list[Json]
    routes: Json
    access_log: str

    def connection_manager(self, name: str, *, mesh: bool = False) -> Json:
        """The HTTP connection manager of listener `name`; `mesh` selects the XFCC policy."""
        config: Json = {
            "@type": _HCM,
            "stat_prefix": name,
            "codec_type": "AUTO",
            "generate_request_id": True,
            "normalize_path": True,
            "merge_slashes": True,
            # Slow-header clients (slowloris) are cut off; bodies have the route timeout.
            "request_headers_timeout": "10s",
            "http2_protocol_options": {"max_concurrent_streams": 1024},
            "access_log": [_access_log(self.access_log, name)],
            "local_reply_config": _local_replies(),
            "route_config": self.routes,
            "http_filters": self.http_filters,
        }
        if mesh:
            # Callers are our own services: keep their request id so a trace spans the mesh.
            config["preserve_external_request_id"] = True
            config["forward_client_cert_details"] = "SANITIZE_SET"
            config["set_current_client_cert_details"] = {"uri": True}
        else:
            config["use_remote_address"] = True
            config["forward_client_cert_details"] = "SANITIZE"
        return config


def _http_filters(descriptor_path: Path, grpc_services: list[str]) -> list[Json]:
    """Body limit, then transcoding, then the router.

    `jwt_authn` (tokens from the auth service's JWKS) goes first, before the body limit, once
    the auth service issues tokens: unauthenticated requests should cost as little as possible.
    """
    return [
        {
            # Counts the body as it arrives (Content-Length up front when there is one); too big
            # → 413, which gRPC callers see as RESOURCE_EXHAUSTED (local_reply_config). The
            # service never gets the call. Applies to REST and gRPC alike.
            "name": "envoy.filters.http.body_size_limit",
            "typed_config": {"@type": _BODY_LIMIT, "max_request_bytes": MAX_REQUEST_BYTES},
        },
        {
            "name": "envoy.filters.http.grpc_json_transcoder",
            "typed_config": _transcoder(descriptor_path, grpc_services),
        },
        {"name": "envoy.filters.http.router", "typed_config": {"@type": _ROUTER}},
    ]


def _transcoder(descriptor_path: Path, grpc_services: list[str]) -> Json:
    return {
        "@type": _TRANSCODER,
        "proto_descriptor": str(descriptor_path),
        "services": grpc_services,
        "print_options": {
            "always_print_primitive_fields": True,
            "always_print_enums_as_ints": False,
            "preserve_proto_field_names": False,
        },
        "convert_grpc_status": True,
        "max_request_body_size": MAX_REQUEST_BYTES,
        "request_validation_options": {
            "reject_unknown_method": True,
            "reject_unknown_query_parameters": True,
        },
    }


def _local_replies() -> Json:
    """Envoy's own error replies in the shape clients get from the services.

    REST callers (including transcoded calls) get `{"code": <google.rpc.Code>, "message": …}`,
    the JSON the transcoder produces for errors from upstream; native gRPC callers keep
    trailers-only replies, with 413 reported as RESOURCE_EXHAUSTED instead of UNKNOWN.
    """
    native_grpc = {
        "and_filter": {
            "filters": [
                _header_filter("content-type", {"string_match": {"prefix": "application/grpc"}}),
                # The transcoder rewrites REST requests to gRPC and keeps their path here.
                _header_filter(
                    "x-envoy-original-path", {"present_match": True, "invert_match": True}
                ),
            ]
        }
    }
    mappers: list[Json] = [
        {
            "filter": {"and_filter": {"filters": [_status_filter("EQ", 413), native_grpc]}},
            "headers_to_add": [
                {
                    "header": {"key": "grpc-status", "value": str(_RESOURCE_EXHAUSTED)},
                    "append_action": "OVERWRITE_IF_EXISTS_OR_ADD",
                }
            ],
        },
        # Everything else Envoy says to a gRPC caller stays as it is (first match wins).
        {"filter": native_grpc},
    ]
    for status, code in _REST_ERROR_CODES.items():
        mappers.append(_json_error_mapper(_status_filter("EQ", status), code))
    mappers.append(_json_error_mapper(_status_filter("GE", 400), _UNKNOWN))
    return {"mappers": mappers}


def _json_error_mapper(status_filter: Json, code: int) -> Json:
    return {
        "filter": status_filter,
        "body_format_override": {"json_format": {"code": code, "message": "%LOCAL_REPLY_BODY%"}},
    }


def _header_filter(name: str, matcher: Json) -> Json:
    return {"header_filter": {"header": {"name": name, **matcher}}}


def _status_filter(op: str, status: int) -> Json:
    return {
        "status_code_filter": {
            "comparison": {
                "op": op,
                "value": {"default_value": status, "runtime_key": f"ukm.local_reply.{status}"},
            }
        }
    }


def _route_config(topology: Topology, retried_paths: list[str]) -> Json:
    """Exact routes (with retries) for GET methods, then one prefix route per gRPC service."""
    routes: list[Json] = []
    for service in topology.services.values():
        for grpc_service in service.grpc_services:
            prefix = f"/{grpc_service}/"
            routes += [
                _route({"path": path}, service, retry=True)
                for path in retried_paths
                if path.startswith(prefix)
            ]
            routes.append(_route({"prefix": prefix}, service, retry=False))
    first = next(iter(topology.services.values()))
    for grpc_service in (*REFLECTION_SERVICES, HEALTH_SERVICE):
        routes.append(_route({"prefix": f"/{grpc_service}/"}, first, retry=False))
    return {
        "name": "ukm",
        "virtual_hosts": [{"name": "ukm", "domains": ["*"], "routes": routes}],
    }


def _route(match: Json, service: Service, *, retry: bool) -> Json:
    action: Json = {"cluster": cluster_name(service.name), "timeout": ROUTE_TIMEOUT}
    if retry:
        action["retry_policy"] = {"retry_on": "unavailable", "num_retries": 2}
    return {"match": match, "route": action}


def cluster_name(service: str) -> str:
    """The Envoy cluster of a topology service."""
    return f"svc_{service}"


def _listener(
    name: str,
    host: str,
    port: int,
    shared: _SharedHttp,
    tls: Json | None = None,
    *,
    mesh: bool = False,
) -> Json:
    manager = shared.connection_manager(name, mesh=mesh)
    chain: Json = {
        "filters": [
            {"name": "envoy.filters.network.http_connection_manager", "typed_config": manager}
        ]
    }
    if tls is not None:
        chain["transport_socket"] = {"name": "envoy.transport_sockets.tls", "typed_config": tls}
    return {
        "name": name,
        "stat_prefix": name,
        "address": _socket_address(host, port),
        "filter_chains": [chain],
    }


def _edge_tls(pki: Path) -> Json:
    """Outside callers: TLS 1.2–1.3; a client certificate is checked if offered, never required."""
    return {
        "@type": _DOWNSTREAM_TLS,
        "require_client_certificate": False,
        "common_tls_context": {
            "tls_params": {"tls_maximum_protocol_version": "TLSv1_3"},
            "tls_certificates": [_certificate(pki, GATEWAY_IDENTITY)],
            "validation_context": {"trusted_ca": _file(pki / "ca.crt")},
            "alpn_protocols": ["h2", "http/1.1"],
        },
    }


def _mesh_tls(pki: Path, topology: Topology) -> Json:
    """Mesh callers: TLS 1.3 only, a certificate from our CA naming a topology identity."""
    allowed = [_exact_uri(topology.spiffe_id(name)) for name in topology.identities]
    return {
        "@type": _DOWNSTREAM_TLS,
        "require_client_certificate": True,
        "common_tls_context": {
            "tls_params": _tls13(),
            "tls_certificates": [_certificate(pki, GATEWAY_IDENTITY)],
            "validation_context": {
                "trusted_ca": _file(pki / "ca.crt"),
                "match_typed_subject_alt_names": allowed,
            },
            "alpn_protocols": ["h2", "http/1.1"],
        },
    }


def _cluster(service: Service, address: tuple[str, int], pki: Path, topology: Topology) -> Json:
    host, port = address
    name = cluster_name(service.name)
    discovery: Json = (
        {"type": "STATIC"}
        if _is_ip(host)
        else {
            "type": "STRICT_DNS",
            "dns_lookup_family": "V4_PREFERRED",
        }
    )
    return {
        "name": name,
        **discovery,
        "connect_timeout": "1s",
        "load_assignment": {
            "cluster_name": name,
            "endpoints": [
                {"lb_endpoints": [{"endpoint": {"address": _socket_address(host, port)}}]}
            ],
        },
        "typed_extension_protocol_options": {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                "@type": _HTTP_OPTIONS,
                "explicit_http_config": {"http2_protocol_options": {}},
            }
        },
        # Health checks use this transport too: they prove the upstream's mTLS works.
        "transport_socket": {
            "name": "envoy.transport_sockets.tls",
            "typed_config": _upstream_tls(pki, service.name, topology.spiffe_id(service.name)),
        },
        "health_checks": [_health_check(service)],
        "circuit_breakers": {
            "thresholds": [
                {
                    "max_connections": 1024,
                    "max_pending_requests": 1024,
                    "max_requests": 1024,
                    "max_retries": 16,
                }
            ]
        },
        "outlier_detection": {
            "consecutive_5xx": 5,
            "consecutive_gateway_failure": 3,
            "enforcing_consecutive_gateway_failure": 100,
            "interval": "5s",
            "base_ejection_time": "10s",
        },
    }


def _upstream_tls(pki: Path, name: str, spiffe_id: str) -> Json:
    return {
        "@type": _UPSTREAM_TLS,
        "sni": name,
        "common_tls_context": {
            "tls_params": _tls13(),
            "tls_certificates": [_certificate(pki, GATEWAY_IDENTITY)],
            "validation_context": {
                "trusted_ca": _file(pki / "ca.crt"),
                "match_typed_subject_alt_names": [_exact_uri(spiffe_id)],
            },
            "alpn_protocols": ["h2"],
        },
    }


def _health_check(service: Service) -> Json:
    return {
        "timeout": "1s",
        "interval": "2s",
        # Until the first request, Envoy checks every `no_traffic_interval` (60 s by default);
        # keep it short so `ukm status` sees a service come up quickly.
        "no_traffic_interval": "5s",
        "unhealthy_threshold": 2,
        "healthy_threshold": 1,
        "grpc_health_check": {
            "service_name": service.grpc_services[0],
            "authority": service.name,
        },
    }


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


def _access_log(path: str, listener: str) -> Json:
    return {
        "name": "envoy.access_loggers.file",
        "typed_config": {
            "@type": _FILE_LOG,
            "path": path,
            "log_format": {"json_format": {"listener": listener, **ACCESS_LOG_FORMAT}},
        },
    }


def _tls13() -> Json:
    return {"tls_minimum_protocol_version": "TLSv1_3", "tls_maximum_protocol_version": "TLSv1_3"}


def _certificate(pki: Path, identity: str) -> Json:
    files = identity_files(pki, identity)
    return {"certificate_chain": _file(files.cert), "private_key": _file(files.key)}


def _exact_uri(spiffe_id: str) -> Json:
    return {"san_type": "URI", "matcher": {"exact": spiffe_id}}


def _file(path: Path) -> Json:
    return {"filename": str(path)}


def _socket_address(host: str, port: int) -> Json:
    return {"socket_address": {"address": host, "port_value": port}}


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


# --- files and validation ------------------------------------------------------------------


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
) -> Path:
    """Render the configuration into `path` (YAML for .yaml/.yml, JSON otherwise), atomically."""
    config = render_envoy_config(
        topology,
        pki_dir=pki_dir,
        descriptor_path=descriptor_path,
        upstreams=upstreams,
        edge=edge,
        access_log=access_log,
        bind_address=bind_address,
    )
    if path.suffix in (".yaml", ".yml"):
        text = yaml.safe_dump(config, sort_keys=False)
    else:
        text = json.dumps(config, indent=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    temporary.replace(path)
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
