"""The environment of each process `ukm up` starts: the same `UKM_*` names Kubernetes sets
(data stores, PKI, the mesh, the data keys), plus where Telegram is when no bot token is set."""

from __future__ import annotations

import os
from pathlib import Path

from mesh.topology import Topology
from services.kit.crypto import generate_data_key


def service_env(
    topology: Topology,
    name: str,
    *,
    root: Path,
    urls: dict[str, str],
    telegram: dict[str, str] | None = None,
) -> dict[str, str]:
    """The environment of one service process (the same names Kubernetes sets). Other `UKM_*`
    settings of the caller's environment (OIDC, Telegram…) pass through; `telegram` points the
    process at the local Bot API when no bot token is configured."""
    service = topology.service(name)
    env = client_env(topology, root=root, urls=urls, telegram=telegram)
    env.update(
        UKM_GRPC_PORT=str(service.grpc_port),
        UKM_OPS_PORT=str(service.ops_port),
    )
    return env


def client_env(
    topology: Topology,
    *,
    root: Path,
    urls: dict[str, str],
    telegram: dict[str, str] | None = None,
) -> dict[str, str]:
    """What every process of `ukm up` gets: the data stores, the PKI, the mesh, the keys."""
    env = dict(os.environ)
    env.update(
        UKM_DATABASE_URL=urls["database"],
        UKM_REDIS_URL=urls["redis"],
        UKM_NATS_URL=urls["nats"],
        UKM_PKI_DIR=str(root / "pki"),
        UKM_MESH_ADDRESS=f"127.0.0.1:{topology.edge.mesh_port}",
        UKM_DATA_KEYS=data_keys(root),
        UKM_LOG_LEVEL=os.environ.get("UKM_LOG_LEVEL", "INFO"),
        PYTHONUNBUFFERED="1",
    )
    # Notifications for channels without provider credentials land in a file `ukm outbox`
    # prints, instead of nowhere (never set on Kubernetes).
    env.setdefault("UKM_NOTIFY_DEV_OUTBOX", str(root / "outbox.jsonl"))
    env.update(telegram or {})
    return env


def data_keys(root: Path) -> str:
    """The keys that encrypt personal data: `UKM_DATA_KEYS` when set, else made once and kept in
    `.ukm/data-keys` (losing the file loses the encrypted data)."""
    if configured := os.environ.get("UKM_DATA_KEYS"):
        return configured
    path = root / "data-keys"
    if not path.exists() or not path.read_text().strip():
        root.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        path.write_text(generate_data_key())
    return path.read_text().strip()
