"""A local OpenID Connect provider for tests: the real wire protocol, on 127.0.0.1.

It stands in for Google, Keycloak and the like (which cannot run here) so that the auth
service's real OIDC client is exercised end to end: discovery, `/authorize` (the test user is
"logged in" at once and redirected back with a code), `/token` (authorization_code grant with
PKCE S256, client authentication, single-use codes), `/jwks` and `/userinfo`.

Every request is recorded (`provider.requests`), and `provider.misbehave` makes it mint the
ID tokens an attacker or a broken provider would, for negative tests. This is written from the
specifications (RFC 6749, RFC 7636, OpenID Connect Core and Discovery), not from the client, so
a misreading in the client shows up as a failure here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

SigningAlg = Literal["RS256", "ES256"]
ISSUER_PATH = "/realms/ukm-test"  # a path in the issuer, as Keycloak has, tests URL joining
CODE_LIFETIME = 60.0
TOKEN_LIFETIME = 300
_PKCE_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


@dataclass
class OidcTestUser:
    """The person the provider logs in without asking."""

    subject: str = "248289761001"
    email: str = "dilnoza.karimova@example.uz"
    email_verified: bool = True
    name: str = "Dilnoza Karimova"


@dataclass
class Misbehaviour:
    """Knobs that make the provider lie; all off by default. Change them between requests."""

    discovery_issuer: str | None = None  # the discovery document names this issuer
    id_token_issuer: str | None = None  # `iss` of ID tokens
    id_token_audience: str | list[str] | None = None  # `aud` of ID tokens
    id_token_azp: str | None = None  # adds `azp`
    id_token_nonce: str | None = None  # replaces the nonce the login asked for
    expired: bool = False  # ID tokens that expired five minutes ago
    bad_signature: bool = False  # signed by a key outside the JWKS, under a published kid
    unpublished_kid: bool = False  # signed by a key whose kid is not in the JWKS
    alg_none: bool = False  # unsigned ID tokens (`alg: none`)
    hs256_with_public_key: bool = False  # HMAC-signed with the public key's PEM as the secret
    claims_only_in_userinfo: bool = False  # email and name left out of the ID token
    userinfo_subject: str | None = None  # userinfo answers for another subject


@dataclass(frozen=True)
class RecordedRequest:
    """One request the provider received; `endpoint` is relative to the issuer."""

    method: str
    endpoint: str
    query: Mapping[str, str]
    form: Mapping[str, str]
    headers: Mapping[str, str]


@dataclass(frozen=True)
class _SigningKey:
    kid: str
    alg: SigningAlg
    private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

    @classmethod
    def generate(cls, alg: SigningAlg, kid: str | None = None) -> _SigningKey:
        private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
        if alg == "RS256":
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            private = ec.generate_private_key(ec.SECP256R1())
        return cls(kid or secrets.token_hex(8), alg, private)

    def public_jwk(self) -> dict[str, Any]:
        public = self.private.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            jwk = RSAAlgorithm.to_jwk(public, as_dict=True)
        else:
            jwk = ECAlgorithm.to_jwk(public, as_dict=True)
        return {**jwk, "kid": self.kid, "use": "sig", "alg": self.alg}

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, claims: Mapping[str, Any]) -> str:
        return jwt.encode(dict(claims), self.private, algorithm=self.alg, headers={"kid": self.kid})


@dataclass(frozen=True)
class _Grant:
    """What an authorization code stands for until it is redeemed."""

    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    scopes: frozenset[str]
    user: OidcTestUser
    expires_at: float


class OAuthError(Exception):
    """An RFC 6749 error response from the token endpoint."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


