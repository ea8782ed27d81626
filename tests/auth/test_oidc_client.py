"""The OIDC relying party (`services.auth.oidc`) against a local provider speaking the protocol.

A login is driven as a browser would: the authorization URL is fetched without following the
redirect back to us, and the code and state are taken from the `Location` it points to.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator, Callable
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from services.auth.oidc import OidcClient
from services.auth.oidc_protocol import (
    OidcAuthorization,
    OidcError,
    OidcFailure,
    OidcIdentity,
    OidcProviderConfig,
    check_state,
    code_challenge,
    new_code_verifier,
)
from tests.support.oidc_provider import (
    LocalOidcProvider,
    Misbehaviour,
    OidcTestUser,
    running_oidc_provider,
)

REDIRECT_URI = "https://ukm.local/auth/oidc/callback"
PKCE_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"


def client_for(provider: LocalOidcProvider, jwks_min_refresh: float = 10.0) -> OidcClient:
    """A relying party registered at `provider` as the provider's one client."""
    secret = provider.client_secret
    config = OidcProviderConfig(
        issuer=provider.issuer,
        client_id=provider.client_id,
        client_secret=SecretStr(secret) if secret is not None else None,
        redirect_uri=REDIRECT_URI,
    )
    return OidcClient(config, jwks_min_refresh=jwks_min_refresh)


async def authorize(login: OidcAuthorization) -> dict[str, str]:
    """Visit the authorization URL as a browser; the parameters the provider redirects back with."""
    async with httpx.AsyncClient(follow_redirects=False) as browser:
        response = await browser.get(login.url)
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    return {name: values[0] for name, values in parse_qs(location.query).items()}


async def log_in(client: OidcClient) -> OidcIdentity:
    """A whole login: begin, authorize, check the state, complete."""
    login = await client.begin()
    callback = await authorize(login)
    check_state(login.state, callback["state"])
    return await client.complete(callback["code"], login.code_verifier, login.nonce)


@pytest.fixture
async def provider() -> AsyncIterator[LocalOidcProvider]:
    async with running_oidc_provider() as running:
        yield running


@pytest.fixture
async def client(provider: LocalOidcProvider) -> AsyncIterator[OidcClient]:
    async with client_for(provider) as relying_party:
        yield relying_party


# --- the happy path -------------------------------------------------------------------------


async def test_login_returns_the_providers_user(
    provider: LocalOidcProvider, client: OidcClient
) -> None:
    login = await client.begin()
    callback = await authorize(login)
    check_state(login.state, callback["state"])
    identity = await client.complete(callback["code"], login.code_verifier, login.nonce)

    assert identity == OidcIdentity(
        issuer=provider.issuer,
        subject=provider.user.subject,
        email=provider.user.email,
        email_verified=True,
        name=provider.user.name,
    )
    [asked] = provider.requests_to("/authorize")
    assert asked.query["response_type"] == "code"
    assert asked.query["scope"] == "openid email profile"
    assert asked.query["redirect_uri"] == REDIRECT_URI
    assert asked.query["code_challenge_method"] == "S256"
    assert asked.query["code_challenge"] == code_challenge(login.code_verifier)
    assert asked.query["nonce"] == login.nonce
    assert "code_verifier" not in asked.query  # the verifier never travels through the browser
    [redeemed] = provider.requests_to("/token")
    assert redeemed.form["code_verifier"] == login.code_verifier
    assert redeemed.form["redirect_uri"] == REDIRECT_URI
    # client_secret_basic: the secret is in the Authorization header, never in the body.
    assert redeemed.headers["Authorization"].startswith("Basic ")
    assert "client_secret" not in redeemed.form


async def test_discovery_and_jwks_are_cached_across_logins(
    provider: LocalOidcProvider, client: OidcClient
) -> None:
    await log_in(client)
    await log_in(client)

    assert len(provider.requests_to("/.well-known/openid-configuration")) == 1
    assert len(provider.requests_to("/jwks")) == 1
    assert len(provider.requests_to("/token")) == 2


