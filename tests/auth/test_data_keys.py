"""A data-key rotation: old values keep working, housekeeping moves them onto the new key, and
then the old key can be dropped."""

from __future__ import annotations

from datetime import timedelta

from ukm.auth.v1 import auth_service_pb2 as pb
from ukm.auth.v1 import auth_service_pb2_grpc as rpc

from services.auth import housekeeping, totp
from services.auth.app import build_deps
from services.auth.settings import AuthSettings
from services.kit.crypto import add_data_key
from services.kit.db import create_engine
from tests.auth.conftest import PASSWORD, AuthService
from tests.support.db import rows
from tests.support.services import TEST_DATA_KEYS, direct_channel, running_service

EMAIL = "manager@example.uz"


async def sealed_versions(service: AuthService) -> set[str]:
    found = await rows(
        service.database_url,
        "SELECT email_sealed, totp_sealed FROM auth.accounts "
        "UNION ALL SELECT private_sealed, NULL FROM auth.signing_keys",
    )
    return {value.split(".", 1)[0] for row in found for value in row if value}


async def test_rotating_the_data_key(service: AuthService) -> None:
    _, secret, _ = await service.enrolled_staff(EMAIL, "manager")
    assert await sealed_versions(service) == {"v1"}
    both = add_data_key(TEST_DATA_KEYS)
    rotated = AuthSettings(**{**service.settings.model_dump(), "data_keys": both})
    engine = create_engine(rotated.database_url.get_secret_value())
    try:
        replica = build_deps(rotated, engine, service.clock)
        counts = await housekeeping.sweep(replica)
        await replica.users.close()
    finally:
        await engine.dispose()
    assert counts["resealed_accounts"] == 1 and counts["resealed_signing_keys"] >= 1
    assert await sealed_versions(service) == {"v2"}
    # Only the new key left: the account, its e-mail lookup and its TOTP still work.
    only_new = AuthSettings(**{**service.settings.model_dump(), "data_keys": both.split(",")[1]})
    async with running_service("auth", only_new, clock=service.clock) as server:
        channel = direct_channel(only_new, server)
        try:
            stub = rpc.AuthServiceStub(channel)
            answer = await stub.Login(pb.LoginRequest(email=EMAIL, password=PASSWORD))
            service.clock.advance(timedelta(seconds=30))
            await stub.VerifyMfa(
                pb.VerifyMfaRequest(
                    challenge_token=answer.mfa_challenge.challenge_token,
                    totp_code=totp.code_at(secret, service.clock()),
                )
            )
            assert len((await stub.GetJwks(pb.GetJwksRequest())).keys) >= 1
        finally:
            await channel.close()
