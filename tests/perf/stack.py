"""The system under benchmark, started from scratch in a temporary folder on free ports.

Production shapes throughout: durable PostgreSQL (fsync on), Redis, NATS JetStream on file
storage, the mesh PKI, migrations and streams as `ukm up` creates them, every service of the
topology (auth, users, requests, shifts: whatever mesh/topology.yaml lists) as its own process
(`ukm serve <name>`, exactly what a container runs, with the environment `ukm up` gives it)
calling the others through Envoy's mesh listener, and Envoy rendered from a copy of the
topology, with `jwt_authn` on its edge. The bench's people are made by the operator bootstrap
before the services start.

The notifications service is pointed at a local Telegram Bot API that the bench itself serves
(tests/perf/bot_api.py, on a port chosen here: it listens only while the notifications figures
run), configured for production (Telegram's limits: 30 messages a second per bot, one a second
per chat) and otherwise with the worker's defaults (`UKM_NOTIFY_*` unset, only the development
outbox of `ukm up`); `restart()` starts a service again with other settings. The Telegram bot
(`ukm bot`, what its container runs) is started by the part that measures it
(`start_bot()`), against the same Bot API, and stopped after it (`stop_bot()`).

Beside it, for the identity baseline: the pre-verified requests service (tests/perf/
preverified.py) behind a second Envoy whose edge has no token checks (tests/perf/open_edge.py),
on the same database. Everything started is stopped by `stop()`, in reverse order, whatever
happened.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Protocol

import yaml

from mesh.environment import client_env, service_env
from mesh.envoy import write_envoy_config
from mesh.envoy.process import EnvoyProcess
from mesh.infra import EmbeddedNats, EmbeddedPostgres, EmbeddedRedis, free_port
from mesh.pki import ensure_pki
from mesh.prepare import prepare
from mesh.process import ManagedProcess
from mesh.running import http_ok
from mesh.topology import TOPOLOGY_FILE, Edge, Topology, load_topology
from tests.perf.bot_api import BOT_TOKEN
from tests.perf.open_edge import write_open_edge_config
from tests.perf.people import BenchPeople, bootstrap
from tests.perf.preverified import MANAGER_ENV

ROOT = Path(__file__).resolve().parents[2]
DESCRIPTOR = ROOT / "gen" / "ukm.binpb"
LOOPBACK = "127.0.0.1"
SERVICE = "requests"  # the service whose calls are measured
# Process names (also the CPU groups) of the identity baseline's two parts.
PREVERIFIED = "requests-preverified"
OPEN_ENVOY = "envoy-open"
ENVOY = "envoy"
NOTIFICATIONS = "notifications"
BOT = "bot"
# Telegram's published limits (also the channel's defaults), set explicitly so that a
# developer's own UKM_TELEGRAM_* cannot change what "production" means here.
PRODUCTION_PACING = {
    "UKM_TELEGRAM_MESSAGES_PER_SECOND": "30",
    "UKM_TELEGRAM_CHAT_MESSAGES_PER_SECOND": "1",
}


class _Stoppable(Protocol):
    def stop(self) -> None: ...


class PortPicker:
    """Distinct free ports (the OS may hand the same free port out twice in a row)."""

    def __init__(self) -> None:
        self.taken: set[int] = set()

    def __call__(self) -> int:
        while (port := free_port()) in self.taken:
            pass
        self.taken.add(port)
        return port

    def edge(self) -> Edge:
        """Ports for one Envoy's listeners and admin."""
        return Edge(http_port=self(), https_port=self(), mesh_port=self(), admin_port=self())


@dataclass(frozen=True)
class Ports:
    """Every TCP port the stack binds (all free when chosen)."""

    edge: Edge
    open_edge: Edge
    nats: int
    services: dict[str, tuple[int, int]]  # name → (gRPC, ops)
    preverified: tuple[int, int]
    bot_api: int  # the local Telegram Bot API (bound by the bench when it measures)

    @classmethod
    def pick(cls, services: list[str]) -> Ports:
        """Free ports for everything."""
        pick = PortPicker()
        return cls(
            edge=pick.edge(),
            open_edge=pick.edge(),
            nats=pick(),
            services={name: (pick(), pick()) for name in services},
            preverified=(pick(), pick()),
            bot_api=pick(),
        )


