"""OpenID Connect relying party: login with an outside identity provider (code flow + PKCE).

The auth service keeps one `OidcClient` per configured provider. A login has two halves:

1. `begin()` gives the authorization URL to send the browser to, plus `state`, `nonce` and the
   PKCE `code_verifier`, which the service stores server-side (never in the browser);
2. when the provider redirects back with `code` and `state`, the service checks the state with
   `oidc_protocol.check_state`, then `complete(code, code_verifier, nonce)` redeems the code at
   the token endpoint and verifies the ID token; the result is an `OidcIdentity`.

This module talks to the provider (discovery, JWKS, token and userinfo endpoints, with caching);
what it checks in the answers is `services.auth.oidc_protocol`.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any
from urllib.parse import quote_plus

import httpx
import jwt

from services.auth.oidc_protocol import (
    KEY_TYPES,
    OidcAuthorization,
    OidcError,
    OidcFailure,
    OidcIdentity,
    OidcProviderConfig,
    ProviderMetadata,
    check_id_token_claims,
    claims_error,
    code_challenge,
    is_true,
    new_code_verifier,
    parse_discovery,
    random_value,
    select_key,
    with_query,
)

log = logging.getLogger(__name__)

# Parameters `begin` sets itself; letting a caller override them would undo PKCE or the nonce.
_RESERVED_PARAMS = frozenset(
    {"response_type", "client_id", "redirect_uri", "scope", "state", "nonce"}
    | {"code_challenge", "code_challenge_method"}
)


class OidcClient:
    """An OIDC relying party for one provider; discovery and JWKS are fetched lazily, cached.

    Pass a shared `httpx.AsyncClient` to reuse connections (it is then not closed here).
    `leeway` absorbs clock skew on exp/iat; an ID token older than `max_token_age` is refused.
    On an unknown `kid` the JWKS is refetched once, at most every `jwks_min_refresh` seconds.
    """

    def __init__(
        self,
        config: OidcProviderConfig,
        http: httpx.AsyncClient | None = None,
        *,
        timeout: float = 10.0,
        cache_seconds: float = 3600.0,
        jwks_min_refresh: float = 10.0,
        leeway: float = 60.0,
        max_token_age: float = 600.0,
    ) -> None:
        self.config = config
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._owns_http = http is None
        self._cache_seconds = cache_seconds
        self._jwks_min_refresh = jwks_min_refresh
        self._leeway = leeway
        self._max_token_age = max_token_age
        self._metadata: ProviderMetadata | None = None
        self._metadata_at = 0.0
        self._jwks: list[dict[str, Any]] = []
        self._jwks_at: float | None = None
        # One fetch at a time: concurrent logins after a restart share the first answer.
        self._metadata_lock = asyncio.Lock()
        self._jwks_lock = asyncio.Lock()

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> OidcClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def begin(self, *, extra_params: Mapping[str, str] | None = None) -> OidcAuthorization:
        """Start a login: the authorization URL and the secrets to keep until the callback.

        `extra_params` adds provider options such as `prompt` or `login_hint`.
        """
        clash = _RESERVED_PARAMS & set(extra_params or {})
        if clash:
            raise ValueError(f"begin() sets {sorted(clash)} itself")
        metadata = await self._provider_metadata()
        state, nonce, verifier = random_value(), random_value(), new_code_verifier()
        params = {
            "response_type": "code",
            "client_id": self.config.client_id,
            "redirect_uri": self.config.redirect_uri,
            "scope": self.config.scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": code_challenge(verifier),
            "code_challenge_method": "S256",
            **(extra_params or {}),
        }
        url = with_query(metadata.authorization_endpoint, params)
        return OidcAuthorization(url=url, state=state, nonce=nonce, code_verifier=verifier)

    async def complete(self, code: str, code_verifier: str, nonce: str) -> OidcIdentity:
        """Redeem the authorization code and verify the ID token it brings."""
        metadata = await self._provider_metadata()
        tokens = await self._redeem(metadata, code, code_verifier)
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise OidcError(OidcFailure.BAD_RESPONSE, "the token response has no id_token")
        claims = await self._verify_id_token(id_token, nonce)
        if "email" not in claims and metadata.userinfo_endpoint:
            # Some providers put profile claims only in userinfo (OIDC Core 5.4).
            userinfo = await self._userinfo(metadata.userinfo_endpoint, tokens)
            if userinfo and userinfo.get("sub") != claims["sub"]:
                # OIDC Core 5.3.2: otherwise a substituted response could graft another
                # person's e-mail onto this login.
                message = "the userinfo response describes another subject"
                raise OidcError(OidcFailure.SUBJECT_MISMATCH, message)
            claims = {**userinfo, **claims}
        email, name = claims.get("email"), claims.get("name")
        return OidcIdentity(
            issuer=self.config.issuer,
            subject=claims["sub"],
            email=email if isinstance(email, str) and email else None,
            email_verified=is_true(claims.get("email_verified")),
            name=name if isinstance(name, str) and name else None,
        )

    async def _provider_metadata(self) -> ProviderMetadata:
        async with self._metadata_lock:
            now = time.monotonic()
            if self._metadata is None or now - self._metadata_at > self._cache_seconds:
                url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
                document = await self._get_json(
                    url, "discovery document", failure=OidcFailure.DISCOVERY_FAILED
                )
                self._metadata = parse_discovery(document, self.config.issuer)
                self._metadata_at = now
            return self._metadata

    async def _redeem(
        self, metadata: ProviderMetadata, code: str, code_verifier: str
    ) -> dict[str, Any]:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.config.redirect_uri,
            "code_verifier": code_verifier,
        }
        headers = {"Accept": "application/json"}
        client_id, secret = self.config.client_id, self.config.client_secret
        methods = metadata.token_auth_methods
        if secret is None:
            form["client_id"] = client_id  # a public client: PKCE is its proof
        elif "client_secret_basic" not in methods and "client_secret_post" in methods:
            form.update(client_id=client_id, client_secret=secret.get_secret_value())
        else:
            # RFC 6749 2.3.1: both parts are form-encoded before they are joined and encoded.
            pair = f"{quote_plus(client_id)}:{quote_plus(secret.get_secret_value())}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        response = await self._send("POST", metadata.token_endpoint, data=form, headers=headers)
        body = _json_object(response, "token response")
        if response.status_code != 200 or "error" in body:
            raise _provider_error("the token endpoint refused the code", body, response)
        return body

    async def _verify_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.DecodeError as error:
            raise OidcError(OidcFailure.INVALID_ID_TOKEN, "the ID token is not a JWS") from error
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in KEY_TYPES:
            raise OidcError(
                OidcFailure.UNSUPPORTED_ALGORITHM, f"ID token algorithm {alg!r} refused"
            )
        kid = header.get("kid")
        key = await self._signing_key(kid if isinstance(kid, str) else None, alg)
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key=key,
                algorithms=[alg],
                audience=self.config.client_id,
                issuer=self.config.issuer,
                leeway=self._leeway,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except jwt.InvalidTokenError as error:
            raise claims_error(error) from error
        oldest = time.time() - self._max_token_age
        check_id_token_claims(claims, self.config.client_id, nonce, oldest)
        return claims

    async def _signing_key(self, kid: str | None, alg: str) -> Any:
        async with self._jwks_lock:
            fetched_at = self._jwks_at
            if fetched_at is None or time.monotonic() - fetched_at > self._cache_seconds:
                await self._load_jwks()
                jwk = select_key(self._jwks, kid, alg)
            else:
                jwk = select_key(self._jwks, kid, alg)
                # A new kid usually means the provider rotated its keys since we cached them;
                # refetch once, and not on every token naming a key that is not there.
                if jwk is None and time.monotonic() - fetched_at >= self._jwks_min_refresh:
                    log.info(
                        "OIDC: unknown signing key, refetching the JWKS of %s", self.config.issuer
                    )
                    await self._load_jwks()
                    jwk = select_key(self._jwks, kid, alg)
        if jwk is None:
            raise OidcError(OidcFailure.UNKNOWN_KEY, f"no {alg} key with kid {kid!r} in the JWKS")
        try:
            return jwt.PyJWK(jwk, algorithm=alg).key
        except jwt.PyJWTError as error:
            raise OidcError(OidcFailure.BAD_RESPONSE, f"unusable JWKS key {kid!r}") from error

    async def _load_jwks(self) -> None:
        metadata = await self._provider_metadata()
        document = await self._get_json(metadata.jwks_uri, "JWKS")
        keys = document.get("keys")
        if not isinstance(keys, list):
            raise OidcError(OidcFailure.BAD_RESPONSE, "the JWKS has no 'keys' list")
        self._jwks = [key for key in keys if isinstance(key, dict)]
        self._jwks_at = time.monotonic()

    async def _userinfo(self, endpoint: str, tokens: Mapping[str, Any]) -> dict[str, Any]:
        access_token, token_type = tokens.get("access_token"), tokens.get("token_type")
        if not isinstance(access_token, str) or str(token_type).lower() != "bearer":
            return {}
        return await self._get_json(endpoint, "userinfo", token=access_token)

    async def _get_json(
        self,
        url: str,
        what: str,
        token: str | None = None,
        failure: OidcFailure = OidcFailure.PROVIDER_ERROR,
    ) -> dict[str, Any]:
        headers = {"Accept": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = await self._send("GET", url, headers=headers)
        if response.status_code != 200:
            raise OidcError(failure, f"the provider's {what} answered HTTP {response.status_code}")
        return _json_object(response, what)

    async def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._http.request(method, url, **kwargs)
        except httpx.HTTPError as error:
            # The URL is the provider's endpoint; the exception text could hold request data.
            raise OidcError(
                OidcFailure.PROVIDER_UNREACHABLE,
                f"cannot reach {url}: {type(error).__name__}",
            ) from error


def _provider_error(what: str, body: Mapping[str, Any], response: httpx.Response) -> OidcError:
    error = body.get("error")
    if not isinstance(error, str):
        return OidcError(OidcFailure.BAD_RESPONSE, f"{what}: HTTP {response.status_code}")
    description = body.get("error_description")
    detail = f" ({str(description)[:200]})" if description else ""
    return OidcError(OidcFailure.PROVIDER_ERROR, f"{what}: {error}{detail}")


def _json_object(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as error:
        message = f"the provider's {what} is not JSON (HTTP {response.status_code})"
        raise OidcError(OidcFailure.BAD_RESPONSE, message) from error
    if not isinstance(body, dict):
        raise OidcError(OidcFailure.BAD_RESPONSE, f"the provider's {what} is not a JSON object")
    return body
