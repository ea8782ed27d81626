"""Signing keys: the JWKS, rotation by an admin, and the old key published until its tokens
have expired (then refused)."""

from __future__ import annotations

from datetime import timedelta

import grpc
import jwt
import pytest
from ukm.auth.v1 import auth_service_pb2 as pb

from services.auth import housekeeping
from services.auth.app import build_deps
from services.kit.db import create_engine
from tests.auth.conftest import ADMIN, AuthService, bearer
from tests.support.db import scalar
from tests.support.identity import as_, person
from tests.support.rpc import code_of

EMAIL = "resident@example.uz"


async def kids(service: AuthService) -> list[str]:
    return [k.kid for k in (await service.stub.GetJwks(pb.GetJwksRequest())).keys]


async def test_the_jwks_lists_ed25519_signing_keys(service: AuthService) -> None:
    (key,) = (await service.stub.GetJwks(pb.GetJwksRequest())).keys
    assert (key.kty, key.crv, key.alg, key.use) == ("OKP", "Ed25519", "EdDSA", "sig")
    assert len(key.kid) == 43 and len(key.x) == 43


async def test_private_keys_are_stored_sealed(service: AuthService) -> None:
    await kids(service)  # a fresh install makes its first key by now
    sealed = await scalar(service.database_url, "SELECT private_sealed FROM auth.signing_keys")
    assert sealed.startswith("v1.")


async def test_rotation_keeps_the_old_key_until_its_tokens_expire(service: AuthService) -> None:
    await service.register(EMAIL)
    (old,) = await kids(service)
    before = await service.tokens(EMAIL)
    rotated = await service.stub.RotateSigningKey(pb.RotateSigningKeyRequest(), metadata=as_(ADMIN))
    assert rotated.kid != old
    assert await kids(service) == [rotated.kid, old]
    # Published at once, signing only once every verifier's cached JWKS can know it.
    meanwhile = await service.tokens(EMAIL)
    assert jwt.get_unverified_header(meanwhile.access_token)["kid"] == old
    service.clock.advance(timedelta(seconds=service.settings.signing_key_publish_ahead_seconds))
    after = await service.tokens(EMAIL)
    assert jwt.get_unverified_header(after.access_token)["kid"] == rotated.kid
    # Tokens of the old key keep working while they live.
    await service.stub.ListSessions(pb.ListSessionsRequest(), metadata=bearer(before.access_token))
    # The old key is published for the token lifetime plus one key-refresh interval after it
    # stopped signing.
    published_for = timedelta(seconds=900 + service.settings.key_refresh_seconds)
    service.clock.advance(published_for - timedelta(seconds=1))
    assert await kids(service) == [rotated.kid, old]
    service.clock.advance(timedelta(seconds=1))
    assert await kids(service) == [rotated.kid]


async def test_a_token_of_a_dropped_key_is_refused(service: AuthService) -> None:
    await service.register(EMAIL)
    before = await service.tokens(EMAIL)
    await service.stub.RotateSigningKey(pb.RotateSigningKeyRequest(), metadata=as_(ADMIN))
    service.clock.advance(
        timedelta(
            seconds=service.settings.signing_key_publish_ahead_seconds
            + 900
            + service.settings.key_refresh_seconds
        )
    )
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.ListSessions(
            pb.ListSessionsRequest(), metadata=bearer(before.access_token)
        )
    assert code_of(error.value) == grpc.StatusCode.UNAUTHENTICATED


async def test_only_admins_rotate(service: AuthService) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.RotateSigningKey(
            pb.RotateSigningKeyRequest(), metadata=as_(person("manager"))
        )
    assert code_of(error.value) == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.RotateSigningKey(pb.RotateSigningKeyRequest())
    assert code_of(error.value) == grpc.StatusCode.UNAUTHENTICATED


async def test_an_old_key_is_rotated_and_later_purged_by_housekeeping(
    service: AuthService,
) -> None:
    (old,) = await kids(service)
    # Housekeeping as another replica of the service would run it.
    engine = create_engine(service.settings.database_url.get_secret_value())
    try:
        replica = build_deps(service.settings, engine, service.clock)
        service.clock.advance(timedelta(days=30))
        await housekeeping.sweep(replica)
        document = await replica.keys.jwks()
        new, kept = (key["kid"] for key in document["keys"])
        assert kept == old and new != old
        # The successor takes over after its publication lead; an hour later the old key's
        # tokens are all expired.
        ahead = service.settings.signing_key_publish_ahead_seconds
        service.clock.advance(timedelta(hours=1, seconds=ahead))
        removed = await housekeeping.sweep(replica)
        assert removed["signing_keys"] == 1
        assert [key["kid"] for key in (await replica.keys.jwks())["keys"]] == [new]
        await replica.users.close()
    finally:
        await engine.dispose()
