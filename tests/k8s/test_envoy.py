"""The gateway's Envoy bootstrap, as the pod gets it, passes `envoy --mode validate`, and its
paths, ports and upstreams are the ones the manifests provide."""

from __future__ import annotations

from pathlib import Path

import yaml

from mesh import kubernetes as k8s
from mesh.envoy import cluster_name, validate_envoy_config
from mesh.envoy.jwt import JWKS_CLUSTER
from mesh.kubernetes.common import ENVOY_CONFIG_MOUNT
from mesh.topology import Topology
from tests.k8s.manifests import Rendered, config_map_data, mount_pki, pod_spec

ROOT = Path(__file__).resolve().parents[2]
SDS_FILES = ("sds-certificate.yaml", "sds-ca.yaml")


def _gateway(overlay: Rendered) -> tuple[dict, dict, str]:
    deployment = overlay.get("Deployment", k8s.GATEWAY_IDENTITY)
    envoy = next(c for c in pod_spec(deployment)["containers"] if c["name"] == "envoy")
    text = config_map_data(overlay, "envoy-config")["envoy.yaml"]
    return deployment, envoy, text


def test_gateway_config_passes_envoy_validate(
    overlay: Rendered, pki_dir: Path, tmp_path: Path
) -> None:
    deployment, _, text = _gateway(overlay)
    # validate mode opens the certificate and descriptor files: give it this machine's copies
    # where the pod has its mounts (the descriptor is what the init container copies from the
    # image, which is the repository's gen/ukm.binpb).
    mounted = mount_pki(deployment, pki_dir, tmp_path / "pki")
    data = config_map_data(overlay, "envoy-config")
    for name in SDS_FILES:  # the SDS files name the certificates at the pod's PKI mount
        (tmp_path / name).write_text(data[name].replace(k8s.PKI_MOUNT, str(mounted)))
    text = text.replace(ENVOY_CONFIG_MOUNT + "/", f"{tmp_path}/")
    text = text.replace(f"{k8s.DESCRIPTOR_MOUNT}/ukm.binpb", str(ROOT / "gen" / "ukm.binpb"))
    config = tmp_path / "envoy.yaml"
    config.write_text(text)
    validate_envoy_config(config)


def test_gateway_paths_are_the_pods_mounts(overlay: Rendered) -> None:
    deployment, envoy, text = _gateway(overlay)
    mounts = {m["name"]: m["mountPath"] for m in envoy["volumeMounts"]}
    args = envoy["args"]
    assert args[args.index("--config-path") + 1] == f"{mounts['config']}/envoy.yaml"
    assert mounts["pki"] == k8s.PKI_MOUNT and mounts["descriptors"] == k8s.DESCRIPTOR_MOUNT
    init = pod_spec(deployment)["initContainers"][0]
    assert init["command"] == ["cp", k8s.DESCRIPTOR_IN_IMAGE, f"{k8s.DESCRIPTOR_MOUNT}/ukm.binpb"]
    data = config_map_data(overlay, "envoy-config")
    sds_paths = {
        v["path_config_source"]["path"]
        for v in _walk(yaml.safe_load(text))
        if isinstance(v, dict) and "path_config_source" in v
    }
    assert sds_paths == {f"{mounts['config']}/{name}" for name in SDS_FILES}
    files = {
        v["filename"]
        for name in SDS_FILES
        for v in _walk(yaml.safe_load(data[name]))
        if isinstance(v, dict) and "filename" in v
    }
    assert files == {f"{k8s.PKI_MOUNT}/{name}" for name in ("envoy.crt", "envoy.key", "ca.crt")}
    assert text.count(f"proto_descriptor: {k8s.DESCRIPTOR_MOUNT}/ukm.binpb") == 3


def test_gateway_routes_to_the_kubernetes_services(overlay: Rendered, topology: Topology) -> None:
    _, envoy, text = _gateway(overlay)
    config = yaml.safe_load(text)
    clusters = {c["name"]: c for c in config["static_resources"]["clusters"]}
    # One per service, plus the gateway's own plaintext listener for fetching the JWKS.
    assert set(clusters) == {cluster_name(name) for name in topology.services} | {JWKS_CLUSTER}
    for name, service in topology.services.items():
        cluster = clusters[cluster_name(name)]
        assert cluster["type"] == "STRICT_DNS"
        address = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"][
            "address"
        ]["socket_address"]
        assert address == {"address": k8s.dns(name), "port_value": service.grpc_port}
        kube_service = overlay.get("Service", name)
        assert kube_service["spec"]["clusterIP"] == "None", "Envoy balances over pod IPs"
        ports = {p["name"]: p["port"] for p in kube_service["spec"]["ports"]}
        assert ports["grpc"] == service.grpc_port
    listeners = {
        item["name"]: item["address"]["socket_address"]
        for item in config["static_resources"]["listeners"]
    }
    container_ports = {p["name"]: p["containerPort"] for p in envoy["ports"]}
    edge = topology.edge
    assert listeners["edge_https"] == {"address": "0.0.0.0", "port_value": edge.https_port}
    assert listeners["mesh"] == {"address": "0.0.0.0", "port_value": edge.mesh_port}
    assert container_ports == {"https": edge.https_port, "mesh": edge.mesh_port}
    # Plaintext edge and admin stay on loopback: reachable through port-forward only.
    assert listeners["edge_http"]["address"] == "127.0.0.1"
    assert config["admin"]["address"]["socket_address"]["address"] == "127.0.0.1"


def _walk(value: object) -> list[object]:
    found: list[object] = [value]
    if isinstance(value, dict):
        for item in value.values():
            found += _walk(item)
    elif isinstance(value, list):
        for item in value:
            found += _walk(item)
    return found
