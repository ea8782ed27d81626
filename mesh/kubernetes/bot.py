"""The Telegram bot as a workload: `ukm bot` with an Envoy sidecar for its mesh calls.

The bot is a topology *client* (`clients.bot`, identity `spiffe://ukm.local/svc/bot`) whose
`calls` name the services it reaches; it serves no gRPC and owns no database. What is rendered:

- base (`k8s/base/bot.yaml`): ServiceAccount and a Deployment of **exactly one replica** with the
  `Recreate` strategy. Telegram hands a bot's updates to one long poll at a time (a second
  `getUpdates` makes the first fail with 409 Conflict), so two pollers — or a rolling update's
  surge pod — would fight over the token. No HorizontalPodAutoscaler and no
  PodDisruptionBudget: a budget cannot protect a singleton without blocking node drains, and a
  poller that is away for a moment loses nothing (Telegram keeps the updates for 24 h).
- the component `k8s/components/bot-webhook`, for webhook mode: Telegram pushes updates to an
  HTTPS URL, any replica may take any update (the bot's FSM, de-duplication and per-person
  isolation live in Redis), so it runs 2 replicas with a rolling update, a budget, a Service for
  the webhook port and the only ingress the bot ever gets. The overlay that uses it names the
  public URL (`UKM_BOT_WEBHOOK_URL` in `bot-env`); without it the pods do not start, rather than
  run two pollers.

Probes: the bot has no ops port (yet), so the kubelet runs small Python checks in the container:
liveness and startup look only at the process (PID 1 alive and not stopped — never at
dependencies), readiness at what the bot needs to do its work: Redis answers, and in webhook mode
the webhook port accepts connections (so an ingress sends Telegram's POSTs only to pods that can
handle them, and Telegram retries the rest).
"""

from __future__ import annotations

import yaml

from mesh.envoy import SIDECAR_PORT
from mesh.kubernetes.common import (
    APP_IMAGE,
    APP_UID,
    PKI_MOUNT,
    Json,
    container_port,
    container_security,
    env_config_map,
    exec_probe,
    labels,
    meta,
    pki_volume,
    pod_security,
    resource_limits,
    secret_env,
    selector,
    service_secret,
    sidecar_config_map,
    tmp_volume,
)
from mesh.kubernetes.workloads import (
    disruption_budget,
    kube_service,
    service_account,
    sidecar_container,
)
from mesh.topology import Topology

BOT = "bot"
COMPONENT = "bot"
# Variables from the bot's Secret `bot-secrets` (key names as the notifications service's).
BOT_SECRET_ENV = {
    "UKM_TELEGRAM_BOT_TOKEN": "telegram-bot-token",
    "UKM_REDIS_URL": "redis-url",
}
# Only webhook mode needs it (the component makes it required).
BOT_OPTIONAL_SECRET_ENV = {"UKM_BOT_WEBHOOK_SECRET": "bot-webhook-secret"}
TELEGRAM_API = "https://api.telegram.org"
WEBHOOK_PORT = 8088
WEBHOOK_PATH = "/telegram/webhook"
WEBHOOK_REPLICAS = 2
WEBHOOK_COMPONENT = "components/bot-webhook"
# dev: the file (in the git-ignored secrets folder) where a developer puts the dev bot's token;
# the bot's and the notifications service's Secrets read it as an env file.
DEV_TELEGRAM_ENV = "telegram.env"
DEV_TELEGRAM_KEYS = ("telegram-bot-token",)
DEV_TELEGRAM_TEMPLATE = """\
# The dev cluster's Telegram bot (git-ignored; `python -m mesh.kubernetes dev-secrets` wrote
# this template and never overwrites it). Put your bot's token (from @BotFather) on the line
# below without the `#`, then `tilt up` (or re-apply the dev overlay): the bot and the
# notifications service get it through their Secrets. Without it the bot is not started and
# notifications skip the Telegram channel.
# telegram-bot-token=123456789:AA...
"""
# Shutdown: aiogram stops polling (or the webhook server) and closes its sessions in seconds.
TERMINATION_GRACE_SECONDS = 30

# PID 1 is the bot (in dev: the code watcher that restarts it). It is alive and not stopped;
# nothing else is looked at, so a Redis or Telegram outage never restarts the pod.
LIVENESS_SCRIPT = """\
import sys
state = open("/proc/1/stat").read().rpartition(")")[2].split()[0]
sys.exit(state in "ZTtX")
"""
# Ready = able to work: Redis (conversation state, de-duplication) answers a PING and, in
# webhook mode, the webhook port takes connections.
READINESS_SCRIPT = """\
import os, socket, redis
redis.Redis.from_url(
    os.environ["UKM_REDIS_URL"], socket_timeout=2, socket_connect_timeout=2
).ping()
if os.environ.get("UKM_BOT_WEBHOOK_URL"):
    port = int(os.environ["UKM_BOT_WEBHOOK_PORT"])
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
"""


def has_bot(topology: Topology) -> bool:
    """Whether the topology has a bot client that calls services (and so a workload here)."""
    return BOT in topology.clients and bool(topology.calls_of(BOT))


