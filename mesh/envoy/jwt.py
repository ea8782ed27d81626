"""Access tokens at the edge: Envoy's `jwt_authn` against the auth service's JWKS.

Every edge request needs a valid access token except the methods the permission matrix
(services/kit/permissions.yaml) marks `public` — login, registration, password reset, the OIDC
callback, the JWKS itself — and health checks. They are matched by their gRPC path and by the
REST path of their `google.api.http` rule. Envoy fetches the JWKS from its own plaintext edge
listener (`GET /.well-known/jwks.json`, transcoded to `AuthService/GetJwks`), so the keys come
through the same route any client would use. The token is forwarded: services verify it again.
"""

from __future__ import annotations

import re

from google.api import annotations_pb2
from google.protobuf import descriptor_pb2

from mesh.envoy.common import _TYPE, HEALTH_SERVICE, LOOPBACK, Json, _socket_address
from services.kit.rbac import AccessPolicy
from services.kit.settings import Settings

JWKS_CLUSTER = "ukm_jwks"
JWKS_PATH = "/.well-known/jwks.json"
PROVIDER = "ukm"
_JWT_AUTHN = _TYPE + "extensions.filters.http.jwt_authn.v3.JwtAuthentication"
# Envoy keeps fetched keys this long; a rotated key is published before it signs (auth).
JWKS_CACHE_SECONDS = 60


def jwt_authn_filter(
    files: list[descriptor_pb2.FileDescriptorProto],
    grpc_services: list[str],
    *,
    edge_http_port: int,
    policy: AccessPolicy | None = None,
    settings: Settings | None = None,
) -> Json:
    """The `jwt_authn` HTTP filter of the edge listeners (keys fetched through the plaintext
    edge listener on `edge_http_port`)."""
    settings = settings or Settings()
    policy = policy or AccessPolicy.load()
    open_routes = [{"match": match} for match in public_matches(files, grpc_services, policy)]
    return {
        "name": "envoy.filters.http.jwt_authn",
        "typed_config": {
            "@type": _JWT_AUTHN,
            "providers": {
                PROVIDER: {
                    "issuer": settings.jwt_issuer,
                    "audiences": [settings.jwt_audience],
                    # Only the header: tokens in query strings end up in logs and histories.
                    "from_headers": [{"name": "authorization", "value_prefix": "Bearer "}],
                    "forward": True,
                    # Verified tokens are remembered (until they expire): a client sends the
                    # same token on every call, and the signature needs checking once.
                    "jwt_cache_config": {"jwt_cache_size": 10000},
                    "remote_jwks": {
                        "http_uri": {
                            "uri": f"http://{LOOPBACK}:{edge_http_port}{JWKS_PATH}",
                            "cluster": JWKS_CLUSTER,
                            "timeout": "2s",
                        },
                        "cache_duration": f"{JWKS_CACHE_SECONDS}s",
                        # Fetched at start and refreshed in the background, so no request waits.
                        "async_fetch": {"fast_listener": True, "failed_refetch_duration": "1s"},
                        "retry_policy": {
                            "num_retries": 3,
                            "retry_back_off": {"base_interval": "0.2s", "max_interval": "2s"},
                        },
                    },
                }
            },
            "rules": [
                *open_routes,
                {"match": {"prefix": "/"}, "requires": {"provider_name": PROVIDER}},
            ],
        },
    }


def jwks_cluster(edge_http_port: int) -> Json:
    """The cluster Envoy fetches the JWKS through: its own plaintext edge listener."""
    return {
        "name": JWKS_CLUSTER,
        "type": "STATIC",
        "connect_timeout": "1s",
        "load_assignment": {
            "cluster_name": JWKS_CLUSTER,
            "endpoints": [
                {
                    "lb_endpoints": [
                        {"endpoint": {"address": _socket_address(LOOPBACK, edge_http_port)}}
                    ]
                }
            ],
        },
    }


def public_matches(
    files: list[descriptor_pb2.FileDescriptorProto],
    grpc_services: list[str],
    policy: AccessPolicy,
) -> list[Json]:
    """Route matches of the public methods (gRPC and REST paths) and of health checks."""
    matches: list[Json] = [{"prefix": f"/{HEALTH_SERVICE}/"}]
    wanted = set(grpc_services)
    for file in files:
        for service in file.service:
            full_name = f"{file.package}.{service.name}"
            if full_name not in wanted:
                continue
            for method in service.method:
                path = f"/{full_name}/{method.name}"
                rule = policy.rule(path)
                if rule is None or not rule.public:
                    continue
                matches.append({"path": path})
                if rest := _rest_match(method):
                    matches.append(rest)
    return matches


def _rest_match(method: descriptor_pb2.MethodDescriptorProto) -> Json | None:
    http = method.options.Extensions[annotations_pb2.http]
    pattern = http.WhichOneof("pattern")
    if pattern is None or pattern == "custom":
        return None
    template: str = getattr(http, pattern)
    if "{" not in template:
        return {"path": template}
    regex = re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(template))
    return {"safe_regex": {"regex": f"^{regex}$"}}
