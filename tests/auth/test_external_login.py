"""Signing in through an OpenID Connect provider (code + PKCE) end to end: the auth service's
real OIDC client against a local provider that speaks the protocol, and the second factor that
follows it for staff and anyone with TOTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import grpc
import httpx
import pytest
from ukm.auth.v1 import auth_service_pb2 as pb

from services.auth import totp
from tests.auth.conftest import AuthService, bearer
from tests.support.db import rows
from tests.support.oidc_provider import LocalOidcProvider, OidcTestUser, running_oidc_provider
from tests.support.rpc import code_of, reason_of

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


# --- a second factor after the provider ----------------------------------------------------


async def verify(service: AuthService, challenge: pb.MfaChallenge, code: str) -> pb.TokenPair:
    response: pb.VerifyMfaResponse = await service.stub.VerifyMfa(
        pb.VerifyMfaRequest(challenge_token=challenge.challenge_token, totp_code=code)
    )
    return response.tokens


def next_code(service: AuthService, secret: str) -> str:
    """The authenticator's next code: enrolment spent the current one, and moving the clock
    would make the service's tokens look not yet valid to its own token check."""
    return totp.code_at(secret, service.clock() + timedelta(seconds=30))


async def signed_in_with(service: AuthService, tokens: pb.TokenPair) -> tuple[list[str], str]:
    """The `amr` of the tokens and the method of their session."""
    claims = await service.claims(tokens.access_token)
    sessions = await service.stub.ListSessions(
        pb.ListSessionsRequest(), metadata=bearer(tokens.access_token)
    )
    (method,) = [s.method for s in sessions.sessions if s.session_id == tokens.session_id]
    return claims["amr"], method


async def test_enrolled_staff_answer_the_challenge_with_their_code(service: AuthService) -> None:
    user_id, secret, _ = await service.enrolled_staff(OidcTestUser().email, "manager")
    response = await finish(service, *await browse(service))
    assert not response.HasField("tokens") and not response.created
    assert not response.mfa_challenge.enrollment_required
    tokens = await verify(service, response.mfa_challenge, next_code(service, secret))
    assert (await service.claims(tokens.access_token))["sub"] == user_id
    assert await signed_in_with(service, tokens) == (["oidc", "otp"], "oidc")
    events = await rows(
        service.database_url,
        f"SELECT detail FROM auth.auth_events WHERE user_id = '{user_id}' "
        "AND kind = 'oidc_login' ORDER BY seq",
    )
    assert events == [("second factor required",)]


async def test_staff_without_totp_enrol_to_finish_the_login(service: AuthService) -> None:
    user_id = await service.register(OidcTestUser().email)
    await service.set_roles(user_id, "admin")
    await service.approve(user_id)
    challenge = (await finish(service, *await browse(service))).mfa_challenge
    assert challenge.enrollment_required
    # An enrolment challenge is no second factor: VerifyMfa does not take it.
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await verify(service, challenge, "123456")
    assert reason_of(error.value) == "CHALLENGE_INVALID"
    token = challenge.challenge_token
    enrolment = await service.stub.EnrollTotp(pb.EnrollTotpRequest(challenge_token=token))
    confirmed = await service.stub.ConfirmTotp(
        pb.ConfirmTotpRequest(
            challenge_token=token, totp_code=totp.code_at(enrolment.secret, service.clock())
        )
    )
    assert len(confirmed.backup_codes) == 10
    assert await signed_in_with(service, confirmed.tokens) == (["oidc", "otp"], "oidc")


async def test_a_resident_with_totp_is_asked_for_it_too(service: AuthService) -> None:
    await service.register(OidcTestUser().email)
    as_me = bearer((await service.tokens(OidcTestUser().email)).access_token)
    enrolment = await service.stub.EnrollTotp(pb.EnrollTotpRequest(), metadata=as_me)
    await service.stub.ConfirmTotp(
        pb.ConfirmTotpRequest(totp_code=totp.code_at(enrolment.secret, service.clock())),
        metadata=as_me,
    )
    response = await finish(service, *await browse(service))
    assert response.HasField("mfa_challenge") and not response.HasField("tokens")
    assert not response.mfa_challenge.enrollment_required


async def test_an_oidc_session_that_passed_totp_may_replace_the_authenticator(
    service: AuthService,
) -> None:
    _, secret, _ = await service.enrolled_staff(OidcTestUser().email, "manager")
    challenge = (await finish(service, *await browse(service))).mfa_challenge
    tokens = await verify(service, challenge, next_code(service, secret))
    replacement = await service.stub.EnrollTotp(
        pb.EnrollTotpRequest(), metadata=bearer(tokens.access_token)
    )
    assert replacement.secret != secret


async def test_staff_without_a_password_account_are_refused(service: AuthService) -> None:
    first = await finish(service, *await browse(service))
    user_id = (await service.claims(first.tokens.access_token))["sub"]
    await service.set_roles(user_id, "manager")
    await service.approve(user_id)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await finish(service, *await browse(service))
    assert code_of(error.value) == grpc.StatusCode.FAILED_PRECONDITION
    assert reason_of(error.value) == "MFA_REQUIRED"


async def test_blocked_people_get_neither_tokens_nor_a_challenge(service: AuthService) -> None:
    user_id, _, _ = await service.enrolled_staff(OidcTestUser().email, "manager")
    await service.block(user_id)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await finish(service, *await browse(service))
    assert reason_of(error.value) == "ACCOUNT_BLOCKED"
