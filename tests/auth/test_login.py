"""Register and Login: the password path, the claims contract, refusals that reveal nothing."""

from __future__ import annotations

import time

import argon2
import grpc
import jwt
import pytest
from ukm.auth.v1 import auth_service_pb2 as pb

from tests.auth.conftest import PASSWORD, AuthService
from tests.support.db import execute, scalar
from tests.support.rpc import code_of, reason_of


async def test_register_then_login_gives_a_token_pair_for_a_pending_applicant(
    service: AuthService,
) -> None:
    user_id = await service.register("Dilnoza.K@Example.uz")
    tokens = await service.tokens("dilnoza.k@example.uz")  # any case of the address
    assert tokens.token_type == "Bearer"
    assert tokens.refresh_token and tokens.session_id
    claims = await service.claims(tokens.access_token)
    assert claims["sub"] == user_id
    assert claims["sid"] == tokens.session_id
    assert claims["roles"] == ["applicant"] and claims["role"] == "applicant"
    assert claims["status"] == "pending"
    assert claims["amr"] == ["pwd"]
    assert claims["exp"] - claims["iat"] == 900
    assert claims["iss"] == service.settings.jwt_issuer
    assert claims["aud"] == service.settings.jwt_audience
    assert tokens.access_expires_at.seconds == claims["exp"]


async def test_the_token_reflects_approval_and_roles_at_issue_time(service: AuthService) -> None:
    user_id = await service.register("executor@example.uz")
    await service.set_roles(user_id, "executor", "applicant")
    await service.approve(user_id)
    claims = await service.claims((await service.tokens("executor@example.uz")).access_token)
    assert claims["status"] == "approved"
    assert set(claims["roles"]) == {"executor", "applicant"}


async def test_the_header_names_the_published_key(service: AuthService) -> None:
    await service.register("header@example.uz")
    token = (await service.tokens("header@example.uz")).access_token
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA" and header["typ"] == "at+jwt"
    jwks = await service.stub.GetJwks(pb.GetJwksRequest())
    assert header["kid"] in [k.kid for k in jwks.keys]


async def test_wrong_password_and_unknown_email_get_the_same_answer(service: AuthService) -> None:
    await service.register("known@example.uz")
    answers = []
    for email, password in (
        ("known@example.uz", "not the password"),
        ("nobody@example.uz", PASSWORD),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await service.login(email, password)
        answers.append((code_of(refused.value), reason_of(refused.value), refused.value.details()))
    assert answers[0] == answers[1]
    assert answers[0][:2] == (grpc.StatusCode.UNAUTHENTICATED, "BAD_CREDENTIALS")


async def test_an_unknown_email_costs_as_much_time_as_a_wrong_password(
    service: AuthService,
) -> None:
    await service.register("timing@example.uz")

    async def duration(email: str) -> float:
        started = time.perf_counter()
        with pytest.raises(grpc.aio.AioRpcError):
            await service.login(email, "wrong wrong wrong")
        return time.perf_counter() - started

    known = min([await duration("timing@example.uz") for _ in range(3)])
    unknown = min([await duration("nobody@example.uz") for _ in range(3)])
    # Both pay one Argon2id verification; the bound is loose for a shared machine.
    assert unknown > known / 3


@pytest.mark.parametrize(
    ("password", "field_fragment"),
    [("password1234", "common"), ("olga.ivanova 2025", "e-mail")],
)
async def test_weak_passwords_are_refused_at_registration(
    service: AuthService, password: str, field_fragment: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await service.stub.Register(
            pb.RegisterRequest(email="olga.ivanova@example.uz", password=password, full_name="Olga")
        )
    assert code_of(refused.value) == grpc.StatusCode.INVALID_ARGUMENT
    assert field_fragment in refused.value.details()


async def test_a_short_password_is_refused_by_the_contract(service: AuthService) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await service.register("short@example.uz", password="short")
    assert code_of(refused.value) == grpc.StatusCode.INVALID_ARGUMENT


async def test_an_email_registers_once(service: AuthService) -> None:
    await service.register("twice@example.uz")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await service.register("TWICE@example.uz")
    assert code_of(refused.value) == grpc.StatusCode.ALREADY_EXISTS


async def test_blocked_people_get_no_tokens(service: AuthService) -> None:
    user_id = await service.register("blocked@example.uz")
    await service.block(user_id)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await service.login("blocked@example.uz")
    assert code_of(refused.value) == grpc.StatusCode.PERMISSION_DENIED
    assert reason_of(refused.value) == "ACCOUNT_BLOCKED"


async def test_the_stored_secrets_are_a_hash_and_sealed_email(service: AuthService) -> None:
    user_id = await service.register("stored@example.uz")
    row = await scalar(
        service.database_url,
        "SELECT password_hash || ' ' || email_sealed FROM auth.accounts "
        f"WHERE user_id = '{user_id}'",
    )
    assert row.startswith("$argon2id$")
    assert PASSWORD not in row and "stored@example.uz" not in row


async def test_a_weaker_hash_is_upgraded_at_the_next_login(service: AuthService) -> None:
    user_id = await service.register("legacy@example.uz")
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    await execute(
        service.database_url,
        "UPDATE auth.accounts SET password_hash = :weak WHERE user_id = :user_id",
        weak=weak,
        user_id=user_id,
    )
    stored = f"SELECT password_hash FROM auth.accounts WHERE user_id = '{user_id}'"
    assert await scalar(service.database_url, stored) == weak
    await service.tokens("legacy@example.uz")
    upgraded = await scalar(service.database_url, stored)
    assert upgraded != weak
    assert argon2.extract_parameters(upgraded).memory_cost >= 19456


async def test_provider_login_is_off_unless_configured(service: AuthService) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await service.stub.StartOidcLogin(
            pb.StartOidcLoginRequest(redirect_uri="https://ukm.local/auth/oidc/callback")
        )
    assert reason_of(refused.value) == "OIDC_DISABLED"
