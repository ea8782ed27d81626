"""`ukm up`: the whole system on one machine, in the foreground.

Order: PKI → embedded PostgreSQL/Redis/NATS (unless URLs name real servers) → migrations →
JetStream streams → services → Envoy → demo data → the endpoints banner. Crashed services are
restarted; Ctrl-C or SIGTERM stops everything in reverse order, leaving no processes behind.
The data under `.ukm/` stays, so the next `ukm up` continues where this one stopped.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from mesh.environment import client_env, data_keys, service_env
from mesh.envoy import validate_envoy_config, write_envoy_config
from mesh.envoy.process import EnvoyProcess
from mesh.infra import EmbeddedNats, EmbeddedPostgres, EmbeddedRedis, port_in_use
from mesh.pki import ensure_pki
from mesh.prepare import prepare
from mesh.process import ManagedProcess, ProcessFailed
from mesh.running import STATE_FILE, bot_polling, http_ok
from mesh.seed import Seeded, seed_demo
from mesh.topology import Topology, load_topology

log = logging.getLogger("ukm.up")
ROOT = Path(__file__).resolve().parent.parent
DESCRIPTOR = ROOT / "gen" / "ukm.binpb"
ROTATION_CHECK_SECONDS = 600.0


class PortsTaken(RuntimeError):
    """Some ports the system needs are already in use."""


class _Stoppable(Protocol):
    def stop(self) -> None: ...


@dataclass
class Stack:
    """What `up` started, stopped in reverse order."""

    parts: list[tuple[str, _Stoppable]] = field(default_factory=list)

    def add(self, name: str, part: _Stoppable) -> None:
        self.parts.append((name, part))

    def stop(self) -> None:
        for name, part in reversed(self.parts):
            try:
                part.stop()
            except Exception as exc:  # keep stopping the rest
                print(f"  ! stopping {name}: {exc}", file=sys.stderr)
        self.parts.clear()


def required_ports(
    topology: Topology, *, embedded_nats: bool, local_telegram: bool = False
) -> dict[str, int]:
    """Every TCP port `up` binds, by what binds it."""
    edge = topology.edge
    ports = {
        "Envoy edge (HTTP)": edge.http_port,
        "Envoy edge (HTTPS)": edge.https_port,
        "Envoy mesh (mTLS)": edge.mesh_port,
        "Envoy admin": edge.admin_port,
    }
    for service in topology.services.values():
        ports[f"{service.name} gRPC"] = service.grpc_port
        ports[f"{service.name} ops"] = service.ops_port
    if embedded_nats:
        ports["NATS (embedded)"] = topology.nats_port
    if local_telegram and topology.telegram_port:
        ports["local Telegram Bot API"] = topology.telegram_port
    return ports


def check_ports(ports: dict[str, int]) -> None:
    """Raise `PortsTaken` naming every port that something already listens on."""
    taken = [f"{port} ({what})" for what, port in ports.items() if port_in_use("127.0.0.1", port)]
    if taken:
        raise PortsTaken(
            "these ports are already in use: " + ", ".join(taken) + ".\n"
            "Is another `make up` running? Stop it (Ctrl-C) or free the ports; the ports "
            "are set in mesh/topology.yaml."
        )


class Supervisor:
    """Starts and watches everything; see the module docstring."""

    def __init__(self, root: Path, *, seed: bool = True) -> None:
        self.root = root.resolve()
        self.topology = load_topology()
        self.seed = seed
        self.stack = Stack()
        self.services: dict[str, ManagedProcess] = {}
        self.urls: dict[str, str] = {}
        self.stopping = False
        self.seeded: Seeded | None = None
        self.restart_at: dict[str, float] = {}
        self.restart_delay: dict[str, float] = {}
        # Where the bot and the notifications service find Telegram when no token is set.
        self.telegram: dict[str, str] = {}

    def start(self) -> None:
        """Bring everything up (raises on failure after stopping what started)."""
        started = time.monotonic()
        try:
            self._start_all()
        except BaseException:
            self.stack.stop()
            raise
        self._write_state()
        self._banner(time.monotonic() - started)

    def _start_all(self) -> None:
        topology = self.topology
        external = {
            k: os.environ.get(f"UKM_{k.upper()}_URL") for k in ("database", "redis", "nats")
        }
        local_telegram = not os.environ.get("UKM_TELEGRAM_BOT_TOKEN")
        check_ports(
            required_ports(
                topology, embedded_nats=not external["nats"], local_telegram=local_telegram
            )
        )
        self.root.mkdir(parents=True, exist_ok=True)
        _step("certificates")
        ensure_pki(topology, self.root / "pki")
        self.urls = {k: v for k, v in external.items() if v}
        if "database" not in self.urls:
            _step("PostgreSQL (embedded)")
            pg = EmbeddedPostgres(self.root / "pg")
            pg.start()
            self.stack.add("postgres", pg)
            self.urls["database"] = pg.url
        if "redis" not in self.urls:
            _step("Redis (embedded)")
            redis = EmbeddedRedis(self.root / "redis")
            redis.start()
            self.stack.add("redis", redis)
            self.urls["redis"] = redis.url
        if "nats" not in self.urls:
            _step("NATS JetStream (embedded)")
            nats = EmbeddedNats(self.root / "nats", port=topology.nats_port)
            nats.start()
            self.stack.add("nats", nats)
            self.urls["nats"] = nats.url
        if local_telegram and topology.telegram_port:
            self._start_local_telegram()
        _step("migrations and streams")
        prepare(topology, database_url=self.urls["database"], nats_url=self.urls["nats"])
        for name in topology.services:
            _step(f"service {name}")
            self._start_service(name)
        _step("Envoy")
        config = write_envoy_config(
            topology,
            pki_dir=self.root / "pki",
            descriptor_path=DESCRIPTOR,
            path=self.root / "envoy.yaml",
            access_log=str(self.root / "logs" / "envoy-access.log"),
        )
        validate_envoy_config(config)
        envoy = EnvoyProcess(
            config, admin_port=topology.edge.admin_port, log_path=self.root / "logs" / "envoy.log"
        )
        envoy.start(wait_for_keys=True)
        self.stack.add("envoy", envoy)
        _step("Telegram bot" + (" (local Bot API)" if self.telegram else ""))
        self._start_bot()
        if self.seed:
            _step("demo data")
            self.seeded = asyncio.run(
                seed_demo(
                    self.root,
                    topology,
                    database_url=self.urls["database"],
                    data_keys=data_keys(self.root),
                    local_telegram=bool(self.telegram),
                )
            )

    def _start_local_telegram(self) -> None:
        """No bot token: a local Telegram Bot API for the bot and the notifications service."""
        from mesh.sandbox import sandbox_token

        port = self.topology.telegram_port
        _step(f"Telegram (local Bot API on :{port}: no UKM_TELEGRAM_BOT_TOKEN)")
        process = ManagedProcess(
            "telegram",
            [sys.executable, "-m", "mesh.sandbox", "--port", str(port), "--root", str(self.root)],
            log_path=self.root / "logs" / "telegram.log",
            cwd=ROOT,
        )
        process.start()
        self.stack.add("telegram", process)
        process.wait_ready(lambda: http_ok(f"http://127.0.0.1:{port}/sandbox/health"), 30)
        self.telegram = {
            "UKM_TELEGRAM_BOT_TOKEN": sandbox_token(self.root),
            "UKM_TELEGRAM_API_BASE": f"http://127.0.0.1:{port}",
        }

    def _start_bot(self) -> None:
        """The Telegram bot (a client of the mesh: it waits for nothing but its process)."""
        process = ManagedProcess(
            "bot",
            [sys.executable, "-m", "ukmctl", "bot"],
            log_path=self.root / "logs" / "bot.log",
            env=client_env(self.topology, root=self.root, urls=self.urls, telegram=self.telegram),
            cwd=ROOT,
        )
        process.start()
        self.services["bot"] = process
        self.stack.add("bot", process)
        if self.telegram:
            # The local Bot API sees the bot's first long poll: it is serving.
            port = self.topology.telegram_port
            process.wait_ready(lambda: bot_polling(f"http://127.0.0.1:{port}/sandbox/health"), 60)

    def _start_service(self, name: str) -> None:
        service = self.topology.service(name)
        process = ManagedProcess(
            name,
            [sys.executable, "-m", "ukmctl", "serve", name],
            log_path=self.root / "logs" / f"{name}.log",
            env=service_env(
                self.topology, name, root=self.root, urls=self.urls, telegram=self.telegram
            ),
            cwd=ROOT,
        )
        process.start()
        self.services[name] = process
        self.stack.add(name, process)
        process.wait_ready(lambda: http_ok(f"http://127.0.0.1:{service.ops_port}/readyz"), 60)

    def watch(self) -> None:
        """Block until SIGINT/SIGTERM; restart services that die meanwhile."""

        def request_stop(signum: int, _: Any) -> None:
            self.stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        next_rotation = time.monotonic() + ROTATION_CHECK_SECONDS
        while not self.stopping:
            time.sleep(0.3)
            if time.monotonic() >= next_rotation:
                # Short-lived certificates are re-issued at half their life; Envoy (SDS) and
                # the services (dynamic server credentials) pick the new files up live.
                ensure_pki(self.topology, self.root / "pki")
                next_rotation = time.monotonic() + ROTATION_CHECK_SECONDS
            if not self.stopping:
                self._restart_crashed_services()
        print("\nstopping…")
        self.stack.stop()
        (self.root / STATE_FILE).unlink(missing_ok=True)
        print("stopped.")

    def _restart_crashed_services(self) -> None:
        """Restart services that exited, waiting longer after each crash (1 s doubling to 30 s)
        so a service that cannot start does not spin."""
        now = time.monotonic()
        for name, process in self.services.items():
            if process.running() or now < self.restart_at.get(name, 0.0):
                continue
            delay = self.restart_delay.get(name, 1.0)
            print(f"  ! {name} exited; restarting (log: {process.log_path})", flush=True)
            try:
                process.start()
            except OSError as exc:
                print(f"  ! cannot restart {name}: {exc}", flush=True)
            self.restart_at[name] = now + delay
            self.restart_delay[name] = min(delay * 2, 30.0)

    def _write_state(self) -> None:
        state = {
            "pid": os.getpid(),
            "urls": self.urls,
            "edge": vars(self.topology.edge),
            # The bot talks to the local Telegram (no bot token): `ukm seed` links people there.
            "local_telegram": bool(self.telegram),
            "services": {
                s.name: {"grpc_port": s.grpc_port, "ops_port": s.ops_port}
                for s in self.topology.services.values()
            },
        }
        (self.root / STATE_FILE).write_text(json.dumps(state, indent=2))

    def _banner(self, seconds: float) -> None:
        from mesh.banner import banner

        text = banner(
            self.topology, self.root, seconds, self.seeded, local_telegram=bool(self.telegram)
        )
        print(text, flush=True)


def _step(what: str) -> None:
    print(f"  · {what}", flush=True)


def up(root: Path, *, seed: bool = True) -> int:
    """Run the system in the foreground; the exit code of `ukm up`."""
    supervisor = Supervisor(root, seed=seed)
    try:
        supervisor.start()
    except PortsTaken as exc:
        print(f"ukm up: {exc}", file=sys.stderr)
        return 2
    except (ProcessFailed, OSError) as exc:
        print(f"ukm up: start-up failed: {exc}", file=sys.stderr)
        return 1
    supervisor.watch()
    return 0
