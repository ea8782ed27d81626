"""The pods as processes on this machine: what the manifests tell the kubelet to run, run here.

The rendered NATS config runs as a real 3-node JetStream cluster (only addresses and data paths
swapped for local ones); the requests Deployment's init containers and service container run
with the exact command, arguments and environment the pod gets, except for four substitutions:
Secret values become this machine's database/Redis URLs, the PKI volume a local folder laid out
like the volume, the NATS Service name the local cluster, and the listening ports free ones (the
suite runs next to `make up`, which holds the topology's ports). The service must become ready
on its readiness probe and stop cleanly on SIGTERM within its termination grace period.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nats
import pytest

from mesh import kubernetes as k8s
from mesh.infra import free_port
from mesh.topology import Topology
from tests.k8s.manifests import (
    Obj,
    Rendered,
    config_map_data,
    container_argv,
    container_environment,
    mount_pki,
    pod_spec,
)
from tests.support.services import TEST_DATA_KEYS

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0


def _wait(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _probe_url(container: Obj, probe: str, moved: dict[int, int] | None = None) -> str:
    """The URL the kubelet probes; `moved` maps container ports to where they listen here."""
    get = container[probe]["httpGet"]
    port = get["port"]
    if isinstance(port, str):
        port = next(p["containerPort"] for p in container["ports"] if p["name"] == port)
    port = (moved or {}).get(port, port)
    return f"http://127.0.0.1:{port}{get['path']}"


def _local_ports(rendered: Rendered, container: Obj) -> tuple[dict[str, str], dict[int, int]]:
    """Free ports instead of the pod's (the suite runs next to `make up`, which holds the
    topology's): the env overrides, and container port → local port for the probes. That the
    pod's ports are the topology's is tested in test_consistency."""
    env = config_map_data(rendered, container["envFrom"][0]["configMapRef"]["name"])
    declared = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert int(env["UKM_GRPC_PORT"]) == declared["grpc"]
    assert int(env["UKM_OPS_PORT"]) == declared["ops"]
    local = {name: free_port() for name in declared}
    overrides = {"UKM_GRPC_PORT": str(local["grpc"]), "UKM_OPS_PORT": str(local["ops"])}
    return overrides, {declared[name]: local[name] for name in declared}


def _probe_budget(container: Obj, probe: str) -> float:
    spec = container[probe]
    return float(spec["periodSeconds"] * spec["failureThreshold"])


# --- the NATS StatefulSet as three processes -----------------------------------------------


@dataclass
class NatsCluster:
    client_urls: list[str]
    processes: list[subprocess.Popen[bytes]]


@pytest.fixture(scope="module")
def nats_cluster(prod: Rendered, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsCluster]:
    statefulset = prod.get("StatefulSet", k8s.NATS)
    container = pod_spec(statefulset)["containers"][0]
    assert container["args"][:2] == ["--config", "/etc/nats/nats.conf"]
    text = config_map_data(prod, "nats-config")["nats.conf"]
    replicas = statefulset["spec"]["replicas"]
    root = tmp_path_factory.mktemp("nats-cluster")
    cluster_ports = [free_port() for _ in range(replicas)]
    routes = ",".join(f"nats://127.0.0.1:{port}" for port in cluster_ports)
    processes, clients, monitors = [], [], []
    try:
        for index in range(replicas):
            client, monitor = free_port(), free_port()
            node = root / f"nats-{index}"
            node.mkdir()
            config = node / "nats.conf"
            # Only the data paths change; listen addresses and routes come as flags.
            config.write_text(
                text.replace("/data/jetstream", str(node / "jetstream")).replace(
                    "/var/run/nats/nats.pid", str(node / "nats.pid")
                )
            )
            argv = [
                str(BIN / container["command"][0]),
                "--config",
                str(config),
                "-a",
                "127.0.0.1",
                "-p",
                str(client),
                "-m",
                str(monitor),
                "--cluster",
                f"nats://127.0.0.1:{cluster_ports[index]}",
                "--routes",
                routes,
            ]
            env = {**os.environ, "POD_NAME": f"{k8s.NATS}-{index}"}  # the fieldRef
            log = (node / "nats.log").open("wb")
            processes.append(subprocess.Popen(argv, env=env, stdout=log, stderr=log))
            clients.append(f"nats://127.0.0.1:{client}")
            monitors.append(monitor)
        for monitor in monitors:
            ready = _probe_url(
                {**container, "ports": [{"name": "monitor", "containerPort": monitor}]},
                "readinessProbe",
            )
            _wait(lambda url=ready: _get(url) == 200, 30, f"NATS readiness {ready}")
        yield NatsCluster(clients, processes)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


# --- the requests pod as processes ---------------------------------------------------------


def _start(argv: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as log:
        return subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=log)


async def test_requests_pod_starts_becomes_ready_and_stops(
    prod: Rendered,
    topology: Topology,
    nats_cluster: NatsCluster,
    database_url: str,
    redis_url: str,
    pki_dir: Path,
    tmp_path: Path,
) -> None:
    name = "requests"
    service = topology.service(name)
    deployment = prod.get("Deployment", name)
    pod = pod_spec(deployment)
    secrets = {
        (k8s.service_secret(name), "database-url"): database_url,
        (k8s.service_secret(name), "redis-url"): redis_url,
        (k8s.service_secret(name), "data-keys"): TEST_DATA_KEYS,
    }
    overrides = {"UKM_NATS_URL": nats_cluster.client_urls[0]}
    logs = tmp_path / "logs"
    logs.mkdir()

    def run_init(container: Obj) -> None:
        mounts = {m["name"] for m in container.get("volumeMounts", [])}
        extra = (
            {"UKM_PKI_DIR": str(mount_pki(deployment, pki_dir, tmp_path / "pki"))}
            if ("pki" in mounts)
            else {}
        )
        env = container_environment(prod, container, secrets, {**overrides, **extra})
        result = subprocess.run(
            container_argv(container),
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=150,
        )
        assert result.returncode == 0, (
            f"init container {container['name']} failed:\n{result.stdout}{result.stderr}"
        )

    for container in pod["initContainers"]:
        await asyncio.to_thread(run_init, container)

    # The init container made every stream with the manifests' replica count, and the
    # other two nodes hold replicas (reported once they have caught up).
    client = await nats.connect(nats_cluster.client_urls[1])
    try:
        deadline = time.monotonic() + 20
        while True:
            info = await client.jetstream().stream_info(service.stream or "")
            assert info.config.num_replicas == k8s.STREAM_REPLICAS
            peers = (info.cluster.replicas or []) if info.cluster else []
            if len(peers) == k8s.STREAM_REPLICAS - 1 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        assert len(peers) == k8s.STREAM_REPLICAS - 1, info.cluster
    finally:
        await client.close()

    main = pod["containers"][0]
    mounted = mount_pki(deployment, pki_dir, tmp_path / "pki")
    ports, moved = _local_ports(prod, main)
    env = container_environment(
        prod, main, secrets, {**overrides, **ports, "UKM_PKI_DIR": str(mounted)}
    )
    assert env["UKM_HOST"] == "0.0.0.0"  # as in the pod: the kubelet and Envoy dial the pod IP
    process = await asyncio.to_thread(_start, container_argv(main), env, logs / f"{name}.log")
    try:
        ready = _probe_url(main, "readinessProbe", moved)

        def is_ready() -> bool:
            assert process.poll() is None, (logs / f"{name}.log").read_text()
            return _get(ready) == 200

        budget = _probe_budget(main, "startupProbe") + _probe_budget(main, "readinessProbe")
        await asyncio.to_thread(_wait, is_ready, budget, f"{name} {ready}")
        assert _get(_probe_url(main, "livenessProbe", moved)) == 200
        assert _get(_probe_url(main, "startupProbe", moved)) == 200
        process.terminate()  # what the kubelet sends
        grace = pod["terminationGracePeriodSeconds"]
        started = time.monotonic()
        code = await asyncio.to_thread(process.wait, grace)
        assert code == 0, (logs / f"{name}.log").read_text()
        assert time.monotonic() - started < grace
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


async def test_dev_pod_restarts_on_synced_code(
    dev: Rendered,
    nats_cluster: NatsCluster,
    database_url: str,
    redis_url: str,
    pki_dir: Path,
    tmp_path: Path,
) -> None:
    """Tilt's live update in miniature: the dev container (watchfiles around `ukm serve`) runs
    code from /app; a file synced into /app restarts the service, which becomes ready again."""
    name = "requests"
    deployment = dev.get("Deployment", name)
    pod = pod_spec(deployment)
    secrets = {
        (k8s.service_secret(name), "database-url"): database_url,
        (k8s.service_secret(name), "redis-url"): redis_url,
        (k8s.service_secret(name), "data-keys"): TEST_DATA_KEYS,
    }
    overrides = {"UKM_NATS_URL": nats_cluster.client_urls[0]}
    (prepare,) = pod["initContainers"]
    result = await asyncio.to_thread(
        subprocess.run,
        container_argv(prepare),
        env=container_environment(dev, prepare, secrets, overrides),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=150,
    )
    assert result.returncode == 0, result.stderr

    # /app as the dev image lays it out (Dockerfile: COPY into /app, PYTHONPATH=/app:…).
    app = tmp_path / "app"
    for folder in ("services", "mesh", "ukmctl", "gen"):
        shutil.copytree(
            ROOT / folder, app / folder, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
        )
    main = pod["containers"][0]
    argv = [
        str(BIN / main["command"][0]),
        *(
            arg.replace("/app/", f"{app}/") if arg.startswith("/app/") else arg
            for arg in main["args"]
        ),
    ]
    mounted = mount_pki(deployment, pki_dir, tmp_path / "pki")
    ports, moved = _local_ports(dev, main)
    env = container_environment(
        dev, main, secrets, {**overrides, **ports, "UKM_PKI_DIR": str(mounted)}
    )
    env.update(PYTHONPATH=f"{app}:{app}/gen/python", PATH=f"{BIN}:{env['PATH']}")
    log_path = tmp_path / f"{name}.log"
    process = await asyncio.to_thread(_start, argv, env, log_path)
    ready = _probe_url(main, "readinessProbe", moved)

    def serving(times: int) -> bool:
        assert process.poll() is None, log_path.read_text()
        return log_path.read_text().count('"serving"') >= times and _get(ready) == 200

    try:
        budget = _probe_budget(main, "startupProbe")
        await asyncio.to_thread(_wait, lambda: serving(1), budget, f"{name} ready")
        changed = app / "services" / name / "__init__.py"
        changed.write_text(changed.read_text() + "\n# synced by Tilt\n")
        await asyncio.to_thread(_wait, lambda: serving(2), budget, f"{name} restarted")
        process.terminate()
        code = await asyncio.to_thread(process.wait, pod["terminationGracePeriodSeconds"])
        assert code == 0, log_path.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
