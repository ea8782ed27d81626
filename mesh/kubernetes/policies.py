"""NetworkPolicies: default deny, DNS, and exactly the flows the topology declares."""

from __future__ import annotations

from collections.abc import Iterable

from mesh.envoy import GATEWAY_IDENTITY
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
from mesh.topology import Topology


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
    """Services that call `callee` (through their sidecars, straight to its pods)."""
    return [s.name for s in topology.services.values() if callee in s.calls]


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
        for callee in service.calls:
            egress.append(rule([peer(callee)], [topology.service(callee).grpc_port], "to"))
        sources = [GATEWAY_IDENTITY, *callers_of(topology, service.name)]
        policies.append(
            network_policy(
                service.name,
                {"matchLabels": selector(service.name)},
                [rule([peer(name) for name in sources], [service.grpc_port], "from")],
                egress,
            )
        )
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
    """Production data stores live outside the cluster: services may reach their ports."""
    anywhere = [{"ipBlock": {"cidr": "0.0.0.0/0"}}]
    policies = []
    for service in topology.services.values():
        ports = [REDIS_PORT, *([POSTGRES_PORT] if service.schema else [])]
        policies.append(
            network_policy(
                f"{service.name}-external-data",
                {"matchLabels": selector(service.name)},
                [],
                [rule(anywhere, ports, "to")],
            )
        )
    return policies
