"""The auth service running for real (PostgreSQL, NATS) next to a real users service, called
over mTLS; a clock the test controls; helpers to register, approve and sign people in.

The test clock starts at the real time: the service's own token verifier (kit.tokens) checks
`exp`/`nbf` against the wall clock, so tokens the service mints must be current. Tests move the
clock forward only for what is judged by the service's clock (throttle, expiry of refresh and
reset tokens, challenges, key publication).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import jwt
import pytest
from google.rpc import error_details_pb2
from ukm.auth.v1 import auth_service_pb2 as pb
from ukm.auth.v1 import auth_service_pb2_grpc as rpc
from ukm.users.v1 import user_pb2
from ukm.users.v1 import users_service_pb2 as users_pb
from ukm.users.v1 import users_service_pb2_grpc as users_rpc

from services.auth import totp
from services.auth.settings import AuthSettings
from services.kit.server import Server
from services.kit.status import details_of
from tests.support.clock import Clock
from tests.support.identity import as_, person
from tests.support.services import direct_channel, running_service, service_settings

PASSWORD = "a long and quiet river 42"
ADMIN = person("admin")  # a test-issuer admin: approves people and sets roles in users
ROLE = {
    "applicant": user_pb2.ROLE_APPLICANT,
    "executor": user_pb2.ROLE_EXECUTOR,
    "manager": user_pb2.ROLE_MANAGER,
    "inspector": user_pb2.ROLE_INSPECTOR,
    "admin": user_pb2.ROLE_ADMIN,
}


@dataclass
class AuthService:
    """Stubs of the running services and what a test needs to look behind them."""

    stub: rpc.AuthServiceStub
    bot: rpc.AuthServiceStub  # called with the Telegram bot's certificate
    users: users_rpc.UserServiceStub
    server: Server
    settings: AuthSettings
    clock: Clock
    database_url: str

    async def register(
        self, email: str, *, password: str = PASSWORD, name: str = "Dilnoza Karimova"
    ) -> str:
        """A new account (pending applicant); its user id."""
        response: pb.RegisterResponse = await self.stub.Register(
            pb.RegisterRequest(email=email, password=password, full_name=name)
        )
        return str(response.user_id)

    async def approve(self, user_id: str) -> None:
        """A manager approves the person in the users service."""
        await self.users.ApproveUser(
            users_pb.ApproveUserRequest(user_id=user_id), metadata=as_(ADMIN)
        )

    async def set_roles(self, user_id: str, *roles: str) -> None:
        """An admin gives the person exactly `roles`."""
        await self.users.SetRoles(
            users_pb.SetRolesRequest(user_id=user_id, roles=[ROLE[r] for r in roles]),
            metadata=as_(ADMIN),
        )

    async def block(self, user_id: str) -> None:
        """A manager blocks the person."""
        await self.users.BlockUser(
            users_pb.BlockUserRequest(user_id=user_id, reason="test block"), metadata=as_(ADMIN)
        )

    async def login(self, email: str, password: str = PASSWORD) -> pb.LoginResponse:
        """The answer to a Login."""
        response: pb.LoginResponse = await self.stub.Login(
            pb.LoginRequest(email=email, password=password)
        )
        return response

    async def tokens(self, email: str, password: str = PASSWORD) -> pb.TokenPair:
        """The tokens of a login that needs no second factor."""
        response = await self.login(email, password)
        assert response.HasField("tokens"), response
        return response.tokens

    async def enrolled_staff(self, email: str, *roles: str) -> tuple[str, str, list[str]]:
        """An approved staff member with TOTP enrolled: (user id, TOTP secret, backup codes)."""
        user_id = await self.register(email)
        await self.set_roles(user_id, *roles)
        await self.approve(user_id)
        challenge = (await self.login(email)).mfa_challenge
        assert challenge.enrollment_required
        enrolment = await self.stub.EnrollTotp(
            pb.EnrollTotpRequest(challenge_token=challenge.challenge_token)
        )
        confirmed = await self.stub.ConfirmTotp(
            pb.ConfirmTotpRequest(
                challenge_token=challenge.challenge_token,
                totp_code=totp.code_at(enrolment.secret, self.clock()),
            )
        )
        return user_id, enrolment.secret, list(confirmed.backup_codes)

    async def claims(self, access_token: str) -> dict[str, Any]:
        """The verified payload of an access token, checked against the published JWKS (times
        are the test clock's, so they are not checked against the wall clock here)."""
        jwks = await self.stub.GetJwks(pb.GetJwksRequest())
        kid = jwt.get_unverified_header(access_token)["kid"]
        (jwk,) = [k for k in jwks.keys if k.kid == kid]
        key = jwt.PyJWK(
            {"kty": jwk.kty, "crv": jwk.crv, "x": jwk.x, "kid": jwk.kid, "alg": jwk.alg}
        )
        payload: dict[str, Any] = jwt.decode(
            access_token,
            key,
            algorithms=["EdDSA"],
            audience=self.settings.jwt_audience,
            issuer=self.settings.jwt_issuer,
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
        return payload


def bearer(access_token: str) -> tuple[tuple[str, str], ...]:
    """Call metadata carrying a token the auth service issued."""
    return (("authorization", f"Bearer {access_token}"),)


def retry_after_of(error: grpc.aio.AioRpcError) -> float:
    """The `RetryInfo` delay of a refused call, in seconds (0 if none)."""
    for detail in details_of(error):
        if isinstance(detail, error_details_pb2.RetryInfo):
            return float(detail.retry_delay.ToTimedelta().total_seconds())
    return 0.0


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC))


@pytest.fixture
def auth_overrides() -> dict[str, object]:
    """Auth settings a test module wants changed (override the fixture)."""
    return {}


@pytest.fixture
async def service(
    database_url: str,
    nats_url: str,
    pki_dir: Path,
    clock: Clock,
    auth_overrides: dict[str, object],
) -> AsyncIterator[AuthService]:
    users_settings = service_settings(database_url, nats_url, pki_dir)
    async with running_service("users", users_settings, clock=clock) as users_server:
        base = service_settings(
            database_url,
            nats_url,
            pki_dir,
            # The auth service's calls into the mesh go straight to the users service.
            mesh_address=f"localhost:{users_server.grpc_port}",
        )
        settings = AuthSettings(**{**base.model_dump(), **auth_overrides})
        async with running_service("auth", settings, clock=clock) as server:
            channel = direct_channel(settings, server)
            bot_channel = direct_channel(settings, server, identity="bot")
            users_channel = direct_channel(users_settings, users_server)
            try:
                yield AuthService(
                    stub=rpc.AuthServiceStub(channel),
                    bot=rpc.AuthServiceStub(bot_channel),
                    users=users_rpc.UserServiceStub(users_channel),
                    server=server,
                    settings=settings,
                    clock=clock,
                    database_url=database_url,
                )
            finally:
                for open_channel in (channel, bot_channel, users_channel):
                    await open_channel.close()
