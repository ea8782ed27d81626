"""Kustomizations (base, dev, prod), the namespace, and prod's cert-manager resources."""

from __future__ import annotations

import ipaddress
import tomllib
from pathlib import Path
from typing import Any

import yaml
from cryptography import x509

from mesh.envoy import GATEWAY_IDENTITY, sds_files
from mesh.kubernetes.bot import BOT, DEV_TELEGRAM_ENV, bot_secret, bot_settings, has_bot
from mesh.kubernetes.common import (
    APP_IMAGE,
    DEV_IMAGE_TAG,
    DEV_NODE_PORTS,
    DEV_SECRETS,
    LABEL_PART_OF,
    NAMESPACE,
    NATS,
    PKI_MOUNT,
    POSTGRES,
    PROD_IMAGE,
    REDIS,
    ROOT,
    SECRET_ENV,
    Json,
    env_config_map,
    pki_secret,
    selector,
    service_secret,
    sidecar_config_map,
)
from mesh.kubernetes.providers import PROVIDER_SERVICE, config_map_settings
from mesh.pki import leaf_sans
from mesh.topology import Service, Topology

# --- prod: certificates, external data stores ----------------------------------------------


def certificate(topology: Topology, identity: str) -> Json:
    """A cert-manager Certificate with exactly the names `mesh.pki` puts in a leaf."""
    names = leaf_sans(identity, topology.spiffe_id(identity))
    spec: Json = {
        "secretName": pki_secret(identity),
        "commonName": identity,
        "subject": {"organizations": ["UKM"]},
        # Short-lived like the local PKI; cert-manager re-issues at two thirds of the lifetime.
        "duration": "24h",
        "renewBefore": "8h",
        "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
        "usages": ["digital signature", "server auth", "client auth"],
        "uris": [str(n.value) for n in names if isinstance(n, x509.UniformResourceIdentifier)],
        "dnsNames": [str(n.value) for n in names if isinstance(n, x509.DNSName)],
        "ipAddresses": [
            str(n.value)
            for n in names
            if isinstance(n, x509.IPAddress) and isinstance(n.value, ipaddress.IPv4Address)
        ],
        "issuerRef": {"name": "ukm-mesh-ca", "kind": "Issuer", "group": "cert-manager.io"},
    }
    return {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {"name": pki_secret(identity), "labels": {LABEL_PART_OF: "ukm"}},
        "spec": spec,
    }


def cluster_identities(topology: Topology) -> list[str]:
    """Identities that run in the cluster: every service, the gateway and the bot."""
    return [*topology.services, GATEWAY_IDENTITY, *([BOT] if has_bot(topology) else [])]


def _sidecar_generator(name: str, folder: str) -> Json:
    return {
        "name": sidecar_config_map(name),
        "files": [
            f"{file}={folder}/{file}" for file in ("envoy.yaml", *sds_files(Path(PKI_MOUNT), name))
        ],
    }


def bot_sidecar_folder() -> str:
    """Where the bot's sidecar config lives, relative to k8s/base."""
    return sidecar_config_map(BOT)


def prod_certificates(topology: Topology) -> list[Json]:
    """The mesh CA issuer (its key pair is a Secret made out of band) and one Certificate per
    in-cluster identity."""
    issuer = {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Issuer",
        "metadata": {"name": "ukm-mesh-ca", "labels": {LABEL_PART_OF: "ukm"}},
        "spec": {"ca": {"secretName": "ukm-mesh-ca"}},
    }
    return [issuer, *(certificate(topology, name) for name in cluster_identities(topology))]


# --- kustomizations ------------------------------------------------------------------------


