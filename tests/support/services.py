"""Running real services inside the test process (same code path as `ukm serve`)."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import grpc

from mesh.topology import load_topology
from services.kit.channels import ClientPipeline, mesh_channel
from services.kit.crypto import generate_data_key
from services.kit.db import migrate_async
from services.kit.server import Server
from services.kit.settings import Settings
from services.kit.tls import channel_credentials
from tests.support.identity import BearerToken, test_issuer

# One data key per session: encrypted columns must survive a service restart within a test.
TEST_DATA_KEYS = generate_data_key(1)


def service_settings(
    database_url: str, nats_url: str, pki_dir: Path, **overrides: object
) -> Settings:
    """Settings for an in-process service on free ports."""
    values: dict[str, object] = {
        "database_url": database_url,
        "nats_url": nats_url,
        "pki_dir": pki_dir,
        "grpc_port": 0,
        "ops_port": 0,
        "drain_seconds": 0.0,
        "shutdown_grace_seconds": 1.0,
        # People are vouched for by the session's test issuer (tests/support/identity.py).
        "jwks_file": test_issuer().jwks_path,
        "data_keys": TEST_DATA_KEYS,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@asynccontextmanager
async def running_service(
    name: str, settings: Settings, **build_options: Any
) -> AsyncIterator[Server]:
    """A service of the topology (`services.<name>.app.build`), migrated and started; stopped
    afterwards. `build_options` go to its `build` (a clock, a fake-free test knob…)."""
    service = load_topology().service(name)
    app_module = importlib.import_module(f"services.{name}.app")
    await migrate_async(
        settings.database_url.get_secret_value(), service.migrations_dir, service.schema or name
    )
    server = Server(
        await app_module.build(settings, **build_options),
        settings,
        grpc_port=settings.grpc_port or 0,
        ops_port=settings.ops_port or 0,
    )
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@asynccontextmanager
async def running_requests(
    settings: Settings, *, clock: Callable[[], datetime] | None = None
) -> AsyncIterator[Server]:
    """The requests service, migrated and started; stopped afterwards."""
    options = {"clock": clock} if clock is not None else {}
    async with running_service("requests", settings, **options) as server:
        yield server


def direct_channel(
    settings: Settings, server: Server, identity: str = "operator", *, token: str | None = None
) -> grpc.aio.Channel:
    """An mTLS channel straight to a service's own port (not through Envoy), presenting
    `identity`'s certificate and, with `token`, acting for the person it names."""
    return channel_to(settings, f"localhost:{server.grpc_port}", identity, token=token)


def channel_to(
    settings: Settings, target: str, identity: str = "operator", *, token: str | None = None
) -> grpc.aio.Channel:
    """An mTLS channel to `target` with the kit's client pipeline, presenting `identity`'s
    certificate and, with `token`, an access token on every call."""
    if token is None:
        return mesh_channel(settings, identity, target=target)
    return grpc.aio.secure_channel(
        target,
        channel_credentials(settings, identity),
        interceptors=[ClientPipeline(5.0), BearerToken(token)],
    )
