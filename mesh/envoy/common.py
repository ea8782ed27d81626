"""Shared vocabulary of the Envoy rendering: type URLs, limits, identities, small builders."""

from __future__ import annotations

import ipaddress
from typing import Any

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

_UNAUTHENTICATED = 16

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


def cluster_name(service: str) -> str:
    """The Envoy cluster of a topology service."""
    return f"svc_{service}"


def _tls13() -> Json:
    return {"tls_minimum_protocol_version": "TLSv1_3", "tls_maximum_protocol_version": "TLSv1_3"}


def _exact_uri(spiffe_id: str) -> Json:
    return {"san_type": "URI", "matcher": {"exact": spiffe_id}}


def _socket_address(host: str, port: int) -> Json:
    return {"socket_address": {"address": host, "port_value": port}}


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
