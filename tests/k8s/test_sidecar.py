"""Sidecars on Kubernetes: a service that calls another gets one, rendered from the topology,
wired into its pod and kustomization, and valid for Envoy."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import yaml

import mesh.kubernetes as k8s
from mesh.envoy import SIDECAR_PORT, sds_files, validate_envoy_config
from mesh.kubernetes.common import SIDECAR_CONFIG_MOUNT, sidecar_config_map
from mesh.kubernetes.workloads import sidecar_config
from mesh.pki import issue_identity
from mesh.topology import Service, Topology
from tests.k8s.manifests import mount_pki, pod_spec


def with_a_caller(topology: Topology) -> Topology:
    """The topology plus `reporter`, a service that calls `requests`, and `leaf`, which calls
    nobody."""
    reporter = Service(
        "reporter", 50060, 9160, ("test.reporter.v1.ReporterService",), None, None, ("requests",)
    )
    leaf = Service("leaf", 50061, 9161, ("test.leaf.v1.LeafService",), None, None, ())
    return dataclasses.replace(
        topology, services={**topology.services, "reporter": reporter, "leaf": leaf}
    )


def test_a_calling_service_gets_a_sidecar_in_its_pod(topology: Topology) -> None:
    grown = with_a_caller(topology)
    reporter = grown.service("reporter")
    deployment = k8s.service_deployment(grown, reporter)
    containers = {c["name"]: c for c in pod_spec(deployment)["containers"]}
    proxy = containers["mesh-proxy"]
    assert {"requests", "limits"} <= set(proxy["resources"])
    assert {"startupProbe", "livenessProbe", "readinessProbe"} <= set(proxy)
    assert proxy["securityContext"]["runAsNonRoot"] is True
    assert proxy["securityContext"]["readOnlyRootFilesystem"] is True
    volumes = {v["name"]: v for v in pod_spec(deployment)["volumes"]}
    assert volumes["sidecar"]["configMap"]["name"] == sidecar_config_map("reporter")
    # The app dials its sidecar on loopback; a service that calls nobody has no sidecar.
    assert k8s.service_settings(grown, reporter)["UKM_MESH_ADDRESS"] == f"127.0.0.1:{SIDECAR_PORT}"
    leaf = k8s.service_deployment(grown, grown.service("leaf"))
    assert [c["name"] for c in pod_spec(leaf)["containers"]] == ["leaf"]
    generators = {g["name"]: g for g in k8s.base_kustomization(grown)["configMapGenerator"]}
    files = generators[sidecar_config_map("reporter")]["files"]
    assert {f.split("=")[0] for f in files} == {"envoy.yaml", "sds-certificate.yaml", "sds-ca.yaml"}


def test_the_sidecar_config_is_valid_as_the_pod_runs_it(
    topology: Topology, pki_dir: Path, tmp_path: Path
) -> None:
    grown = with_a_caller(topology)
    reporter = grown.service("reporter")
    config = sidecar_config(grown, reporter)
    [cluster] = config["static_resources"]["clusters"]
    assert cluster["name"] == "svc_requests"
    endpoint = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]
    assert endpoint["address"]["socket_address"]["address"] == k8s.dns("requests")
    # This machine's PKI where the pod's Secret volume is, the files where the ConfigMap is.
    source = tmp_path / "pki-source"
    shutil.copytree(pki_dir, source)
    issue_identity(source, "reporter", grown.spiffe_id("reporter"))
    mounted = mount_pki(k8s.service_deployment(grown, reporter), source, tmp_path / "pki")
    run = tmp_path / "sidecar"
    run.mkdir()
    for name, content in sds_files(Path(k8s.PKI_MOUNT), "reporter").items():
        (run / name).write_text(yaml.safe_dump(content).replace(k8s.PKI_MOUNT, str(mounted)))
    text = yaml.safe_dump(config).replace(SIDECAR_CONFIG_MOUNT, str(run))
    (run / "envoy.yaml").write_text(text)
    validate_envoy_config(run / "envoy.yaml")
