"""The workloads of the mesh itself: one set of objects per topology service, and the Envoy
gateway.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from mesh.envoy import (
    GATEWAY_IDENTITY,
    SIDECAR_PORT,
    render_envoy_config,
    render_sidecar_config,
)
from mesh.kubernetes.common import (
    APP_IMAGE,
    APP_UID,
    DESCRIPTOR,
    DESCRIPTOR_IN_IMAGE,
    DESCRIPTOR_MOUNT,
    ENVOY_CONFIG_MOUNT,
    ENVOY_IMAGE,
    ENVOY_UID,
    PKI_MOUNT,
    SECRET_ENV,
    SIDECAR_CONFIG_MOUNT,
    STREAM_REPLICAS,
    Json,
    container_port,
    container_security,
    dns,
    env_config_map,
    http_probe,
    labels,
    meta,
    pki_volume,
    pod_security,
    resource_limits,
    secret_env,
    selector,
    service_port,
    service_secret,
    service_settings,
    sidecar_config_map,
    tcp_probe,
    termination_grace,
    tmp_volume,
)
from mesh.kubernetes.providers import secret_env_of
from mesh.topology import Service, Topology


def _app_container(
    name: str,
    service: Service,
    *,
    args: list[str],
    resources: Json,
    command: list[str] | None = None,
    secrets_env: Iterable[str] = tuple(SECRET_ENV),
    pki: bool = True,
) -> Json:
    """A container of the application image with the service's settings; `secrets_env` picks
    the Secret-backed variables it gets, `pki` whether its mTLS material is mounted."""
    container: Json = {"name": name, "image": APP_IMAGE}
    if command:
        container["command"] = command
    container["args"] = args
    container["envFrom"] = [{"configMapRef": {"name": env_config_map(service.name)}}]
    env = [
        secret_env(variable, service_secret(service.name), SECRET_ENV[variable])
        for variable in secrets_env
    ]
    if env:
        container["env"] = env
    container["resources"] = resources
    container["securityContext"] = container_security()
    mounts: list[Json] = [{"name": "tmp", "mountPath": "/tmp"}]
    if pki:
        mounts.insert(0, {"name": "pki", "mountPath": PKI_MOUNT, "readOnly": True})
    container["volumeMounts"] = mounts
    return container


def service_deployment(topology: Topology, service: Service) -> Json:
    """The Deployment of one topology service (no `replicas`: its HPA owns that)."""
    name = service.name
    init: list[Json] = []
    if service.schema or service.stream:
        # Before the service starts: its schema (Alembic under an advisory lock, so replicas
        # starting together migrate one at a time) and its JetStream streams at the cluster's
        # replica count (retried while a new NATS cluster elects its leader).
        init.append(
            _app_container(
                "prepare",
                service,
                args=["migrate", name, "--stream-replicas", str(STREAM_REPLICAS)],
                resources=resource_limits("50m", "128Mi", "500m", "256Mi"),
                secrets_env=["UKM_DATABASE_URL"] if service.schema else [],
                pki=False,
            )
        )
    main = _app_container(
        name,
        service,
        args=["serve", name],
        resources=resource_limits("100m", "192Mi", "1", "512Mi"),
    )
    if extra := secret_env_of(service):
        main["env"] = [*main.get("env", []), *extra]
    main["ports"] = [
        container_port("grpc", service.grpc_port),
        container_port("ops", service.ops_port),
    ]
    # Liveness never looks at dependencies (a database outage must not restart pods).
    main["startupProbe"] = http_probe("/healthz", "ops", period=2, failures=30)
    main["livenessProbe"] = http_probe("/healthz", "ops", period=10, failures=3)
    main["readinessProbe"] = http_probe("/readyz", "ops", period=5, failures=2, timeout=3)
    ordered = {
        key: main[key]
        for key in (
            "name",
            "image",
            "args",
            "ports",
            "envFrom",
            "env",
            "resources",
            "startupProbe",
            "livenessProbe",
            "readinessProbe",
            "securityContext",
            "volumeMounts",
        )
    }
    containers, volumes = [ordered], [pki_volume(name), tmp_volume()]
    if service.calls:
        containers.append(sidecar_container())
        volumes.append({"name": "sidecar", "configMap": {"name": sidecar_config_map(name)}})
    pod: Json = {
        "serviceAccountName": name,
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "terminationGracePeriodSeconds": termination_grace(service_settings(topology, service)),
        "securityContext": pod_security(APP_UID),
        **({"initContainers": init} if init else {}),
        "containers": containers,
        "volumes": volumes,
    }
    return deployment(name, "service", pod)


def sidecar_config(topology: Topology, service: Service | str) -> Json:
    """The sidecar's Envoy bootstrap of a service (or a client with `calls`: the bot): callees
    by their Kubernetes Service names, the listener on every interface (kubelet probes; it
    still accepts only the pod's own certificate)."""
    name = service if isinstance(service, str) else service.name
    return render_sidecar_config(
        topology,
        name,
        descriptor_path=DESCRIPTOR,
        sds_dir=Path(SIDECAR_CONFIG_MOUNT),
        upstreams={c: (dns(c), topology.service(c).grpc_port) for c in topology.calls_of(name)},
        bind_address="0.0.0.0",
    )


def sidecar_container() -> Json:
    """The `mesh-proxy` container: Envoy with the pod's sidecar config and certificate."""
    return {
        "name": "mesh-proxy",
        "image": ENVOY_IMAGE,
        "command": ["envoy"],
        "args": [
            "--config-path",
            f"{SIDECAR_CONFIG_MOUNT}/envoy.yaml",
            "--concurrency",
            "1",
            "--disable-hot-restart",
            "--log-level",
            "info",
        ],
        "ports": [container_port("mesh-proxy", SIDECAR_PORT)],
        "resources": resource_limits("50m", "64Mi", "500m", "128Mi"),
        **_envoy_probes("mesh-proxy"),
        "securityContext": container_security(ENVOY_UID),
        "volumeMounts": [
            {"name": "sidecar", "mountPath": SIDECAR_CONFIG_MOUNT, "readOnly": True},
            {"name": "pki", "mountPath": PKI_MOUNT, "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }


def deployment(name: str, component: str, pod: Json) -> Json:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(name, component),
        "spec": {
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": selector(name)},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
            },
            "template": {"metadata": {"labels": labels(name, component)}, "spec": pod},
        },
    }


def service_account(name: str, component: str) -> Json:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": meta(name, component),
        "automountServiceAccountToken": False,
    }


def kube_service(
    name: str,
    component: str,
    ports: Iterable[tuple[str, int]],
    *,
    headless: bool = False,
    service_name: str | None = None,
    publish_not_ready: bool = False,
) -> Json:
    spec: Json = {"selector": selector(name)}
    if headless:
        spec["clusterIP"] = "None"
    if publish_not_ready:
        spec["publishNotReadyAddresses"] = True
    spec["ports"] = [service_port(port_name, number) for port_name, number in ports]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta(service_name or name, component),
        "spec": spec,
    }


