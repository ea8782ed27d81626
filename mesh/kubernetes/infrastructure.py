"""Stateful infrastructure: the NATS JetStream cluster (every overlay) and the dev overlay's
PostgreSQL and Redis (production uses managed databases).
"""

from __future__ import annotations

from mesh.kubernetes.bot import BOT, has_bot
from mesh.kubernetes.common import (
    DATABASE_NAME,
    DATABASE_USER,
    HEADER,
    NAMESPACE,
    NATS,
    NATS_CLIENT_PORT,
    NATS_CLUSTER_PORT,
    NATS_HEADLESS,
    NATS_IMAGE,
    NATS_MONITOR_PORT,
    NATS_REPLICAS,
    NATS_UID,
    POSTGRES,
    POSTGRES_IMAGE,
    POSTGRES_PORT,
    POSTGRES_UID,
    REDIS,
    REDIS_IMAGE,
    REDIS_PORT,
    REDIS_UID,
    Json,
    container_port,
    container_security,
    http_probe,
    labels,
    meta,
    pod_security,
    resource_limits,
    secret_env,
    selector,
    tcp_probe,
    tmp_volume,
)
from mesh.kubernetes.policies import network_policy, peer, rule
from mesh.kubernetes.workloads import disruption_budget, kube_service, service_account
from mesh.topology import Topology

# --- NATS JetStream ------------------------------------------------------------------------


def nats_config() -> str:
    """nats.conf of the 3-node JetStream cluster (`$POD_NAME` comes from the pod's env)."""
    routes = "\n".join(
        f"    nats://{NATS}-{index}.{NATS_HEADLESS}.{NAMESPACE}.svc:{NATS_CLUSTER_PORT}"
        for index in range(NATS_REPLICAS)
    )
    return f"""{HEADER}server_name: $POD_NAME
port: {NATS_CLIENT_PORT}
http_port: {NATS_MONITOR_PORT}
pid_file: /var/run/nats/nats.pid
# On SIGTERM (preStop: lame duck mode) clients move to the other nodes before this one stops.
lame_duck_duration: 30s
lame_duck_grace_period: 10s

jetstream {{
  store_dir: /data/jetstream
  max_memory_store: 256MiB
  max_file_store: 8GiB
  # fsync every write before the ack: an acknowledged event survives a node's power cut
  # (DESIGN.md: nothing is lost when a broker restarts mid-flow).
  sync_interval: always
}}

cluster {{
  name: ukm
  port: {NATS_CLUSTER_PORT}
  routes: [
{routes}
  ]
}}
"""


def nats_objects() -> list[Json]:
    """The NATS StatefulSet (3 nodes, one PVC each), its two Services and PDB."""
    container = {
        "name": "nats",
        "image": NATS_IMAGE,
        "command": ["nats-server"],
        "args": ["--config", "/etc/nats/nats.conf"],
        "env": [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
        "ports": [
            container_port("client", NATS_CLIENT_PORT),
            container_port("cluster", NATS_CLUSTER_PORT),
            container_port("monitor", NATS_MONITOR_PORT),
        ],
        "resources": resource_limits("100m", "256Mi", "1", "1Gi"),
        "startupProbe": http_probe("/healthz", "monitor", period=5, failures=60),
        "livenessProbe": http_probe("/healthz?js-enabled-only=true", "monitor", 10, 3),
        "readinessProbe": http_probe("/healthz?js-server-only=true", "monitor", 5, 2),
        "lifecycle": {
            "preStop": {
                "exec": {
                    "command": ["nats-server", "--signal", "ldm=/var/run/nats/nats.pid"],
                }
            }
        },
        "securityContext": container_security(),
        "volumeMounts": [
            {"name": "config", "mountPath": "/etc/nats", "readOnly": True},
            {"name": "data", "mountPath": "/data"},
            {"name": "run", "mountPath": "/var/run/nats"},
        ],
    }
    statefulset = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": meta(NATS, "events"),
        "spec": {
            "serviceName": NATS_HEADLESS,
            "replicas": NATS_REPLICAS,
            "podManagementPolicy": "Parallel",
            "selector": {"matchLabels": selector(NATS)},
            "template": {
                "metadata": {"labels": labels(NATS, "events")},
                "spec": {
                    "serviceAccountName": NATS,
                    "automountServiceAccountToken": False,
                    "enableServiceLinks": False,
                    "terminationGracePeriodSeconds": 60,
                    "securityContext": pod_security(NATS_UID),
                    "containers": [container],
                    "volumes": [
                        {"name": "config", "configMap": {"name": "nats-config"}},
                        {"name": "run", "emptyDir": {"sizeLimit": "1Mi"}},
                    ],
                },
            },
            "volumeClaimTemplates": [claim("data", "10Gi")],
        },
    }
    ports = [
        ("client", NATS_CLIENT_PORT),
        ("cluster", NATS_CLUSTER_PORT),
        ("monitor", NATS_MONITOR_PORT),
    ]
    return [
        service_account(NATS, "events"),
        # Peers find each other by pod DNS names, also before they are ready.
        kube_service(
            NATS, "events", ports, headless=True, service_name=NATS_HEADLESS, publish_not_ready=True
        ),
        kube_service(NATS, "events", [("client", NATS_CLIENT_PORT)]),
        statefulset,
        disruption_budget(NATS, "events"),
    ]