@dataclass
class LocalOidcProvider:
    """The provider's state; tests read `requests` and set `user` and `misbehave`."""

    client_id: str
    client_secret: str | None
    redirect_uris: Sequence[str]
    user: OidcTestUser
    signing_alg: SigningAlg = "RS256"
    issuer: str = ""  # known once the server listens
    misbehave: Misbehaviour = field(default_factory=Misbehaviour)
    requests: list[RecordedRequest] = field(default_factory=list)
    tokens_issued: int = 0
    _keys: list[_SigningKey] = field(default_factory=list)
    _codes: dict[str, _Grant] = field(default_factory=dict)
    _redeemed: set[str] = field(default_factory=set)
    _access_tokens: dict[str, OidcTestUser] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._keys.append(_SigningKey.generate(self.signing_alg))

    @property
    def token_endpoint(self) -> str:
        """Where codes are redeemed."""
        return f"{self.issuer}/token"

    @property
    def authorization_endpoint(self) -> str:
        """Where browsers are sent to log in."""
        return f"{self.issuer}/authorize"

    def requests_to(self, endpoint: str) -> list[RecordedRequest]:
        """The recorded requests to one endpoint, e.g. `/token`."""
        return [r for r in self.requests if r.endpoint == endpoint]

    def rotate_key(self) -> str:
        """Publish a new signing key and sign with it from now on; the old one stays published."""
        self._keys.append(_SigningKey.generate(self.signing_alg))
        return self._keys[-1].kid

    def app(self) -> web.Application:
        """The aiohttp application serving the provider under `ISSUER_PATH`."""
        app = web.Application(middlewares=[self._record])
        app.router.add_get(f"{ISSUER_PATH}/.well-known/openid-configuration", self._discovery)
        app.router.add_get(f"{ISSUER_PATH}/authorize", self._authorize)
        app.router.add_post(f"{ISSUER_PATH}/token", self._token)
        app.router.add_get(f"{ISSUER_PATH}/jwks", self._jwks)
        app.router.add_route("*", f"{ISSUER_PATH}/userinfo", self._userinfo)
        return app

    @web.middleware
    async def _record(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        form = await request.post() if request.method == "POST" else {}
        self.requests.append(
            RecordedRequest(
                method=request.method,
                endpoint=request.path.removeprefix(ISSUER_PATH),
                query=dict(request.query),
                form={k: v for k, v in form.items() if isinstance(v, str)},
                headers=dict(request.headers),
            )
        )
        return await handler(request)

    async def _discovery(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": self.misbehave.discovery_issuer or self.issuer,
                "authorization_endpoint": self.authorization_endpoint,
                "token_endpoint": self.token_endpoint,
                "jwks_uri": f"{self.issuer}/jwks",
                "userinfo_endpoint": f"{self.issuer}/userinfo",
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": [self.signing_alg],
                "scopes_supported": ["openid", "email", "profile"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                    "none",
                ],
                "code_challenge_methods_supported": ["S256"],
                "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "email", "name"],
            }
        )

    async def _authorize(self, request: web.Request) -> web.Response:
        query = request.query
        # Without a known client and a registered redirect URI there is nowhere safe to send an
        # error (RFC 6749 4.1.2.1): it is shown to the user instead.
        if query.get("client_id") != self.client_id:
            return web.Response(status=400, text="unknown client_id")
        redirect_uri = query.get("redirect_uri", "")
        if redirect_uri not in self.redirect_uris:
            return web.Response(status=400, text="redirect_uri is not registered for this client")
        state = query.get("state")

        def back(**params: str) -> web.Response:
            if state is not None:
                params["state"] = state
            return web.Response(status=302, headers={"Location": _with_query(redirect_uri, params)})

        scopes = frozenset(query.get("scope", "").split())
        if query.get("response_type") != "code":
            return back(error="unsupported_response_type", error_description="only code")
        if "openid" not in scopes:
            return back(error="invalid_scope", error_description="openid scope required")
        challenge = query.get("code_challenge", "")
        if query.get("code_challenge_method") != "S256" or len(challenge) != 43:
            return back(error="invalid_request", error_description="PKCE S256 is required")
        code = secrets.token_urlsafe(32)
        self._codes[code] = _Grant(
            client_id=self.client_id,
            redirect_uri=redirect_uri,
            code_challenge=challenge,
            nonce=query.get("nonce"),
            scopes=scopes,
            user=self.user,
            expires_at=time.monotonic() + CODE_LIFETIME,
        )
        return back(code=code)

    async def _token(self, request: web.Request) -> web.Response:
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        try:
            client_id = self._authenticate_client(request, form)
            if form.get("grant_type") != "authorization_code":
                raise OAuthError("unsupported_grant_type", "only authorization_code")
            grant = self._redeem(form, client_id)
        except OAuthError as error:
            headers = {"WWW-Authenticate": 'Basic realm="ukm-test"'} if error.status == 401 else {}
            refusal = {"error": error.error, "error_description": error.description}
            return web.json_response(refusal, status=error.status, headers=_no_store(headers))
        access_token = secrets.token_urlsafe(32)
        self._access_tokens[access_token] = grant.user
        self.tokens_issued += 1
        body = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME,
            "scope": " ".join(sorted(grant.scopes)),
            "id_token": self._id_token(grant),
        }
        return web.json_response(body, headers=_no_store({}))

    def _authenticate_client(self, request: web.Request, form: Mapping[str, str]) -> str:
        """The client id the request proves (RFC 6749 2.3), or an `invalid_client` error."""
        header = request.headers.get("Authorization", "")
        if header and "client_secret" in form:
            raise OAuthError("invalid_request", "use one client authentication method only")
        if header.startswith("Basic "):
            try:
                decoded = base64.b64decode(header.removeprefix("Basic "), validate=True).decode()
                raw_id, raw_secret = decoded.split(":", 1)
            except ValueError as error:
                raise OAuthError("invalid_client", "malformed Basic credentials", 401) from error
            client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if client_id != self.client_id:
            raise OAuthError("invalid_client", "unknown client", 401)
        if self.client_secret is None:
            if secret:
                raise OAuthError("invalid_client", "a public client has no secret", 401)
        elif not hmac.compare_digest(secret.encode(), self.client_secret.encode()):
            raise OAuthError("invalid_client", "client authentication failed", 401)
        return client_id

    def _redeem(self, form: Mapping[str, str], client_id: str) -> _Grant:
        """Consume the code in `form`, checking everything RFC 6749 4.1.3 and RFC 7636 ask."""
        code = form.get("code", "")
        grant = self._codes.pop(code, None)
        if grant is None:
            used = code in self._redeemed
            raise OAuthError("invalid_grant", "code already used" if used else "unknown code")
        self._redeemed.add(code)
        if grant.expires_at < time.monotonic():
            raise OAuthError("invalid_grant", "code expired")
        if grant.client_id != client_id:
            raise OAuthError("invalid_grant", "code was issued to another client")
        if form.get("redirect_uri") != grant.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri differs from the authorization")
        verifier = form.get("code_verifier", "")
        if not 43 <= len(verifier) <= 128 or not set(verifier) <= _PKCE_ALPHABET:
            raise OAuthError("invalid_grant", "malformed code_verifier")
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        expected = base64.urlsafe_b64encode(digest).decode().rstrip("=")
        if not hmac.compare_digest(expected, grant.code_challenge):
            raise OAuthError("invalid_grant", "PKCE verification failed")
        return grant

    def _id_token(self, grant: _Grant) -> str:
        lies = self.misbehave
        now = int(time.time())
        issued = now - 600 if lies.expired else now
        claims: dict[str, Any] = {
            "iss": lies.id_token_issuer or self.issuer,
            "sub": grant.user.subject,
            "aud": lies.id_token_audience or grant.client_id,
            "iat": issued,
            "exp": issued + TOKEN_LIFETIME,
            "auth_time": issued,
        }
        nonce = lies.id_token_nonce or grant.nonce
        if nonce is not None:
            claims["nonce"] = nonce
        if lies.id_token_azp is not None:
            claims["azp"] = lies.id_token_azp
        if not lies.claims_only_in_userinfo:
            claims.update(_profile_claims(grant.user, grant.scopes))
        key = self._keys[-1]
        if lies.alg_none:
            return _compact_jws({"alg": "none", "typ": "JWT"}, claims, lambda _: b"")
        if lies.hs256_with_public_key:
            secret = key.public_pem()
            return _compact_jws(
                {"alg": "HS256", "typ": "JWT", "kid": key.kid},
                claims,
                lambda data: hmac.new(secret, data, hashlib.sha256).digest(),
            )
        if lies.bad_signature:
            return _SigningKey.generate(key.alg, kid=key.kid).sign(claims)
        if lies.unpublished_kid:
            return _SigningKey.generate(key.alg, kid="not-in-jwks").sign(claims)
        return key.sign(claims)

    async def _jwks(self, request: web.Request) -> web.Response:
        return web.json_response({"keys": [key.public_jwk() for key in self._keys]})

    async def _userinfo(self, request: web.Request) -> web.Response:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        user = self._access_tokens.get(token)
        if user is None:
            challenge = 'Bearer error="invalid_token"'
            return web.Response(status=401, headers={"WWW-Authenticate": challenge})
        claims = {
            "sub": self.misbehave.userinfo_subject or user.subject,
            **_profile_claims(user, frozenset({"email", "profile"})),
        }
        return web.json_response(claims, headers=_no_store({}))