class BenchStack:
    """Infrastructure, every service of the topology and Envoy, plus the identity baseline."""

    def __init__(self, workdir: Path | None = None) -> None:
        # Not under pytest's temporary root: PostgreSQL runs as another user when we are root.
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="ukm-bench-"))
        self.service_names = list(load_topology(TOPOLOGY_FILE).services)
        self.ports = Ports.pick(self.service_names)
        self.people = BenchPeople.new()
        self.topology: Topology | None = None
        self.processes: dict[str, ManagedProcess] = {}
        self.nats_url = ""
        # The bench writes its large data sets straight into the database (tests/perf/bulk.py).
        self.database_url = ""
        # The keys that seal personal data (the bench makes its own recipients).
        self.data_keys = ""
        self.urls: dict[str, str] = {}
        self._parts: list[tuple[str, _Stoppable]] = []

    @property
    def edge_address(self) -> str:
        """Envoy's plaintext edge listener (h2c gRPC and REST), `host:port`."""
        return f"{LOOPBACK}:{self.ports.edge.http_port}"

    @property
    def open_edge_address(self) -> str:
        """The edge of the Envoy without token checks, in front of the pre-verified service."""
        return f"{LOOPBACK}:{self.ports.open_edge.http_port}"

    @property
    def access_log(self) -> Path:
        """Envoy's access log (one JSON object per request)."""
        return self.workdir / "logs" / "envoy-access.log"

    @property
    def open_access_log(self) -> Path:
        """The access log of the Envoy without token checks."""
        return self.workdir / "logs" / "envoy-open-access.log"

    @property
    def bot_api_url(self) -> str:
        """Where the notifications service finds the Telegram Bot API."""
        return f"http://{LOOPBACK}:{self.ports.bot_api}"

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
        self.topology = topology = load_topology(self._write_topology())
        say(f"  · workdir {self.workdir}")
        pki = ensure_pki(topology, self.workdir / "pki")
        say("  · PostgreSQL (embedded, durable), Redis, NATS JetStream")
        postgres = EmbeddedPostgres(self.workdir / "pg", durable=True)
        self._parts.append(("postgres", postgres))
        postgres.start()
        redis = EmbeddedRedis(self.workdir / "redis")
        self._parts.append(("redis", redis))
        redis.start()
        nats = EmbeddedNats(self.workdir / "nats", port=self.ports.nats)
        self._parts.append(("nats", nats))
        nats.start()
        self.nats_url = nats.url
        self.database_url = postgres.url
        urls = {"database": postgres.url, "redis": redis.url, "nats": nats.url}
        self.urls = urls
        say("  · migrations, streams, the bench's people (operator bootstrap)")
        prepare(topology, database_url=postgres.url, nats_url=nats.url)
        envs = {name: self._service_env(name, urls) for name in self.service_names}
        self.data_keys = envs[SERVICE]["UKM_DATA_KEYS"]
        asyncio.run(
            bootstrap(
                self.people,
                database_url=postgres.url,
                data_keys=envs[SERVICE]["UKM_DATA_KEYS"],
            )
        )
        say(f"  · services {', '.join(self.service_names)} and {PREVERIFIED} (subprocesses)")
        for name in self.service_names:
            self._spawn(name, [sys.executable, "-m", "ukmctl", "serve", name], envs[name])
        grpc_port, ops_port = self.ports.preverified
        self._spawn(
            PREVERIFIED,
            [sys.executable, "-m", "tests.perf.preverified"],
            {
                **envs[SERVICE],
                "UKM_GRPC_PORT": str(grpc_port),
                "UKM_OPS_PORT": str(ops_port),
                MANAGER_ENV: self.people.manager.user_id,
            },
        )
        # Started together (their imports take a while), then waited for one by one.
        for name, process in self.processes.items():
            ops = ops_port if name == PREVERIFIED else self.ports.services[name][1]
            process.wait_ready(partial(http_ok, f"http://{LOOPBACK}:{ops}/readyz"), 90)
        say("  · Envoy (edge with jwt_authn) and the Envoy without token checks")
        self._start_envoys(pki)

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        process = ManagedProcess(
            name, argv, log_path=self.workdir / "logs" / f"{name}.log", env=env, cwd=ROOT
        )
        self.processes[name] = process
        self._parts.append((name, process))
        process.start()

    def _start_envoys(self, pki: Path) -> None:
        assert self.topology is not None
        config = write_envoy_config(
            self.topology,
            self.workdir / "envoy.yaml",
            pki_dir=pki,
            descriptor_path=DESCRIPTOR,
            access_log=str(self.access_log),
        )
        open_config = write_open_edge_config(
            self.topology,
            self.workdir / "open" / "envoy.yaml",
            pki_dir=pki,
            descriptor_path=DESCRIPTOR,
            upstreams={SERVICE: (LOOPBACK, self.ports.preverified[0])},
            edge=self.ports.open_edge,
            access_log=str(self.open_access_log),
        )
        for name, path, edge in (
            (ENVOY, config, self.ports.edge),
            (OPEN_ENVOY, open_config, self.ports.open_edge),
        ):
            envoy = EnvoyProcess(
                path,
                admin_port=edge.admin_port,
                log_path=self.workdir / "logs" / f"{name}.log",
                # Short, so each phase can check its calls in the access log without waiting.
                log_flush_ms=100,
            )
            self._parts.append((name, envoy))
            # The edge refuses every token until it has fetched the JWKS; the open one has none.
            envoy.start(wait_for_keys=name == ENVOY)

    def _write_topology(self) -> Path:
        """A copy of the topology on our free ports, the measured service listed first: Envoy
        sends health checks and reflection to the first service, and the baseline
        (`Health/Check`) must be answered by the same process as the measured calls."""
        raw = yaml.safe_load(TOPOLOGY_FILE.read_text())
        raw["services"] = {SERVICE: raw["services"].pop(SERVICE), **raw["services"]}
        for name, (grpc_port, ops_port) in self.ports.services.items():
            raw["services"][name].update(grpc_port=grpc_port, ops_port=ops_port)
        raw["edge"] = vars(self.ports.edge).copy()
        raw["infrastructure"]["nats_port"] = self.ports.nats
        path = self.workdir / "topology.yaml"
        self.workdir.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(raw, sort_keys=False))
        return path

    def _service_env(self, name: str, urls: dict[str, str]) -> dict[str, str]:
        """What `ukm up` gives the service (its data keys made under the workdir), plus the
        topology copy and a quick shutdown (only how fast the bench tears down)."""
        assert self.topology is not None
        env = service_env(self.topology, name, root=self.workdir, urls=urls)
        env.update(
            UKM_TOPOLOGY=str(self.workdir / "topology.yaml"),
            UKM_DRAIN_SECONDS="0",
            UKM_SHUTDOWN_GRACE_SECONDS="2",
        )
        if name == NOTIFICATIONS:
            # The worker's defaults: none of the caller's UKM_NOTIFY_* (the development outbox
            # of `ukm up` stays: the bench's own people have no Telegram chat).
            for key in [k for k in env if k.startswith("UKM_NOTIFY_")]:
                if key != "UKM_NOTIFY_DEV_OUTBOX":
                    del env[key]
            for key in [k for k in env if k.startswith(("UKM_TELEGRAM_", "UKM_SMTP_", "UKM_SMS_"))]:
                del env[key]
            env.update(
                UKM_TELEGRAM_BOT_TOKEN=BOT_TOKEN,
                UKM_TELEGRAM_API_BASE=self.bot_api_url,
                **PRODUCTION_PACING,
            )
        return env

    def restart(self, name: str, settings: dict[str, str], timeout: float = 90.0) -> None:
        """Stop service `name` (SIGTERM: it finishes what it started) and start it again with
        `settings` on top of the environment it had; returns once it is ready. Blocking."""
        process = self.processes[name]
        process.stop()
        process.env = {**(process.env or dict(os.environ)), **settings}
        process.start()
        ops = self.ports.services[name][1]
        process.wait_ready(partial(http_ok, f"http://{LOOPBACK}:{ops}/readyz"), timeout)

    def start_bot(self, settings: dict[str, str]) -> ManagedProcess:
        """`ukm bot` as its own process, with what `ukm up` gives it: long polling the bench's
        Bot API (the notifications service's, with the same token), the mesh through Envoy's
        mesh listener with the bot's certificate; none of the caller's `UKM_BOT_*`, then
        `settings` on top. Returns at once (the caller knows when it polls)."""
        assert self.topology is not None
        telegram = {"UKM_TELEGRAM_BOT_TOKEN": BOT_TOKEN, "UKM_TELEGRAM_API_BASE": self.bot_api_url}
        env = client_env(self.topology, root=self.workdir, urls=self.urls, telegram=telegram)
        for key in [k for k in env if k.startswith("UKM_BOT_")]:
            del env[key]
        env.update(UKM_TOPOLOGY=str(self.workdir / "topology.yaml"), **settings)
        self._spawn(BOT, [sys.executable, "-m", "ukmctl", "bot"], env)
        return self.processes[BOT]

    def stop_bot(self) -> None:
        """SIGTERM the bot (it stops polling and closes its connections), if it runs."""
        process = self.processes.pop(BOT, None)
        if process is not None:
            process.stop()
            self._parts = [(name, part) for name, part in self._parts if part is not process]

    def process_groups(self) -> dict[str, int]:
        """The process group of each running component (its leader's pid), by name."""
        groups: dict[str, int] = {}
        for name, part in self._parts:
            process = getattr(part, "process", part)  # servers and Envoy wrap a ManagedProcess
            if isinstance(process, ManagedProcess) and process.pid is not None:
                groups[name] = process.pid
        return groups

    def pid(self, name: str) -> int | None:
        """The pid of a running service process (`requests`, `auth`, `requests-preverified`…)."""
        process = self.processes.get(name)
        return process.pid if process is not None else None

    def stop(self, *, keep_workdir: bool = False) -> None:
        """Stop everything in reverse order; remove the workdir unless asked to keep it."""
        for name, part in reversed(self._parts):
            try:
                part.stop()
            except Exception as exc:  # keep stopping the rest
                print(f"  ! stopping {name}: {exc!r}", file=sys.stderr)
        self._parts.clear()
        self.processes.clear()
        if keep_workdir:
            print(f"  (logs kept in {self.workdir / 'logs'})", file=sys.stderr)
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)
