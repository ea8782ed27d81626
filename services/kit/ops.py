"""The ops HTTP port: `/metrics` (Prometheus), `/healthz` (liveness) and `/readyz` (readiness).

Liveness only says the event loop answers (never checks dependencies, so a database outage does
not make Kubernetes restart healthy pods); readiness says the server is SERVING and its
dependencies answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

log = logging.getLogger(__name__)

ReadinessCheck = Callable[[], Awaitable[None]]  # raises when not ready


class OpsServer:
    """A tiny aiohttp app bound to the ops port."""

    def __init__(
        self,
        registry: CollectorRegistry,
        is_serving: Callable[[], bool],
        checks: Sequence[tuple[str, ReadinessCheck]] = (),
        check_timeout: float = 2.0,
    ) -> None:
        self.registry = registry
        self.is_serving = is_serving
        self.checks = list(checks)
        self.check_timeout = check_timeout
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self, host: str, port: int) -> None:
        """Listen on host:port (port 0 picks a free one, see `self.port`)."""
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server  # aiohttp keeps the bound socket here
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else port

    async def stop(self) -> None:
        """Close the port."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def _metrics(self, _: web.Request) -> web.Response:
        body = generate_latest(self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _healthz(self, _: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def _readyz(self, _: web.Request) -> web.Response:
        if not self.is_serving():
            return web.json_response({"status": "not serving"}, status=503)
        failures: dict[str, str] = {}
        for name, check in self.checks:
            try:
                await asyncio.wait_for(check(), self.check_timeout)
            except Exception as exc:  # a failed check is an answer, not a crash
                failures[name] = f"{type(exc).__name__}: {exc}"[:200]
        if failures:
            log.warning("not ready", extra={"failures": failures})
            return web.json_response({"status": "not ready", "failures": failures}, status=503)
        return web.json_response({"status": "ready"})