def _kustomization(**fields: Any) -> Json:
    return {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", **fields}


def base_kustomization(topology: Topology) -> Json:
    """k8s/base: namespace, policies, NATS, the services, the gateway, the bot, generators."""
    bot = has_bot(topology)
    return _kustomization(
        namespace=NAMESPACE,
        resources=[
            "namespace.yaml",
            "network-policies.yaml",
            "nats.yaml",
            *(f"services/{name}.yaml" for name in topology.services),
            "gateway.yaml",
            *(["bot.yaml"] if bot else []),
        ],
        configMapGenerator=[
            *(
                {
                    "name": env_config_map(name),
                    "literals": [f"{k}={v}" for k, v in config_map_settings(topology, s).items()],
                }
                for name, s in topology.services.items()
            ),
            *(
                [
                    {
                        "name": env_config_map(BOT),
                        "literals": [f"{k}={v}" for k, v in bot_settings().items()],
                    }
                ]
                if bot
                else []
            ),
            {
                "name": "envoy-config",
                "files": [
                    f"{name}=gateway/{name}" for name in ("envoy.yaml", *sds_files(Path(PKI_MOUNT)))
                ],
            },
            {"name": "nats-config", "files": ["nats.conf=nats/nats.conf"]},
            *(
                _sidecar_generator(name, f"services/{sidecar_config_map(name)}")
                for name, s in topology.services.items()
                if s.calls
            ),
            *([_sidecar_generator(BOT, bot_sidecar_folder())] if bot else []),
        ],
    )


def _hpa_bounds(name: str, low: int, high: int) -> Json:
    """A patch setting the replica bounds of `name`'s HorizontalPodAutoscaler."""
    return _json_patch(
        "HorizontalPodAutoscaler",
        name,
        [
            {"op": "replace", "path": "/spec/minReplicas", "value": low},
            {"op": "replace", "path": "/spec/maxReplicas", "value": high},
        ],
    )


def _json_patch(kind: str, name: str, operations: list[Json]) -> Json:
    return {"target": {"kind": kind, "name": name}, "patch": yaml.safe_dump(operations)}


def _workloads(topology: Topology) -> list[str]:
    """Deployments with a HorizontalPodAutoscaler (the bot has a fixed replica count)."""
    return [*topology.services, GATEWAY_IDENTITY]


def dev_watch_command(service: Service | str) -> list[str]:
    """The dev container's command: restart `ukm serve <service>` (or, given `bot`, `ukm bot`)
    whenever Tilt syncs code into /app."""
    if isinstance(service, str):
        process, folders = f"ukm {service}", ["/app/bot"]
    else:
        process, folders = f"ukm serve {service.name}", []
    return [
        "watchfiles",
        "--target-type",
        "command",
        "--sigint-timeout",
        "30",
        process,
        *folders,
        "/app/services",
        "/app/mesh",
        "/app/ukmctl",
        "/app/gen/python",
    ]


def _dev_reload(name: str, command: list[str]) -> Json:
    """The dev patch of a Deployment's first container: the watcher, and a writable root for
    Tilt's live update."""
    return _json_patch(
        "Deployment",
        name,
        [
            {
                "op": "add",
                "path": "/spec/template/spec/containers/0/command",
                "value": command[:1],
            },
            {
                "op": "replace",
                "path": "/spec/template/spec/containers/0/args",
                "value": command[1:],
            },
            # Tilt's live update writes the synced files into the container.
            {
                "op": "replace",
                "path": "/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem",
                "value": False,
            },
        ],
    )


def dev_kustomization(topology: Topology) -> Json:
    """k8s/overlays/dev: kind, one replica each, the local image, live code reload."""
    patches = []
    for name in _workloads(topology):
        patches.append(_hpa_bounds(name, 1, 1))
    for service in topology.services.values():
        patches.append(_dev_reload(service.name, dev_watch_command(service)))
    if has_bot(topology):
        patches.append(_dev_reload(BOT, dev_watch_command(BOT)))
    patches.append(
        _json_patch(
            "Service",
            GATEWAY_IDENTITY,
            [
                {"op": "add", "path": "/spec/type", "value": "NodePort"},
                *(
                    {
                        "op": "add",
                        "path": f"/spec/ports/{index}/nodePort",
                        "value": DEV_NODE_PORTS[port],
                    }
                    for index, port in enumerate(("https", "mesh"))
                ),
            ],
        )
    )
    secret_files = DEV_SECRETS
    generators: list[Json] = [
        {
            "name": pki_secret(identity),
            "type": "kubernetes.io/tls",
            "files": [
                f"tls.crt={secret_files}/pki/{identity}.crt",
                f"tls.key={secret_files}/pki/{identity}.key",
                f"ca.crt={secret_files}/pki/ca.crt",
            ],
        }
        for identity in cluster_identities(topology)
    ]
    # Provider credentials a developer adds (the bot token): an env file, so that a key left
    # out is absent from the Secret (optional keys: not configured) rather than empty.
    telegram = f"{secret_files}/{DEV_TELEGRAM_ENV}"
    generators += [
        {
            "name": service_secret(name),
            "files": [f"{key}={secret_files}/{key}" for key in SECRET_ENV.values()],
            **({"envs": [telegram]} if name == PROVIDER_SERVICE else {}),
        }
        for name in topology.services
    ]
    if has_bot(topology):
        generators.append(
            {
                "name": bot_secret(),
                "files": [f"redis-url={secret_files}/redis-url"],
                "envs": [telegram],
            }
        )
    generators += [
        {"name": POSTGRES, "files": [f"password={secret_files}/postgres-password"]},
        {"name": REDIS, "files": [f"password={secret_files}/redis-password"]},
    ]
    return _kustomization(
        namespace=NAMESPACE,
        resources=["../../base", "postgres.yaml", "redis.yaml"],
        images=[{"name": APP_IMAGE, "newName": APP_IMAGE, "newTag": DEV_IMAGE_TAG}],
        configMapGenerator=[
            # Code reloads restart the process: don't wait for endpoint propagation in dev.
            {
                "name": env_config_map(name),
                "behavior": "merge",
                "literals": ["UKM_DRAIN_SECONDS=0.5"],
            }
            for name in topology.services
        ],
        secretGenerator=generators,
        patches=patches,
    )


def project_version() -> str:
    """The platform's version (pyproject.toml): the production image tag."""
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def _spread(name: str, *, required: bool) -> Json:
    term = {
        "labelSelector": {"matchLabels": selector(name)},
        "topologyKey": "kubernetes.io/hostname",
    }
    anti: Json
    if required:
        anti = {"requiredDuringSchedulingIgnoredDuringExecution": [term]}
    else:
        anti = {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 100, "podAffinityTerm": term},
            ]
        }
    return {
        "affinity": {"podAntiAffinity": anti},
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": selector(name)},
            }
        ],
    }


