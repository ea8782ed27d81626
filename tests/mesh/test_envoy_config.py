"""The rendered Envoy configuration: accepted by `envoy --mode validate`, and shaped as the mesh
requires (routes for every service, mTLS everywhere it matters, retries only for reads)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from mesh.envoy import (
    EnvoyConfigError,
    idempotent_methods,
    render_envoy_config,
    validate_envoy_config,
    write_envoy_config,
)
from mesh.envoy.process import EnvoyProcess
from mesh.pki import ensure_pki
from mesh.process import ProcessFailed
from mesh.topology import Topology
from tests.support.echo import ECHO_SERVICE, build_echo_descriptor, echo_topology, ports
from tests.support.envoy_config import (
    DESCRIPTOR,
    Json,
    clusters,
    hcm,
    listener,
    random_edge,
    routes,
)

# --- accepted by Envoy ---------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_default_topology_passes_envoy_validate(
    topology: Topology, pki: Path, tmp_path: Path, suffix: str
) -> None:
    path = write_envoy_config(
        topology, tmp_path / f"envoy{suffix}", pki_dir=pki, descriptor_path=DESCRIPTOR
    )
    validate_envoy_config(path)


def test_default_topology_on_free_ports_passes_envoy_validate(
    topology: Topology, pki: Path, tmp_path: Path
) -> None:
    upstreams = {
        name: ("127.0.0.1", port)
        for name, port in zip(topology.services, ports(len(topology.services)), strict=True)
    }
    path = write_envoy_config(
        topology,
        tmp_path / "envoy.yaml",
        pki_dir=pki,
        descriptor_path=DESCRIPTOR,
        edge=random_edge(),
        upstreams=upstreams,
        access_log=str(tmp_path / "access.log"),
    )
    validate_envoy_config(path)


def test_echo_topology_on_free_ports_passes_envoy_validate(tmp_path: Path) -> None:
    descriptor = build_echo_descriptor(tmp_path / "proto")
    (upstream,) = ports(1)
    topology = echo_topology(grpc_port=upstream, edge=random_edge())
    pki = ensure_pki(topology, tmp_path / "pki")
    path = write_envoy_config(
        topology,
        tmp_path / "envoy.json",
        pki_dir=pki,
        descriptor_path=descriptor,
        upstreams={"echo": ("localhost", upstream)},
        bind_address="0.0.0.0",
    )
    validate_envoy_config(path)
    config = json.loads(path.read_text())
    assert clusters(config)["svc_echo"]["type"] == "STRICT_DNS"
    assert listener(config, "mesh")["address"]["socket_address"]["address"] == "0.0.0.0"
    assert listener(config, "edge_http")["address"]["socket_address"]["address"] == "127.0.0.1"


def test_envoy_rejection_is_reported_with_its_reason(
    topology: Topology, pki: Path, tmp_path: Path
) -> None:
    config = render_envoy_config(topology, pki_dir=pki, descriptor_path=DESCRIPTOR)
    config["static_resources"]["clusters"][0]["connect_timeout"] = "soon"
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(config))
    with pytest.raises(EnvoyConfigError, match=r"connect_timeout|Duration|soon"):
        validate_envoy_config(path)


def test_envoy_that_cannot_start_says_why_and_leaves_nothing_running(tmp_path: Path) -> None:
    (admin,) = ports(1)
    path = tmp_path / "broken.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "admin": {
                    "address": {"socket_address": {"address": "127.0.0.1", "port_value": admin}}
                },
                "static_resources": {"clusters": [{"name": "x", "connect_timeout": "soon"}]},
            }
        )
    )
    envoy = EnvoyProcess(path, admin_port=admin, log_path=tmp_path / "envoy.log")
    with pytest.raises(ProcessFailed, match="soon"):
        envoy.start(timeout=10)
    assert not envoy.process.running()


def test_yaml_and_json_files_hold_the_rendered_config(
    topology: Topology, pki: Path, tmp_path: Path, config: Json
) -> None:
    as_yaml = write_envoy_config(
        topology, tmp_path / "a.yml", pki_dir=pki, descriptor_path=DESCRIPTOR
    )
    as_json = write_envoy_config(
        topology, tmp_path / "a.json", pki_dir=pki, descriptor_path=DESCRIPTOR
    )
    # write_envoy_config puts the SDS files next to the config and points the config there.
    beside = render_envoy_config(
        topology, pki_dir=pki, descriptor_path=DESCRIPTOR, sds_dir=tmp_path
    )
    assert yaml.safe_load(as_yaml.read_text()) == beside
    assert json.loads(as_json.read_text()) == beside
    assert sorted(p.name for p in tmp_path.glob("sds-*.yaml")) == [
        "sds-ca.yaml",
        "sds-certificate.yaml",
    ]


# --- ports and addresses ---------------------------------------------------------------------


def test_ports_come_from_the_topology_unless_injected(topology: Topology, pki: Path) -> None:
    default = render_envoy_config(topology, pki_dir=pki, descriptor_path=DESCRIPTOR)
    assert default["admin"]["address"]["socket_address"] == {
        "address": "127.0.0.1",
        "port_value": topology.edge.admin_port,
    }
    assert listener(default, "mesh")["address"]["socket_address"]["port_value"] == (
        topology.edge.mesh_port
    )
    edge = random_edge()
    moved = render_envoy_config(
        topology,
        pki_dir=pki,
        descriptor_path=DESCRIPTOR,
        edge=edge,
        upstreams={"requests": ("127.0.0.1", 1234)},
    )
    bound = {
        x["name"]: x["address"]["socket_address"]["port_value"]
        for x in moved["static_resources"]["listeners"]
    }
    assert bound == {
        "edge_http": edge.http_port,
        "edge_https": edge.https_port,
        "mesh": edge.mesh_port,
    }
    assert moved["admin"]["address"]["socket_address"]["port_value"] == edge.admin_port
    endpoint = clusters(moved)["svc_requests"]["load_assignment"]["endpoints"][0]
    assert endpoint["lb_endpoints"][0]["endpoint"]["address"]["socket_address"] == {
        "address": "127.0.0.1",
        "port_value": 1234,
    }


def test_unknown_upstream_is_an_error(topology: Topology, pki: Path) -> None:
    with pytest.raises(KeyError, match="nope"):
        render_envoy_config(
            topology, pki_dir=pki, descriptor_path=DESCRIPTOR, upstreams={"nope": ("x", 1)}
        )


def test_service_missing_from_the_contracts_is_an_error(pki: Path) -> None:
    topology = echo_topology(grpc_port=50999, edge=random_edge())
    with pytest.raises(KeyError, match=ECHO_SERVICE):
        render_envoy_config(topology, pki_dir=pki, descriptor_path=DESCRIPTOR)


# --- routes ----------------------------------------------------------------------------------


def test_every_grpc_service_is_routed_to_its_cluster(config: Json, topology: Topology) -> None:
    prefixes = {r["match"].get("prefix"): r["route"] for r in routes(config)}
    for service in topology.services.values():
        for grpc_service in service.grpc_services:
            route = prefixes[f"/{grpc_service}/"]
            assert route["cluster"] == f"svc_{service.name}"
            assert route["timeout"] == "15s"
            assert "retry_policy" not in route
            assert f"svc_{service.name}" in clusters(config)


def test_health_and_reflection_go_to_the_first_service(config: Json, topology: Topology) -> None:
    first = f"svc_{next(iter(topology.services))}"
    prefixes = {r["match"].get("prefix"): r["route"]["cluster"] for r in routes(config)}
    for grpc_service in (
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
        "grpc.reflection.v1.ServerReflection",
    ):
        assert prefixes[f"/{grpc_service}/"] == first


def test_only_get_methods_are_retried(config: Json, topology: Topology) -> None:
    exact = {r["match"]["path"]: r["route"] for r in routes(config) if "path" in r["match"]}
    owner = {
        grpc_service: f"svc_{service.name}"
        for service in topology.services.values()
        for grpc_service in service.grpc_services
    }
    reads = idempotent_methods(DESCRIPTOR, owner)
    assert "/ukm.requests.v1.RequestService/GetRequest" in reads
    assert "/ukm.requests.v1.RequestService/CreateRequest" not in reads
    assert set(exact) == set(reads)
    for path, route in exact.items():
        assert route["retry_policy"] == {"retry_on": "unavailable", "num_retries": 2}
        assert route["cluster"] == owner[path.split("/")[1]]
    retried = [r for r in routes(config) if "retry_policy" in r["route"]]
    assert all("path" in r["match"] for r in retried)


def test_exact_routes_come_before_their_service_prefix(config: Json) -> None:
    order = [r["match"].get("path") or r["match"]["prefix"] for r in routes(config)]
    prefix = order.index("/ukm.requests.v1.RequestService/")
    assert order.index("/ukm.requests.v1.RequestService/GetRequest") < prefix


def test_idempotent_methods_come_from_the_http_rules() -> None:
    reads = idempotent_methods(DESCRIPTOR, ["ukm.requests.v1.RequestService"])
    service = "/ukm.requests.v1.RequestService"
    for get in ("GetRequest", "ListRequests", "ListHistory", "CountAddressReferences"):
        assert f"{service}/{get}" in reads
    for write in ("CreateRequest", "Transition", "AssignRequest", "UpdateRequest", "AddComment"):
        assert f"{service}/{write}" not in reads


# --- filters ---------------------------------------------------------------------------------


def test_transcoder_serves_exactly_the_topology_services(config: Json, topology: Topology) -> None:
    for edge_listener in ("edge_http", "edge_https"):
        filters = hcm(config, edge_listener)["http_filters"]
        assert [f["name"] for f in filters] == [
            "envoy.filters.http.jwt_authn",
            "envoy.filters.http.body_size_limit",
            "envoy.filters.http.grpc_json_transcoder",
            "envoy.filters.http.router",
        ]
    # Services verify tokens themselves; calls between them carry none.
    assert [f["name"] for f in hcm(config, "mesh")["http_filters"]] == [
        "envoy.filters.http.body_size_limit",
        "envoy.filters.http.grpc_json_transcoder",
        "envoy.filters.http.router",
    ]
    transcoder = hcm(config, "edge_http")["http_filters"][2]["typed_config"]
    assert transcoder["services"] == [
        g for s in topology.services.values() for g in s.grpc_services
    ]
    assert transcoder["proto_descriptor"] == str(DESCRIPTOR)
    assert transcoder["print_options"]["always_print_primitive_fields"] is True
    assert transcoder["convert_grpc_status"] is True
    assert transcoder["request_validation_options"] == {
        "reject_unknown_method": True,
        "reject_unknown_query_parameters": True,
    }
    assert filters[1]["typed_config"]["max_request_bytes"] == 1024 * 1024


def test_listeners_log_json_and_generate_request_ids(config: Json) -> None:
    for name in ("edge_http", "edge_https", "mesh"):
        manager = hcm(config, name)
        assert manager["codec_type"] == "AUTO"
        assert manager["generate_request_id"] is True
        log_format = manager["access_log"][0]["typed_config"]["log_format"]["json_format"]
        assert {
            "method",
            "path",
            "status",
            "grpc_status",
            "duration_ms",
            "upstream_cluster",
            "request_id",
        } <= set(log_format)