async def test_public_client_names_itself_in_the_body() -> None:
    async with running_oidc_provider(client_secret=None) as provider:
        async with client_for(provider) as client:
            identity = await log_in(client)

        assert identity.subject == provider.user.subject
        [redeemed] = provider.requests_to("/token")
        assert redeemed.form["client_id"] == provider.client_id
        assert "Authorization" not in redeemed.headers


async def test_es256_id_tokens_are_accepted() -> None:
    async with running_oidc_provider(signing_alg="ES256") as provider:
        async with client_for(provider) as client:
            identity = await log_in(client)

        assert identity.subject == provider.user.subject


async def test_unverified_email_is_reported_as_such() -> None:
    user = OidcTestUser(subject="sub-2", email="new@example.uz", email_verified=False)
    async with running_oidc_provider(user=user) as provider, client_for(provider) as client:
        identity = await log_in(client)

    assert identity.email == "new@example.uz"
    assert identity.email_verified is False


async def test_profile_claims_missing_from_the_id_token_come_from_userinfo(
    provider: LocalOidcProvider, client: OidcClient
) -> None:
    provider.misbehave.claims_only_in_userinfo = True

    identity = await log_in(client)

    assert (identity.email, identity.email_verified, identity.name) == (
        provider.user.email,
        True,
        provider.user.name,
    )
    [userinfo] = provider.requests_to("/userinfo")
    assert userinfo.headers["Authorization"].startswith("Bearer ")


async def test_userinfo_about_another_subject_is_refused(
    provider: LocalOidcProvider, client: OidcClient
) -> None:
    provider.misbehave.claims_only_in_userinfo = True
    provider.misbehave.userinfo_subject = "someone-else"

    with pytest.raises(OidcError) as refused:
        await log_in(client)

    assert refused.value.reason is OidcFailure.SUBJECT_MISMATCH


async def test_a_rotated_signing_key_is_fetched_once(provider: LocalOidcProvider) -> None:
    # No refetch cooldown, so the second login (within milliseconds) may refetch.
    async with client_for(provider, jwks_min_refresh=0) as client:
        await log_in(client)
        provider.rotate_key()

        await log_in(client)

    assert len(provider.requests_to("/jwks")) == 2


async def test_an_unpublished_kid_refetches_once_then_fails(provider: LocalOidcProvider) -> None:
    async with client_for(provider, jwks_min_refresh=0) as client:
        await log_in(client)
        provider.misbehave.unpublished_kid = True

        with pytest.raises(OidcError) as refused:
            await log_in(client)

    assert refused.value.reason is OidcFailure.UNKNOWN_KEY
    assert len(provider.requests_to("/jwks")) == 2


async def test_unknown_kids_do_not_refetch_within_the_cooldown(
    provider: LocalOidcProvider, client: OidcClient
) -> None:
    await log_in(client)
    provider.misbehave.unpublished_kid = True

    for _ in range(3):
        with pytest.raises(OidcError):
            await log_in(client)

    assert len(provider.requests_to("/jwks")) == 1


# --- refused by the provider ----------------------------------------------------------------


async def test_pkce_mismatch_is_refused_by_the_provider(
    provider: LocalOidcProvider, client: OidcClient
) -> None:
    login = await client.begin()
    callback = await authorize(login)

    with pytest.raises(OidcError) as refused:
        # An attacker who stole the code does not have the verifier.
        await client.complete(callback["code"], new_code_verifier(), login.nonce)

    assert refused.value.reason is OidcFailure.PROVIDER_ERROR
    assert "invalid_grant" in str(refused.value)
    assert callback["code"] not in str(refused.value)
    assert login.code_verifier not in str(refused.value)
    assert provider.tokens_issued == 0


async def test_a_code_is_redeemed_once(provider: LocalOidcProvider, client: OidcClient) -> None:
    login = await client.begin()
    callback = await authorize(login)
    await client.complete(callback["code"], login.code_verifier, login.nonce)

    with pytest.raises(OidcError) as refused:
        await client.complete(callback["code"], login.code_verifier, login.nonce)

    assert refused.value.reason is OidcFailure.PROVIDER_ERROR
    assert "invalid_grant" in str(refused.value)
    assert provider.tokens_issued == 1


