"""OpenID Connect relying party: login with an outside identity provider (code flow + PKCE).

The auth service keeps one `OidcClient` per configured provider. A login has two halves:

1. `begin()` gives the authorization URL to send the browser to, plus `state`, `nonce` and the
   PKCE `code_verifier`, which the service stores server-side (never in the browser);
2. when the provider redirects back with `code` and `state`, the service checks the state with
   `check_state`, then `complete(code, code_verifier, nonce)` redeems the code at the token
   endpoint and verifies the ID token; the result is an `OidcIdentity`.

Every failure is an `OidcError` with a stable `reason` (for the audit log and error details) and
a message fit to show an operator. Messages never contain codes, tokens or verifiers.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit, urlunsplit

import httpx
import jwt
from pydantic import SecretStr

log = logging.getLogger(__name__)

# ID token algorithms we verify, with the JWK key type each needs. Asymmetric only: `none` is
# no signature at all, and HS* would make the client secret (or, in the classic confusion
# attack, the provider's public key) a signing key.
_KEY_TYPES: Mapping[str, str] = {
    "RS256": "RSA",
    "RS384": "RSA",
    "RS512": "RSA",
    "PS256": "RSA",
    "PS384": "RSA",
    "PS512": "RSA",
    "ES256": "EC",
    "ES384": "EC",
    "ES512": "EC",
    "EdDSA": "OKP",
}
_PKCE_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Parameters `begin` sets itself; letting a caller override them would undo PKCE or the nonce.
_RESERVED_PARAMS = frozenset(
    {"response_type", "client_id", "redirect_uri", "scope", "state", "nonce"}
    | {"code_challenge", "code_challenge_method"}
)


class OidcFailure(StrEnum):
    """Why an OIDC login failed; stable codes for audit records and error details."""

    ISSUER_MISMATCH = "ISSUER_MISMATCH"  # discovery names another issuer than configured
    DISCOVERY_FAILED = "DISCOVERY_FAILED"  # no usable discovery document
    PROVIDER_UNREACHABLE = "PROVIDER_UNREACHABLE"  # network error or timeout
    PROVIDER_ERROR = "PROVIDER_ERROR"  # the provider answered `error=...`
    BAD_RESPONSE = "BAD_RESPONSE"  # an answer that does not follow the protocol
    STATE_MISMATCH = "STATE_MISMATCH"
    INVALID_ID_TOKEN = "INVALID_ID_TOKEN"  # malformed, or a required claim is missing
    UNSUPPORTED_ALGORITHM = "UNSUPPORTED_ALGORITHM"
    UNKNOWN_KEY = "UNKNOWN_KEY"  # no JWKS key for the token's `kid`, even after a refetch
    BAD_SIGNATURE = "BAD_SIGNATURE"
    WRONG_ISSUER = "WRONG_ISSUER"
    WRONG_AUDIENCE = "WRONG_AUDIENCE"  # `aud` lacks our client id, or `azp` names another
    EXPIRED = "EXPIRED"  # past `exp`, or issued too long ago
    NOT_YET_VALID = "NOT_YET_VALID"  # `iat`/`nbf` in the future
    NONCE_MISMATCH = "NONCE_MISMATCH"
    SUBJECT_MISMATCH = "SUBJECT_MISMATCH"  # userinfo describes another subject


class OidcError(Exception):
    """An OIDC login cannot proceed; `reason` says why, the message says what happened."""

    def __init__(self, reason: OidcFailure, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class OidcProviderConfig:
    """One identity provider as registered for us (built by the auth service's settings).

    `client_secret` is None for a public client, which then proves itself by PKCE alone.
    """

    issuer: str
    client_id: str
    redirect_uri: str
    client_secret: SecretStr | None = None
    scopes: str = "openid email profile"

    def __post_init__(self) -> None:
        if not _is_secure_url(self.issuer):
            raise ValueError(
                f"issuer must be an https URL (http only to localhost): {self.issuer!r}"
            )
        if not self.client_id:
            raise ValueError("client_id must not be empty")
        if "openid" not in self.scopes.split():
            raise ValueError(f"scopes must include 'openid' (got {self.scopes!r})")


@dataclass(frozen=True)
class OidcAuthorization:
    """Where to send the browser, and what the service keeps server-side until it returns."""

    url: str = field(repr=False)
    state: str = field(repr=False)
    nonce: str = field(repr=False)
    code_verifier: str = field(repr=False)


@dataclass(frozen=True)
class OidcIdentity:
    """Who the provider says logged in. Match accounts on (issuer, subject); trust `email` for
    linking only when `email_verified` is true."""

    issuer: str
    subject: str
    email: str | None = field(repr=False)
    email_verified: bool
    name: str | None = field(repr=False)


def new_code_verifier() -> str:
    """A fresh PKCE code verifier: 43 characters of base64url from 32 random bytes (RFC 7636)."""
    return secrets.token_urlsafe(32)


def code_challenge(code_verifier: str) -> str:
    """The S256 challenge of a verifier: base64url(SHA-256(verifier)) without padding."""
    if not 43 <= len(code_verifier) <= 128 or not set(code_verifier) <= _PKCE_ALPHABET:
        raise ValueError("a code verifier has 43-128 characters of [A-Za-z0-9-._~]")
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def check_state(expected: str, received: str) -> None:
    """Refuse a callback whose `state` is not the one stored for this login (CSRF defence)."""
    if not expected or not hmac.compare_digest(expected.encode(), received.encode()):
        raise OidcError(OidcFailure.STATE_MISMATCH, "the callback state does not match the login")


@dataclass(frozen=True)
class _ProviderMetadata:
    """The parts of the discovery document we use."""

    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    token_auth_methods: tuple[str, ...]


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
        self._metadata: _ProviderMetadata | None = None
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
        state, nonce, verifier = _random_value(), _random_value(), new_code_verifier()
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
        url = _with_query(metadata.authorization_endpoint, params)
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
            email_verified=_is_true(claims.get("email_verified")),
            name=name if isinstance(name, str) and name else None,
        )

    async def _provider_metadata(self) -> _ProviderMetadata:
        async with self._metadata_lock:
            now = time.monotonic()
            if self._metadata is None or now - self._metadata_at > self._cache_seconds:
                url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
                document = await self._get_json(
                    url, "discovery document", failure=OidcFailure.DISCOVERY_FAILED
                )
                self._metadata = _parse_discovery(document, self.config.issuer)
                self._metadata_at = now
            return self._metadata

    async def _redeem(
        self, metadata: _ProviderMetadata, code: str, code_verifier: str
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
        if not isinstance(alg, str) or alg not in _KEY_TYPES:
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
            raise _claims_error(error) from error
        oldest = time.time() - self._max_token_age
        _check_id_token_claims(claims, self.config.client_id, nonce, oldest)
        return claims

    async def _signing_key(self, kid: str | None, alg: str) -> Any:
        async with self._jwks_lock:
            fetched_at = self._jwks_at
            if fetched_at is None or time.monotonic() - fetched_at > self._cache_seconds:
                await self._load_jwks()
                jwk = _select_key(self._jwks, kid, alg)
            else:
                jwk = _select_key(self._jwks, kid, alg)
                # A new kid usually means the provider rotated its keys since we cached them;
                # refetch once, and not on every token naming a key that is not there.
                if jwk is None and time.monotonic() - fetched_at >= self._jwks_min_refresh:
                    log.info(
                        "OIDC: unknown signing key, refetching the JWKS of %s", self.config.issuer
                    )
                    await self._load_jwks()
                    jwk = _select_key(self._jwks, kid, alg)
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


def _parse_discovery(document: Mapping[str, Any], issuer: str) -> _ProviderMetadata:
    """Check a discovery document belongs to `issuer` and has what the code flow needs."""
    # OIDC Discovery 4.3: the issuer must be identical, or tokens could be minted by another.
    if document.get("issuer") != issuer:
        raise OidcError(
            OidcFailure.ISSUER_MISMATCH,
            f"the discovery document names issuer {document.get('issuer')!r}, expected {issuer!r}",
        )
    endpoints: dict[str, str | None] = {}
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint"):
        value = document.get(name)
        if value is None and name == "userinfo_endpoint":
            endpoints[name] = None
            continue
        if not isinstance(value, str):
            raise OidcError(OidcFailure.DISCOVERY_FAILED, f"the discovery document lacks {name}")
        if not _is_secure_url(value):
            message = f"the discovery document's {name} is not an https URL: {value!r}"
            raise OidcError(OidcFailure.DISCOVERY_FAILED, message)
        endpoints[name] = value
    challenge_methods = document.get("code_challenge_methods_supported")
    if isinstance(challenge_methods, list) and "S256" not in challenge_methods:
        raise OidcError(OidcFailure.DISCOVERY_FAILED, "the provider does not support PKCE S256")
    # The spec's default when the field is absent.
    auth_methods = document.get("token_endpoint_auth_methods_supported", ["client_secret_basic"])
    return _ProviderMetadata(
        authorization_endpoint=str(endpoints["authorization_endpoint"]),
        token_endpoint=str(endpoints["token_endpoint"]),
        jwks_uri=str(endpoints["jwks_uri"]),
        userinfo_endpoint=endpoints["userinfo_endpoint"],
        token_auth_methods=tuple(m for m in auth_methods if isinstance(m, str))
        if isinstance(auth_methods, list)
        else ("client_secret_basic",),
    )


def _select_key(keys: list[dict[str, Any]], kid: str | None, alg: str) -> dict[str, Any] | None:
    """The one signing key of the right type for `alg` (and `kid`, when the token names one)."""
    candidates = [
        key
        for key in keys
        if key.get("kty") == _KEY_TYPES[alg]
        and key.get("use", "sig") == "sig"
        and key.get("alg", alg) == alg
        and (kid is None or key.get("kid") == kid)
    ]
    return candidates[0] if len(candidates) == 1 else None


def _check_id_token_claims(
    claims: Mapping[str, Any], client_id: str, nonce: str, oldest_issued_at: float
) -> None:
    """The OIDC Core 3.1.3.7 checks PyJWT does not do: azp, nonce, sub, and the token's age."""
    audience = claims["aud"]
    several = isinstance(audience, list) and len(audience) > 1
    azp = claims.get("azp")
    if (several and azp is None) or (azp is not None and azp != client_id):
        raise OidcError(OidcFailure.WRONG_AUDIENCE, "the ID token was issued to another client")
    received = claims.get("nonce")
    if not isinstance(received, str) or not hmac.compare_digest(received.encode(), nonce.encode()):
        raise OidcError(OidcFailure.NONCE_MISMATCH, "the ID token's nonce is not this login's")
    if not isinstance(claims["sub"], str) or not claims["sub"]:
        raise OidcError(OidcFailure.INVALID_ID_TOKEN, "the ID token has no subject")
    issued_at = claims["iat"]
    if not isinstance(issued_at, int | float) or issued_at < oldest_issued_at:
        raise OidcError(OidcFailure.EXPIRED, "the ID token was issued too long ago")


def _claims_error(error: jwt.InvalidTokenError) -> OidcError:
    """Map PyJWT's verdict on an ID token to our reasons."""
    reasons: list[tuple[type[jwt.InvalidTokenError], OidcFailure]] = [
        (jwt.InvalidSignatureError, OidcFailure.BAD_SIGNATURE),
        (jwt.ExpiredSignatureError, OidcFailure.EXPIRED),
        (jwt.ImmatureSignatureError, OidcFailure.NOT_YET_VALID),
        (jwt.InvalidIssuerError, OidcFailure.WRONG_ISSUER),
        (jwt.InvalidAudienceError, OidcFailure.WRONG_AUDIENCE),
    ]
    for kind, reason in reasons:
        if isinstance(error, kind):
            return OidcError(reason, f"ID token refused: {error}")
    return OidcError(OidcFailure.INVALID_ID_TOKEN, f"ID token refused: {error}")


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


def _with_query(url: str, params: Mapping[str, str]) -> str:
    """`url` with `params` added to whatever query it already has."""
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _random_value() -> str:
    """An unguessable single-use value (state, nonce): 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


def _is_true(value: object) -> bool:
    """A JSON true; some providers send the string "true". Anything else is not a yes."""
    return value is True or value == "true"


def _is_secure_url(url: str) -> bool:
    """HTTPS, or plain HTTP to a loopback host (local development and tests)."""
    parts = urlsplit(url)
    if not parts.hostname:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(parts.hostname))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
