"""The system under benchmark, started from scratch in a temporary folder on free ports.

Production shapes throughout: durable PostgreSQL (fsync on), NATS JetStream on file storage, the
mesh PKI, migrations and streams as `ukm up` creates them, the requests service as its own
process (`ukm serve requests`, exactly what a container runs) and Envoy rendered from a copy of
the topology. Everything started is stopped by `stop()`, in reverse order, whatever happened.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import yaml

from mesh.envoy import write_envoy_config
from mesh.envoy.process import EnvoyProcess
from mesh.infra import EmbeddedNats, EmbeddedPostgres, free_port
from mesh.pki import ensure_pki
from mesh.prepare import prepare
from mesh.process import ManagedProcess
from mesh.topology import TOPOLOGY_FILE, Topology, load_topology

ROOT = Path(__file__).resolve().parents[2]
DESCRIPTOR = ROOT / "gen" / "ukm.binpb"
SERVICE = "requests"
LOOPBACK = "127.0.0.1"


class _Stoppable(Protocol):
    def stop(self) -> None: ...


@dataclass(frozen=True)
class Ports:
    """Every TCP port the stack binds (all free when chosen)."""

    http: int
    https: int
    mesh: int
    admin: int
    nats: int
    grpc: int
    ops: int

    @classmethod
    def pick(cls) -> Ports:
        """Seven distinct free ports."""
        chosen: list[int] = []
        while len(chosen) < 7:
            port = free_port()
            if port not in chosen:
                chosen.append(port)
        return cls(*chosen)


class BenchStack:
    """PostgreSQL, NATS, the requests service and Envoy, for one benchmark run."""

    def __init__(self, workdir: Path | None = None) -> None:
        # Not under pytest's temporary root: PostgreSQL runs as another user when we are root.
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="ukm-bench-"))
        self.ports = Ports.pick()
        self.topology: Topology | None = None
        self.service: ManagedProcess | None = None
        self.envoy: EnvoyProcess | None = None
        self.nats_url = ""
        self._parts: list[tuple[str, _Stoppable]] = []

    @property
    def edge_address(self) -> str:
        """Envoy's plaintext edge listener (h2c gRPC and REST), `host:port`."""
        return f"{LOOPBACK}:{self.ports.http}"

    @property
    def access_log(self) -> Path:
        """Envoy's access log (one JSON object per request)."""
        return self.workdir / "logs" / "envoy-access.log"

    @property
    def stream(self) -> str:
        """The JetStream stream the requests service publishes to."""
        assert self.topology is not None
        stream = self.topology.service(SERVICE).stream
        assert stream is not None
        return stream

    def start(self, say: Callable[[str], None] = print) -> None:
        """Bring everything up, in dependency order. Call `stop()` afterwards in any case (also
        when this raises): each part is registered before it starts."""
        self.topology = load_topology(self._write_topology())
        say(f"  · workdir {self.workdir}")
        pki = ensure_pki(self.topology, self.workdir / "pki")
        say("  · PostgreSQL (embedded, durable)")
        postgres = EmbeddedPostgres(self.workdir / "pg", durable=True)
        self._parts.append(("postgres", postgres))
        postgres.start()
        say("  · NATS JetStream (embedded)")
        nats = EmbeddedNats(self.workdir / "nats", port=self.ports.nats)
        self._parts.append(("nats", nats))
        nats.start()
        self.nats_url = nats.url
        say("  · migrations and streams")
        prepare(self.topology, database_url=postgres.url, nats_url=nats.url)
        say(f"  · service {SERVICE} (subprocess)")
        self.service = ManagedProcess(
            SERVICE,
            [sys.executable, "-m", "ukmctl", "serve", SERVICE],
            log_path=self.workdir / "logs" / f"{SERVICE}.log",
            env=self._service_env(postgres.url, nats.url, pki),
            cwd=ROOT,
        )
        self._parts.append((SERVICE, self.service))
        self.service.start()
        self.service.wait_ready(self._service_ready, timeout=60)
        say("  · Envoy")
        config = write_envoy_config(
            self.topology,
            self.workdir / "envoy.yaml",
            pki_dir=pki,
            descriptor_path=DESCRIPTOR,
            access_log=str(self.access_log),
        )
        self.envoy = EnvoyProcess(
            config,
            admin_port=self.ports.admin,
            log_path=self.workdir / "logs" / "envoy.log",
            # Short, so each phase can check its calls in the access log without waiting long.
            log_flush_ms=100,
        )
        self._parts.append(("envoy", self.envoy))
        self.envoy.start()

    def _write_topology(self) -> Path:
        """A copy of the topology with only the requests service, on our free ports."""
        raw = yaml.safe_load(TOPOLOGY_FILE.read_text())
        service = dict(raw["services"][SERVICE])
        service.update(grpc_port=self.ports.grpc, ops_port=self.ports.ops, calls=[])
        raw["services"] = {SERVICE: service}
        raw["edge"] = {
            "http_port": self.ports.http,
            "https_port": self.ports.https,
            "mesh_port": self.ports.mesh,
            "admin_port": self.ports.admin,
        }
        raw["infrastructure"]["nats_port"] = self.ports.nats
        path = self.workdir / "topology.yaml"
        self.workdir.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(raw, sort_keys=False))
        return path

    def _service_env(self, database_url: str, nats_url: str, pki: Path) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("UKM_")}
        env.update(
            UKM_TOPOLOGY=str(self.workdir / "topology.yaml"),
            UKM_DATABASE_URL=database_url,
            UKM_NATS_URL=nats_url,
            UKM_PKI_DIR=str(pki),
            UKM_GRPC_PORT=str(self.ports.grpc),
            UKM_OPS_PORT=str(self.ports.ops),
            UKM_MESH_ADDRESS=f"{LOOPBACK}:{self.ports.mesh}",
            UKM_LOG_LEVEL="WARNING",
            # Only how fast the benchmark tears down; nothing measured depends on these.
            UKM_DRAIN_SECONDS="0",
            UKM_SHUTDOWN_GRACE_SECONDS="2",
            PYTHONUNBUFFERED="1",
        )
        return env

    def _service_ready(self) -> bool:
        url = f"http://{LOOPBACK}:{self.ports.ops}/readyz"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def process_groups(self) -> dict[str, int]:
        """The process group of each running component (its leader's pid), by name."""
        groups: dict[str, int] = {}
        for name, part in self._parts:
            process = getattr(part, "process", part)  # servers and Envoy wrap a ManagedProcess
            if isinstance(process, ManagedProcess) and process.pid is not None:
                groups["service" if name == SERVICE else name] = process.pid
        return groups

    @property
    def service_pid(self) -> int | None:
        """The requests service's pid while it runs."""
        return self.service.pid if self.service is not None else None

    def stop(self, *, keep_workdir: bool = False) -> None:
        """Stop everything in reverse order; remove the workdir unless asked to keep it."""
        for name, part in reversed(self._parts):
            try:
                part.stop()
            except Exception as exc:  # keep stopping the rest
                print(f"  ! stopping {name}: {exc!r}", file=sys.stderr)
        self._parts.clear()
        if keep_workdir:
            print(f"  (logs kept in {self.workdir / 'logs'})", file=sys.stderr)
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)