async def test_a_wrong_client_secret_is_refused(provider: LocalOidcProvider) -> None:
    config = OidcProviderConfig(
        issuer=provider.issuer,
        client_id=provider.client_id,
        client_secret=SecretStr("not-the-secret"),
        redirect_uri=REDIRECT_URI,
    )
    async with OidcClient(config) as client:
        with pytest.raises(OidcError) as refused:
            await log_in(client)

    assert refused.value.reason is OidcFailure.PROVIDER_ERROR
    assert "invalid_client" in str(refused.value)
    assert "not-the-secret" not in str(refused.value)


async def test_the_provider_refuses_an_unregistered_redirect_uri(
    provider: LocalOidcProvider,
) -> None:
    params = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": "https://evil.example/callback",
        "scope": "openid",
        "state": "s",
        "code_challenge": code_challenge(new_code_verifier()),
        "code_challenge_method": "S256",
    }
    async with httpx.AsyncClient(follow_redirects=False) as browser:
        response = await browser.get(provider.authorization_endpoint, params=params)

    # Never redirected to an unregistered address, not even with an error.
    assert response.status_code == 400
    assert "location" not in response.headers


async def test_the_provider_requires_pkce_s256(provider: LocalOidcProvider) -> None:
    verifier = new_code_verifier()
    params = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid",
        "state": "s",
        "code_challenge": verifier,
        "code_challenge_method": "plain",
    }
    async with httpx.AsyncClient(follow_redirects=False) as browser:
        response = await browser.get(provider.authorization_endpoint, params=params)

    callback = parse_qs(urlsplit(response.headers["location"]).query)
    assert callback["error"] == ["invalid_request"]
    assert callback["state"] == ["s"]
    assert "code" not in callback


# --- ID token attacks, refused by the client ------------------------------------------------

