"""The entry point of every service process: `ukm serve <name>` / `python -m services.<name>`."""

from __future__ import annotations

import gc
import importlib
from collections.abc import Awaitable, Callable

import uvloop

from services.kit.logs import configure_logging
from services.kit.server import Server, ServiceApp, serve_until_signalled
from services.kit.settings import Settings
from services.kit.telemetry import configure_tracing

AppFactory = Callable[[Settings], Awaitable[ServiceApp]]


def load_app_factory(service: str) -> AppFactory:
    """`services.<service>.app.build`, the one wiring function of a service."""
    module = importlib.import_module(f"services.{service}.app")
    factory: AppFactory = module.build
    return factory


def run_service(service: str, settings: Settings | None = None) -> None:
    """Run one service until SIGTERM/SIGINT, on uvloop, with JSON logs and tracing."""
    settings = settings or Settings()
    if settings.grpc_port is None or settings.ops_port is None:
        raise SystemExit(
            f"{service}: set UKM_GRPC_PORT and UKM_OPS_PORT (or use `ukm serve {service}`, "
            "which takes them from the topology)"
        )
    configure_logging(service, settings.log_level)
    configure_tracing(service)
    factory = load_app_factory(service)

    async def main() -> None:
        app = await factory(settings)
        server = Server(
            app, settings, grpc_port=settings.grpc_port or 0, ops_port=settings.ops_port or 0
        )
        await serve_until_signalled(server)

    uvloop.run(main())
    # The stopped server sits in reference cycles; freeing a secure grpc.aio server at
    # interpreter exit takes seconds, so collect it now and exit promptly after SIGTERM.
    gc.collect()


__all__ = ["AppFactory", "load_app_factory", "run_service"]