def bot_secret() -> str:
    """The Secret of the bot's token, Redis URL and webhook secret."""
    return service_secret(BOT)


def bot_settings() -> dict[str, str]:
    """The `UKM_*` variables of the bot's ConfigMap (bot/settings.py; Secrets come on top).
    The webhook host, port and path only matter in webhook mode; the URL is left out (unset
    = long polling): the webhook component requires the overlay to set it."""
    return {
        # Mesh calls go through the pod's sidecar, with the bot's certificate.
        "UKM_MESH_ADDRESS": f"127.0.0.1:{SIDECAR_PORT}",
        "UKM_PKI_DIR": PKI_MOUNT,
        "UKM_TELEGRAM_API_BASE": TELEGRAM_API,
        "UKM_BOT_WEBHOOK_HOST": "0.0.0.0",
        "UKM_BOT_WEBHOOK_PORT": str(WEBHOOK_PORT),
        "UKM_BOT_WEBHOOK_PATH": WEBHOOK_PATH,
        "UKM_LOG_LEVEL": "INFO",
    }


def bot_container() -> Json:
    """`ukm bot` with its settings, Secrets, probes and mTLS material."""
    env = [secret_env(v, bot_secret(), k) for v, k in BOT_SECRET_ENV.items()]
    env += [
        secret_env(v, bot_secret(), k, optional=True) for v, k in BOT_OPTIONAL_SECRET_ENV.items()
    ]

    def alive(period: int, failures: int) -> Json:
        return exec_probe(LIVENESS_SCRIPT, period=period, failures=failures, site=False)

    return {
        "name": BOT,
        "image": APP_IMAGE,
        "args": ["bot"],
        "envFrom": [{"configMapRef": {"name": env_config_map(BOT)}}],
        "env": env,
        # aiogram's models make the process larger than a service at rest.
        "resources": resource_limits("50m", "256Mi", "500m", "512Mi"),
        "startupProbe": alive(period=2, failures=30),
        "livenessProbe": alive(period=30, failures=3),
        "readinessProbe": exec_probe(READINESS_SCRIPT, period=10, failures=3),
        "securityContext": container_security(),
        "volumeMounts": [
            {"name": "pki", "mountPath": PKI_MOUNT, "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }


def bot_deployment(topology: Topology) -> Json:
    """One long-polling replica, replaced by stopping the old pod first (`Recreate`)."""
    pod: Json = {
        "serviceAccountName": BOT,
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "terminationGracePeriodSeconds": TERMINATION_GRACE_SECONDS,
        "securityContext": pod_security(APP_UID),
        "containers": [bot_container(), sidecar_container()],
        "volumes": [
            pki_volume(BOT),
            tmp_volume(),
            {"name": "sidecar", "configMap": {"name": sidecar_config_map(BOT)}},
        ],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(BOT, COMPONENT),
        "spec": {
            "replicas": 1,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": selector(BOT)},
            "strategy": {"type": "Recreate"},
            "template": {"metadata": {"labels": labels(BOT, COMPONENT)}, "spec": pod},
        },
    }


def bot_objects(topology: Topology) -> list[Json]:
    """k8s/base/bot.yaml: ServiceAccount and Deployment (ConfigMaps are kustomize generators)."""
    return [service_account(BOT, COMPONENT), bot_deployment(topology)]


# --- webhook mode: a kustomize Component ----------------------------------------------------


def webhook_objects() -> list[Json]:
    """The component's workload objects: the webhook Service and a disruption budget (its
    ingress policy is `policies.bot_webhook_policy`)."""
    return [
        kube_service(BOT, COMPONENT, [("webhook", WEBHOOK_PORT)]),
        disruption_budget(BOT, COMPONENT),
    ]


def webhook_component() -> Json:
    """k8s/components/bot-webhook: what turns the polling bot into webhook replicas."""
    # Required now (`optional: false` replaces the base's optional reference in the merge):
    # the settings refuse a webhook without its secret.
    webhook_secret = secret_env(
        "UKM_BOT_WEBHOOK_SECRET", bot_secret(), BOT_OPTIONAL_SECRET_ENV["UKM_BOT_WEBHOOK_SECRET"]
    )
    webhook_secret["valueFrom"]["secretKeyRef"]["optional"] = False
    # The public URL, from the overlay's `bot-env`: a pod without it does not start (it would
    # long-poll beside its twin).
    webhook_url = {
        "name": "UKM_BOT_WEBHOOK_URL",
        "valueFrom": {
            "configMapKeyRef": {"name": env_config_map(BOT), "key": "UKM_BOT_WEBHOOK_URL"}
        },
    }
    container = {
        "name": BOT,
        "ports": [container_port("webhook", WEBHOOK_PORT)],
        "env": [webhook_secret, webhook_url],
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": BOT},
        "spec": {
            "replicas": WEBHOOK_REPLICAS,
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
            },
            "template": {"spec": {"containers": [container]}},
        },
    }
    return {
        "apiVersion": "kustomize.config.k8s.io/v1alpha1",
        "kind": "Component",
        "resources": ["bot-webhook.yaml"],
        "patches": [{"patch": yaml.safe_dump(deployment, sort_keys=False)}],
    }