def disruption_budget(name: str, component: str) -> Json:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": meta(name, component),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector(name)}},
    }


def autoscaler(name: str, component: str, *, min_replicas: int = 1, max_replicas: int = 3) -> Json:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": meta(name, component),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": min_replicas,
            "maxReplicas": max_replicas,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 70},
                    },
                }
            ],
        },
    }


def service_objects(topology: Topology, service: Service) -> list[Json]:
    """Everything one topology service needs (its ConfigMap is a kustomize generator)."""
    name = service.name
    return [
        service_account(name, "service"),
        kube_service(
            name,
            "service",
            [("grpc", service.grpc_port), ("ops", service.ops_port)],
            headless=True,
        ),
        service_deployment(topology, service),
        disruption_budget(name, "service"),
        autoscaler(name, "service"),
    ]


# --- the Envoy gateway ---------------------------------------------------------------------


def gateway_config(topology: Topology, descriptor: Path = DESCRIPTOR) -> Json:
    """The gateway's Envoy bootstrap: `mesh.envoy`'s rendering with the Kubernetes Services as
    upstreams, listening on every interface, and the paths of the pod's mounts."""
    upstreams = {name: (dns(name), s.grpc_port) for name, s in topology.services.items()}
    config = render_envoy_config(
        topology,
        pki_dir=Path(PKI_MOUNT),
        descriptor_path=descriptor,
        upstreams=upstreams,
        access_log="/dev/stdout",
        bind_address="0.0.0.0",
        sds_dir=Path(ENVOY_CONFIG_MOUNT),
    )
    local_descriptor = str(descriptor.resolve())
    mounted = f"{DESCRIPTOR_MOUNT}/{descriptor.name}"
    replaced = _replace_strings(config, {local_descriptor: mounted})
    if not isinstance(replaced, dict) or local_descriptor in yaml.safe_dump(replaced):
        raise AssertionError("the descriptor path of this machine leaked into the manifests")
    return replaced


