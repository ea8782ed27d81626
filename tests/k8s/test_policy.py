"""Policies over the rendered objects of both overlays: resources, probes, security, images,
Secrets, Services, NetworkPolicies, graceful termination, replicas."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from mesh import kubernetes as k8s
from mesh.topology import Topology
from tests.k8s.manifests import (
    Rendered,
    allows,
    config_map_data,
    containers,
    matches,
    pod_labels,
    pod_spec,
)

ROOT = Path(__file__).resolve().parents[2]


def _id(workload: dict, container: dict | None = None) -> str:
    base = f"{workload['kind']}/{workload['metadata']['name']}"
    return f"{base}:{container['name']}" if container else base


def test_every_object_lives_in_the_ukm_namespace(overlay: Rendered) -> None:
    for obj in overlay.objects:
        if obj["kind"] == "Namespace":
            assert obj["metadata"]["name"] == k8s.NAMESPACE
            assert obj["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
        else:
            assert obj["metadata"].get("namespace") == k8s.NAMESPACE, obj["metadata"]["name"]


def test_every_container_has_requests_and_limits(overlay: Rendered) -> None:
    for workload in overlay.workloads():
        for container in containers(workload):
            resources = container.get("resources", {})
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(kind, {})), _id(workload, container)


def test_every_container_has_probes_and_liveness_ignores_dependencies(overlay: Rendered) -> None:
    for workload in overlay.workloads():
        for container in containers(workload, init=False):
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                assert probe in container, f"{_id(workload, container)} has no {probe}"
            liveness = container["livenessProbe"].get("httpGet", {})
            assert "readyz" not in liveness.get("path", ""), _id(workload, container)


def test_service_probes_use_the_ops_port(overlay: Rendered, topology: Topology) -> None:
    for name, service in topology.services.items():
        main = pod_spec(overlay.get("Deployment", name))["containers"][0]
        ports = {p["name"]: p["containerPort"] for p in main["ports"]}
        assert ports == {"grpc": service.grpc_port, "ops": service.ops_port}
        assert main["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "ops"}
        assert main["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "ops"}
        assert main["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "ops"}


def _writable_root_allowed(overlay: Rendered, topology: Topology) -> set[str]:
    """Dev only: Tilt's live update writes synced code into the services' and the bot's main
    containers."""
    if overlay.overlay != "dev":
        return set()
    return {f"Deployment/{name}:{name}" for name in [*topology.services, k8s.BOT]}


def test_every_container_runs_restricted(overlay: Rendered, topology: Topology) -> None:
    writable = _writable_root_allowed(overlay, topology)
    for workload in overlay.workloads():
        pod = pod_spec(workload)
        pod_context = pod.get("securityContext", {})
        assert pod_context.get("seccompProfile") == {"type": "RuntimeDefault"}, _id(workload)
        assert pod.get("automountServiceAccountToken") is False, _id(workload)
        assert "hostNetwork" not in pod and "hostPID" not in pod, _id(workload)
        for container in containers(workload):
            where = _id(workload, container)
            context = container.get("securityContext", {})
            assert context.get("allowPrivilegeEscalation") is False, where
            assert context.get("capabilities") == {"drop": ["ALL"]}, where
            assert context.get("seccompProfile") == {"type": "RuntimeDefault"}, where
            non_root = context.get("runAsNonRoot", pod_context.get("runAsNonRoot"))
            assert non_root is True, where
            uid = context.get("runAsUser", pod_context.get("runAsUser"))
            assert isinstance(uid, int) and uid > 0, where
            read_only = context.get("readOnlyRootFilesystem")
            assert read_only is (where not in writable), where
    if writable:
        assert writable == {
            _id(w, c)
            for w in overlay.workloads()
            for c in containers(w)
            if c["securityContext"]["readOnlyRootFilesystem"] is False
        }


def test_writable_paths_are_volumes(overlay: Rendered) -> None:
    """A read-only root needs an emptyDir for /tmp in every Python and Envoy process."""
    for workload in overlay.workloads():
        for container in containers(workload):
            program = container.get("command", ["ukm"])[0]
            if program in ("ukm", "python", "watchfiles", "envoy"):
                mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
                assert "/tmp" in mounts, _id(workload, container)


def _images(overlay: Rendered) -> dict[str, str]:
    return {_id(w, c): c["image"] for w in overlay.workloads() for c in containers(w)}


def test_prod_images_are_pinned(prod: Rendered) -> None:
    for where, image in _images(prod).items():
        name, _, tag = image.rpartition(":")
        assert name and "/" not in tag, f"{where}: {image} has no tag"
        assert tag not in ("latest", "dev", ""), f"{where}: {image}"
    app = {image for image in _images(prod).values() if image.startswith(k8s.PROD_IMAGE)}
    assert app == {f"{k8s.PROD_IMAGE}:{k8s.project_version()}"}


def test_dev_uses_the_local_image(dev: Rendered) -> None:
    for where, image in _images(dev).items():
        assert not image.endswith(":latest"), where
    app = {image for image in _images(dev).values() if image.split(":")[0] == k8s.APP_IMAGE}
    assert app == {f"{k8s.APP_IMAGE}:{k8s.DEV_IMAGE_TAG}"}


def _committed_k8s_files() -> list[Path]:
    return [
        p
        for p in (ROOT / "k8s").rglob("*")
        if p.is_file() and f"/{k8s.DEV_SECRETS}/" not in p.as_posix()
    ]


def test_no_secret_values_are_committed() -> None:
    for path in _committed_k8s_files():
        text = path.read_text()
        assert "-----BEGIN" not in text, path
        if path.suffix != ".yaml":
            continue
        for doc in yaml.safe_load_all(text):
            if not isinstance(doc, dict):
                continue
            assert doc.get("kind") != "Secret", path
            for generator in doc.get("secretGenerator", []):
                # No `literals`: values only come from the git-ignored folder.
                assert set(generator) <= {"name", "type", "files", "envs"}, f"{path}: {generator}"
                for item in generator["files"]:
                    source = item.partition("=")[2]
                    assert source.startswith(f"{k8s.DEV_SECRETS}/"), f"{path}: {item}"
                for item in generator.get("envs", []):
                    assert item.startswith(f"{k8s.DEV_SECRETS}/"), f"{path}: {item}"
    ignore = (ROOT / "k8s" / "overlays" / "dev" / ".gitignore").read_text()
    assert f"/{k8s.DEV_SECRETS}/" in ignore.splitlines()


def test_prod_has_no_secrets_and_secrets_come_by_reference(overlay: Rendered) -> None:
    if overlay.overlay == "prod":
        assert overlay.of_kind("Secret") == []
    for workload in overlay.workloads():
        for container in containers(workload):
            for variable in container.get("env", []):
                sensitive = re.search(r"URL|PASSWORD|TOKEN|KEY|SECRET", variable["name"])
                if sensitive and variable["name"] != "UKM_NATS_URL":
                    assert "value" not in variable, _id(workload, container)
                    assert "secretKeyRef" in variable["valueFrom"], _id(workload, container)


def test_config_maps_carry_no_credentials(overlay: Rendered) -> None:
    for config_map in overlay.of_kind("ConfigMap"):
        for key, value in config_map.get("data", {}).items():
            assert not re.search(r"://[^/@\s]+:[^/@\s]+@", value), f"{key} has credentials"
            assert "PASSWORD" not in key and "DATABASE_URL" not in key


def test_every_service_selects_a_workload_and_names_its_ports(overlay: Rendered) -> None:
    for service in overlay.of_kind("Service"):
        selector = service["spec"]["selector"]
        selected = [w for w in overlay.workloads() if matches(selector, pod_labels(w))]
        assert len(selected) == 1, f"Service/{service['metadata']['name']} selects {selected}"
        container_ports = {
            p["name"]: p["containerPort"]
            for c in containers(selected[0], init=False)
            for p in c.get("ports", [])
        }
        for port in service["spec"]["ports"]:
            assert port.get("name"), f"Service/{service['metadata']['name']}: unnamed port"
            assert port["targetPort"] in container_ports, port
            assert container_ports[port["targetPort"]] == port["port"], port


def test_every_container_port_is_named(overlay: Rendered) -> None:
    for workload in overlay.workloads():
        for container in containers(workload):
            for port in container.get("ports", []):
                assert re.fullmatch(r"[a-z0-9-]{1,15}", port.get("name", "")), port


def test_references_resolve(overlay: Rendered, topology: Topology) -> None:
    """ConfigMaps, Secrets and ServiceAccounts that pods use exist in the overlay, except the
    prod Secrets made outside it: data-store URLs (by the operator) and certificates (by
    cert-manager, from the overlay's Certificates)."""
    names = {(o["kind"], o["metadata"]["name"]) for o in overlay.objects}
    external = set()
    if overlay.overlay == "prod":
        external = {k8s.service_secret(s) for s in topology.services} | {k8s.bot_secret()}
        external |= {c["spec"]["secretName"] for c in overlay.of_kind("Certificate")}
    for workload in overlay.workloads():
        pod = pod_spec(workload)
        assert ("ServiceAccount", pod["serviceAccountName"]) in names, _id(workload)
        for volume in pod.get("volumes", []):
            if "configMap" in volume:
                assert ("ConfigMap", volume["configMap"]["name"]) in names, volume
            if "secret" in volume:
                name = volume["secret"]["secretName"]
                assert ("Secret", name) in names or name in external, volume
        for container in containers(workload):
            for source in container.get("envFrom", []):
                assert ("ConfigMap", source["configMapRef"]["name"]) in names, source
            for variable in container.get("env", []):
                ref = variable.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ("Secret", ref["name"]) in names or ref["name"] in external, ref


def test_pki_is_mounted_at_the_settings_pki_dir(overlay: Rendered, topology: Topology) -> None:
    for name in [*topology.services, k8s.GATEWAY_IDENTITY, k8s.BOT]:
        workload = overlay.get("Deployment", name)
        pod = pod_spec(workload)
        volume = next(v for v in pod["volumes"] if v["name"] == "pki")
        assert volume["secret"]["secretName"].startswith(k8s.pki_secret(name))
        paths = {item["path"] for item in volume["secret"]["items"]}
        assert paths == {f"{name}.crt", f"{name}.key", "ca.crt"}
        main = pod["containers"][0]
        mount = next(m for m in main["volumeMounts"] if m["name"] == "pki")
        assert mount["mountPath"] == k8s.PKI_MOUNT and mount["readOnly"] is True
        if name != k8s.GATEWAY_IDENTITY:
            env = config_map_data(overlay, k8s.env_config_map(name))
            assert env["UKM_PKI_DIR"] == k8s.PKI_MOUNT


def test_termination_grace_exceeds_drain_and_shutdown_grace(
    overlay: Rendered, topology: Topology
) -> None:
    for name in topology.services:
        env = config_map_data(overlay, k8s.env_config_map(name))
        drain = float(env["UKM_DRAIN_SECONDS"]) + float(env["UKM_SHUTDOWN_GRACE_SECONDS"])
        grace = pod_spec(overlay.get("Deployment", name))["terminationGracePeriodSeconds"]
        assert grace > drain, f"{name}: {grace}s <= {drain}s"


def test_replicas_autoscaling_and_disruption_budgets(overlay: Rendered) -> None:
    """Every Deployment is autoscaled with a budget, except the long-polling bot: exactly one
    replica, replaced by stopping the old pod first, no autoscaler, no budget (test_bot)."""
    for deployment in overlay.of_kind("Deployment"):
        name = deployment["metadata"]["name"]
        if name == k8s.BOT:
            assert deployment["spec"]["replicas"] == 1
            assert deployment["spec"]["strategy"] == {"type": "Recreate"}
            continue
        assert "replicas" not in deployment["spec"], f"{name}: the HPA owns replicas"
        hpa = overlay.get("HorizontalPodAutoscaler", name)
        assert hpa["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": name,
        }
        low, high = hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]
        if overlay.overlay == "dev":
            assert (low, high) == (1, 1), name
        else:
            assert low >= 2 and high > low, name
        assert overlay.get("PodDisruptionBudget", name)
    for workload in overlay.workloads():
        budgets = [
            p
            for p in overlay.of_kind("PodDisruptionBudget")
            if matches(p["spec"]["selector"], pod_labels(workload))
        ]
        singleton = workload["metadata"]["name"] == k8s.BOT
        assert bool(budgets) != singleton or overlay.overlay == "dev", _id(workload)


