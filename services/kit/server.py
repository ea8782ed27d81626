"""Running a service: the gRPC server (mTLS only) with health, reflection, the server pipeline,
the ops port, background tasks (outbox relay, consumers) and a graceful shutdown.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer

from services.kit.auth import Authenticator, MeshAuthenticator
from services.kit.interceptor import ServerPipeline
from services.kit.jwks import default_key_source
from services.kit.metrics import ServerMetrics
from services.kit.ops import OpsServer, ReadinessCheck
from services.kit.rbac import AccessPolicy
from services.kit.reflection import enable_reflection
from services.kit.settings import Settings
from services.kit.tls import server_credentials
from services.kit.tokens import KeySource, TokenVerifier
from services.kit.validation import Validator

log = logging.getLogger(__name__)
# Upper bound of each shutdown step after the gRPC server has stopped.
_STEP_SECONDS = 5.0


@dataclass
class ServiceApp:
    """What a service's `app.build` returns: everything the kit needs to run it."""

    name: str
    # Fully qualified gRPC service names (health, reflection).
    service_names: Sequence[str]
    # Callbacks that add servicers to the server, e.g. `partial(add_XServicer_to_server, api)`.
    register: Sequence[Callable[[grpc.aio.Server], None]]
    # Long-running coroutines started with the server and cancelled at shutdown.
    background: Sequence[Callable[[], Awaitable[None]]] = ()
    readiness: Sequence[tuple[str, ReadinessCheck]] = ()
    # Called last at shutdown (close engines, connections).
    close: Sequence[Callable[[], Awaitable[None]]] = ()
    gateway_identity: str = "spiffe://ukm.local/svc/envoy"
    # Where access-token keys come from; None: the auth service's JWKS through the mesh (or
    # `settings.jwks_file`). The auth service passes its own key store.
    token_keys: KeySource | None = None
    # Replaces the whole authentication step (tests of the pipeline itself).
    authenticator: Authenticator | None = None
    access: AccessPolicy = field(default_factory=AccessPolicy.load)
    metrics: ServerMetrics = field(default_factory=ServerMetrics)


class Server:
    """One running service. `start()` then `stop()`; `grpc_port`/`ops_port` tell where it is."""

    def __init__(self, app: ServiceApp, settings: Settings, *, grpc_port: int, ops_port: int):
        self.app = app
        self.settings = settings
        self.requested_ports = (grpc_port, ops_port)
        self.health = HealthServicer()
        self.serving = False
        self._tasks: list[asyncio.Task[None]] = []
        self._close_keys: Callable[[], Awaitable[None]] | None = None
        self.grpc_port = 0
        self.ops_port = 0

    async def start(self) -> None:
        """Bind, start serving and mark every service SERVING."""
        app, settings = self.app, self.settings
        pipeline = ServerPipeline(
            domain=f"{app.name}.ukm",
            authenticator=app.authenticator or self._authenticator(),
            access=app.access,
            validator=Validator(),
            metrics=app.metrics,
        )
        limit = settings.max_message_bytes
        self.server = grpc.aio.server(
            interceptors=[pipeline],
            options=[
                ("grpc.max_receive_message_length", limit),
                ("grpc.max_send_message_length", 4 * limit),
                ("grpc.so_reuseport", 0),
                ("grpc.keepalive_permit_without_calls", 1),
                ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
            ],
        )
        for register in app.register:
            register(self.server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        enable_reflection(
            self.server,
            [*app.service_names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name],
        )
        address = f"{settings.host}:{self.requested_ports[0]}"
        self.grpc_port = self.server.add_secure_port(
            address, server_credentials(settings, app.name)
        )
        if self.grpc_port == 0:
            raise OSError(f"cannot listen on {address} (port taken?)")
        await self.server.start()
        self.ops = OpsServer(app.metrics.registry, lambda: self.serving, app.readiness)
        try:
            await self.ops.start(settings.ops_host, self.requested_ports[1])
        except OSError:
            await self.server.stop(None)  # do not leave a half-started service behind
            raise
        self.ops_port = self.ops.port or 0
        self._tasks = [asyncio.create_task(self._supervise(job)) for job in app.background]
        for name in ("", *app.service_names):
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        self.serving = True
        log.info("serving", extra={"grpc_port": self.grpc_port, "ops_port": self.ops_port})

    def _authenticator(self) -> Authenticator:
        keys = self.app.token_keys or default_key_source(self.settings, self.app.name)
        self._close_keys = getattr(keys, "close", None)
        verifier = TokenVerifier(
            keys, issuer=self.settings.jwt_issuer, audience=self.settings.jwt_audience
        )
        return MeshAuthenticator(self.app.gateway_identity, verifier)

    async def _supervise(self, job: Callable[[], Awaitable[None]]) -> None:
        """Run a background job; if it crashes, log and restart it after a pause."""
        while True:
            try:
                await job()
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("background job crashed; restarting", extra={"job": repr(job)})
                await asyncio.sleep(1.0)

    async def stop(self) -> None:
        """NOT_SERVING first, drain, stop accepting, let calls finish, then stop the rest."""
        self.serving = False
        await self.health.enter_graceful_shutdown()
        await asyncio.sleep(self.settings.drain_seconds)
        await self.server.stop(self.settings.shutdown_grace_seconds)
        for task in self._tasks:
            task.cancel()
        # Every remaining step is bounded: a dependency that hangs (a broker or database not
        # answering) must not keep a stopping process alive past its termination grace.
        _, stuck = (
            await asyncio.wait(self._tasks, timeout=_STEP_SECONDS) if self._tasks else ((), ())
        )
        if stuck:
            log.warning("background jobs did not stop in time", extra={"jobs": len(stuck)})
        closers = [*self.app.close, *([self._close_keys] if self._close_keys else [])]
        for close in closers:
            try:
                await asyncio.wait_for(close(), _STEP_SECONDS)
            except Exception:
                log.exception("closing a resource failed", extra={"resource": repr(close)})
        await self.ops.stop()
        log.info("stopped")


async def serve_until_signalled(server: Server) -> None:
    """Start `server`, wait for SIGTERM or SIGINT, then stop it gracefully."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await server.start()
    await stop.wait()
    log.info("shutting down")
    await server.stop()
