"""Signing in through an OpenID Connect provider (code + PKCE) end to end: the auth service's
real OIDC client against a local provider that speaks the protocol."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import grpc
import httpx
import pytest
from ukm.auth.v1 import auth_service_pb2 as pb

from tests.auth.conftest import AuthService, bearer, code_of, reason_of
from tests.support.oidc_provider import LocalOidcProvider, OidcTestUser, running_oidc_provider

CALLBACK = "https://ukm.local/auth/oidc/callback"
SECRET = "provider-issued-client-secret"


@pytest.fixture
async def provider() -> AsyncIterator[LocalOidcProvider]:
    async with running_oidc_provider(client_secret=SECRET, redirect_uris=(CALLBACK,)) as running:
        yield running


@pytest.fixture
def auth_overrides(provider: LocalOidcProvider) -> dict[str, object]:
    return {
        "oidc_issuer": provider.issuer,
        "oidc_client_id": provider.client_id,
        "oidc_client_secret": SECRET,
        "oidc_redirect_uris": [CALLBACK],
    }


async def browse(service: AuthService) -> tuple[str, str]:
    """Start a login and follow the browser to the provider and back: (code, state)."""
    started = await service.stub.StartOidcLogin(pb.StartOidcLoginRequest(redirect_uri=CALLBACK))
    async with httpx.AsyncClient() as browser:
        answer = await browser.get(started.authorization_url, follow_redirects=False)
    assert answer.status_code == 302
    location = answer.headers["location"]
    assert location.startswith(CALLBACK)
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert query["state"] == started.state
    return query["code"], query["state"]


async def finish(service: AuthService, code: str, state: str) -> pb.FinishOidcLoginResponse:
    response: pb.FinishOidcLoginResponse = await service.stub.FinishOidcLogin(
        pb.FinishOidcLoginRequest(code=code, state=state)
    )
    return response


async def test_a_first_login_creates_a_pending_applicant(
    service: AuthService, provider: LocalOidcProvider
) -> None:
    first = await finish(service, *await browse(service))
    assert first.created
    claims = await service.claims(first.tokens.access_token)
    assert (claims["roles"], claims["status"], claims["amr"]) == (
        ["applicant"],
        "pending",
        ["oidc"],
    )
    sessions = await service.stub.ListSessions(
        pb.ListSessionsRequest(), metadata=bearer(first.tokens.access_token)
    )
    assert [s.method for s in sessions.sessions] == ["oidc"]
    again = await finish(service, *await browse(service))
    assert not again.created
    assert (await service.claims(again.tokens.access_token))["sub"] == claims["sub"]
    # PKCE: the provider saw an S256 challenge, then the verifier with the code.
    (authorize, *_) = provider.requests_to("/authorize")
    assert authorize.query["code_challenge_method"] == "S256"
    (token, *_) = provider.requests_to("/token")
    assert len(token.form["code_verifier"]) >= 43


async def test_a_verified_email_links_to_the_password_account(service: AuthService) -> None:
    user_id = await service.register(OidcTestUser().email)
    response = await finish(service, *await browse(service))
    assert not response.created
    assert (await service.claims(response.tokens.access_token))["sub"] == user_id


async def test_an_unverified_email_does_not_link(
    service: AuthService, provider: LocalOidcProvider
) -> None:
    user_id = await service.register(OidcTestUser().email)
    provider.user = OidcTestUser(subject="other-subject", email_verified=False)
    response = await finish(service, *await browse(service))
    assert response.created
    assert (await service.claims(response.tokens.access_token))["sub"] != user_id


async def test_a_state_completes_one_login_only(service: AuthService) -> None:
    code, state = await browse(service)
    await finish(service, code, state)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await finish(service, code, state)
    assert reason_of(error.value) == "OIDC_STATE_INVALID"


async def test_a_state_expires(service: AuthService) -> None:
    code, state = await browse(service)
    service.clock.advance(timedelta(minutes=10))
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await finish(service, code, state)
    assert reason_of(error.value) == "OIDC_STATE_INVALID"


async def test_only_registered_callbacks(service: AuthService) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.StartOidcLogin(
            pb.StartOidcLoginRequest(redirect_uri="https://evil.example/callback")
        )
    assert code_of(error.value) == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_lying_provider_is_refused(
    service: AuthService, provider: LocalOidcProvider
) -> None:
    code, state = await browse(service)
    provider.misbehave.id_token_nonce = "not-the-nonce-of-this-login"
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await finish(service, code, state)
    assert code_of(error.value) == grpc.StatusCode.UNAUTHENTICATED
    assert reason_of(error.value) == "OIDC_NONCE_MISMATCH"


async def test_staff_are_sent_to_the_password_and_code_login(service: AuthService) -> None:
    user_id = await service.register(OidcTestUser().email)
    await service.set_roles(user_id, "manager")
    await service.approve(user_id)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await finish(service, *await browse(service))
    assert reason_of(error.value) == "MFA_REQUIRED"
