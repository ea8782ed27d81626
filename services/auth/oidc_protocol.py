"""The rules of an OpenID Connect login (code flow + PKCE), without I/O: the values a login is
made of, PKCE and state, and the checks on what a provider says (its discovery document, its
keys, its ID token claims). `services.auth.oidc.OidcClient` does the talking and applies them.

Every failure is an `OidcError` with a stable `reason` (for the audit log and error details) and
a message fit to show an operator. Messages never contain codes, tokens or verifiers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import jwt
from pydantic import SecretStr

# ID token algorithms we verify, with the JWK key type each needs. Asymmetric only: `none` is
# no signature at all, and HS* would make the client secret (or, in the classic confusion
# attack, the provider's public key) a signing key.
KEY_TYPES: Mapping[str, str] = {
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
        if not is_secure_url(self.issuer):
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
class ProviderMetadata:
    """The parts of the discovery document we use."""

    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    token_auth_methods: tuple[str, ...]


def parse_discovery(document: Mapping[str, Any], issuer: str) -> ProviderMetadata:
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
        if not is_secure_url(value):
            message = f"the discovery document's {name} is not an https URL: {value!r}"
            raise OidcError(OidcFailure.DISCOVERY_FAILED, message)
        endpoints[name] = value
    challenge_methods = document.get("code_challenge_methods_supported")
    if isinstance(challenge_methods, list) and "S256" not in challenge_methods:
        raise OidcError(OidcFailure.DISCOVERY_FAILED, "the provider does not support PKCE S256")
    # The spec's default when the field is absent.
    auth_methods = document.get("token_endpoint_auth_methods_supported", ["client_secret_basic"])
    return ProviderMetadata(
        authorization_endpoint=str(endpoints["authorization_endpoint"]),
        token_endpoint=str(endpoints["token_endpoint"]),
        jwks_uri=str(endpoints["jwks_uri"]),
        userinfo_endpoint=endpoints["userinfo_endpoint"],
        token_auth_methods=tuple(m for m in auth_methods if isinstance(m, str))
        if isinstance(auth_methods, list)
        else ("client_secret_basic",),
    )


def select_key(keys: list[dict[str, Any]], kid: str | None, alg: str) -> dict[str, Any] | None:
    """The one signing key of the right type for `alg` (and `kid`, when the token names one)."""
    candidates = [
        key
        for key in keys
        if key.get("kty") == KEY_TYPES[alg]
        and key.get("use", "sig") == "sig"
        and key.get("alg", alg) == alg
        and (kid is None or key.get("kid") == kid)
    ]
    return candidates[0] if len(candidates) == 1 else None


def check_id_token_claims(
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


def claims_error(error: jwt.InvalidTokenError) -> OidcError:
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


def with_query(url: str, params: Mapping[str, str]) -> str:
    """`url` with `params` added to whatever query it already has."""
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def random_value() -> str:
    """An unguessable single-use value (state, nonce): 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


def is_true(value: object) -> bool:
    """A JSON true; some providers send the string "true". Anything else is not a yes."""
    return value is True or value == "true"


def is_secure_url(url: str) -> bool:
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
