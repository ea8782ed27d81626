"""Forged and bent access tokens are refused by the auth service's own verification (the
service trusts exactly the keys it publishes)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import grpc
import jwt
import pytest
from ukm.auth.v1 import auth_service_pb2 as pb

from services.auth.signing import SigningKey
from services.kit.crypto import Keyring, bind
from tests.auth.conftest import AuthService, bearer
from tests.support.db import rows
from tests.support.rpc import code_of
from tests.support.services import TEST_DATA_KEYS

EMAIL = "resident@example.uz"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def current_key(service: AuthService) -> SigningKey:
    """The service's signing key, read from its table (as an attacker who stole it would)."""
    ((kid, sealed),) = await rows(
        service.database_url,
        "SELECT kid, private_sealed FROM auth.signing_keys WHERE retired_at IS NULL",
    )
    raw = Keyring.parse(TEST_DATA_KEYS).decrypt(
        sealed, associated_data=bind("auth", "signing_keys", kid)
    )
    return SigningKey.from_raw(raw, created_at=service.clock())


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, signature = token.split(".")
    return json.loads(unb64(header)), json.loads(unb64(payload)), signature


def compact(header: dict[str, Any], payload: dict[str, Any], sign: Callable[[bytes], bytes]) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode()))}"


async def refused(service: AuthService, token: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.ListSessions(pb.ListSessionsRequest(), metadata=bearer(token))
    assert code_of(error.value) == grpc.StatusCode.UNAUTHENTICATED


@pytest.fixture
async def genuine(service: AuthService) -> str:
    await service.register(EMAIL)
    token = (await service.tokens(EMAIL)).access_token
    await service.stub.ListSessions(pb.ListSessionsRequest(), metadata=bearer(token))  # it works
    return str(token)


async def test_alg_none(service: AuthService, genuine: str) -> None:
    header, payload, _ = parts(genuine)
    await refused(service, compact({**header, "alg": "none"}, payload, lambda _: b""))


async def test_hs256_keyed_with_the_public_key(service: AuthService, genuine: str) -> None:
    header, payload, _ = parts(genuine)
    jwks = await service.stub.GetJwks(pb.GetJwksRequest())
    public = unb64(jwks.keys[0].x)
    forged = compact(
        {**header, "alg": "HS256"},
        payload,
        lambda data: hmac.new(public, data, hashlib.sha256).digest(),
    )
    await refused(service, forged)


async def test_an_unknown_kid(service: AuthService, genuine: str) -> None:
    header, payload, _ = parts(genuine)
    stranger = SigningKey.generate(service.clock())
    forged = jwt.encode(
        payload,
        stranger.private_key,
        algorithm="EdDSA",
        headers={"typ": "at+jwt", "kid": stranger.kid},
    )
    await refused(service, forged)
    # Even under the genuine kid, a stranger's signature does not verify.
    forged = jwt.encode(
        payload,
        stranger.private_key,
        algorithm="EdDSA",
        headers={"typ": "at+jwt", "kid": header["kid"]},
    )
    await refused(service, forged)


async def test_a_tampered_payload(service: AuthService, genuine: str) -> None:
    _, payload, signature = parts(genuine)
    payload["roles"] = ["admin"]
    payload["role"] = "admin"
    tampered = f"{genuine.split('.')[0]}.{b64(json.dumps(payload).encode())}.{signature}"
    await refused(service, tampered)


async def test_an_expired_token(service: AuthService) -> None:
    await service.register(EMAIL)
    service.clock.advance(timedelta(minutes=-20))  # minted 20 minutes ago: expired by now
    await refused(service, (await service.tokens(EMAIL)).access_token)


@pytest.mark.parametrize(("claim", "value"), [("aud", "another-audience"), ("iss", "https://evil")])
async def test_wrong_audience_or_issuer(
    service: AuthService, genuine: str, claim: str, value: str
) -> None:
    key = await current_key(service)
    _, payload, _ = parts(genuine)
    forged = jwt.encode(
        {**payload, claim: value},
        key.private_key,
        algorithm="EdDSA",
        headers={"typ": "at+jwt", "kid": key.kid},
    )
    await refused(service, forged)


async def test_a_lifetime_beyond_fifteen_minutes(service: AuthService, genuine: str) -> None:
    key = await current_key(service)
    _, payload, _ = parts(genuine)
    forged = jwt.encode(
        {**payload, "exp": payload["iat"] + 3600},
        key.private_key,
        algorithm="EdDSA",
        headers={"typ": "at+jwt", "kid": key.kid},
    )
    await refused(service, forged)
