"""The bench's baseline for what identity costs: a requests service that trusts one manager.

    python -m tests.perf.preverified     (the environment of `ukm serve requests`, plus
                                          BENCH_MANAGER_ID: the manager every call acts as)

It is the real requests service (`services.requests.app.build`, the same server and pipeline)
with two parts of the kit pipeline replaced: the authenticator answers with a fixed, already
verified manager for every call (no token is read or verified), and the permission matrix
allows everything. Behind an Envoy without `jwt_authn` (tests/perf/open_edge.py) it serves the
same `GetRequest` as the production path, minus every token check and the RBAC decision, so
the ratio of the two throughputs is what identity costs. It exists only here: production code
has no switch that turns identity off.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Mapping
from dataclasses import replace

import grpc
import uvloop

from services.kit.auth import Authentication
from services.kit.context import Caller
from services.kit.errors import Unauthenticated
from services.kit.logs import configure_logging
from services.kit.rbac import AccessPolicy
from services.kit.server import Server, ServiceApp, serve_until_signalled
from services.kit.settings import Settings
from services.kit.telemetry import configure_tracing
from services.requests.app import SERVICE, build

MANAGER_ENV = "BENCH_MANAGER_ID"


class PreverifiedAuthenticator:
    """Says every call comes from one manager, whose token was checked elsewhere (never)."""

    def __init__(self, authentication: Authentication) -> None:
        self.authentication = authentication

    async def authenticate(
        self, metadata: Mapping[str, str], context: grpc.aio.ServicerContext
    ) -> Authentication:
        """The fixed identity, whatever the call carries."""
        return self.authentication


class AllowEverything(AccessPolicy):
    """A permission matrix that refuses nothing (and costs nothing to consult)."""

    def __init__(self) -> None:
        super().__init__({})

    def check(self, method: str, caller: Caller, token_error: Unauthenticated | None) -> None:
        """Every caller may call every method."""
        return None


def manager(user_id: str) -> Authentication:
    """An approved manager who signed in with a password and a TOTP code, as the bench's real
    manager does; outside clients reach the service through the edge, so no workload."""
    caller = Caller(
        user_id=user_id,
        roles=frozenset({"manager"}),
        active_role="manager",
        status="approved",
        session_id="bench-preverified",
        amr=("pwd", "otp"),
    )
    return Authentication(caller, client_ip="127.0.0.1")


def preverified(app: ServiceApp, user_id: str) -> ServiceApp:
    """`app` with identity replaced by a fixed manager and an allow-everything matrix.

    Its outbox relay is left out: this process only answers reads in the bench, and a second
    relay would compete with the real service's for the events of the create runs (skewing
    the CPU figures and the lag measurement).
    """
    return replace(
        app,
        authenticator=PreverifiedAuthenticator(manager(user_id)),
        access=AllowEverything(),
        background=(),
    )


def main() -> None:
    """Run until SIGTERM/SIGINT, like `services.kit.runner.run_service` runs a service."""
    settings = Settings()
    user_id = os.environ.get(MANAGER_ENV, "")
    if not user_id or settings.grpc_port is None or settings.ops_port is None:
        raise SystemExit(f"set {MANAGER_ENV}, UKM_GRPC_PORT and UKM_OPS_PORT")
    configure_logging(SERVICE, settings.log_level)
    configure_tracing(SERVICE)

    async def serve() -> None:
        app = preverified(await build(settings), user_id)
        server = Server(
            app, settings, grpc_port=settings.grpc_port or 0, ops_port=settings.ops_port or 0
        )
        await serve_until_signalled(server)

    uvloop.run(serve())
    # As in the kit's runner: free the stopped secure server now, so the process exits promptly.
    gc.collect()


if __name__ == "__main__":
    main()