ATTACKS: dict[str, tuple[Callable[[Misbehaviour], None], OidcFailure]] = {
    "wrong issuer": (
        lambda lie: setattr(lie, "id_token_issuer", "https://evil.example"),
        OidcFailure.WRONG_ISSUER,
    ),
    "wrong audience": (
        lambda lie: setattr(lie, "id_token_audience", "another-client"),
        OidcFailure.WRONG_AUDIENCE,
    ),
    "several audiences without azp": (
        lambda lie: setattr(lie, "id_token_audience", ["ukm-web", "another-client"]),
        OidcFailure.WRONG_AUDIENCE,
    ),
    "azp of another client": (
        lambda lie: setattr(lie, "id_token_azp", "another-client"),
        OidcFailure.WRONG_AUDIENCE,
    ),
    "expired": (lambda lie: setattr(lie, "expired", True), OidcFailure.EXPIRED),
    "bad signature": (lambda lie: setattr(lie, "bad_signature", True), OidcFailure.BAD_SIGNATURE),
    "alg none": (lambda lie: setattr(lie, "alg_none", True), OidcFailure.UNSUPPORTED_ALGORITHM),
    "HS256 keyed with the public key": (
        lambda lie: setattr(lie, "hs256_with_public_key", True),
        OidcFailure.UNSUPPORTED_ALGORITHM,
    ),
    "replayed nonce": (
        lambda lie: setattr(lie, "id_token_nonce", "a-nonce-of-another-login"),
        OidcFailure.NONCE_MISMATCH,
    ),
    "unpublished kid": (
        lambda lie: setattr(lie, "unpublished_kid", True),
        OidcFailure.UNKNOWN_KEY,
    ),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
async def test_a_forged_id_token_is_refused(
    provider: LocalOidcProvider, client: OidcClient, attack: str
) -> None:
    misbehave, reason = ATTACKS[attack]
    misbehave(provider.misbehave)

    with pytest.raises(OidcError) as refused:
        await log_in(client)

    assert refused.value.reason is reason


async def test_several_audiences_with_our_azp_are_accepted(
    provider: LocalOidcProvider, client: OidcClient
) -> None:
    provider.misbehave.id_token_audience = [provider.client_id, "another-client"]
    provider.misbehave.id_token_azp = provider.client_id

    identity = await log_in(client)

    assert identity.subject == provider.user.subject


async def test_the_nonce_stored_for_the_login_is_required(
    provider: LocalOidcProvider, client: OidcClient
) -> None:
    login = await client.begin()
    callback = await authorize(login)

    with pytest.raises(OidcError) as refused:
        await client.complete(callback["code"], login.code_verifier, "nonce-of-another-login")

    assert refused.value.reason is OidcFailure.NONCE_MISMATCH


# --- discovery, transport, configuration ----------------------------------------------------


async def test_discovery_naming_another_issuer_is_refused(
    provider: LocalOidcProvider, client: OidcClient
) -> None:
    provider.misbehave.discovery_issuer = "https://evil.example"

    with pytest.raises(OidcError) as refused:
        await client.begin()

    assert refused.value.reason is OidcFailure.ISSUER_MISMATCH
    assert "https://evil.example" in str(refused.value)


async def test_an_unreachable_provider_is_an_oidc_error() -> None:
    async with running_oidc_provider() as provider:
        issuer = provider.issuer
    config = OidcProviderConfig(issuer=issuer, client_id="ukm-web", redirect_uri=REDIRECT_URI)

    async with OidcClient(config, timeout=2.0) as client:
        with pytest.raises(OidcError) as refused:
            await client.begin()

    assert refused.value.reason is OidcFailure.PROVIDER_UNREACHABLE


def test_a_callback_with_another_state_is_refused() -> None:
    with pytest.raises(OidcError) as refused:
        check_state("state-stored-for-the-login", "state-from-elsewhere")

    assert refused.value.reason is OidcFailure.STATE_MISMATCH
    check_state("same", "same")


@pytest.mark.parametrize(
    ("issuer", "scopes"),
    [
        ("http://accounts.example.com", "openid email"),  # plain http beyond this machine
        ("https://accounts.example.com", "email profile"),  # no openid scope
    ],
)
def test_unsafe_configuration_is_refused(issuer: str, scopes: str) -> None:
    with pytest.raises(ValueError, match=r"issuer|openid"):
        OidcProviderConfig(
            issuer=issuer, client_id="ukm-web", redirect_uri=REDIRECT_URI, scopes=scopes
        )


async def test_begin_keeps_its_own_parameters(client: OidcClient) -> None:
    with pytest.raises(ValueError, match="nonce"):
        await client.begin(extra_params={"nonce": "chosen-by-the-caller"})

    login = await client.begin(extra_params={"prompt": "login"})
    assert parse_qs(urlsplit(login.url).query)["prompt"] == ["login"]


def test_secrets_stay_out_of_reprs() -> None:
    login = OidcAuthorization(url="u", state="the-state", nonce="the-nonce", code_verifier="v" * 43)
    identity = OidcIdentity("https://i", "sub", "a@example.uz", True, "Aziz")

    assert "the-state" not in repr(login) and "v" * 43 not in repr(login)
    assert "a@example.uz" not in repr(identity) and "Aziz" not in repr(identity)


# --- PKCE (pure) ----------------------------------------------------------------------------


def test_code_challenge_matches_rfc_7636_appendix_b() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


@given(st.text(alphabet=PKCE_CHARACTERS, min_size=43, max_size=128))
def test_code_challenge_is_unpadded_base64url_sha256(verifier: str) -> None:
    challenge = code_challenge(verifier)

    assert len(challenge) == 43 and "=" not in challenge
    padded = challenge + "="
    assert base64.urlsafe_b64decode(padded) == hashlib.sha256(verifier.encode()).digest()


@pytest.mark.parametrize("verifier", ["short", "x" * 129, "has spaces" + "x" * 40])
def test_malformed_verifiers_are_refused(verifier: str) -> None:
    with pytest.raises(ValueError, match="43-128"):
        code_challenge(verifier)


def test_new_verifiers_are_valid_and_distinct() -> None:
    verifiers = {new_code_verifier() for _ in range(100)}

    assert len(verifiers) == 100
    assert all(len(v) >= 43 and set(v) <= set(PKCE_CHARACTERS) for v in verifiers)