def claim(name: str, size: str) -> Json:
    return {
        "metadata": {"name": name},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}},
    }


# --- dev: PostgreSQL, Redis ----------------------------------------------------------------


def _statefulset(
    name: str, component: str, uid: int, container: Json, size: str, volumes: list[Json]
) -> Json:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": meta(name, component),
        "spec": {
            "serviceName": name,
            "replicas": 1,
            "selector": {"matchLabels": selector(name)},
            "template": {
                "metadata": {"labels": labels(name, component)},
                "spec": {
                    "serviceAccountName": name,
                    "automountServiceAccountToken": False,
                    "enableServiceLinks": False,
                    "terminationGracePeriodSeconds": 30,
                    "securityContext": pod_security(uid),
                    "containers": [container],
                    "volumes": volumes,
                },
            },
            "volumeClaimTemplates": [claim("data", size)],
        },
    }


def _exec_probe(command: list[str], period: int, failures: int) -> Json:
    return {
        "exec": {"command": command},
        "periodSeconds": period,
        "timeoutSeconds": 3,
        "failureThreshold": failures,
    }


def postgres_objects(topology: Topology) -> list[Json]:
    """A single PostgreSQL for the dev cluster (production uses a managed database)."""
    ready = ["pg_isready", "-h", "127.0.0.1", "-U", DATABASE_USER, "-d", DATABASE_NAME]
    container = {
        "name": POSTGRES,
        "image": POSTGRES_IMAGE,
        "env": [
            {"name": "POSTGRES_USER", "value": DATABASE_USER},
            {"name": "POSTGRES_DB", "value": DATABASE_NAME},
            secret_env("POSTGRES_PASSWORD", POSTGRES, "password"),
            {"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"},
        ],
        "ports": [container_port("postgres", POSTGRES_PORT)],
        "resources": resource_limits("100m", "256Mi", "1", "1Gi"),
        "startupProbe": _exec_probe(ready, period=2, failures=60),
        "livenessProbe": tcp_probe("postgres", period=10, failures=3),
        "readinessProbe": _exec_probe(ready, period=5, failures=2),
        "securityContext": container_security(),
        "volumeMounts": [
            {"name": "data", "mountPath": "/var/lib/postgresql/data"},
            {"name": "run", "mountPath": "/var/run/postgresql"},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }
    services = [s.name for s in topology.services.values() if s.schema]
    return [
        service_account(POSTGRES, "database"),
        kube_service(POSTGRES, "database", [("postgres", POSTGRES_PORT)]),
        _statefulset(
            POSTGRES,
            "database",
            POSTGRES_UID,
            container,
            "5Gi",
            [
                {"name": "run", "emptyDir": {"sizeLimit": "1Mi"}},
                tmp_volume(),
            ],
        ),
        network_policy(
            POSTGRES,
            {"matchLabels": selector(POSTGRES)},
            [rule([peer(name) for name in services], [POSTGRES_PORT], "from")],
            [],
        ),
    ]


def redis_objects(topology: Topology) -> list[Json]:
    """A single Redis for the dev cluster, password from the generated Secret."""
    ping = ["sh", "-c", 'redis-cli --no-auth-warning -a "$REDIS_PASSWORD" ping | grep -q PONG']
    container = {
        "name": REDIS,
        "image": REDIS_IMAGE,
        "command": ["redis-server"],
        # Kubernetes expands $(REDIS_PASSWORD) from the env below.
        "args": ["--requirepass", "$(REDIS_PASSWORD)", "--appendonly", "yes", "--dir", "/data"],
        "env": [secret_env("REDIS_PASSWORD", REDIS, "password")],
        "ports": [container_port("redis", REDIS_PORT)],
        "resources": resource_limits("50m", "64Mi", "500m", "256Mi"),
        "startupProbe": _exec_probe(ping, period=2, failures=30),
        "livenessProbe": tcp_probe("redis", period=10, failures=3),
        "readinessProbe": _exec_probe(ping, period=5, failures=2),
        "securityContext": container_security(),
        "volumeMounts": [{"name": "data", "mountPath": "/data"}],
    }
    return [
        service_account(REDIS, "cache"),
        kube_service(REDIS, "cache", [("redis", REDIS_PORT)]),
        _statefulset(REDIS, "cache", REDIS_UID, container, "1Gi", []),
        network_policy(
            REDIS,
            {"matchLabels": selector(REDIS)},
            [rule([peer(name) for name in redis_clients(topology)], [REDIS_PORT], "from")],
            [],
        ),
    ]


def redis_clients(topology: Topology) -> list[str]:
    """Who uses Redis: every service (caches, limits) and the bot (conversation state)."""
    return [*topology.services, *([BOT] if has_bot(topology) else [])]
