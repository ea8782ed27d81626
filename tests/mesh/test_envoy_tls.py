"""TLS in the rendered Envoy configuration: mTLS where it matters, identities, SDS."""

from __future__ import annotations

from pathlib import Path

from mesh.envoy import sds_files
from mesh.topology import Topology
from tests.support.envoy_config import Json, clusters, hcm, listener, tls


def test_mesh_listener_requires_an_allowed_client_certificate(
    config: Json, topology: Topology, pki: Path
) -> None:
    context = tls(config, "mesh")
    assert context["require_client_certificate"] is True
    common = context["common_tls_context"]
    assert common["tls_params"] == {
        "tls_minimum_protocol_version": "TLSv1_3",
        "tls_maximum_protocol_version": "TLSv1_3",
    }
    combined = common["combined_validation_context"]
    assert combined["validation_context_sds_secret_config"]["name"] == "ukm_mesh_ca"
    validation = combined["default_validation_context"]
    allowed = {m["matcher"]["exact"] for m in validation["match_typed_subject_alt_names"]}
    assert allowed == {topology.spiffe_id(name) for name in topology.identities}
    assert all(m["san_type"] == "URI" for m in validation["match_typed_subject_alt_names"])
    [certificate] = common["tls_certificate_sds_secret_configs"]
    assert certificate["name"] == "ukm_gateway_certificate"
    assert certificate["sds_config"]["path_config_source"]["path"] == str(
        pki.resolve() / "sds-certificate.yaml"
    )


def test_sds_files_name_the_pki_files_and_watch_their_folder(pki: Path) -> None:
    files = sds_files(pki)
    [certificate] = files["sds-certificate.yaml"]["resources"]
    assert certificate["tls_certificate"]["certificate_chain"] == {
        "filename": str(pki / "envoy.crt")
    }
    assert certificate["tls_certificate"]["private_key"] == {"filename": str(pki / "envoy.key")}
    assert certificate["tls_certificate"]["watched_directory"] == {"path": str(pki)}
    [ca] = files["sds-ca.yaml"]["resources"]
    assert ca["validation_context"]["trusted_ca"] == {"filename": str(pki / "ca.crt")}
    assert ca["validation_context"]["watched_directory"] == {"path": str(pki)}


def test_mesh_passes_the_caller_identity_and_edges_strip_it(config: Json) -> None:
    mesh = hcm(config, "mesh")
    assert mesh["forward_client_cert_details"] == "SANITIZE_SET"
    assert mesh["set_current_client_cert_details"] == {"uri": True}
    for name in ("edge_http", "edge_https"):
        assert hcm(config, name)["forward_client_cert_details"] == "SANITIZE"
        assert "set_current_client_cert_details" not in hcm(config, name)


def test_edge_tls_takes_optional_client_certificates(config: Json) -> None:
    context = tls(config, "edge_https")
    assert context["require_client_certificate"] is False
    common = context["common_tls_context"]
    assert common["tls_params"]["tls_maximum_protocol_version"] == "TLSv1_3"
    assert common["validation_context_sds_secret_config"]["name"] == "ukm_mesh_ca"
    assert "transport_socket" not in listener(config, "edge_http")["filter_chains"][0]


def test_clusters_speak_h2_over_tls13_to_the_exact_identity(
    config: Json, topology: Topology
) -> None:
    for service in topology.services.values():
        cluster = clusters(config)[f"svc_{service.name}"]
        assert cluster["connect_timeout"] == "1s"
        options = cluster["typed_extension_protocol_options"]
        http = options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]
        assert http["explicit_http_config"] == {"http2_protocol_options": {}}
        upstream = cluster["transport_socket"]["typed_config"]
        assert upstream["sni"] == service.name
        common = upstream["common_tls_context"]
        assert common["tls_params"] == {
            "tls_minimum_protocol_version": "TLSv1_3",
            "tls_maximum_protocol_version": "TLSv1_3",
        }
        assert common["alpn_protocols"] == ["h2"]
        combined = common["combined_validation_context"]
        assert combined["default_validation_context"]["match_typed_subject_alt_names"] == [
            {"san_type": "URI", "matcher": {"exact": f"spiffe://ukm.local/svc/{service.name}"}}
        ]
        assert combined["validation_context_sds_secret_config"]["name"] == "ukm_mesh_ca"
        [certificate] = common["tls_certificate_sds_secret_configs"]
        assert certificate["name"] == "ukm_gateway_certificate"


def test_clusters_check_health_and_break_circuits(config: Json, topology: Topology) -> None:
    for service in topology.services.values():
        cluster = clusters(config)[f"svc_{service.name}"]
        (check,) = cluster["health_checks"]
        assert check["grpc_health_check"]["service_name"] == service.grpc_services[0]
        assert (check["interval"], check["unhealthy_threshold"], check["healthy_threshold"]) == (
            "2s",
            2,
            1,
        )
        assert "transport_socket_match_criteria" not in check  # checks use the mTLS transport
        thresholds = cluster["circuit_breakers"]["thresholds"][0]
        assert {"max_connections", "max_pending_requests", "max_requests", "max_retries"} <= set(
            thresholds
        )
        outlier = cluster["outlier_detection"]
        assert outlier["consecutive_5xx"] > 0
        assert outlier["consecutive_gateway_failure"] > 0
