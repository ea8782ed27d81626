"""Kubernetes manifests rendered from the topology: a kustomize base and dev/prod overlays.

Modules: `common` (names, settings, small builders), `workloads` (services, gateway), `bot`
(the Telegram bot and its webhook component), `providers` (the notifications service's
delivery providers), `infrastructure` (NATS, dev PostgreSQL/Redis), `policies`
(NetworkPolicies), `overlays` (kustomizations, certificates), `files` (render/check/write, dev
Secret files). The services'
init container runs `ukm migrate <service> --stream-replicas 3` (see mesh.prepare).

`python -m mesh.kubernetes` (re)writes every generated file under `k8s/`; `… check` only reports
what differs (the tests fail on a stale manifest). Nothing under `k8s/base` or in the overlays'
kustomizations is edited by hand: add a service to `mesh/topology.yaml` and render.

What is rendered, per topology service: ServiceAccount, headless Service (named `grpc` and `ops`
ports; headless so that Envoy balances HTTP/2 over every pod rather than one ClusterIP
connection), Deployment (migrations and JetStream streams in an init container, probes on the ops
port, restricted security context, mTLS material mounted at `UKM_PKI_DIR` from the Secret
`pki-<name>`), ConfigMap of `UKM_*` settings, PodDisruptionBudget, HorizontalPodAutoscaler.
A service that calls others also gets an Envoy sidecar (`mesh.envoy.render_sidecar_config`).
The bot (a topology client with `calls`): ServiceAccount, a one-replica Deployment (`ukm bot`
with the same sidecar), its ConfigMap and Secret references, NetworkPolicies, a certificate; the
component `k8s/components/bot-webhook` switches it to webhook replicas. Besides: the Envoy
gateway (its bootstrap from `mesh.envoy.render_envoy_config`), a 3-node NATS JetStream
StatefulSet, NetworkPolicies (default deny plus exactly the topology's flows), and in
the overlays: dev PostgreSQL/Redis and generated Secrets (kind), cert-manager certificates,
replicas and anti-affinity (prod). Secrets are only referenced, never committed with values.

One more command exists for the cluster itself: `dev-secrets` writes the dev overlay's Secret
files (PKI from `mesh.pki.ensure_pki`, random passwords, and a commented `telegram.env` where a
developer puts the dev bot's token) into a git-ignored folder.
"""

from mesh.envoy import GATEWAY_IDENTITY
from mesh.kubernetes.bot import (
    BOT,
    DEV_TELEGRAM_ENV,
    WEBHOOK_COMPONENT,
    WEBHOOK_PORT,
    bot_deployment,
    bot_objects,
    bot_secret,
    bot_settings,
    has_bot,
    webhook_component,
)
from mesh.kubernetes.common import (
    APP_IMAGE,
    DESCRIPTOR_IN_IMAGE,
    DESCRIPTOR_MOUNT,
    DEV_IMAGE_TAG,
    DEV_NODE_PORTS,
    DEV_SECRETS,
    HEADER,
    K8S_DIR,
    NAMESPACE,
    NATS,
    NATS_CLIENT_PORT,
    NATS_CLUSTER_PORT,
    NATS_HEADLESS,
    PKI_MOUNT,
    POSTGRES,
    POSTGRES_PORT,
    PROD_IMAGE,
    REDIS,
    REDIS_PORT,
    STREAM_REPLICAS,
    dns,
    env_config_map,
    labels,
    pki_secret,
    selector,
    service_secret,
    service_settings,
    termination_grace,
)
from mesh.kubernetes.files import differences, render, write, write_dev_secrets
from mesh.kubernetes.overlays import (
    base_kustomization,
    cluster_identities,
    dev_kustomization,
    prod_certificates,
    prod_kustomization,
    project_version,
)
from mesh.kubernetes.policies import (
    PRIVATE_RANGES,
    bot_webhook_policy,
    network_policies,
    prod_network_policies,
)
from mesh.kubernetes.providers import (
    PROVIDER_PORTS,
    PROVIDER_SECRET_ENV,
    PROVIDER_SERVICE,
    PROVIDER_SETTINGS,
    config_map_settings,
    provider_settings,
)
from mesh.kubernetes.workloads import gateway_config, service_deployment, service_objects

__all__ = [
    "APP_IMAGE",
    "BOT",
    "DESCRIPTOR_IN_IMAGE",
    "DESCRIPTOR_MOUNT",
    "DEV_IMAGE_TAG",
    "DEV_NODE_PORTS",
    "DEV_SECRETS",
    "DEV_TELEGRAM_ENV",
    "GATEWAY_IDENTITY",
    "HEADER",
    "K8S_DIR",
    "NAMESPACE",
    "NATS",
    "NATS_CLIENT_PORT",
    "NATS_CLUSTER_PORT",
    "NATS_HEADLESS",
    "PKI_MOUNT",
    "POSTGRES",
    "POSTGRES_PORT",
    "PRIVATE_RANGES",
    "PROD_IMAGE",
    "PROVIDER_PORTS",
    "PROVIDER_SECRET_ENV",
    "PROVIDER_SERVICE",
    "PROVIDER_SETTINGS",
    "REDIS",
    "REDIS_PORT",
    "STREAM_REPLICAS",
    "WEBHOOK_COMPONENT",
    "WEBHOOK_PORT",
    "base_kustomization",
    "bot_deployment",
    "bot_objects",
    "bot_secret",
    "bot_settings",
    "bot_webhook_policy",
    "cluster_identities",
    "config_map_settings",
    "dev_kustomization",
    "differences",
    "dns",
    "env_config_map",
    "gateway_config",
    "has_bot",
    "labels",
    "network_policies",
    "pki_secret",
    "prod_certificates",
    "prod_kustomization",
    "prod_network_policies",
    "project_version",
    "provider_settings",
    "render",
    "selector",
    "service_deployment",
    "service_objects",
    "service_secret",
    "service_settings",
    "termination_grace",
    "webhook_component",
    "write",
    "write_dev_secrets",
]