def prod_kustomization(topology: Topology) -> Json:
    """k8s/overlays/prod: ≥ 2 replicas spread over nodes, pinned image, cert-manager, external
    data stores (URLs in the `<service>-secrets` Secrets, created by the operator)."""
    patches = []
    # The bot has no autoscaler (one poller), but webhook replicas spread like the rest.
    for name in [*_workloads(topology), *([BOT] if has_bot(topology) else [])]:
        if name != BOT:
            patches.append(_hpa_bounds(name, 2, 10))
        patches.append(
            _json_patch(
                "Deployment",
                name,
                [
                    {"op": "add", "path": f"/spec/template/spec/{key}", "value": value}
                    for key, value in _spread(name, required=False).items()
                ],
            )
        )
    patches.append(
        _json_patch(
            "StatefulSet",
            NATS,
            [
                {"op": "add", "path": f"/spec/template/spec/{key}", "value": value}
                for key, value in _spread(NATS, required=True).items()
            ],
        )
    )
    return _kustomization(
        namespace=NAMESPACE,
        resources=["../../base", "certificates.yaml", "network-policies.yaml"],
        images=[{"name": APP_IMAGE, "newName": PROD_IMAGE, "newTag": project_version()}],
        patches=patches,
    )


def namespace() -> Json:
    """The `ukm` namespace, with the restricted Pod Security Standard enforced."""
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": NAMESPACE,
            "labels": {
                LABEL_PART_OF: "ukm",
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/warn": "restricted",
            },
        },
    }
