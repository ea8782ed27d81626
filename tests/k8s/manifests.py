"""Helpers over rendered Kubernetes objects: lookups, pod templates, NetworkPolicy evaluation."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

Obj = dict[str, Any]
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}


def kustomize(directory: Path) -> list[Obj]:
    """`kubectl kustomize DIR` as a list of objects (fails the test with kubectl's message)."""
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl is not on PATH (TOOLCHAIN.md: it comes with the machine)"
    result = subprocess.run(
        [kubectl, "kustomize", str(directory)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, f"kubectl kustomize {directory} failed:\n{result.stderr}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@dataclass(frozen=True)
class Rendered:
    """The objects of one overlay."""

    overlay: str
    objects: list[Obj]

    def of_kind(self, kind: str) -> list[Obj]:
        return [o for o in self.objects if o["kind"] == kind]

    def get(self, kind: str, name: str) -> Obj:
        """One object by kind and name; generated names match with or without hash suffix."""
        found = [o for o in self.of_kind(kind) if _name_matches(o["metadata"]["name"], name)]
        assert len(found) == 1, f"{self.overlay}: expected one {kind}/{name}, found {len(found)}"
        return found[0]

    def workloads(self) -> list[Obj]:
        return [o for o in self.objects if o["kind"] in WORKLOAD_KINDS]


def _name_matches(actual: str, wanted: str) -> bool:
    return actual == wanted or unhashed(actual) == wanted


def unhashed(name: str) -> str:
    """A kustomize-generated name without its content-hash suffix (`x-1a2b3c4d5e` → `x`)."""
    prefix, _, suffix = name.rpartition("-")
    return prefix if prefix and len(suffix) == 10 and suffix.isalnum() else name


def pod_spec(workload: Obj) -> Obj:
    spec: Obj = workload["spec"]["template"]["spec"]
    return spec


def pod_labels(workload: Obj) -> dict[str, str]:
    labels: dict[str, str] = workload["spec"]["template"]["metadata"]["labels"]
    return labels


def containers(workload: Obj, *, init: bool = True) -> Iterator[Obj]:
    spec = pod_spec(workload)
    yield from spec.get("initContainers", []) if init else []
    yield from spec["containers"]


def matches(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """A label selector (matchLabels / matchExpressions In, or a plain map) against labels."""
    plain = {k: v for k, v in selector.items() if k not in ("matchLabels", "matchExpressions")}
    wanted = {**plain, **selector.get("matchLabels", {})}
    if any(labels.get(key) != value for key, value in wanted.items()):
        return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In", f"unsupported selector operator: {expression}"
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def _port_matches(rule_ports: list[Obj] | None, port: int, port_name: str | None) -> bool:
    if not rule_ports:
        return True
    for item in rule_ports:
        if item.get("protocol", "TCP") != "TCP":
            continue
        if item.get("port") in (port, port_name):
            return True
    return False


def _peer_matches(peers: list[Obj] | None, labels: Mapping[str, str]) -> bool:
    """Peers of a rule against a pod of our namespace (no `from`/`to` = every source)."""
    if peers is None:
        return True
    for peer in peers:
        if "ipBlock" in peer:
            if peer["ipBlock"]["cidr"] == "0.0.0.0/0":
                return True
            continue
        if "namespaceSelector" in peer:
            continue  # other namespaces (kube-system DNS): never one of our pods
        if matches(peer["podSelector"], labels):
            return True
    return False


def allows(
    policies: list[Obj],
    source: Mapping[str, str],
    destination: Mapping[str, str],
    port: int,
    port_name: str | None = None,
) -> bool:
    """Whether TCP from pod `source` to pod `destination` on `port` passes both the source's
    egress and the destination's ingress policies (both pods in the namespace)."""
    return _direction(policies, "Egress", source, destination, port, port_name) and _direction(
        policies, "Ingress", destination, source, port, port_name
    )


def _direction(
    policies: list[Obj],
    kind: str,
    pod: Mapping[str, str],
    peer: Mapping[str, str],
    port: int,
    port_name: str | None,
) -> bool:
    selecting = [
        p
        for p in policies
        if matches(p["spec"]["podSelector"], pod) and kind in p["spec"].get("policyTypes", [])
    ]
    if not selecting:
        return True  # not isolated in this direction
    key, peers_key = ("egress", "to") if kind == "Egress" else ("ingress", "from")
    return any(
        _peer_matches(rule.get(peers_key), peer)
        and _port_matches(rule.get("ports"), port, port_name)
        for policy in selecting
        for rule in policy["spec"].get(key, [])
    )


def config_map_data(rendered: Rendered, name: str) -> dict[str, str]:
    data: dict[str, str] = rendered.get("ConfigMap", name)["data"]
    return data


def mount_pki(workload: Obj, pki_dir: Path, destination: Path) -> Path:
    """Lay out what the pod's `pki` Secret volume shows, from a `mesh.pki` folder: the Secret
    has cert-manager's keys (tls.crt, tls.key, ca.crt) and the volume's items rename them."""
    volume = next(v for v in pod_spec(workload)["volumes"] if v["name"] == "pki")
    identity = unhashed(volume["secret"]["secretName"]).removeprefix("pki-")
    sources = {"tls.crt": f"{identity}.crt", "tls.key": f"{identity}.key", "ca.crt": "ca.crt"}
    destination.mkdir(parents=True, exist_ok=True)
    for item in volume["secret"]["items"]:
        shutil.copyfile(pki_dir / sources[item["key"]], destination / item["path"])
    return destination
