"""The committed manifests are a fresh render, both overlays build, and every object is valid
for the Kubernetes versions we support (strict schemas: unknown fields are errors)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest

from mesh import kubernetes as k8s
from mesh.topology import Service, Topology
from tests.k8s.manifests import Rendered, allows, kustomize

ROOT = Path(__file__).resolve().parents[2]
OLDEST_SUPPORTED = "1.30"
NEWEST_OFFLINE = kubernetes_validate.utils.latest_version()
CRD_KINDS = {("cert-manager.io/v1", "Certificate"), ("cert-manager.io/v1", "Issuer")}


def test_committed_manifests_equal_a_fresh_render() -> None:
    problems = k8s.differences()
    assert not problems, "k8s/ is out of date; run `python -m mesh.kubernetes`:\n" + "\n".join(
        problems
    )


def test_check_command_agrees() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mesh.kubernetes", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_render_is_deterministic_and_writes_into_a_fresh_folder(tmp_path: Path) -> None:
    assert k8s.render() == k8s.render()
    changed = k8s.write(tmp_path)
    assert set(changed) == set(k8s.render())
    assert k8s.differences(tmp_path) == []
    # A generated file the topology no longer needs is removed by the next render.
    stale = tmp_path / "base" / "services" / "gone.yaml"
    stale.write_text(k8s.HEADER + "kind: Deployment\n")
    assert k8s.differences(tmp_path) == ["left over: k8s/base/services/gone.yaml"]
    assert k8s.write(tmp_path) == ["base/services/gone.yaml"]
    assert not stale.exists()


def test_no_local_paths_leak_into_the_manifests() -> None:
    for relative, text in k8s.render().items():
        assert str(ROOT) not in text, relative


@pytest.mark.parametrize("version", [OLDEST_SUPPORTED, NEWEST_OFFLINE])
def test_every_object_passes_strict_schema_validation(overlay: Rendered, version: str) -> None:
    failures = []
    for obj in overlay.objects:
        if (obj["apiVersion"], obj["kind"]) in CRD_KINDS:
            continue  # checked against cert-manager's own fields below
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            where = "/".join(str(p) for p in exc.path)
            failures.append(f"{obj['kind']}/{obj['metadata']['name']} at {where}: {exc.message}")
    assert not failures, "\n".join(failures)


def _strict(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "required": required or [],
    }


_STRINGS = {"type": "array", "items": {"type": "string"}}
_META = _strict(
    {
        "name": {"type": "string"},
        "namespace": {"type": "string"},
        "labels": {"type": "object"},
        "annotations": {"type": "object"},
    },
    ["name"],
)
# The fields of cert-manager.io/v1 we use, with their documented types and enums.
CERT_MANAGER_SCHEMAS = {
    "Certificate": _strict(
        {
            "apiVersion": {"const": "cert-manager.io/v1"},
            "kind": {"const": "Certificate"},
            "metadata": _META,
            "spec": _strict(
                {
                    "secretName": {"type": "string"},
                    "commonName": {"type": "string"},
                    "subject": _strict({"organizations": _STRINGS}),
                    "duration": {"type": "string", "pattern": r"^\d+h$"},
                    "renewBefore": {"type": "string", "pattern": r"^\d+h$"},
                    "privateKey": _strict(
                        {
                            "algorithm": {"enum": ["RSA", "ECDSA", "Ed25519"]},
                            "size": {"type": "integer"},
                            "rotationPolicy": {"enum": ["Never", "Always"]},
                        }
                    ),
                    "usages": {
                        "type": "array",
                        "items": {
                            "enum": [
                                "digital signature",
                                "key encipherment",
                                "server auth",
                                "client auth",
                            ]
                        },
                    },
                    "uris": _STRINGS,
                    "dnsNames": _STRINGS,
                    "ipAddresses": _STRINGS,
                    "issuerRef": _strict(
                        {
                            "name": {"type": "string"},
                            "kind": {"enum": ["Issuer"]},
                            "group": {"const": "cert-manager.io"},
                        },
                        ["name"],
                    ),
                },
                ["secretName", "issuerRef"],
            ),
        },
        ["apiVersion", "kind", "metadata", "spec"],
    ),
    "Issuer": _strict(
        {
            "apiVersion": {"const": "cert-manager.io/v1"},
            "kind": {"const": "Issuer"},
            "metadata": _META,
            "spec": _strict({"ca": _strict({"secretName": {"type": "string"}}, ["secretName"])}),
        },
        ["apiVersion", "kind", "metadata", "spec"],
    ),
}


def test_cert_manager_objects_use_known_fields(prod: Rendered) -> None:
    kinds = [o for o in prod.objects if (o["apiVersion"], o["kind"]) in CRD_KINDS]
    assert {o["kind"] for o in kinds} == {"Certificate", "Issuer"}
    for obj in kinds:
        jsonschema.validate(obj, CERT_MANAGER_SCHEMAS[obj["kind"]])
        if obj["kind"] == "Certificate":
            issuer = obj["spec"]["issuerRef"]["name"]
            assert prod.get("Issuer", issuer)


def test_dev_has_no_cert_manager_and_prod_no_in_cluster_databases(
    dev: Rendered, prod: Rendered
) -> None:
    assert not [o for o in dev.objects if (o["apiVersion"], o["kind"]) in CRD_KINDS]
    prod_sets = {o["metadata"]["name"] for o in prod.of_kind("StatefulSet")}
    assert prod_sets == {k8s.NATS}
    dev_sets = {o["metadata"]["name"] for o in dev.of_kind("StatefulSet")}
    assert dev_sets == {k8s.NATS, k8s.POSTGRES, k8s.REDIS}


def test_render_without_secrets_folder_fails_clearly(tmp_path: Path) -> None:
    """The dev overlay needs `dev-secrets` first (Tilt runs it); kustomize names the file."""
    k8s.write(tmp_path)
    with pytest.raises(AssertionError, match="secrets/"):
        kustomize(tmp_path / "overlays" / "dev")


# --- more services than today: everything scales with the topology ------------------------


def _grown(topology: Topology) -> Topology:
    requests = topology.service("requests")
    extra = {
        "users": Service("users", 50052, 9102, ("ukm.users.v1.UserService",), "users", "USERS", ()),
        "assignment": Service(
            "assignment",
            50054,
            9104,
            ("ukm.assignment.v1.Assignment",),
            "assignment",
            None,
            ("requests", "users"),
        ),
        "requests": dataclasses.replace(requests, calls=("users",)),
    }
    return dataclasses.replace(topology, services={**topology.services, **extra})


def test_new_services_get_all_their_objects_and_only_their_flows(topology: Topology) -> None:
    grown = _grown(topology)
    for service in grown.services.values():
        kinds = [o["kind"] for o in k8s.service_objects(grown, service)]
        assert kinds == [
            "ServiceAccount",
            "Service",
            "Deployment",
            "PodDisruptionBudget",
            "HorizontalPodAutoscaler",
        ]
        deployment = k8s.service_deployment(grown, service)
        init = [c["name"] for c in deployment["spec"]["template"]["spec"].get("initContainers", [])]
        assert init == (["prepare"] if service.schema or service.stream else [])
        containers = [c["name"] for c in deployment["spec"]["template"]["spec"]["containers"]]
        # Services that call others get a sidecar and dial it on loopback.
        assert containers == [service.name, *(["mesh-proxy"] if service.calls else [])]
        mesh_address = k8s.service_settings(grown, service)["UKM_MESH_ADDRESS"]
        assert mesh_address.startswith("127.0.0.1:") == bool(service.calls)
    base = k8s.base_kustomization(grown)
    for name in grown.services:
        assert f"services/{name}.yaml" in base["resources"]
    policies = k8s.network_policies(grown)
    gateway = k8s.labels(k8s.GATEWAY_IDENTITY, "gateway")
    mesh = grown.edge.mesh_port
    for service in grown.services.values():
        pod = k8s.labels(service.name, "service")
        assert allows(policies, gateway, pod, service.grpc_port)
        assert not allows(policies, pod, gateway, mesh)  # calls go through the pod's sidecar
        for other in grown.services.values():
            if other is not service:
                reaches = allows(policies, pod, k8s.labels(other.name, "service"), other.grpc_port)
                assert reaches == (other.name in service.calls)
    identities = {c["metadata"]["name"] for c in k8s.prod_certificates(grown)[1:]}
    in_cluster = [*grown.services, k8s.GATEWAY_IDENTITY, k8s.BOT]
    assert identities == {k8s.pki_secret(n) for n in in_cluster}
    dev_generators = {g["name"] for g in k8s.dev_kustomization(grown)["secretGenerator"]}
    assert {k8s.service_secret(n) for n in grown.services} <= dev_generators


def test_reserved_names_are_refused(topology: Topology) -> None:
    requests = topology.service("requests")
    clash = dataclasses.replace(
        topology, services={"nats": dataclasses.replace(requests, name="nats")}
    )
    with pytest.raises(ValueError, match="reserved"):
        k8s.render(clash)
