"""Identity through Envoy: tokens are required at the edge except on the public routes, forged
tokens never get through, and the real sign-in flows work as a client meets them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from ukm.auth.v1 import auth_service_pb2 as auth_pb
from ukm.auth.v1 import auth_service_pb2_grpc as auth_rpc
from ukm.requests.v1 import requests_service_pb2 as pb
from ukm.requests.v1 import requests_service_pb2_grpc as rpc

from services.auth.key_store import KeyStore
from tests.support.identity import TestIssuer, person
from tests.support.people import PASSWORD, SignedIn, log_in, make_person, sign_in
from tests.support.stack import Stack, mesh_behind_envoy


@pytest.fixture
async def stack(
    database_url: str, nats_url: str, pki_dir: Path, tmp_path: Path
) -> AsyncIterator[Stack]:
    async with mesh_behind_envoy(database_url, nats_url, pki_dir, tmp_path) as running:
        yield running


async def real_key_forger(stack: Stack, who: SignedIn) -> TestIssuer:
    """Signs with the auth service's own current key (a real signature, wrong claims)."""
    keys = stack.servers["auth"].app.token_keys
    assert isinstance(keys, KeyStore)
    current = await keys.signing_key()
    return TestIssuer.of_key(current.private_key, current.kid)


async def test_protected_routes_answer_401_without_a_token(stack: Stack) -> None:
    async with aiohttp.ClientSession(stack.rest) as http:
        for path in ("/v1/requests", "/v1/users:me", "/v1/yards", "/v1/auth/sessions"):
            async with http.get(path) as response:
                assert response.status == 401, path
                assert (await response.json())["code"] == 16
    async with grpc.aio.insecure_channel(stack.edge_address) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await rpc.RequestServiceStub(channel).ListRequests(pb.ListRequestsRequest())
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_public_routes_need_no_token(stack: Stack) -> None:
    async with aiohttp.ClientSession(stack.rest) as http:
        async with http.get("/.well-known/jwks.json") as response:
            assert response.status == 200
            jwks = await response.json()
        [key] = jwks["keys"]
        assert (key["kty"], key["crv"], key["alg"], key["use"]) == (
            "OKP",
            "Ed25519",
            "EdDSA",
            "sig",
        )
        register = {"email": "new@example.uz", "password": PASSWORD, "fullName": "Dilnoza K"}
        async with http.post("/v1/auth:register", json=register) as response:
            assert response.status == 200, await response.text()
        async with http.post(
            "/v1/auth:login", json={"email": "new@example.uz", "password": PASSWORD}
        ) as response:
            assert response.status == 200
            tokens = (await response.json())["tokens"]
        # A new resident is pending: signed in, but not yet allowed to file requests.
        headers = {"authorization": f"Bearer {tokens['accessToken']}"}
        async with http.get("/v1/users:me", headers=headers) as response:
            assert response.status == 200
            me = (await response.json())["user"]
        assert me["status"] == "ACCOUNT_STATUS_PENDING"
        async with http.get("/v1/requests", headers=headers) as response:
            assert response.status == 403
        async with http.post(
            "/v1/auth:refresh", json={"refreshToken": tokens["refreshToken"]}
        ) as response:
            assert response.status == 200
    async with grpc.aio.insecure_channel(stack.edge_address) as channel:
        health = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
    assert health.status == health_pb2.HealthCheckResponse.SERVING


async def test_forged_tokens_are_refused_at_envoy_and_at_the_service(stack: Stack) -> None:
    manager = await sign_in(stack, "manager")
    forger = await real_key_forger(stack, manager)
    who = person("admin", user_id=manager.user_id)
    forged = forger.forged(who)
    refused_by_envoy = {
        "alg none",
        "HS256 keyed with the public key",
        "unknown kid",
        "signed by another key under our kid",
        "expired",
        "not yet valid",
        "wrong audience",
        "wrong issuer",
        "tampered payload",
        "garbage",
    }
    assert refused_by_envoy < set(forged)
    async with aiohttp.ClientSession(stack.rest) as http:
        async with http.get("/v1/requests", headers=manager.headers) as response:
            assert response.status == 200  # the real token works
        for attack, token in forged.items():
            headers = {"authorization": f"Bearer {token}"}
            async with http.get("/v1/requests", headers=headers) as response:
                assert response.status == 401, attack
                message = (await response.json())["message"]
            # Envoy answers before any service sees the call; what Envoy does not check
            # (lifetime, token type) the service refuses.
            refused_where = "envoy" if "Jwt" in message else "service"
            assert refused_where == ("envoy" if attack in refused_by_envoy else "service"), (
                attack,
                message,
            )


async def test_services_refuse_forged_tokens_even_past_the_gateway(stack: Stack) -> None:
    """The mesh listener does not check tokens (services call each other without one); every
    service verifies them itself."""
    manager = await sign_in(stack, "manager")
    forger = await real_key_forger(stack, manager)
    from tests.support.services import channel_to

    for attack, token in forger.forged(person("admin", user_id=manager.user_id)).items():
        async with channel_to(stack.settings, stack.mesh_address, token=token) as channel:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await rpc.RequestServiceStub(channel).ListRequests(pb.ListRequestsRequest())
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED, attack


async def test_a_manager_signs_in_with_a_second_factor(stack: Stack) -> None:
    _, email, secret = await make_person(stack, "manager")
    async with grpc.aio.insecure_channel(stack.edge_address) as channel:
        answer = await auth_rpc.AuthServiceStub(channel).Login(
            auth_pb.LoginRequest(email=email, password=PASSWORD)
        )
    assert answer.WhichOneof("result") == "mfa_challenge"
    tokens = await log_in(stack, email, secret)
    async with aiohttp.ClientSession(stack.rest) as http:
        headers = {"authorization": f"Bearer {tokens.access_token}"}
        async with http.get("/v1/users", headers=headers) as response:
            assert response.status == 200