def test_prod_spreads_replicas_over_nodes(prod: Rendered) -> None:
    for workload in prod.workloads():
        affinity = pod_spec(workload).get("affinity", {}).get("podAntiAffinity", {})
        assert affinity, _id(workload)
    nats = pod_spec(prod.get("StatefulSet", k8s.NATS))["affinity"]["podAntiAffinity"]
    assert "requiredDuringSchedulingIgnoredDuringExecution" in nats


def test_nats_is_a_three_node_jetstream_cluster_with_volumes(overlay: Rendered) -> None:
    nats = overlay.get("StatefulSet", k8s.NATS)
    assert nats["spec"]["replicas"] == 3
    assert nats["spec"]["serviceName"] == k8s.NATS_HEADLESS
    claims = nats["spec"]["volumeClaimTemplates"]
    assert [c["metadata"]["name"] for c in claims] == ["data"]
    config = config_map_data(overlay, "nats-config")["nats.conf"]
    assert re.search(r"^\s*sync_interval:\s*always\s*$", config, re.M)
    routes = re.findall(r"nats://(\S+):6222", config)
    assert routes == [f"nats-{i}.{k8s.NATS_HEADLESS}.{k8s.NAMESPACE}.svc" for i in range(3)]
    headless = overlay.get("Service", k8s.NATS_HEADLESS)["spec"]
    assert headless["clusterIP"] == "None" and headless["publishNotReadyAddresses"] is True


