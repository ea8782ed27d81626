"""HTTP connection managers, filters (body limit, transcoder), routes, local replies, logs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mesh.envoy.common import (
    _BODY_LIMIT,
    _FILE_LOG,
    _HCM,
    _RESOURCE_EXHAUSTED,
    _REST_ERROR_CODES,
    _ROUTER,
    _TRANSCODER,
    _UNAUTHENTICATED,
    _UNKNOWN,
    HEALTH_SERVICE,
    MAX_REQUEST_BYTES,
    REFLECTION_SERVICES,
    ROUTE_TIMEOUT,
    Json,
    _socket_address,
    cluster_name,
)
from mesh.topology import Service

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


@dataclass(frozen=True)
class _SharedHttp:
    """What the three HTTP connection managers share: filters, routes, access log. The edge
    listeners run `edge_filters` when given (token checks); the mesh listener `http_filters`."""

    http_filters: list[Json]
    routes: Json
    access_log: str
    edge_filters: list[Json] | None = None

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
            "http_filters": self.http_filters if mesh else self.edge_filters or self.http_filters,
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


def _http_filters(descriptor_path: Path | None, grpc_services: list[str]) -> list[Json]:
    """Body limit, then transcoding (unless `descriptor_path` is None: sidecars), then the router.

    The edge puts `jwt_authn` in front of these (mesh.envoy.jwt): unauthenticated requests
    should cost as little as possible.
    """
    filters: list[Json] = [
        {
            # Counts the body as it arrives (Content-Length up front when there is one); too big
            # → 413, which gRPC callers see as RESOURCE_EXHAUSTED (local_reply_config). The
            # service never gets the call. Applies to REST and gRPC alike.
            "name": "envoy.filters.http.body_size_limit",
            "typed_config": {"@type": _BODY_LIMIT, "max_request_bytes": MAX_REQUEST_BYTES},
        },
    ]
    if descriptor_path is not None:
        filters.append(
            {
                "name": "envoy.filters.http.grpc_json_transcoder",
                "typed_config": _transcoder(descriptor_path, grpc_services),
            }
        )
    filters.append({"name": "envoy.filters.http.router", "typed_config": {"@type": _ROUTER}})
    return filters


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
    # Envoy's only local 403 here is jwt_authn's "audience not allowed": for a client that is
    # an invalid token like any other (RFC 6750), so 401 / UNAUTHENTICATED.
    mappers: list[Json] = [
        {
            "filter": {"and_filter": {"filters": [_status_filter("EQ", 403), native_grpc]}},
            "status_code": 401,
            "headers_to_add": [
                {
                    "header": {"key": "grpc-status", "value": str(_UNAUTHENTICATED)},
                    "append_action": "OVERWRITE_IF_EXISTS_OR_ADD",
                }
            ],
        },
        {
            **_json_error_mapper(_status_filter("EQ", 403), _UNAUTHENTICATED),
            "status_code": 401,
        },
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


def _route_config(
    services: list[Service], retried_paths: list[str], *, infrastructure: bool = True
) -> Json:
    """Exact routes (with retries) for GET methods, then one prefix route per gRPC service;
    with `infrastructure`, reflection and health go to the first service."""
    routes: list[Json] = []
    for service in services:
        for grpc_service in service.grpc_services:
            prefix = f"/{grpc_service}/"
            routes += [
                _route({"path": path}, service, retry=True)
                for path in retried_paths
                if path.startswith(prefix)
            ]
            routes.append(_route({"prefix": prefix}, service, retry=False))
    if infrastructure:
        for grpc_service in (*REFLECTION_SERVICES, HEALTH_SERVICE):
            routes.append(_route({"prefix": f"/{grpc_service}/"}, services[0], retry=False))
    return {
        "name": "ukm",
        "virtual_hosts": [{"name": "ukm", "domains": ["*"], "routes": routes}],
    }


def _route(match: Json, service: Service, *, retry: bool) -> Json:
    action: Json = {"cluster": cluster_name(service.name), "timeout": ROUTE_TIMEOUT}
    if retry:
        action["retry_policy"] = {"retry_on": "unavailable", "num_retries": 2}
    return {"match": match, "route": action}


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


def _access_log(path: str, listener: str) -> Json:
    return {
        "name": "envoy.access_loggers.file",
        "typed_config": {
            "@type": _FILE_LOG,
            "path": path,
            "log_format": {"json_format": {"listener": listener, **ACCESS_LOG_FORMAT}},
        },
    }
