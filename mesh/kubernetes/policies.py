"""NetworkPolicies: default deny, DNS, and exactly the flows the topology declares.

Callers (services, and the bot: a client with `calls`) reach their callees' gRPC ports straight
from their sidecars. Outside the cluster: the data stores in prod (`prod_network_policies`), and
"the Internet" for the workloads that talk to third parties — the bot (Telegram's Bot API) and
the notifications service (Bot API, SMS gateway over HTTPS, an SMTP relay on 587) — as public
addresses only: private and link-local ranges are excepted, so these rules never open a path to
the cluster's own pods, nodes or an internal HTTPS endpoint.
"""

from __future__ import annotations

from collections.abc import Iterable

from mesh.envoy import GATEWAY_IDENTITY
from mesh.kubernetes.bot import BOT, WEBHOOK_PORT, has_bot
from mesh.kubernetes.common import (
    LABEL_PART_OF,
    NATS,
    NATS_CLIENT_PORT,
    NATS_CLUSTER_PORT,
    POSTGRES,
    POSTGRES_PORT,
    REDIS,
    REDIS_PORT,
    Json,
    selector,
)
from mesh.kubernetes.providers import HTTPS_PORT, PROVIDER_PORTS, PROVIDER_SERVICE
from mesh.topology import Topology

# Not "the Internet": RFC 1918 (pod, service and node networks, internal services) and
# link-local (cloud metadata endpoints).
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16")


def peer(name: str) -> Json:
    return {"podSelector": {"matchLabels": selector(name)}}


def rule(peers: list[Json], ports: Iterable[int | str], key: str) -> Json:
    return {key: peers, "ports": [{"protocol": "TCP", "port": port} for port in ports]}


def network_policy(name: str, target: Json, ingress: list[Json], egress: list[Json]) -> Json:
    types = [kind for kind, rules in (("Ingress", ingress), ("Egress", egress)) if rules]
    spec: Json = {"podSelector": target, "policyTypes": types}
    if ingress:
        spec["ingress"] = ingress
    if egress:
        spec["egress"] = egress
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "labels": {LABEL_PART_OF: "ukm"}},
        "spec": spec,
    }


def _default_deny() -> Json:
    """Selects every pod for both directions with no rule: what no other policy allows is
    dropped."""
    policy = network_policy("default-deny", {}, [], [])
    policy["spec"]["policyTypes"] = ["Ingress", "Egress"]
    return policy


def callers_of(topology: Topology, callee: str) -> list[str]:
    """Services and the bot that call `callee` (through their sidecars, straight to its pods)."""
    return [
        name
        for name in topology.callers_of(callee)
        if name in topology.services or (name == BOT and has_bot(topology))
    ]


def internet(ports: Iterable[int]) -> Json:
    """An egress rule to public addresses on `ports`."""
    block = {"cidr": "0.0.0.0/0", "except": list(PRIVATE_RANGES)}
    return rule([{"ipBlock": block}], ports, "to")


def _calls(topology: Topology, caller: str) -> list[Json]:
    return [
        rule([peer(callee)], [topology.service(callee).grpc_port], "to")
        for callee in topology.calls_of(caller)
    ]


def network_policies(topology: Topology) -> list[Json]:
    """Default deny, DNS for everyone, and one policy per workload with the topology's flows."""
    edge = topology.edge
    services = list(topology.services.values())
    policies = [
        _default_deny(),
        network_policy(
            "allow-dns",
            {},
            [],
            [
                {
                    "to": [
                        {
                            "namespaceSelector": {
                                "matchLabels": {"kubernetes.io/metadata.name": "kube-system"},
                            },
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                        }
                    ],
                    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                }
            ],
        ),
    ]
    gateway_ingress = [{"ports": [{"protocol": "TCP", "port": edge.https_port}]}]
    policies.append(
        network_policy(
            GATEWAY_IDENTITY,
            {"matchLabels": selector(GATEWAY_IDENTITY)},
            gateway_ingress,
            [rule([peer(s.name)], [s.grpc_port], "to") for s in services],
        )
    )
    for service in services:
        egress = [
            rule([peer(NATS)], [NATS_CLIENT_PORT], "to"),
            rule([peer(REDIS)], [REDIS_PORT], "to"),
        ]
        if service.schema:
            egress.append(rule([peer(POSTGRES)], [POSTGRES_PORT], "to"))
        egress += _calls(topology, service.name)
        if service.name == PROVIDER_SERVICE:
            egress.append(internet(PROVIDER_PORTS))
        sources = [GATEWAY_IDENTITY, *callers_of(topology, service.name)]
        policies.append(
            network_policy(
                service.name,
                {"matchLabels": selector(service.name)},
                [rule([peer(name) for name in sources], [service.grpc_port], "from")],
                egress,
            )
        )
    if has_bot(topology):
        # No ingress (long polling dials out; the webhook component adds its port).
        egress = [rule([peer(REDIS)], [REDIS_PORT], "to"), *_calls(topology, BOT)]
        egress.append(internet([HTTPS_PORT]))
        policies.append(network_policy(BOT, {"matchLabels": selector(BOT)}, [], egress))
    policies.append(
        network_policy(
            NATS,
            {"matchLabels": selector(NATS)},
            [
                rule([peer(s.name) for s in services], [NATS_CLIENT_PORT], "from"),
                rule([peer(NATS)], [NATS_CLUSTER_PORT], "from"),
            ],
            [rule([peer(NATS)], [NATS_CLUSTER_PORT], "to")],
        )
    )
    return policies


def prod_network_policies(topology: Topology) -> list[Json]:
    """Production data stores live outside the cluster: services (and the bot: Redis) may reach
    their ports."""
    anywhere = [{"ipBlock": {"cidr": "0.0.0.0/0"}}]
    stores = {
        service.name: [REDIS_PORT, *([POSTGRES_PORT] if service.schema else [])]
        for service in topology.services.values()
    }
    if has_bot(topology):
        stores[BOT] = [REDIS_PORT]  # conversation state
    return [
        network_policy(
            f"{name}-external-data",
            {"matchLabels": selector(name)},
            [],
            [rule(anywhere, ports, "to")],
        )
        for name, ports in stores.items()
    ]


def bot_webhook_policy() -> Json:
    """Webhook mode (the bot-webhook component): Telegram's POSTs arrive through the cluster's
    ingress, whose address is not known here, so the port is open and nothing else (narrow
    `from` to your ingress controller)."""
    ingress = [{"ports": [{"protocol": "TCP", "port": WEBHOOK_PORT}]}]
    return network_policy(f"{BOT}-webhook", {"matchLabels": selector(BOT)}, ingress, [])