# --- network policies ----------------------------------------------------------------------


def _policies(overlay: Rendered) -> list[dict]:
    return overlay.of_kind("NetworkPolicy")


def test_default_deny_and_every_workload_has_its_own_policy(overlay: Rendered) -> None:
    policies = _policies(overlay)
    deny = [
        p
        for p in policies
        if p["spec"]["podSelector"] == {}
        and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    assert deny, "no default-deny policy"
    for workload in overlay.workloads():
        own = [
            p
            for p in policies
            if p["spec"]["podSelector"] != {}
            and matches(p["spec"]["podSelector"], pod_labels(workload))
        ]
        assert own, f"{_id(workload)} is covered by no NetworkPolicy of its own"


def _pod(overlay: Rendered, kind: str, name: str) -> dict[str, str]:
    return pod_labels(overlay.get(kind, name))


def test_declared_flows_are_allowed(overlay: Rendered, topology: Topology) -> None:
    policies = _policies(overlay)
    gateway = _pod(overlay, "Deployment", k8s.GATEWAY_IDENTITY)
    nats = _pod(overlay, "StatefulSet", k8s.NATS)
    assert allows(policies, nats, nats, k8s.NATS_CLUSTER_PORT)
    for name, service in topology.services.items():
        pod = _pod(overlay, "Deployment", name)
        assert allows(policies, gateway, pod, service.grpc_port)
        assert allows(policies, pod, nats, k8s.NATS_CLIENT_PORT)
        if overlay.overlay == "dev":
            if service.schema:
                postgres = _pod(overlay, "StatefulSet", k8s.POSTGRES)
                assert allows(policies, pod, postgres, k8s.POSTGRES_PORT)
            assert allows(policies, pod, _pod(overlay, "StatefulSet", k8s.REDIS), k8s.REDIS_PORT)
        else:  # managed databases outside the cluster
            assert _egress_to_anywhere(policies, pod, k8s.POSTGRES_PORT) == bool(service.schema)
            assert _egress_to_anywhere(policies, pod, k8s.REDIS_PORT)
        for callee in service.calls:
            # Through the caller's sidecar, straight to the callee's pods.
            target = _pod(overlay, "Deployment", callee)
            assert allows(policies, pod, target, topology.service(callee).grpc_port), (name, callee)


def _egress_to_anywhere(policies: list[dict], pod: dict[str, str], port: int) -> bool:
    for policy in policies:
        if not matches(policy["spec"]["podSelector"], pod):
            continue
        for rule in policy["spec"].get("egress", []):
            cidrs = [peer.get("ipBlock", {}).get("cidr") for peer in rule.get("to", [])]
            ports = [p["port"] for p in rule.get("ports", [])]
            if "0.0.0.0/0" in cidrs and port in ports:
                return True
    return False


def test_undeclared_flows_are_denied(overlay: Rendered, topology: Topology) -> None:
    policies = _policies(overlay)
    gateway = _pod(overlay, "Deployment", k8s.GATEWAY_IDENTITY)
    nats = _pod(overlay, "StatefulSet", k8s.NATS)
    for name, service in topology.services.items():
        pod = _pod(overlay, "Deployment", name)
        assert not allows(policies, pod, pod, service.grpc_port), "service to itself, direct"
        assert not allows(policies, nats, pod, service.grpc_port)
        assert not allows(policies, gateway, pod, service.ops_port), "ops is not for the edge"
        assert not allows(policies, pod, gateway, topology.edge.mesh_port), "sidecars skip it"
        for other, callee in topology.services.items():
            if other != name and other not in service.calls:
                assert not allows(
                    policies, pod, _pod(overlay, "Deployment", other), callee.grpc_port
                )
    assert not allows(policies, gateway, nats, k8s.NATS_CLIENT_PORT)
    if overlay.overlay == "dev":
        postgres = _pod(overlay, "StatefulSet", k8s.POSTGRES)
        assert not allows(policies, gateway, postgres, k8s.POSTGRES_PORT)
        assert not allows(policies, nats, postgres, k8s.POSTGRES_PORT)


def test_the_edge_is_open_to_outside_clients(overlay: Rendered, topology: Topology) -> None:
    gateway = _pod(overlay, "Deployment", k8s.GATEWAY_IDENTITY)
    policy = overlay.get("NetworkPolicy", k8s.GATEWAY_IDENTITY)
    open_rules = [r for r in policy["spec"]["ingress"] if "from" not in r]
    assert [p["port"] for r in open_rules for p in r["ports"]] == [topology.edge.https_port]
    assert matches(policy["spec"]["podSelector"], gateway)


@pytest.mark.parametrize("kind", ["Deployment", "StatefulSet"])
def test_workload_selectors_match_their_templates(overlay: Rendered, kind: str) -> None:
    for workload in overlay.of_kind(kind):
        assert matches(workload["spec"]["selector"], pod_labels(workload)), _id(workload)