def _profile_claims(user: OidcTestUser, scopes: frozenset[str]) -> dict[str, Any]:
    claims: dict[str, Any] = {}
    if "email" in scopes:
        claims.update(email=user.email, email_verified=user.email_verified)
    if "profile" in scopes:
        claims["name"] = user.name
    return claims


def _compact_jws(
    header: Mapping[str, Any], claims: Mapping[str, Any], sign: Callable[[bytes], bytes]
) -> str:
    """A JWS built by hand, for the forms a JWT library rightly refuses to produce."""

    def encode(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    signing_input = ".".join(
        encode(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    return f"{signing_input}.{encode(sign(signing_input.encode()))}"


def _with_query(url: str, params: Mapping[str, str]) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _no_store(headers: Mapping[str, str]) -> dict[str, str]:
    # RFC 6749 5.1: responses carrying tokens or credentials must not be cached.
    return {**headers, "Cache-Control": "no-store", "Pragma": "no-cache"}


@asynccontextmanager
async def running_oidc_provider(
    *,
    client_id: str = "ukm-web",
    client_secret: str | None = "provider-issued-client-secret",
    redirect_uris: Sequence[str] = ("https://ukm.local/auth/oidc/callback",),
    user: OidcTestUser | None = None,
    signing_alg: SigningAlg = "RS256",
) -> AsyncIterator[LocalOidcProvider]:
    """Serve a provider with one registered client on a free port of 127.0.0.1.

    `client_secret=None` registers a public client (PKCE only).
    """
    provider = LocalOidcProvider(
        client_id=client_id,
        client_secret=client_secret,
        redirect_uris=tuple(redirect_uris),
        user=user or OidcTestUser(),
        signing_alg=signing_alg,
    )
    runner = web.AppRunner(provider.app(), access_log=None)
    await runner.setup()
    # Port 0: the kernel picks and binds in one step, so nothing can take the port meanwhile.
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    provider.issuer = f"http://{host}:{port}{ISSUER_PATH}"
    try:
        yield provider
    finally:
        await runner.cleanup()