def _replace_strings(value: Any, replacements: Mapping[str, str]) -> Any:
    if isinstance(value, dict):
        return {key: _replace_strings(item, replacements) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_strings(item, replacements) for item in value]
    if isinstance(value, str):
        return replacements.get(value, value)
    return value


def gateway_objects(topology: Topology) -> list[Json]:
    """The Envoy edge gateway: Deployment (+ descriptor init container), Service, PDB, HPA."""
    name, edge = GATEWAY_IDENTITY, topology.edge
    descriptor_file = f"{DESCRIPTOR_MOUNT}/{DESCRIPTOR.name}"
    init = {
        # The transcoder's descriptor set comes from the application image, so the gateway
        # always transcodes exactly the contracts of the services' image version.
        "name": "descriptor",
        "image": APP_IMAGE,
        "command": ["cp", DESCRIPTOR_IN_IMAGE, descriptor_file],
        "resources": resource_limits("10m", "32Mi", "100m", "64Mi"),
        "securityContext": container_security(APP_UID),
        "volumeMounts": [{"name": "descriptors", "mountPath": DESCRIPTOR_MOUNT}],
    }
    envoy = {
        "name": "envoy",
        "image": ENVOY_IMAGE,
        "command": ["envoy"],
        "args": [
            "--config-path",
            f"{ENVOY_CONFIG_MOUNT}/envoy.yaml",
            "--concurrency",
            "2",
            "--disable-hot-restart",
            "--log-level",
            "info",
        ],
        "ports": [container_port("https", edge.https_port), container_port("mesh", edge.mesh_port)],
        "resources": resource_limits("100m", "128Mi", "1", "256Mi"),
        **_envoy_probes("https"),
        "securityContext": container_security(ENVOY_UID),
        "volumeMounts": [
            {"name": "config", "mountPath": ENVOY_CONFIG_MOUNT, "readOnly": True},
            {"name": "descriptors", "mountPath": DESCRIPTOR_MOUNT, "readOnly": True},
            {"name": "pki", "mountPath": PKI_MOUNT, "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }
    pod: Json = {
        "serviceAccountName": name,
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "terminationGracePeriodSeconds": 30,
        "securityContext": pod_security(APP_UID),
        "initContainers": [init],
        "containers": [envoy],
        "volumes": [
            {"name": "config", "configMap": {"name": "envoy-config"}},
            {"name": "descriptors", "emptyDir": {"sizeLimit": "16Mi"}},
            pki_volume(name),
            tmp_volume(),
        ],
    }
    return [
        service_account(name, "gateway"),
        kube_service(name, "gateway", [("https", edge.https_port), ("mesh", edge.mesh_port)]),
        deployment(name, "gateway", pod),
        disruption_budget(name, "gateway"),
        autoscaler(name, "gateway"),
    ]


def _envoy_probes(port: str) -> Json:
    """Envoy's admin and plaintext listeners stay on loopback (mesh.envoy), out of the
    kubelet's reach: the probes check that the named TLS listener accepts connections."""
    return {
        "startupProbe": tcp_probe(port, period=2, failures=30),
        "livenessProbe": tcp_probe(port, period=10, failures=3),
        "readinessProbe": tcp_probe(port, period=5, failures=2),
    }
