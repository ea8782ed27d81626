"""TLS contexts of the listeners and the upstream clusters (mTLS, health checks, breakers)."""

from __future__ import annotations

from mesh.envoy.common import (
    _DOWNSTREAM_TLS,
    _HTTP_OPTIONS,
    _UPSTREAM_TLS,
    Json,
    _exact_uri,
    _is_ip,
    _socket_address,
    _tls13,
    cluster_name,
)
from mesh.envoy.secrets import SecretRefs
from mesh.topology import Service, Topology


def _edge_tls(secrets: SecretRefs) -> Json:
    """Outside callers: TLS 1.2–1.3; a client certificate is checked if offered, never required."""
    return {
        "@type": _DOWNSTREAM_TLS,
        "require_client_certificate": False,
        "common_tls_context": {
            "tls_params": {"tls_maximum_protocol_version": "TLSv1_3"},
            "tls_certificate_sds_secret_configs": [secrets.certificate()],
            "validation_context_sds_secret_config": secrets.ca(),
            "alpn_protocols": ["h2", "http/1.1"],
        },
    }


def _mesh_tls(secrets: SecretRefs, allowed_ids: list[str]) -> Json:
    """Mesh callers: TLS 1.3 only, a certificate from our CA naming one of `allowed_ids`."""
    allowed = [_exact_uri(spiffe_id) for spiffe_id in allowed_ids]
    return {
        "@type": _DOWNSTREAM_TLS,
        "require_client_certificate": True,
        "common_tls_context": {
            "tls_params": _tls13(),
            "tls_certificate_sds_secret_configs": [secrets.certificate()],
            "combined_validation_context": {
                "default_validation_context": {"match_typed_subject_alt_names": allowed},
                "validation_context_sds_secret_config": secrets.ca(),
            },
            "alpn_protocols": ["h2", "http/1.1"],
        },
    }


def _cluster(
    service: Service, address: tuple[str, int], secrets: SecretRefs, topology: Topology
) -> Json:
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
            "typed_config": _upstream_tls(secrets, service.name, topology.spiffe_id(service.name)),
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


def _upstream_tls(secrets: SecretRefs, name: str, spiffe_id: str) -> Json:
    return {
        "@type": _UPSTREAM_TLS,
        "sni": name,
        "common_tls_context": {
            "tls_params": _tls13(),
            "tls_certificate_sds_secret_configs": [secrets.certificate()],
            "combined_validation_context": {
                "default_validation_context": {
                    "match_typed_subject_alt_names": [_exact_uri(spiffe_id)]
                },
                "validation_context_sds_secret_config": secrets.ca(),
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
