"""Running Envoy: one process per rendered configuration, ready when its admin says so."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from mesh.infra import binary
from mesh.process import ManagedProcess

LOOPBACK = "127.0.0.1"


class EnvoyProcess:
    """One Envoy (`--concurrency 1`), ready once its admin `/ready` answers 200.

    We never hot-restart (a new config means a new process), so hot restart is disabled: Envoys
    on one host share nothing and leave nothing in /dev/shm. Each still gets a distinct
    `--base-id` (the convention for several Envoys on one host); by default the admin port,
    which is unique among running Envoys because it is bound.
    """

    def __init__(
        self,
        config_path: Path,
        *,
        admin_port: int,
        log_path: Path,
        base_id: int | None = None,
        log_level: str = "warn",
        log_flush_ms: int = 500,
    ) -> None:
        self.config_path = config_path
        self.admin_port = admin_port
        self.base_id = admin_port if base_id is None else base_id
        argv = [
            binary("envoy"),
            "-c",
            str(config_path),
            "--concurrency",
            "1",
            "--base-id",
            str(self.base_id),
            "--disable-hot-restart",
            "--log-level",
            log_level,
            # Access logs are buffered; Envoy's default flush interval is 10 s.
            "--file-flush-interval-msec",
            str(log_flush_ms),
        ]
        self.process = ManagedProcess("envoy", argv, log_path=log_path)

    @property
    def admin_url(self) -> str:
        """Base URL of the admin interface."""
        return f"http://{LOOPBACK}:{self.admin_port}"

    def start(self, timeout: float = 30.0, *, wait_for_keys: bool = False) -> None:
        """Start Envoy and wait until it is ready (listeners bound, clusters initialised, first
        health checks done) and, with `wait_for_keys`, until every edge listener has fetched
        the token keys (JWKS) — before that, it refuses every token. A start that fails leaves
        no process behind."""
        self.process.start()
        try:
            self.process.wait_ready(self.ready, timeout=timeout)
            if wait_for_keys:
                self.process.wait_ready(self.keys_loaded, timeout=timeout)
        except BaseException:
            self.process.stop()
            raise

    async def start_async(self, within: float = 30.0, *, wait_for_keys: bool = False) -> None:
        """`start` without blocking the event loop, which may host an upstream that must answer
        Envoy's first health check before Envoy reports ready."""
        await asyncio.to_thread(lambda: self.start(within, wait_for_keys=wait_for_keys))

    def keys_loaded(self) -> bool:
        """Whether every listener that checks tokens has fetched the JWKS at least once."""
        try:
            fetched = self.stats(r"jwt_authn\.jwks_fetch_success$")
        except (urllib.error.URLError, OSError):
            return False
        return bool(fetched) and all(count > 0 for count in fetched.values())

    def ready(self) -> bool:
        """Whether admin `/ready` answers 200 (LIVE)."""
        try:
            with urllib.request.urlopen(f"{self.admin_url}/ready", timeout=1) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def admin(self, path: str) -> str:
        """GET an admin endpoint (`/stats`, `/clusters`…) and return its text."""
        with urllib.request.urlopen(f"{self.admin_url}{path}", timeout=5) as response:
            return str(response.read().decode())

    def stats(self, filter_regex: str = "") -> dict[str, int]:
        """Counters and gauges from `/stats` whose names match `filter_regex`."""
        query = f"?filter={urllib.parse.quote(filter_regex)}" if filter_regex else ""
        values: dict[str, int] = {}
        for line in self.admin(f"/stats{query}").splitlines():
            name, _, value = line.partition(": ")
            if value.strip().lstrip("-").isdigit():
                values[name] = int(value)
        return values

    def stop(self) -> None:
        """SIGTERM (Envoy exits at once) and wait for the process."""
        self.process.stop()

    def __enter__(self) -> EnvoyProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
