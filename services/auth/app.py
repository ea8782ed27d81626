"""Wiring of the auth service: settings → engine, stores, flows, servicer, background jobs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from ukm.auth.v1 import auth_service_pb2, auth_service_pb2_grpc

from services.auth import housekeeping, models
from services.auth.account_store import AccountStore
from services.auth.api import AuthApi
from services.auth.deps import AuthDeps
from services.auth.issuing import Minter
from services.auth.key_store import AlsoTrusted, KeyStore
from services.auth.lockout import AccountGate, Lockout
from services.auth.oidc_login import OidcLoginFlow, oidc_clients
from services.auth.oidc_store import OidcStore
from services.auth.passwords import Argon2Params, PasswordHasher, default_policy
from services.auth.refresh_tokens import RefreshPolicy
from services.auth.session_store import SessionStore
from services.auth.settings import AuthSettings
from services.auth.signing import TokenIssuer
from services.auth.throttle import ThrottlePolicy
from services.auth.users_client import UsersClient
from services.kit.crypto import Keyring
from services.kit.db import create_engine, session_factory
from services.kit.metrics import ServerMetrics
from services.kit.nats import connect_nats
from services.kit.relay import OutboxRelay, RelayMetrics
from services.kit.server import ServiceApp
from services.kit.settings import Settings
from services.kit.tokens import JwksFile, KeySource

SERVICE = "auth"
SERVICE_NAME = auth_service_pb2.DESCRIPTOR.services_by_name["AuthService"].full_name


def utc_now() -> datetime:
    """The wall clock, timezone-aware."""
    return datetime.now(UTC)


def build_deps(
    settings: AuthSettings, engine: AsyncEngine, clock: Callable[[], datetime]
) -> AuthDeps:
    """The stores, rules and clients the flows share."""
    keyring = Keyring.from_settings(settings)
    keys = KeyStore(
        engine,
        keyring,
        clock=clock,
        access_ttl=settings.access_ttl,
        refresh=timedelta(seconds=settings.key_refresh_seconds),
        max_age=timedelta(days=settings.signing_key_max_age_days),
        publish_ahead=timedelta(seconds=settings.signing_key_publish_ahead_seconds),
    )
    session_store = SessionStore(
        RefreshPolicy(
            idle_ttl=timedelta(days=settings.refresh_idle_ttl_days),
            absolute_ttl=timedelta(days=settings.session_max_days),
        )
    )
    issuer = TokenIssuer(settings.jwt_issuer, settings.jwt_audience, settings.access_ttl)
    throttle = ThrottlePolicy(
        window=timedelta(seconds=settings.login_window_seconds),
        account_free_failures=settings.login_free_failures,
        max_delay=timedelta(seconds=settings.login_max_delay_seconds),
        ip_failures=settings.login_ip_failures,
    )
    hasher = PasswordHasher(
        Argon2Params(
            time_cost=settings.argon2_time_cost,
            memory_cost_kib=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        )
    )
    return AuthDeps(
        settings=settings,
        clock=clock,
        sessions=session_factory(engine),
        reader=engine.execution_options(isolation_level="AUTOCOMMIT"),
        accounts=AccountStore(keyring),
        session_store=session_store,
        keys=keys,
        minter=Minter(keys, issuer, session_store),
        users=UsersClient.over_mesh(settings),
        lockout=Lockout(throttle),
        gate=AccountGate(),
        hasher=hasher,
        policy=default_policy(),
    )


async def build(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> ServiceApp:
    """Everything the auth service runs, ready for `kit.server.Server`."""
    auth_settings = AuthSettings.of(settings)
    engine = create_engine(
        settings.database_url.get_secret_value(),
        pool_size=settings.db_pool_size,
        application_name=f"ukm-{SERVICE}",
    )
    deps = build_deps(auth_settings, engine, clock)
    http = httpx.AsyncClient(timeout=10.0)
    oidc = OidcLoginFlow(
        deps, oidc_clients(auth_settings, http), OidcStore(Keyring.from_settings(settings))
    )
    api = AuthApi(deps, oidc)
    metrics = ServerMetrics()
    relay_metrics = RelayMetrics(metrics.registry)

    async def relay_events() -> None:
        # Connected here, not in build: the service must serve (and fill its outbox) even
        # while the broker is down; the relay catches up when it is back.
        nc = await connect_nats(settings.nats_url, f"ukm-{SERVICE}-outbox")
        try:
            relay = OutboxRelay.from_settings(settings, models.outbox, nc, metrics=relay_metrics)
            try:
                await relay.run()
            finally:
                await relay.close()
        finally:
            await nc.close()

    async def upkeep() -> None:
        await housekeeping.run(deps)

    async def database_answers() -> None:
        async with engine.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))

    token_keys: KeySource = deps.keys
    if settings.jwks_file is not None:
        token_keys = AlsoTrusted(deps.keys, JwksFile(settings.jwks_file))

    return ServiceApp(
        name=SERVICE,
        service_names=[SERVICE_NAME],
        register=[partial(auth_service_pb2_grpc.add_AuthServiceServicer_to_server, api)],
        background=[relay_events, upkeep],
        readiness=[("database", database_answers)],
        close=[deps.users.close, http.aclose, engine.dispose],
        token_keys=token_keys,
        metrics=metrics,
    )
