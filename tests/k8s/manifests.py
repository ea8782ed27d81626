"""Helpers over rendered Kubernetes objects: lookups, pod templates, NetworkPolicy evaluation."""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

Obj = dict[str, Any]
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}
# Where the policy evaluation puts our pods (kind's pod network is 10.244.0.0/16), and a public
# address outside the cluster (api.telegram.org's).
POD_IP = "10.244.0.17"
PUBLIC_IP = "149.154.167.220"


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
            if in_block(peer["ipBlock"], POD_IP):
                return True
            continue
        if "namespaceSelector" in peer:
            continue  # other namespaces (kube-system DNS): never one of our pods
        if matches(peer["podSelector"], labels):
            return True
    return False


def in_block(block: Mapping[str, Any], address: str) -> bool:
    """Whether an `ipBlock` (cidr minus its `except` ranges) contains `address`."""
    ip = ipaddress.ip_address(address)
    if ip not in ipaddress.ip_network(block["cidr"]):
        return False
    return not any(ip in ipaddress.ip_network(cidr) for cidr in block.get("except", []))


def allows_external(
    policies: list[Obj], source: Mapping[str, str], address: str, port: int
) -> bool:
    """Whether pod `source` may open TCP to `address` (outside the namespace) on `port`: its
    egress only (the other end is not ours)."""
    selecting = [
        p
        for p in policies
        if matches(p["spec"]["podSelector"], source)
        and "Egress" in p["spec"].get("policyTypes", [])
    ]
    if not selecting:
        return True
    for policy in selecting:
        for rule in policy["spec"].get("egress", []):
            if not _port_matches(rule.get("ports"), port, None):
                continue
            peers = rule.get("to")
            if peers is None or any(
                "ipBlock" in peer and in_block(peer["ipBlock"], address) for peer in peers
            ):
                return True
    return False


def admits_from_outside(policies: list[Obj], destination: Mapping[str, str], port: int) -> bool:
    """Whether pod `destination` accepts TCP on `port` from outside the namespace (an ingress
    controller, the Internet): its ingress only (the source is not ours)."""
    return _direction(policies, "Ingress", destination, {}, port, None) and any(
        "from" not in rule and _port_matches(rule.get("ports"), port, None)
        for policy in policies
        if matches(policy["spec"]["podSelector"], destination)
        for rule in policy["spec"].get("ingress", [])
    )


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


# --- containers as processes on this machine -----------------------------------------------


def _entrypoint() -> list[str]:
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("ENTRYPOINT "):
            entry: list[str] = json.loads(line.removeprefix("ENTRYPOINT "))
    return entry


def _program(name: str) -> str:
    return {"ukm": str(BIN / "ukm"), "python": sys.executable}[name]


def container_argv(container: Obj) -> list[str]:
    """What the container runs (the image's entrypoint unless it has a command), here."""
    command = container.get("command") or _entrypoint()
    return [_program(command[0]), *command[1:], *container.get("args", [])]


def exec_probe_argv(container: Obj, probe: str) -> list[str]:
    """The command of an exec probe, with this machine's interpreter."""
    command: list[str] = container[probe]["exec"]["command"]
    return [_program(command[0]), *command[1:]]


def container_environment(
    rendered: Rendered,
    container: Obj,
    secrets: dict[tuple[str, str], str],
    overrides: dict[str, str],
) -> dict[str, str]:
    """The container's environment: its ConfigMaps, `secrets` by (Secret, key) for its Secret
    references (an optional one left out of `secrets` stays unset, as in the pod), then
    `overrides` of variables the manifests set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UKM_")}
    env.update(PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1")  # the image's ENV
    for source in container.get("envFrom", []):
        env.update(config_map_data(rendered, source["configMapRef"]["name"]))
    for variable in container.get("env", []):
        if "value" in variable:
            env[variable["name"]] = variable["value"]
            continue
        ref = variable["valueFrom"]["secretKeyRef"]
        wanted = (unhashed(ref["name"]), ref["key"])
        if wanted in secrets:
            env[variable["name"]] = secrets[wanted]
        else:
            assert ref.get("optional"), f"no value for the required {wanted}"
    for key, value in overrides.items():
        assert key in env, f"{key} is not set by the manifests"
        env[key] = value
    return env
